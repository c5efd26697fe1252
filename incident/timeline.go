package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Entry is one line of a timeline: a message as it stands now, or a system
// fact.
type Entry struct {
	Seq      int // the Seq of the event that created the entry: cite as E<Seq>
	Kind     Kind
	At       time.Time
	Actor    string
	TS       string
	ThreadTS string
	Text     string
	Files    []string
	Edited   bool
	EditedAt time.Time
	// Marks lists each distinct mark on the entry, in the order first added.
	Marks []Mark
	Data  map[string]string

	markers map[markKey]struct{}
}

type markKey struct {
	user string
	mark Mark
}

// Ref is the entry's citation label, e.g. "E12".
func (e Entry) Ref() string { return fmt.Sprintf("E%d", e.Seq) }

// Marked reports whether anyone has marked the entry.
func (e Entry) Marked() bool { return len(e.Marks) > 0 }

// Fold turns an incident's event log into its timeline: entries in the order
// they happened, with edits applied and deletions removed, marks attached to the
// messages they mark, and system events inline. Events about messages the log
// never saw (an edit of an unknown ts, say) are ignored, because the fold must
// accept any log. Fold does not modify events.
//
// The log is in arrival order, and arrival order is not the order things
// happened: Slack spreads events over several connections and redelivers
// late ones, so an edit or a reaction can be logged before its message, or
// an unmark before its mark. Fold therefore places messages first, then
// applies edits and marks in the order they happened (At, then log order).
func Fold(events []Event) []Entry {
	entries := make([]Entry, 0, len(events))
	byTS := make(map[string]int, len(events)) // message ts -> index in entries
	// Slack never reuses a ts, so once a ts is deleted any copy of its
	// message (a redelivery, or one that arrived after its delete) stays gone.
	gone := map[string]struct{}{}
	var later []Event // edits and marks, applied once every message is placed
	for _, ev := range events {
		if ev.Kind == KindChecklist && ev.Get("op") == ChecklistPosted {
			continue // a pointer to the checklist's message, not something that happened
		}
		switch ev.Kind {
		case KindMessage:
			if ev.TS != "" {
				if i, ok := byTS[ev.TS]; ok {
					// A message recorded twice keeps one entry: the message's own
					// event over a copy fetched from Slack for a reaction (the
					// copy may already carry a later edit).
					if entries[i].Data["backfilled"] == "true" && ev.Get("backfilled") != "true" {
						entries[i].Seq, entries[i].Text, entries[i].Files, entries[i].Data = ev.Seq, ev.Text, ev.Files, nil
					}
					continue
				}
				byTS[ev.TS] = len(entries)
			}
			e := Entry{
				Seq: ev.Seq, Kind: KindMessage, At: ev.At, Actor: ev.Actor,
				TS: ev.TS, ThreadTS: ev.ThreadTS, Text: ev.Text, Files: ev.Files,
			}
			if ev.Get("backfilled") == "true" {
				e.Data = map[string]string{"backfilled": "true"}
			}
			entries = append(entries, e)
		case KindDelete:
			if ev.TS != "" {
				gone[ev.TS] = struct{}{}
			}
		case KindEdit, KindMark, KindUnmark:
			later = append(later, ev)
		default:
			entries = append(entries, Entry{
				Seq: ev.Seq, Kind: ev.Kind, At: ev.At, Actor: ev.Actor,
				TS: ev.TS, Text: ev.Text, Data: ev.Data,
			})
		}
	}
	slices.SortStableFunc(later, func(a, b Event) int { return a.At.Compare(b.At) })
	for _, ev := range later {
		i, ok := byTS[ev.TS]
		if !ok {
			continue
		}
		switch ev.Kind {
		case KindEdit:
			entries[i].Text = ev.Text
			entries[i].Edited = true
			entries[i].EditedAt = ev.At
			if ev.Files != nil {
				entries[i].Files = ev.Files
			}
		case KindMark, KindUnmark:
			if ev.Mark != "" {
				applyMark(&entries[i], ev)
			}
		}
	}
	if len(gone) > 0 {
		entries = slices.DeleteFunc(entries, func(e Entry) bool {
			_, del := gone[e.TS]
			return del && e.Kind == KindMessage
		})
	}
	for i := range entries {
		entries[i].markers = nil
	}
	slices.SortStableFunc(entries, compareEntries)
	return entries
}

// compareEntries orders entries by time; messages at the same instant (the
// log keeps microseconds, older logs milliseconds) fall back to Slack's ts,
// which orders them exactly.
func compareEntries(a, b Entry) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if a.TS != "" && b.TS != "" && len(a.TS) == len(b.TS) {
		return strings.Compare(a.TS, b.TS)
	}
	return 0
}

func applyMark(e *Entry, ev Event) {
	k := markKey{ev.Actor, ev.Mark}
	if ev.Kind == KindMark {
		if e.markers == nil {
			e.markers = map[markKey]struct{}{}
		}
		e.markers[k] = struct{}{}
		if !slices.Contains(e.Marks, ev.Mark) {
			e.Marks = append(e.Marks, ev.Mark)
		}
		return
	}
	delete(e.markers, k)
	for other := range e.markers {
		if other.mark == ev.Mark {
			return // someone else still marks it so
		}
	}
	e.Marks = slices.DeleteFunc(e.Marks, func(m Mark) bool { return m == ev.Mark })
}

