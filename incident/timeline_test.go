package incident_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

var t0 = time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)

// at is t0 plus m minutes, so tables read as a clock.
func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// seq numbers events 1..n in log order, as the store does.
func seq(events ...incident.Event) []incident.Event {
	for i := range events {
		events[i].Seq = i + 1
	}
	return events
}

func msg(m int, user, ts, text string) incident.Event {
	return incident.Event{Kind: incident.KindMessage, At: at(m), Actor: user, TS: ts, Text: text}
}

func reply(m int, user, ts, parent, text string) incident.Event {
	ev := msg(m, user, ts, text)
	ev.ThreadTS = parent
	return ev
}

func edit(m int, user, ts, text string) incident.Event {
	return incident.Event{Kind: incident.KindEdit, At: at(m), Actor: user, TS: ts, Text: text}
}

func del(m int, ts string) incident.Event {
	return incident.Event{Kind: incident.KindDelete, At: at(m), TS: ts}
}

func mark(m int, user, ts string, mk incident.Mark) incident.Event {
	return incident.Event{Kind: incident.KindMark, At: at(m), Actor: user, TS: ts, Mark: mk}
}

func unmark(m int, user, ts string, mk incident.Mark) incident.Event {
	return incident.Event{Kind: incident.KindUnmark, At: at(m), Actor: user, TS: ts, Mark: mk}
}

func sys(m int, kind incident.Kind, data map[string]string) incident.Event {
	return incident.Event{Kind: kind, At: at(m), Data: data}
}

// line renders an entry compactly so whole timelines compare as strings.
func line(e incident.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", e.Ref(), e.At.Format("15:04"), e.Kind)
	if e.Actor != "" {
		fmt.Fprintf(&b, " @%s", e.Actor)
	}
	if e.ThreadTS != "" {
		fmt.Fprintf(&b, " in:%s", e.ThreadTS)
	}
	fmt.Fprintf(&b, " %q", e.Describe())
	if e.Edited {
		fmt.Fprintf(&b, " edited@%s", e.EditedAt.Format("15:04"))
	}
	if len(e.Marks) > 0 {
		fmt.Fprintf(&b, " marks=%v", e.Marks)
	}
	return b.String()
}

func lines(entries []incident.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = line(e)
	}
	return out
}

