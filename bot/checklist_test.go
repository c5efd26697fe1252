package bot_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/slackui"
)

// checklistMessage is the channel's message showing the named checklist.
func (h *harness) checklistMessage(channelID, name string) slackemu.Message {
	h.t.Helper()
	var msg slackemu.Message
	h.waitFor("the "+name+" checklist message", func() bool {
		for _, m := range h.emu.Messages(channelID) {
			if strings.Contains(string(m.Blocks), slackui.ActionChecklistToggle) && strings.Contains(string(m.Blocks), "checklist:0:") &&
				strings.Contains(m.Text, name+" checklist") {
				msg = m
				return true
			}
		}
		return false
	})
	return msg
}

// toggle ticks or unticks item i of the checklist in msg.
func (h *harness) toggle(user, channelID string, msg slackemu.Message, i int) {
	h.t.Helper()
	if _, err := h.emu.ToggleCheckbox(h.ctx, user, channelID, msg.TS, slackui.ActionChecklistToggle, strconv.Itoa(i)); err != nil {
		h.t.Fatalf("%s toggles item %d: %v", user, i, err)
	}
}

// tick is an item of a checklist ticked by someone.
type tick struct {
	item int
	by   string
}

// commsIncident declares an incident, attaches the comms checklist and
// ticks each of ticks in turn; it returns the channel and the checklist's
// message as first posted.
func (h *harness) commsIncident(ticks ...tick) (slackemu.Channel, slackemu.Message) {
	h.t.Helper()
	ch := h.declare("P2 checkout returns 500")
	h.command(ali, ch.ID, "checklist add comms")
	msg := h.checklistMessage(ch.ID, "comms")
	for n, tk := range ticks {
		h.toggle(tk.by, ch.ID, h.checklistMessage(ch.ID, "comms"), tk.item)
		h.waitFor("the tick", func() bool { return len(h.checklistEvents(ch.ID, incident.ChecklistTick)) == n+1 })
	}
	return ch, msg
}

// checklists folds the incident's log into its checklists.
func (h *harness) checklists(channelID string) []incident.AttachedChecklist {
	return incident.Checklists(h.events(channelID))
}

// checklistEvents are the incident's checklist events with op.
func (h *harness) checklistEvents(channelID, op string) []incident.Event {
	var out []incident.Event
	for _, ev := range h.events(channelID) {
		if ev.Kind == incident.KindChecklist && ev.Get("op") == op {
			out = append(out, ev)
		}
	}
	return out
}