// Describe renders a system entry as a sentence ("status → identified"),
// with people as Slack mentions. Conversation entries return their text.
func (e Entry) Describe() string {
	return e.DescribeAs(func(id string) string { return "<@" + id + ">" })
}

// DescribeAs is Describe with people named by name(id): files and
// stakeholders read names, not mentions.
func (e Entry) DescribeAs(name func(id string) string) string {
	get := func(k string) string {
		if e.Data == nil {
			return ""
		}
		return e.Data[k]
	}
	switch e.Kind {
	case KindMessage:
		return e.Text
	case KindDeclared:
		return strings.TrimSpace(fmt.Sprintf("declared %s %s", get("severity"), quoteIf(get("title"))))
	case KindStatus:
		return fmt.Sprintf("status %s → %s", get("from"), get("to"))
	case KindSeverity:
		return fmt.Sprintf("severity %s → %s", get("from"), get("to"))
	case KindRole:
		return fmt.Sprintf("%s → %s", Role(get("role")).Title(), name(get("user")))
	case KindResolved:
		return fmt.Sprintf("resolved after %s", get("duration"))
	case KindDraftCreated:
		return fmt.Sprintf("%s drafted (%s)", draftLabel(get("kind")), sourceLabel(get("source")))
	case KindDraftApproved:
		if get("edited") == "true" {
			return fmt.Sprintf("%s approved after a human edit", draftLabel(get("kind")))
		}
		return fmt.Sprintf("%s approved", draftLabel(get("kind")))
	case KindDraftEdited:
		return fmt.Sprintf("draft edited before approval (change ratio %s)", get("change_ratio"))
	case KindDraftRejected:
		return fmt.Sprintf("%s draft rejected", draftLabel(get("kind")))
	case KindPage:
		if svc := get("service"); svc != "" && get("external_id") == "" {
			return fmt.Sprintf("paged the on-call for %s", svc)
		}
		if e.Text != "" {
			return e.Text
		}
		return "paged the on-call"
	case KindPageFailed:
		return "paging failed: " + e.Text
	case KindPageAck:
		if tta := get("time_to_ack"); tta != "" {
			return fmt.Sprintf("page acknowledged by %s after %s", get("by"), tta)
		}
		return fmt.Sprintf("page acknowledged by %s", get("by"))
	case KindPageResolve:
		return "page resolved"
	case KindRunbookShared:
		return "runbook shared: " + e.Text
	case KindActionItem:
		switch get("op") {
		case ActionExported:
			return fmt.Sprintf("action item exported to %s: %s", get("issue_key"), e.Text)
		case ActionSnooze:
			return fmt.Sprintf("action item snoozed until %s: %s", strings.SplitN(get("until"), "T", 2)[0], e.Text)
		}
		if by := get("by"); by != "" {
			return fmt.Sprintf("action item %s in %s by %s: %s", get("op"), get("source"), by, e.Text)
		}
		return fmt.Sprintf("action item %s: %s", get("op"), e.Text)
	case KindField:
		return describeField(Field(get("field")), get("to"), name)
	case KindComms:
		return fmt.Sprintf("%s communication sent", strings.ToLower(Comm(get("comm")).Label()))
	case KindWorkflow:
		return describeWorkflow(get("workflow"), get("outcome"), get("users"), e.Text, name)
	case KindChecklist:
		return describeChecklist(e)
	case KindAlert:
		return e.Text // "Alertmanager: Checkout error rate above 5% firing"
	}
	if e.Text != "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Text)
	}
	return string(e.Kind)
}

func draftLabel(kind string) string {
	switch DraftKind(kind) {
	case DraftPostmortem:
		return "postmortem"
	case DraftCatchup:
		return "catch-up"
	}
	return "status update"
}

func sourceLabel(source string) string {
	if source == "llm" {
		return "AI"
	}
	return "template"
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// describeField says what a field change set, people named by name.
func describeField(f Field, to string, name func(id string) string) string {
	label := strings.ToLower(f.Label())
	switch {
	case to == "":
		return label + " cleared"
	case f == FieldPostmortemOwner:
		to = name(to)
	case f == FieldAI:
		to = fmt.Sprintf("%s (%s)", to, AIConnection(to).Describe())
	}
	return fmt.Sprintf("%s: %s", label, to)
}

// describeWorkflow says what a workflow step did: "workflow payments-major:
// invited ali, sam" or "workflow payments-major: failed: page payments: …".
func describeWorkflow(wf, outcome, users, text string, name func(id string) string) string {
	if users != "" {
		var names []string
		for _, id := range strings.Split(users, ",") {
			names = append(names, name(id))
		}
		text = strings.TrimSpace(text + " " + strings.Join(names, ", "))
	}
	if outcome == "failed" {
		return fmt.Sprintf("workflow %s failed: %s", wf, text)
	}
	return fmt.Sprintf("workflow %s: %s", wf, text)
}
