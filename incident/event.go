package incident

import (
	"strings"
	"time"
)

// Kind names what an event records.
type Kind string

// Event kinds. Conversation kinds come from the channel; the others are facts
// the bot itself establishes.
const (
	KindDeclared      Kind = "declared"
	KindMessage       Kind = "message"
	KindEdit          Kind = "edit"
	KindDelete        Kind = "delete"
	KindMark          Kind = "mark"
	KindUnmark        Kind = "unmark"
	KindStatus        Kind = "status"
	KindSeverity      Kind = "severity"
	KindRole          Kind = "role"
	KindResolved      Kind = "resolved"
	KindPage          Kind = "page"
	KindPageAck       Kind = "page_ack"
	KindPageResolve   Kind = "page_resolve"
	KindPageFailed    Kind = "page_failed"
	KindDraftCreated  Kind = "draft_created"
	KindDraftApproved Kind = "draft_approved"
	KindDraftEdited   Kind = "draft_edited"
	KindDraftRejected Kind = "draft_rejected"
	KindRunbookShared Kind = "runbook_shared"
	KindActionItem    Kind = "action_item"
	KindNote          Kind = "note"
	KindField         Kind = "field" // a record field set: Data field, from, to
	KindComms         Kind = "comms" // a communication sent: Data comm
	// KindWorkflow is a workflow step's outcome: Data workflow, step,
	// outcome ("ok" or "failed"), users (invited IDs); Text the detail.
	KindWorkflow Kind = "workflow"
)

// Conversation reports whether k is something a person said, as opposed to a
// system fact.
func (k Kind) Conversation() bool {
	switch k {
	case KindMessage, KindEdit, KindDelete, KindMark, KindUnmark:
		return true
	}
	return false
}

// Mark is the meaning a reaction gives to a message.
type Mark string

// Marks, with their default emoji in DefaultMarks.
const (
	MarkKeyEvent   Mark = "key_event"
	MarkHypothesis Mark = "hypothesis"
	MarkAction     Mark = "action"
	MarkImpact     Mark = "impact"
	MarkDecision   Mark = "decision"
)

// Label is the mark's display name.
func (m Mark) Label() string {
	switch m {
	case MarkKeyEvent:
		return "key event"
	case MarkHypothesis:
		return "hypothesis"
	case MarkAction:
		return "action"
	case MarkImpact:
		return "impact"
	case MarkDecision:
		return "decision"
	}
	return strings.ReplaceAll(string(m), "_", " ")
}

// DefaultMarks maps reaction names (without colons) to marks.
func DefaultMarks() map[string]Mark {
	return map[string]Mark{
		"pushpin":          MarkKeyEvent,
		"bulb":             MarkHypothesis,
		"white_check_mark": MarkAction,
		"rotating_light":   MarkImpact,
		"rewind":           MarkDecision,
	}
}

// ParseMarks parses a mapping such as "pushpin=key_event,bulb=hypothesis".
// Unknown mark names are accepted as custom marks; malformed pairs are
// reported.
func ParseMarks(s string) (map[string]Mark, error) {
	out := map[string]Mark{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		emoji, mark, ok := strings.Cut(pair, "=")
		emoji = strings.Trim(strings.TrimSpace(emoji), ":")
		mark = strings.TrimSpace(mark)
		if !ok || emoji == "" || mark == "" {
			return nil, Errorf(EInvalid, "%q is not an emoji=mark pair (for example pushpin=key_event).", pair)
		}
		out[emoji] = Mark(mark)
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "no emoji=mark pairs given")
	}
	return out, nil
}

// Event is one fact on an incident's append-only log. Which fields are set
// depends on Kind; Data carries kind-specific extras (from/to, draft id...).
type Event struct {
	// ID is the store's id for the event (a Redis stream id). Seq is its
	// 1-based position in the log, which is stable because the log is
	// append-only; timelines and AI citations refer to events as E<Seq>.
	ID  string
	Seq int

	Kind  Kind
	At    time.Time
	Actor string // Slack user ID, or "" for the bot itself

	// Conversation fields.
	TS       string // Slack ts of the message this event is about
	ThreadTS string // parent ts when the message is a thread reply
	Text     string
	Files    []string
	Mark     Mark
	Reaction string

	Data map[string]string
}

// Get returns Data[key], or "" when absent.
func (e Event) Get(key string) string {
	if e.Data == nil {
		return ""
	}
	return e.Data[key]
}