func TestChecklistRoundTrip(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 checkout returns 500")

	h.command(ali, ch.ID, "checklist")
	h.waitReply(ali, "No checklist is attached to INC-1")
	h.command(ali, ch.ID, "checklist add db-failover")
	h.waitReply(ali, "I don't know the checklist `db-failover`. Known checklists: `comms`")
	h.command(ali, ch.ID, "checklist remove comms")
	h.waitReply(ali, "`/incident checklist add <name>`")

	h.command(ali, ch.ID, "checklist add comms")
	msg := h.checklistMessage(ch.ID, "comms")
	for _, want := range []string{"*comms checklist* — 0 of 3 done · 2 required still open",
		"[ ] Tell affected customers — Comms lead · *required*", "[ ] Update the team — Comms lead · *required*",
		"[ ] Update the status page — Comms lead"} {
		if !strings.Contains(h.emu.Render(ch.ID), want) {
			t.Errorf("the channel does not show %q:\n%s", want, h.emu.Render(ch.ID))
		}
	}
	h.waitFor("the message's ts on the log", func() bool {
		lists := h.checklists(ch.ID)
		return len(lists) == 1 && lists[0].TS == msg.TS
	})
	if got := h.checklistEvents(ch.ID, incident.ChecklistAttach); len(got) != 1 || got[0].Actor != ali {
		t.Errorf("attach events %+v, want one by ali", got)
	}
	h.command(sam, ch.ID, "checklist add comms")
	h.waitReply(sam, "The comms checklist is already attached")
	if n := strings.Count(h.channelText(ch.ID), "comms checklist:"); n != 1 {
		t.Errorf("%d comms checklist messages, want 1", n)
	}

	// Ticks and unticks by two people, each with who and when, the one
	// message updated in place for everyone.
	h.toggle(ali, ch.ID, msg, 0)
	h.waitFor("ali's tick shown", func() bool { return strings.Contains(h.emu.Render(ch.ID), "[x] Tell affected customers") })
	h.toggle(sam, ch.ID, msg, 2)
	h.waitFor("sam's tick shown", func() bool { return strings.Contains(h.emu.Render(ch.ID), "[x] Update the status page") })
	h.toggle(sam, ch.ID, msg, 2)
	h.waitFor("sam's untick shown", func() bool { return strings.Contains(h.emu.Render(ch.ID), "[ ] Update the status page") })
	var ops []string
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindChecklist && ev.Get("op") != incident.ChecklistAttach && ev.Get("op") != incident.ChecklistPosted {
			ops = append(ops, ev.Get("op")+" "+ev.Get("item")+" "+ev.Actor)
			if ev.At.IsZero() {
				t.Errorf("event %d has no time", ev.Seq)
			}
		}
	}
	if want := []string{"tick 0 " + ali, "tick 2 " + sam, "untick 2 " + sam}; strings.Join(ops, ",") != strings.Join(want, ",") {
		t.Errorf("checklist events %q, want %q", ops, want)
	}
	lists := h.checklists(ch.ID)
	if it := lists[0].Items[0]; !it.Done || it.By != ali || it.At.IsZero() {
		t.Errorf("item 0 %+v, want done by ali", it)
	}
	render := h.emu.Render(ch.ID)
	if !strings.Contains(render, "*comms checklist* — 1 of 3 done · 1 required still open") ||
		!strings.Contains(render, ":white_check_mark: Tell affected customers (Comms lead · *required*) — @ali") {
		t.Errorf("the updated message should say who ticked what:\n%s", render)
	}
	if n := strings.Count(h.channelText(ch.ID), "comms checklist:"); n != 1 {
		t.Errorf("%d checklist messages after the clicks, want the one updated in place", n)
	}

	// The state, privately: who ticked what, when, and what required is open.
	h.command(sam, ch.ID, "checklist")
	h.waitReply(sam, "1 of 3 done")
	reply := h.replies(sam)
	for _, want := range []string{":white_check_mark: Tell affected customers (Comms lead · *required*) — <@" + ali + ">, <!date^",
		":warning: Update the team (Comms lead · *required*) — *open*", ":white_large_square: Update the status page (Comms lead)"} {
		if !strings.Contains(reply, want) {
			t.Errorf("/incident checklist reply lacks %q:\n%s", want, reply)
		}
	}
	if strings.Contains(h.channelText(ch.ID), ":warning: Update the team") {
		t.Error("the state was posted in the channel, not privately")
	}
	var timeline []string
	for _, e := range h.timeline(ch.ID) {
		if e.Kind == incident.KindChecklist {
			timeline = append(timeline, e.Describe())
		}
	}
	if want := `comms checklist attached (3 items)|comms checklist: ticked "Tell affected customers"|comms checklist: ticked "Update the status page"|comms checklist: unticked "Update the status page"`; strings.Join(timeline, "|") != want {
		t.Errorf("timeline %q", timeline)
	}
}

