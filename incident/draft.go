package incident

import "time"

// DraftKind says what a draft is for.
type DraftKind string

// Draft kinds.
const (
	DraftUpdate     DraftKind = "update"
	DraftPostmortem DraftKind = "postmortem"
	DraftCatchup    DraftKind = "catchup"
)

// DraftState is where a draft stands in the approval flow.
type DraftState string

// Draft states. Only pending drafts can change state.
const (
	DraftPending  DraftState = "pending"
	DraftApproved DraftState = "approved"
	DraftRejected DraftState = "rejected"
)

// Draft is text the LLM (or the template fallback) wrote, waiting for a human.
//
// Text is exactly what is published once approved, so it carries no review
// markup: no [E12] citation markers, no warnings, and people by display name
// rather than as <@U…> mentions that would ping them. What the reviewer needs
// travels beside it in Citations, Evidence and Flags.
type Draft struct {
	ID       string
	Incident int64
	Kind     DraftKind
	State    DraftState
	Text     string // Markdown (mrkdwn for Slack-bound updates)
	// Status, for a public draft, is the incident status it announces.
	Status Status
	// Source is "llm" or "template"; Reason says why a template was used.
	Source        string
	Reason        string
	Model         string
	PromptVersion string
	// Citations are the E<Seq> ids the draft rests on, sorted: the union of
	// Evidence. Evidence says which of them each section rests on. Flags are
	// what the checks found, for the reviewer, each naming its section
	// ("Impact: cites E99, which the timeline does not have").
	Citations []int
	Evidence  []Evidence
	Flags     []string
	// ActionItems are proposed by postmortem drafts.
	ActionItems []ActionItem
	Tokens      int
	CostUSD     float64

	CreatedAt time.Time
	CreatedBy string // who asked for it
	DecidedBy string
	DecidedAt time.Time
	FinalText string // what was published, after any human edit
	MessageTS string // the Slack ts of the draft message
	ChannelID string
}

// DraftRequest is what a drafter needs to write a draft.
type DraftRequest struct {
	Kind     DraftKind
	Incident Incident
	Events   []Event
	// SpentUSD is what this incident has already cost in model calls; the
	// drafter falls back to the template when it is over its cap.
	SpentUSD float64
	Now      time.Time
	// Names maps Slack user IDs to display names (the caller resolves them
	// through users.info). Drafts and prompts name people by them; an ID
	// missing here is shown as the bare ID, never as a <@…> mention.
	Names map[string]string
	// Location is the zone every time in a draft is shown in, with its
	// abbreviation (INCIDENT_TIMEZONE); nil means UTC.
	Location *time.Location
	// Cadence is the update cadence in force (the config file reloads);
	// nil means the drafter's own.
	Cadence map[Severity]time.Duration
	// Public is set for DraftPublic: what customers may be told.
	Public *PublicContext
}

// PublicContext is what a public draft may name and must not: customers see
// components, never the services, hosts, channels or people behind them.
type PublicContext struct {
	// Status is what the update announces (Resolved for the closing one).
	Status Status
	// Components are the status page components the incident affects.
	Components []string
	// Internal are names that must not appear in the text: the catalog's
	// service names and aliases, the incident's channel name, and so on.
	Internal []string
}

// Evidence is the timeline entries (E<Seq>) one section of a draft rests on.
type Evidence struct {
	Section string
	Seqs    []int
}

// ActionItem is a follow-up from a postmortem, tracked until done.
type ActionItem struct {
	ID    string
	Text  string
	Owner string // Slack user ID or free text
	Due   time.Time
	Done  bool
	// Issue is the tracker issue the item was exported to; its Kind is ""
	// until then.
	Issue TrackerRef
	// SnoozedUntil quiets the overdue reminders until then.
	SnoozedUntil time.Time
}
