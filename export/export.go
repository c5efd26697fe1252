// Package export renders an incident, its record and its timeline as a
// document to keep outside Slack: JSON (a public contract, Document) and
// Markdown (for stakeholders). It reads the domain only and performs no I/O,
// so the bot's /incident export and the CLI produce the same files.
// docs/export.md documents both formats.
package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// SchemaVersion is Document.SchemaVersion. It changes only when a field is
// removed or changes meaning; new fields may appear without a change.
const SchemaVersion = 1

// DefaultPostmortemAfter is the bot's default POSTMORTEM_REMINDER_AFTER:
// the postmortem of a resolved incident is due this long after resolution
// unless someone set a date.
const DefaultPostmortemAfter = 48 * time.Hour

// Options say how to render.
type Options struct {
	// Location is the zone Markdown shows times in, always with the zone
	// (INCIDENT_TIMEZONE), and the zone a default postmortem due date is a
	// date in. JSON times are UTC. nil means UTC.
	Location *time.Location
	// Names gives a person's display name for the Markdown; nil shows the
	// bare Slack user ID. JSON always carries IDs.
	Names func(id string) string
	// PostmortemAfter is the default delay from resolution to the
	// postmortem's due date; zero means DefaultPostmortemAfter, negative
	// means no default.
	PostmortemAfter time.Duration
}

func (o Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) after() time.Duration {
	if o.PostmortemAfter == 0 {
		return DefaultPostmortemAfter
	}
	return o.PostmortemAfter
}

// Document is the JSON export, field for field: the one source of its
// shape. Strings are "" when unset; times, numbers and objects that are not
// known yet are null; arrays are never null.
type Document struct {
	SchemaVersion int      `json:"schema_version"`
	Number        int64    `json:"number"`
	ID            string   `json:"id"` // "INC-<n>"
	Title         string   `json:"title"`
	Severity      string   `json:"severity"` // "P1".."P4"
	Status        string   `json:"status"`
	Private       bool     `json:"private"`
	Services      []string `json:"services"`
	Impact        string   `json:"impact"`
	// Customers is how many customers are affected; null when unknown.
	Customers  *int64     `json:"customers"`
	DetectedBy *Detection `json:"detected_by"` // null until set
	Hypothesis string     `json:"hypothesis"`
	RootCause  string     `json:"root_cause"`
	Trigger    string     `json:"trigger"`
	AI         string     `json:"ai"` // an incident.AIConnection, "" unset
	Roles      Roles      `json:"roles"`

	DeclaredAt     *time.Time `json:"declared_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"` // see AcknowledgedAt
	ResolvedAt     *time.Time `json:"resolved_at"`
	// Durations from declaration, in whole seconds.
	TimeToAcknowledgeS *int64 `json:"time_to_acknowledge_s"`
	TimeToResolveS     *int64 `json:"time_to_resolve_s"`

	Comms       Comms           `json:"comms"`
	Postmortem  Postmortem      `json:"postmortem"`
	ActionItems []ActionItem    `json:"action_items"`
	Timeline    []TimelineEntry `json:"timeline"`
}

// Detection is how the incident was found.
type Detection struct {
	Source string `json:"source"` // an incident.Detection: alert, customer, …
	Link   string `json:"link"`   // "" when none was given
}

// Roles holds the Slack user ID in each role, "" when unassigned.
type Roles struct {
	Lead   string `json:"lead"`
	Comms  string `json:"comms"`
	Tech   string `json:"tech"`
	Scribe string `json:"scribe"`
}

// Comms says which communications went out; each is null until done.
type Comms struct {
	Customers  *CommDone `json:"customers"`
	Team       *CommDone `json:"team"`
	StatusPage *CommDone `json:"status_page"`
}

// CommDone is who sent a communication and when.
type CommDone struct {
	DoneBy string    `json:"done_by"`
	DoneAt time.Time `json:"done_at"`
}

// Postmortem is where the postmortem stands.
type Postmortem struct {
	State string `json:"state"` // pending, drafted, approved
	Owner string `json:"owner"` // a Slack user ID, "" unassigned
	// Due is the effective due date (YYYY-MM-DD): the date set, else the
	// default delay after resolution; null while neither is known.
	Due        *string    `json:"due"`
	ApprovedAt *time.Time `json:"approved_at"`
}

// ActionItem is a follow-up and whether it is done.
type ActionItem struct {
	Text  string  `json:"text"`
	Owner string  `json:"owner"` // a Slack user ID or free text, "" none
	Due   *string `json:"due"`   // YYYY-MM-DD, null none
	Done  bool    `json:"done"`
	// Issue is the tracker issue it was exported to; absent until then.
	Issue *Issue `json:"issue,omitempty"`
}