// TestConcurrentChecklistTogglesLoseNothing has three ticks sent at once
// from the same copy of the message, as when people click before any of
// them sees the others' update: each click's selection lacks the others'
// ticks, and none may undo another.
func TestConcurrentChecklistTogglesLoseNothing(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch, seen := h.commsIncident()
	var wg sync.WaitGroup
	for i, who := range []string{ali, sam, ali} {
		wg.Go(func() {
			if _, err := h.emu.ToggleCheckboxSeen(h.ctx, who, ch.ID, seen, slackui.ActionChecklistToggle, strconv.Itoa(i)); err != nil {
				t.Errorf("toggle %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	h.waitFor("three ticks on the log", func() bool { return len(h.checklistEvents(ch.ID, incident.ChecklistTick)) == 3 })
	for i, want := range []string{ali, sam, ali} {
		if it := h.checklists(ch.ID)[0].Items[i]; !it.Done || it.By != want {
			t.Errorf("item %d %+v, want ticked by %s", i, it, want)
		}
	}
	if n := len(h.checklistEvents(ch.ID, incident.ChecklistUntick)); n != 0 {
		t.Errorf("%d unticks recorded: a stale selection undid someone's tick", n)
	}
	h.waitFor("the message to show all three", func() bool {
		return strings.Contains(h.emu.Render(ch.ID), "*comms checklist* — 3 of 3 done")
	})
	// One more click from the same stale copy: sam ticks item 2, which
	// is ticked already, and his selection lacks items 0 and 1, which that
	// copy showed open. Nothing changes; the message is shown again.
	events, updates := len(h.events(ch.ID)), len(h.emu.Calls("chat.update"))
	if _, err := h.emu.ToggleCheckboxSeen(h.ctx, sam, ch.ID, seen, slackui.ActionChecklistToggle, "2"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the message shown again", func() bool { return len(h.emu.Calls("chat.update")) > updates })
	if n := len(h.events(ch.ID)); n != events {
		t.Errorf("a click that changes nothing recorded %d events", n-events)
	}
	if !strings.Contains(h.emu.Render(ch.ID), "*comms checklist* — 3 of 3 done") {
		t.Errorf("the message lost a tick:\n%s", h.emu.Render(ch.ID))
	}
}

func TestResolveAsksWhileRequiredChecklistItemsAreOpen(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch, _ := h.commsIncident(tick{0, sam})

	h.command(ali, ch.ID, "resolve")
	h.waitReply(ali, "Resolve anyway?")
	var ask slackemu.Message
	for _, m := range h.emu.Ephemerals(ali) {
		if m.ButtonValue(slackui.ActionResolveConfirm) != "" {
			ask = m
		}
	}
	if got := textOf([]slackemu.Message{ask}); !strings.Contains(got, "INC-1* still has 1 required checklist item(s) open") ||
		!strings.Contains(got, "• Update the team _(comms checklist, Comms lead)_") || strings.Contains(got, "Tell affected customers") {
		t.Errorf("the question should list only the open required item:\n%s", got)
	}
	if v := ask.ButtonValue(slackui.ActionResolveConfirm); v != "1" {
		t.Errorf("Resolve anyway carries %q, want the incident number", v)
	}
	// /incident status resolved asks the same.
	h.command(sam, ch.ID, "status resolved")
	h.waitReply(sam, "Resolve anyway?")
	if inc := h.incident(ch.ID); inc.Status == incident.Resolved {
		t.Fatal("resolved without confirmation")
	}

	if _, err := h.emu.ClickButton(h.ctx, ali, ch.ID, ask.TS, slackui.ActionResolveConfirm, ""); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the incident resolved", func() bool { return h.incident(ch.ID).Status == incident.Resolved })
	skips := h.checklistEvents(ch.ID, incident.ChecklistSkip)
	if len(skips) != 1 || skips[0].Get("item") != "1" || skips[0].Actor != ali || skips[0].Text != "Update the team" {
		t.Errorf("skip events %+v, want item 1 skipped by ali (the optional status page is not asked about)", skips)
	}
	h.waitFor("the resolution told", func() bool {
		return strings.Contains(h.channelText(ch.ID), "*INC-1 resolved* by <@"+ali+">") &&
			strings.Contains(h.channelText(ch.ID), "Resolved with 1 required checklist item(s) open, recorded as skipped:\n• Update the team")
	})
	h.waitFor("the checklist to show the skip", func() bool {
		r := h.emu.Render(ch.ID)
		return strings.Contains(r, "[ ] Update the team — Comms lead · *required* · skipped") &&
			strings.Contains(r, "» :white_check_mark: Tell affected customers") &&
			strings.Contains(r, "  :fast_forward: Update the team (Comms lead · *required*) — skipped on resolving by @ali")
	})
	// A second click finds it resolved.
	if _, err := h.emu.ClickButton(h.ctx, ali, ch.ID, ask.TS, slackui.ActionResolveConfirm, ""); err != nil {
		t.Fatal(err)
	}
	h.waitReply(ali, "INC-1 is already resolved")
	if n := len(h.checklistEvents(ch.ID, incident.ChecklistSkip)); n != 1 {
		t.Errorf("%d skips after the second click, want 1", n)
	}
	// Reopened and resolved again: the skipped item is not asked about.
	h.command(ali, ch.ID, "status investigating")
	h.waitFor("reopened", func() bool { return h.incident(ch.ID).Status == incident.Investigating })
	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolved again", func() bool { return h.incident(ch.ID).Status == incident.Resolved })
}

func TestResolveWithRequiredItemsDoneIsUnchanged(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch, _ := h.commsIncident(tick{0, ali}, tick{1, sam})

	h.command(ali, ch.ID, "resolve")
	h.waitFor("the incident resolved", func() bool { return h.incident(ch.ID).Status == incident.Resolved })
	if strings.Contains(h.replies(ali), "Resolve anyway") {
		t.Error("asked with every required item done (the status page is optional)")
	}
	if n := len(h.checklistEvents(ch.ID, incident.ChecklistSkip)); n != 0 {
		t.Errorf("%d skips recorded", n)
	}
	h.waitFor("the resolution told as before", func() bool {
		return strings.Contains(h.channelText(ch.ID), "*INC-1 resolved* by <@"+ali+"> after ")
	})
	if strings.Contains(h.channelText(ch.ID), "recorded as skipped") {
		t.Error("the resolution line mentions skips")
	}
}

// BenchmarkChecklistToggle is the time from a checkbox click in Slack to
// the click on the log and the checklist message updated for everyone, in
// an incident whose log holds 200 messages (the click folds the whole log
// under the lock). Each click is made on the list as the log has it, so a
// late update of the previous click never turns one into a no-op.
func BenchmarkChecklistToggle(b *testing.B) {
	h := newHarness(b, slackemu.Options{})
	ch, msg := h.commsIncident()
	for i := range 200 {
		h.post(ali, ch.ID, fmt.Sprintf("observation %d", i))
	}
	h.settled()
	clicks := func() int {
		n := 0
		for _, ev := range h.events(ch.ID) {
			if op := ev.Get("op"); ev.Kind == incident.KindChecklist && (op == incident.ChecklistTick || op == incident.ChecklistUntick) {
				n++
			}
		}
		return n
	}
	seen := func() slackemu.Message {
		c, _ := incident.FindChecklist(h.checklists(ch.ID), "comms")
		raw, err := json.Marshal(slackui.Checklist(c).Blocks)
		if err != nil {
			b.Fatal(err)
		}
		return slackemu.Message{TS: msg.TS, Blocks: raw}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Tick item 0 and untick it, alternately.
		want := "[x] Tell affected customers"
		if i%2 == 1 {
			want = "[ ] Tell affected customers"
		}
		if _, err := h.emu.ToggleCheckboxSeen(h.ctx, ali, ch.ID, seen(), slackui.ActionChecklistToggle, "0"); err != nil {
			b.Fatal(err)
		}
		spin(b, func() bool { return strings.Contains(h.emu.Render(ch.ID), want) && clicks() == i+1 })
	}
}
