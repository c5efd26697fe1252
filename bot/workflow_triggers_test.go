package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
)

// everyTrigger is one workflow per trigger, each posting which one fired.
func everyTrigger() string {
	var b strings.Builder
	b.WriteString("workflows:\n")
	for _, trig := range []string{"declared", "severity_changed", "status_changed", "role_assigned", "field_set",
		"update_approved", "resolved", "reopened", "postmortem_approved", "action_overdue"} {
		fmt.Fprintf(&b, "  - name: on-%s\n    on: %s\n    do:\n      - post: \"fired %s on {{.ID}}\"\n",
			strings.ReplaceAll(trig, "_", "-"), trig, trig)
	}
	return b.String()
}

// TestEveryTriggerStartsItsWorkflow walks an incident through its life and
// checks each trigger started its workflow, once per triggering event.
func TestEveryTriggerStartsItsWorkflow(t *testing.T) {
	clk := &clock{now: time.Now().UTC()}
	h := newHarness(t, slackemu.Options{}, withCatalog(t, everyTrigger()), withClock(clk),
		withConfig(func(c *config) { c.Drafter = llm.New(llm.Config{}, testLogger()) }))
	ch := h.declare("P3 checkout: slow search")
	inc := h.incident(ch.ID)
	fired := func(trig string) int { return h.countMessages(ch.ID, "fired "+trig+" on "+inc.ID()) }
	expect := func(trig string, n int) {
		t.Helper()
		h.waitFor(fmt.Sprintf("%s to fire %d time(s)", trig, n), func() bool { return fired(trig) >= n })
	}
	do := func(cmd string) {
		t.Helper()
		before := len(h.events(ch.ID))
		h.command(ali, ch.ID, cmd)
		h.waitFor(cmd, func() bool { return len(h.events(ch.ID)) > before })
	}
	approve := func() {
		t.Helper()
		msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
		h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	}
	expect("declared", 1)
	// Each command, then the trigger it must fire and how often by then.
	for _, step := range []struct {
		cmd, trigger string
		times        int
	}{
		{"severity P2", "severity_changed", 1},
		{"role tech <@" + sam + "|sam>", "role_assigned", 1},
		{"status identified", "status_changed", 1},
		{"set impact search takes 9 s", "field_set", 1},
		{"update", "update_approved", 1},
		{"resolve", "resolved", 1},
		{"status investigating", "reopened", 1},
		{"resolve", "resolved", 2}, // a second resolution is a second event
	} {
		do(step.cmd)
		if step.cmd == "update" {
			approve()
		}
		expect(step.trigger, step.times)
	}
	ts := h.post(sam, ch.ID, "add an index on orders.created_at")
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "white_check_mark"))
	do("postmortem")
	approve()
	expect("postmortem_approved", 1)

	// An action item a day past its due date fires action_overdue once,
	// however many ticks see it.
	due := clk.Now().Add(-72 * time.Hour).Truncate(24 * time.Hour)
	if _, _, err := h.store.Append(h.ctx, inc.Number, "", incident.ActionItemEvent(incident.ActionAdd,
		incident.ActionItem{ID: "A9", Text: "alert on search p99", Owner: sam, Due: due}, ali, clk.Now())); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := h.app.Remind(h.ctx); err != nil {
			t.Fatal(err)
		}
	}
	expect("action_overdue", 1)
	h.settled()
	for trig, want := range map[string]int{"declared": 1, "severity_changed": 1, "role_assigned": 1, "status_changed": 1,
		"update_approved": 1, "reopened": 1, "resolved": 2, "postmortem_approved": 1, "action_overdue": 1} {
		if got := fired(trig); got != want {
			t.Errorf("%s fired %d times, want %d", trig, got, want)
		}
	}
}