// Issue is an action item's issue in the team's tracker.
type Issue struct {
	Tracker string `json:"tracker"` // github, jira or linear
	Key     string `json:"key"`     // acme/app#12, CHK-12, ENG-4
	URL     string `json:"url"`
}

// TimelineEntry is one entry of the folded timeline: a message as it stands
// after edits (deleted ones absent), or a system fact in words.
type TimelineEntry struct {
	ID    string    `json:"id"` // "E<seq>", the citation drafts use
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`  // an incident.Kind: message, status, field, …
	Actor string    `json:"actor"` // a Slack user ID (or an integration's bot ID), "" the bot
	Text  string    `json:"text"`
	Marks []string  `json:"marks"`
}

// Build assembles the Document of inc from its event log.
func Build(inc incident.Incident, events []incident.Event, opts Options) Document {
	return build(inc, events, incident.Fold(events), opts)
}

// build is Build with the timeline of entries, already folded.
func build(inc incident.Incident, events []incident.Event, entries []incident.Entry, opts Options) Document {
	d := Document{
		SchemaVersion: SchemaVersion,
		Number:        inc.Number,
		ID:            inc.ID(),
		Title:         inc.Title,
		Severity:      inc.Severity.String(),
		Status:        string(inc.Status),
		Private:       inc.Private,
		Services:      append([]string{}, inc.Services...),
		Impact:        plain(inc.Impact),
		Hypothesis:    plain(inc.Hypothesis),
		RootCause:     plain(inc.RootCause),
		Trigger:       plain(inc.Trigger),
		AI:            string(inc.AI),
		Roles: Roles{Lead: inc.Roles[incident.Lead], Comms: inc.Roles[incident.Comms],
			Tech: inc.Roles[incident.Tech], Scribe: inc.Roles[incident.Scribe]},
		DeclaredAt: utc(inc.DeclaredAt),
		ResolvedAt: utc(inc.ResolvedAt),
		Comms: Comms{Customers: comm(inc, incident.CommCustomers), Team: comm(inc, incident.CommTeam),
			StatusPage: comm(inc, incident.CommStatusPage)},
		Postmortem: Postmortem{
			State: string(inc.PostmortemState()), Owner: inc.PostmortemOwner,
			Due: date(postmortemDue(inc, opts)), ApprovedAt: utc(PostmortemApprovedAt(inc, events)),
		},
		ActionItems: []ActionItem{},
		Timeline:    make([]TimelineEntry, 0, len(entries)),
	}
	if inc.CustomersKnown {
		n := inc.Customers
		d.Customers = &n
	}
	if inc.DetectedBy != "" {
		d.DetectedBy = &Detection{Source: string(inc.DetectedBy), Link: inc.DetectedLink}
	}
	if ack := AcknowledgedAt(inc, events); !ack.IsZero() {
		d.AcknowledgedAt = utc(ack)
		d.TimeToAcknowledgeS = seconds(inc.DeclaredAt, ack)
	}
	if !inc.ResolvedAt.IsZero() {
		d.TimeToResolveS = seconds(inc.DeclaredAt, inc.ResolvedAt)
	}
	for _, it := range incident.ActionItems(events) {
		a := ActionItem{Text: it.Text, Owner: it.Owner, Due: date(it.Due), Done: it.Done}
		if it.Issue.Kind != "" {
			a.Issue = &Issue{Tracker: string(it.Issue.Kind), Key: it.Issue.Key, URL: it.Issue.URL}
		}
		d.ActionItems = append(d.ActionItems, a)
	}
	for _, e := range entries {
		marks := make([]string, len(e.Marks))
		for i, m := range e.Marks {
			marks[i] = string(m)
		}
		d.Timeline = append(d.Timeline, TimelineEntry{ID: e.Ref(), At: e.At.UTC(), Kind: string(e.Kind),
			Actor: e.Actor, Text: describe(e, false, nil), Marks: marks})
	}
	return d
}

// JSON renders the Document of inc, indented, with a final newline.
func JSON(inc incident.Incident, events []incident.Event, opts Options) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<" and "&" stay readable; this is not HTML
	if err := enc.Encode(Build(inc, events, opts)); err != nil {
		return nil, fmt.Errorf("export %s as JSON: %w", inc.ID(), err)
	}
	return b.Bytes(), nil
}

// describe is an entry's text: a message's text, or a system fact in words.
// Text that came from Slack (messages and record values) is rendered from
// Slack's markup; the rest is the bot's own words. For JSON (md false)
// people are bare IDs.
func describe(e incident.Entry, md bool, name func(string) string) string {
	who := orID(name)
	switch e.Kind {
	case incident.KindMessage, incident.KindField:
		// A mention inside a message is named only when names are known.
		return render(e.DescribeAs(who), md, name)
	}
	s := e.DescribeAs(who)
	if e.Kind == incident.KindNote && e.Text != "" {
		s = e.Text // DescribeAs would prefix "note: "; a note is already a sentence
	}
	if md {
		return escapeInline(s)
	}
	return s
}

// orID is names, falling back to the bare ID for anyone it does not know.
func orID(names func(string) string) func(string) string {
	return func(id string) string {
		if names != nil {
			if n := names(id); n != "" {
				return n
			}
		}
		return id
	}
}

// plain renders a record value for JSON.
func plain(s string) string { return render(s, false, nil) }

// AcknowledgedAt is when someone was first known to be on the incident:
//
//  1. the earliest PagerDuty acknowledgement (a page_ack event), if any;
//  2. else, when a person declared it in Slack, the declaration: they were
//     already on it;
//  3. else (the paging system declared it) the earliest message or command
//     by a person.
//
// It returns the zero time while none of these has happened. Events are
// compared by time, since the log is in arrival order.
func AcknowledgedAt(inc incident.Incident, events []incident.Event) time.Time {
	if t := earliest(events, func(ev incident.Event) bool { return ev.Kind == incident.KindPageAck }); !t.IsZero() {
		return t
	}
	if person(inc.DeclaredBy) && (inc.Source == "slack" || inc.Source == "") {
		return inc.DeclaredAt
	}
	return earliest(events, func(ev incident.Event) bool { return person(ev.Actor) && byPerson(ev.Kind) })
}

// byPerson reports whether an event of kind k with a person as actor is
// that person acting: saying something or running a command. Edits, marks
// and deletions follow a message; declared is rule 2's; page
// acknowledgements and alerts come from the paging system.
func byPerson(k incident.Kind) bool {
	switch k {
	case incident.KindEdit, incident.KindDelete, incident.KindMark, incident.KindUnmark, incident.KindDeclared,
		incident.KindPageAck, incident.KindPageResolve, incident.KindPageFailed, incident.KindNote:
		return false
	}
	return true
}

func person(id string) bool { return incident.IsUserID(id) }

func earliest(events []incident.Event, match func(incident.Event) bool) time.Time {
	var t time.Time
	for _, ev := range events {
		if !ev.At.IsZero() && match(ev) && (t.IsZero() || ev.At.Before(t)) {
			t = ev.At
		}
	}
	return t
}

// PostmortemApprovedAt is when the approved postmortem (inc.PostmortemID)
// was approved, from its draft_approved event; zero when it is not approved.
// When no event names that draft, the last postmortem approval stands in.
func PostmortemApprovedAt(inc incident.Incident, events []incident.Event) time.Time {
	if inc.PostmortemID == "" {
		return time.Time{}
	}
	var last time.Time
	for _, ev := range slices.Backward(events) {
		if ev.Kind != incident.KindDraftApproved || ev.Get("kind") != string(incident.DraftPostmortem) {
			continue
		}
		if ev.Get("draft") == inc.PostmortemID {
			return ev.At
		}
		if last.IsZero() {
			last = ev.At
		}
	}
	return last
}

// postmortemDue is the effective due date at midnight UTC: the date set,
// or the date in opts' zone the default delay after resolution.
func postmortemDue(inc incident.Incident, opts Options) time.Time {
	if !inc.PostmortemDue.IsZero() {
		return inc.PostmortemDue
	}
	t := inc.PostmortemDueAt(opts.after())
	if t.IsZero() {
		return t
	}
	t = t.In(opts.loc())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func comm(inc incident.Incident, c incident.Comm) *CommDone {
	done, ok := inc.Comms[c]
	if !ok {
		return nil
	}
	return &CommDone{DoneBy: done.By, DoneAt: done.At.UTC()}
}

func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// date renders a stored date (midnight UTC) as YYYY-MM-DD.
func date(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

func seconds(from, to time.Time) *int64 {
	if from.IsZero() || to.IsZero() {
		return nil
	}
	s := int64(max(0, to.Sub(from)).Round(time.Second) / time.Second)
	return &s
}