func TestFold(t *testing.T) {
	tests := []struct {
		name   string
		events []incident.Event
		want   []string
	}{
		{
			name: "empty log",
			want: []string{},
		},
		{
			name: "messages in order",
			events: seq(
				msg(1, "U1", "1.1", "checkout is 500ing"),
				msg(2, "U2", "1.2", "looking"),
			),
			want: []string{
				`E1 14:01 message @U1 "checkout is 500ing"`,
				`E2 14:02 message @U2 "looking"`,
			},
		},
		{
			name: "edit applied and flagged",
			events: seq(
				msg(1, "U1", "1.1", "db is down"),
				edit(3, "U1", "1.1", "db replica is down"),
			),
			want: []string{`E1 14:01 message @U1 "db replica is down" edited@14:03`},
		},
		{
			name: "two edits keep the last",
			events: seq(
				msg(1, "U1", "1.1", "a"),
				edit(2, "U1", "1.1", "b"),
				edit(3, "U1", "1.1", "c"),
			),
			want: []string{`E1 14:01 message @U1 "c" edited@14:03`},
		},
		{
			name: "late redelivered older edit does not undo a newer one",
			events: seq(
				msg(1, "U1", "1.1", "a"),
				edit(3, "U1", "1.1", "newest"),
				edit(2, "U1", "1.1", "older"),
			),
			want: []string{`E1 14:01 message @U1 "newest" edited@14:03`},
		},
		{
			name: "edit of unknown ts ignored",
			events: seq(
				msg(1, "U1", "1.1", "hello"),
				edit(2, "U1", "9.9", "ghost"),
			),
			want: []string{`E1 14:01 message @U1 "hello"`},
		},
		{
			name: "delete drops the message",
			events: seq(
				msg(1, "U1", "1.1", "oops wrong channel"),
				msg(2, "U2", "1.2", "stays"),
				del(3, "1.1"),
			),
			want: []string{`E2 14:02 message @U2 "stays"`},
		},
		{
			name: "delete then edit stays deleted",
			events: seq(
				msg(1, "U1", "1.1", "secret"),
				del(2, "1.1"),
				edit(3, "U1", "1.1", "still secret"),
			),
			want: []string{},
		},
		{
			name: "delete then redelivered message stays deleted",
			events: seq(
				msg(1, "U1", "1.1", "token=abc"),
				del(2, "1.1"),
				msg(1, "U1", "1.1", "token=abc"),
			),
			want: []string{},
		},
		{
			name: "delete of unknown ts ignored",
			events: seq(
				msg(1, "U1", "1.1", "hello"),
				del(2, "7.7"),
			),
			want: []string{`E1 14:01 message @U1 "hello"`},
		},
		{
			name: "marks by two users and one unmark keeps the mark",
			events: seq(
				msg(1, "U1", "1.1", "rolled back deploy 42"),
				mark(2, "U1", "1.1", incident.MarkKeyEvent),
				mark(3, "U2", "1.1", incident.MarkKeyEvent),
				unmark(4, "U1", "1.1", incident.MarkKeyEvent),
			),
			want: []string{`E1 14:01 message @U1 "rolled back deploy 42" marks=[key_event]`},
		},
		{
			name: "both unmark removes the mark",
			events: seq(
				msg(1, "U1", "1.1", "x"),
				mark(2, "U1", "1.1", incident.MarkKeyEvent),
				mark(3, "U2", "1.1", incident.MarkKeyEvent),
				unmark(4, "U1", "1.1", incident.MarkKeyEvent),
				unmark(5, "U2", "1.1", incident.MarkKeyEvent),
			),
			want: []string{`E1 14:01 message @U1 "x"`},
		},
		{
			name: "unmark by someone who never marked changes nothing",
			events: seq(
				msg(1, "U1", "1.1", "x"),
				mark(2, "U1", "1.1", incident.MarkDecision),
				unmark(3, "U3", "1.1", incident.MarkDecision),
			),
			want: []string{`E1 14:01 message @U1 "x" marks=[decision]`},
		},
		{
			name: "distinct marks in first-added order, same user twice counted once",
			events: seq(
				msg(1, "U1", "1.1", "x"),
				mark(2, "U1", "1.1", incident.MarkHypothesis),
				mark(3, "U2", "1.1", incident.MarkImpact),
				mark(4, "U1", "1.1", incident.MarkHypothesis),
				unmark(5, "U1", "1.1", incident.MarkHypothesis),
			),
			want: []string{`E1 14:01 message @U1 "x" marks=[impact]`},
		},
		{
			name: "mark without a mark name or on unknown ts ignored",
			events: seq(
				msg(1, "U1", "1.1", "x"),
				mark(2, "U1", "1.1", ""),
				mark(3, "U1", "5.5", incident.MarkAction),
			),
			want: []string{`E1 14:01 message @U1 "x"`},
		},
		{
			name: "duplicate message ts keeps the first",
			events: seq(
				msg(1, "U1", "1.1", "first copy"),
				msg(1, "U1", "1.1", "second copy"),
				mark(2, "U2", "1.1", incident.MarkImpact),
			),
			want: []string{`E1 14:01 message @U1 "first copy" marks=[impact]`},
		},
		{
			name: "messages without ts are all kept",
			events: seq(
				msg(1, "U1", "", "a"),
				msg(2, "U1", "", "b"),
				del(3, ""),
			),
			want: []string{`E1 14:01 message @U1 "a"`, `E2 14:02 message @U1 "b"`},
		},
		{
			name: "thread replies keep their parent",
			events: seq(
				msg(1, "U1", "1.1", "is it DNS?"),
				reply(2, "U2", "1.2", "1.1", "it is always DNS"),
				edit(3, "U2", "1.2", "it was DNS"),
			),
			want: []string{
				`E1 14:01 message @U1 "is it DNS?"`,
				`E2 14:02 message @U2 in:1.1 "it was DNS" edited@14:03`,
			},
		},
		{
			name: "system events inline with Describe text",
			events: seq(
				sys(0, incident.KindDeclared, map[string]string{"severity": "P1", "title": "checkout down"}),
				msg(1, "U1", "1.1", "on it"),
				sys(2, incident.KindStatus, map[string]string{"from": "investigating", "to": "identified"}),
				sys(3, incident.KindSeverity, map[string]string{"from": "P1", "to": "P2"}),
				sys(4, incident.KindRole, map[string]string{"role": "lead", "user": "U9"}),
				incident.Event{Kind: incident.KindNote, At: at(5), Text: "paged payments"},
				sys(6, incident.KindPage, nil),
				sys(7, incident.KindResolved, map[string]string{"duration": "7m"}),
			),
			want: []string{
				`E1 14:00 declared "declared P1 \"checkout down\""`,
				`E2 14:01 message @U1 "on it"`,
				`E3 14:02 status "status investigating → identified"`,
				`E4 14:03 severity "severity P1 → P2"`,
				`E5 14:04 role "Incident lead → <@U9>"`,
				`E6 14:05 note "note: paged payments"`,
				`E7 14:06 page "paged the on-call"`,
				`E8 14:07 resolved "resolved after 7m"`,
			},
		},
		{
			name: "declared without a title",
			events: seq(
				sys(0, incident.KindDeclared, map[string]string{"severity": "P3"}),
			),
			want: []string{`E1 14:00 declared "declared P3"`},
		},
		{
			name: "out-of-order arrival sorted by At, ties keep log order",
			events: seq(
				msg(5, "U1", "1.5", "later"),
				msg(2, "U1", "1.2", "earlier"),
				sys(5, incident.KindStatus, map[string]string{"from": "identified", "to": "monitoring"}),
				msg(1, "U2", "1.1", "earliest"),
			),
			want: []string{
				`E4 14:01 message @U2 "earliest"`,
				`E2 14:02 message @U1 "earlier"`,
				`E1 14:05 message @U1 "later"`,
				`E3 14:05 status "status identified → monitoring"`,
			},
		},
		{
			name: "marks on system events are ignored",
			events: seq(
				incident.Event{Kind: incident.KindNote, At: at(1), TS: "2.2", Text: "bot note"},
				mark(2, "U1", "2.2", incident.MarkImpact),
			),
			want: []string{`E1 14:01 note "note: bot note"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lines(incident.Fold(tt.events))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Fold:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFoldPreservesFieldsAndDoesNotModifyEvents(t *testing.T) {
	events := seq(
		incident.Event{Kind: incident.KindMessage, At: at(1), Actor: "U1", TS: "1.1", ThreadTS: "0.9",
			Text: "see graph", Files: []string{"F1"}},
		incident.Event{Kind: incident.KindEdit, At: at(2), Actor: "U1", TS: "1.1", Text: "see graphs",
			Files: []string{"F1", "F2"}},
		incident.Event{Kind: incident.KindMark, At: at(3), Actor: "U2", TS: "1.1", Mark: incident.MarkImpact},
		incident.Event{Kind: incident.KindDraftApproved, At: at(4), Actor: "U3",
			Data: map[string]string{"draft": "d1"}},
	)
	events[0].Seq, events[3].Seq = 12, 40
	before := fmt.Sprintf("%+v", events)

	got := incident.Fold(events)

	if after := fmt.Sprintf("%+v", events); after != before {
		t.Errorf("Fold modified its input:\nbefore %s\nafter  %s", before, after)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries; want 2: %q", len(got), lines(got))
	}
	m := got[0]
	if m.Seq != 12 || m.Ref() != "E12" || m.TS != "1.1" || m.ThreadTS != "0.9" || m.Actor != "U1" {
		t.Errorf("message entry lost identity: %+v", m)
	}
	if !slices.Equal(m.Files, []string{"F1", "F2"}) || m.Text != "see graphs" || !m.Edited || !m.EditedAt.Equal(at(2)) {
		t.Errorf("edit not applied: %+v", m)
	}
	if !m.Marked() || !slices.Equal(m.Marks, []incident.Mark{incident.MarkImpact}) {
		t.Errorf("marks = %v; want [impact]", m.Marks)
	}
	s := got[1]
	if s.Ref() != "E40" || s.Kind != incident.KindDraftApproved || s.Actor != "U3" || s.Data["draft"] != "d1" || s.Marked() {
		t.Errorf("system entry = %+v", s)
	}
}

func TestFoldEditWithoutFilesKeepsFiles(t *testing.T) {
	events := seq(
		incident.Event{Kind: incident.KindMessage, At: at(1), TS: "1.1", Text: "a", Files: []string{"F1"}},
		edit(2, "U1", "1.1", "b"),
	)
	got := incident.Fold(events)
	if len(got) != 1 || !slices.Equal(got[0].Files, []string{"F1"}) {
		t.Errorf("Fold = %+v; want the file kept", got)
	}
}

// TestFoldRandomLogs checks properties that must hold for any log, however
// malformed: no panic, no deleted message, no duplicate ts, marks distinct,
// entries sorted by time, and every entry traceable to a logged event.
func TestFoldRandomLogs(t *testing.T) {
	rng := rand.New(rand.NewSource(20240501))
	kinds := []incident.Kind{incident.KindMessage, incident.KindMessage, incident.KindMessage, incident.KindEdit,
		incident.KindDelete, incident.KindMark, incident.KindUnmark, incident.KindStatus, incident.KindNote, ""}
	marks := []incident.Mark{incident.MarkKeyEvent, incident.MarkImpact, ""}
	users := []string{"U1", "U2", "U3", ""}
	for iter := range 2000 {
		n := rng.Intn(60)
		events := make([]incident.Event, n)
		for i := range events {
			events[i] = incident.Event{
				Seq:   i + 1,
				Kind:  kinds[rng.Intn(len(kinds))],
				At:    at(rng.Intn(30)),
				Actor: users[rng.Intn(len(users))],
				TS:    fmt.Sprintf("%d.0", rng.Intn(8)),
				Text:  fmt.Sprintf("t%d", i),
				Mark:  marks[rng.Intn(len(marks))],
			}
			if rng.Intn(10) == 0 {
				events[i].TS = ""
			}
		}
		deleted := map[string]bool{}
		bySeq := map[int]incident.Event{}
		for _, ev := range events {
			if ev.Kind == incident.KindDelete && ev.TS != "" {
				deleted[ev.TS] = true
			}
			bySeq[ev.Seq] = ev
		}

		got := incident.Fold(events)

		seen := map[string]bool{}
		for i, e := range got {
			src, ok := bySeq[e.Seq]
			if !ok || (src.Kind != e.Kind && !(src.Kind == incident.KindMessage && e.Kind == incident.KindMessage)) {
				t.Fatalf("iter %d: entry %s has no matching event", iter, line(e))
			}
			if !e.At.Equal(src.At) {
				t.Fatalf("iter %d: entry %s moved in time", iter, line(e))
			}
			switch e.Kind {
			case incident.KindDelete, incident.KindEdit, incident.KindMark, incident.KindUnmark:
				t.Fatalf("iter %d: conversation event %s surfaced as an entry", iter, line(e))
			case incident.KindMessage:
				if e.TS != "" && deleted[e.TS] {
					t.Fatalf("iter %d: deleted message %s returned", iter, line(e))
				}
				if e.TS != "" && seen[e.TS] {
					t.Fatalf("iter %d: ts %s appears twice", iter, e.TS)
				}
				seen[e.TS] = true
			}
			if i > 0 && got[i-1].At.After(e.At) {
				t.Fatalf("iter %d: entries out of order at %d", iter, i)
			}
			// Equal times: Slack ts order for two messages, else log order.
			if p := got[i-min(i, 1)]; i > 0 && p.At.Equal(e.At) {
				byTS := p.TS != "" && e.TS != "" && len(p.TS) == len(e.TS)
				if (byTS && p.TS > e.TS) || (!byTS && p.Seq > e.Seq) {
					t.Fatalf("iter %d: equal times out of order at %d", iter, i)
				}
			}
			for j, m := range e.Marks {
				if m == "" || slices.Contains(e.Marks[:j], m) {
					t.Fatalf("iter %d: bad marks %v", iter, e.Marks)
				}
			}
		}
	}
}

func TestActionItems(t *testing.T) {
	due := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	add := func(id, text, owner string, due time.Time) incident.Event {
		return incident.ActionItemEvent(incident.ActionAdd, incident.ActionItem{ID: id, Text: text, Owner: owner, Due: due}, "U1", t0)
	}
	op := func(o, id string) incident.Event {
		return incident.ActionItemEvent(o, incident.ActionItem{ID: id}, "U2", t0)
	}
	render := func(items []incident.ActionItem) []string {
		out := []string{}
		for _, it := range items {
			d := "-"
			if !it.Due.IsZero() {
				d = it.Due.Format("2006-01-02")
			}
			out = append(out, fmt.Sprintf("%s %q owner=%s due=%s done=%v", it.ID, it.Text, it.Owner, d, it.Done))
		}
		return out
	}
	tests := []struct {
		name   string
		events []incident.Event
		want   []string
	}{
		{"none", nil, []string{}},
		{"add", []incident.Event{add("a1", "add alert on 5xx", "U5", due)},
			[]string{`a1 "add alert on 5xx" owner=U5 due=2024-06-01 done=false`}},
		{"add without due", []incident.Event{add("a1", "write runbook", "", time.Time{})},
			[]string{`a1 "write runbook" owner= due=- done=false`}},
		{"done", []incident.Event{add("a1", "x", "U5", due), op(incident.ActionDone, "a1")},
			[]string{`a1 "x" owner=U5 due=2024-06-01 done=true`}},
		{"reopen", []incident.Event{add("a1", "x", "U5", due), op(incident.ActionDone, "a1"), op(incident.ActionReopen, "a1")},
			[]string{`a1 "x" owner=U5 due=2024-06-01 done=false`}},
		{"duplicate add ignored", []incident.Event{add("a1", "first", "U5", due), add("a1", "second", "U6", time.Time{})},
			[]string{`a1 "first" owner=U5 due=2024-06-01 done=false`}},
		{"unknown id ignored", []incident.Event{add("a1", "x", "", time.Time{}), op(incident.ActionDone, "zz")},
			[]string{`a1 "x" owner= due=- done=false`}},
		{"done before add ignored", []incident.Event{op(incident.ActionDone, "a1"), add("a1", "x", "", time.Time{})},
			[]string{`a1 "x" owner= due=- done=false`}},
		{"unknown op ignored", []incident.Event{add("a1", "x", "", time.Time{}), op("archive", "a1")},
			[]string{`a1 "x" owner= due=- done=false`}},
		{"order of adding kept, other kinds skipped", []incident.Event{
			add("b", "second", "", time.Time{}), msg(1, "U1", "1.1", "chatter"), add("a", "third", "", time.Time{}),
			op(incident.ActionDone, "b"),
		}, []string{`b "second" owner= due=- done=true`, `a "third" owner= due=- done=false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(incident.ActionItems(tt.events)); !slices.Equal(got, tt.want) {
				t.Errorf("ActionItems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestActionItemEvent(t *testing.T) {
	due := time.Date(2024, 6, 1, 23, 30, 0, 0, time.FixedZone("X", -5*3600)) // 2024-06-02 UTC
	ev := incident.ActionItemEvent(incident.ActionAdd, incident.ActionItem{ID: "a1", Text: "t", Owner: "U5", Due: due}, "U1", t0)
	if ev.Kind != incident.KindActionItem || ev.Actor != "U1" || !ev.At.Equal(t0) || ev.Text != "t" {
		t.Errorf("event = %+v", ev)
	}
	if ev.Get("op") != incident.ActionAdd || ev.Get("id") != "a1" || ev.Get("owner") != "U5" || ev.Get("due") != "2024-06-02" {
		t.Errorf("data = %v", ev.Data)
	}
	done := incident.ActionItemEvent(incident.ActionDone, incident.ActionItem{ID: "a1", Owner: "U5", Due: due}, "U2", t0)
	if done.Get("owner") != "" || done.Get("due") != "" || done.Get("op") != incident.ActionDone {
		t.Errorf("done event carries add-only data: %v", done.Data)
	}
	if (incident.Event{}).Get("x") != "" {
		t.Error("Get on nil Data is not empty")
	}
}

// TestFoldPrefersTheMessageOverItsFetchedCopy: a reaction can arrive before
// its message (another connection); the bot fetches the message, possibly
// already edited, and the late original then arrives too.
func TestFoldPrefersTheMessageOverItsFetchedCopy(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := []incident.Event{
		{Seq: 1, Kind: incident.KindMark, At: at.Add(2 * time.Second), Actor: "U2", TS: "1.1", Mark: incident.MarkKeyEvent},
		{Seq: 2, Kind: incident.KindMessage, At: at, Actor: "U1", TS: "1.1", Text: "edited text", Data: map[string]string{"backfilled": "true"}},
		{Seq: 3, Kind: incident.KindMessage, At: at, Actor: "U1", TS: "1.1", Text: "original text"},
		{Seq: 4, Kind: incident.KindEdit, At: at.Add(time.Second), Actor: "U1", TS: "1.1", Text: "edited text"},
	}
	got := incident.Fold(events)
	if len(got) != 1 {
		t.Fatalf("entries = %+v, want one", got)
	}
	e := got[0]
	if e.Seq != 3 || e.Text != "edited text" || !e.Edited || len(e.Marks) != 1 || e.Data != nil {
		t.Errorf("entry = %+v, want the message's own event (E3), edited and marked", e)
	}
}
