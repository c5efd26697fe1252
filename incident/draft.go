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
type Draft struct {
	ID       string
	Incident int64
	Kind     DraftKind
	State    DraftState
	Text     string // Markdown (mrkdwn for Slack-bound updates)
	// Source is "llm" or "template"; Reason says why a template was used.
	Source        string
	Reason        string
	Model         string
	PromptVersion string
	// Citations are the E<Seq> ids the draft rests on; Flags are problems the
	// checks found (uncited claims, blaming language, missing sections).
	Citations []int
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
	// Names maps user IDs to display names, so the model and the drafts
	// name people instead of mentioning them.
	Names map[string]string
	// Location is the time zone drafts show times in (INCIDENT_TIMEZONE);
	// nil means UTC.
	Location *time.Location
}

// ActionItem is a follow-up from a postmortem, tracked until done.
type ActionItem struct {
	ID    string
	Text  string
	Owner string // Slack user ID or free text
	Due   time.Time
	Done  bool
}
