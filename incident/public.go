package incident

import (
	"strings"
	"time"
)

// DraftPublic is a customer-facing update for the status page: plain
// language, no internal names. Approving one is the only way text reaches
// the page.
const DraftPublic DraftKind = "public"

// PublicUpdate is an approved customer-facing update, as the status page
// shows it.
type PublicUpdate struct {
	DraftID string
	// Status is what the update announces: the incident's status when it
	// was drafted, or Resolved for the closing update.
	Status Status
	// Headline is the incident's name as customers see it; Text is the
	// body, Markdown.
	Headline string
	Text     string
	At       time.Time // when it was approved
	By       string    // who approved it (Slack user ID; never shown on the page)
}

// PublicIncident is what the status page may know of one incident: facts
// the bot recorded and the words a person approved, nothing else. An
// incident becomes public when its first public update is approved.
type PublicIncident struct {
	Number     int64
	Severity   Severity
	Status     Status
	Services   []string // the record's services, mapped to components by the catalog
	DeclaredAt time.Time
	ResolvedAt time.Time      // zero while open
	Updates    []PublicUpdate // oldest first
}

// Latest is the newest approved update; ok is false when there is none.
func (p PublicIncident) Latest() (PublicUpdate, bool) {
	if len(p.Updates) == 0 {
		return PublicUpdate{}, false
	}
	return p.Updates[len(p.Updates)-1], true
}

// SplitPublic splits a public draft's text into its headline (the first
// non-empty line, without Markdown heading or emphasis marks) and its body
// (the rest, trimmed). A text of one line is all headline.
func SplitPublic(text string) (headline, body string) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(strings.TrimLeft(first, "# "))
	for _, m := range []string{"**", "__", "*", "_"} {
		if len(first) > 2*len(m) && strings.HasPrefix(first, m) && strings.HasSuffix(first, m) {
			first = strings.TrimSpace(first[len(m) : len(first)-len(m)])
			break
		}
	}
	return first, strings.TrimSpace(rest)
}

// ComponentState is how a status page component is doing.
type ComponentState string

// Component states, from best to worst.
const (
	Operational   ComponentState = "operational"
	Degraded      ComponentState = "degraded"
	PartialOutage ComponentState = "partial_outage"
	MajorOutage   ComponentState = "major_outage"
)

// ComponentStates lists the states an open incident can put a component
// in, best first.
var ComponentStates = []ComponentState{Degraded, PartialOutage, MajorOutage}

// DefaultComponentStates maps each severity to the state an open public
// incident of that severity puts its components in.
func DefaultComponentStates() map[Severity]ComponentState {
	return map[Severity]ComponentState{P1: MajorOutage, P2: PartialOutage, P3: Degraded, P4: Degraded}
}

// StatuspageUpdate is one approved update as a hosted status page
// (Atlassian Statuspage) takes it.
type StatuspageUpdate struct {
	Name   string
	Status Status
	Body   string
	// Components maps the hosted page's component ids to their state now.
	Components map[string]ComponentState
}
