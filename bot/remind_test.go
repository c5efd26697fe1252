package bot_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// clock is a controllable clock: reminders are tested without sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func withClock(c *clock) option { return withConfig(func(cfg *config) { cfg.Clock = c }) }

func (h *harness) remind() {
	h.t.Helper()
	if err := h.app.Remind(h.ctx); err != nil {
		h.t.Fatalf("Remind: %v", err)
	}
}

func TestRemindersNudgeOverdueUpdatesAndPendingPostmortems(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)}
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withClock(clk), withLLM(fake, 5*time.Second))
	p1 := h.declare("P1 overdue updates")
	p4 := h.declare("P4 never nagged")
	nudges := func(ch string) int { return h.countMessages(ch, "No status update for") }

	clk.advance(19 * time.Minute)
	h.remind()
	if n := nudges(p1.ID); n != 0 {
		t.Fatalf("nudged after 19m of a 20m cadence")
	}
	clk.advance(2 * time.Minute)
	h.remind()
	h.remind() // same minute: the tick's lock makes this a no-op
	if n := nudges(p1.ID); n != 1 {
		t.Fatalf("P1 nudges after 21m = %d, want 1", n)
	}
	clk.advance(time.Minute)
	h.remind()
	if n := nudges(p1.ID); n != 1 {
		t.Errorf("nudged again a minute later: %d", n)
	}
	// The nudge's button drafts an update; approving it resets the cadence.
	msg, v := h.draftButton(p1.ID, handlers.ActionDraftUpdate)
	h.click(ali, p1.ID, msg, handlers.ActionDraftUpdate, v)
	dmsg, id := h.draftButton(p1.ID, handlers.ActionApprove)
	h.click(sam, p1.ID, dmsg, handlers.ActionApprove, id)
	h.waitFor("approved", func() bool { return !h.incident(p1.ID).LastUpdateAt.IsZero() })
	clk.advance(10 * time.Minute)
	h.remind()
	if n := nudges(p1.ID); n != 1 {
		t.Errorf("nudged 10m after an approved update: %d", n)
	}
	clk.advance(11 * time.Minute)
	h.remind()
	if n := nudges(p1.ID); n != 2 {
		t.Errorf("nudges 21m after the approved update = %d, want 2", n)
	}
	if n := nudges(p4.ID); n != 0 {
		t.Errorf("P4 was nudged %d times; P4 has no cadence", n)
	}

	// Resolved without a postmortem: reminded once after 48h.
	h.command(ali, p4.ID, "resolve")
	h.waitFor("resolved", func() bool { return !h.incident(p4.ID).Active() })
	pm := func() int { return h.countMessages(p4.ID, "postmortem is still pending") }
	clk.advance(47 * time.Hour)
	h.remind()
	if pm() != 0 {
		t.Fatal("postmortem reminder before 48h")
	}
	clk.advance(2 * time.Hour)
	h.remind()
	clk.advance(time.Hour)
	h.remind()
	if n := pm(); n != 1 {
		t.Errorf("postmortem reminders = %d, want 1", n)
	}
}

// TestRemindersAreSentOnceAcrossReplicas runs two bots on one Redis: each
// tick's reminder goes out once.
func TestRemindersAreSentOnceAcrossReplicas(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	h := newHarness(t, slackemu.Options{}, withClock(clk))
	ch := h.declare("P2 two replicas")
	other := *h
	other.startBot() // a second replica on the same emulator and Redis
	clk.advance(31 * time.Minute)
	var wg sync.WaitGroup
	for _, r := range []*harness{h, &other} {
		wg.Add(1)
		go func(r *harness) {
			defer wg.Done()
			if err := r.app.Remind(r.ctx); err != nil {
				t.Error(err)
			}
		}(r)
	}
	wg.Wait()
	if n := h.countMessages(ch.ID, "No status update for"); n != 1 {
		t.Errorf("two replicas sent %d nudges, want 1", n)
	}
	if !strings.Contains(h.channelText(ch.ID), "every 30m") {
		t.Errorf("nudge does not say the cadence: %s", h.channelText(ch.ID))
	}
}
