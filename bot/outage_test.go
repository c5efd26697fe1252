package bot_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/spool"
	"github.com/incidentbot/incidentbot/store"
)

// Faults under load, end to end: messages at a steady rate while Redis
// stops, slows down or Slack rate-limits every write. Each test counts what
// was posted against the timeline: nothing lost, nothing twice.

// withSpool gives the bot a spool in dir (SPOOL_DIR).
func withSpool(t testing.TB, dir string) option {
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { sp.Close() })
	return func(h *harness) { h.cfg.Config.Spool = sp }
}

// startLoad posts messages into channel every interval, as ali.
func startLoad(h *harness, channel string, every time.Duration) *slackemu.Load {
	return h.emu.StartLoad(h.ctx, ali, channel, every)
}

// finish stops l and returns what it posted.
func finish(t *testing.T, l *slackemu.Load) []string {
	t.Helper()
	posted, err := l.Stop()
	if err != nil {
		t.Error(err)
	}
	return posted
}

// lostAndDoubled counts the posted texts missing from the channel's log and
// those on it more than once.
func lostAndDoubled(h *harness, channel string, posted []string) (lost, doubled int) {
	var recorded []string
	for _, ev := range h.events(channel) {
		recorded = append(recorded, ev.Text)
	}
	return slackemu.Tally(posted, recorded)
}

// TestRedisDownTwoMinutesWithSpool: Redis is gone for two minutes and Slack
// delivers each event once, never again (redelivery off): without a spool
// every event of those two minutes would be lost. With one, each is acked
// from disk and replayed in order once Redis is back.
func TestRedisDownTwoMinutesWithSpool(t *testing.T) {
	if testing.Short() {
		t.Skip("a two-minute outage")
	}
	onceInMatrix(t)
	outage := 2 * time.Minute
	if s := os.Getenv("OUTAGE"); s != "" { // a shorter one while working on it
		outage, _ = time.ParseDuration(s)
	}
	srv := redistest.StartServer(t, "--appendonly", "yes", "--appendfsync", "always")
	h := newHarness(t, slackemu.Options{RedeliverAfter: -1},
		withRedis(redistest.Target{Conn: store.Conn{Addrs: []string{srv.Addr()}}}, store.Options{}),
		withSpool(t, t.TempDir()), withTimeout(outage+2*time.Minute))
	ch := h.declare("P1 redis outage drill")
	h.settled()
	l := startLoad(h, ch.ID, 10*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	srv.Stop()
	time.Sleep(outage - time.Second)
	// Events keep arriving, so some are always in flight: what was unacked a
	// second ago must be acked by now, from the spool.
	waiting := h.emu.Unacked()
	time.Sleep(time.Second)
	if still := intersect(waiting, h.emu.Unacked()); len(still) > 0 {
		t.Errorf("%d events unacked for a second while Redis was down: the spool should have taken them", len(still))
	}
	srv.Start()
	time.Sleep(500 * time.Millisecond)
	posted := finish(t, l)
	h.waitForLong("the spool to drain and every event to be acked", 60*time.Second, func() bool {
		return h.cfg.Config.Spool.Len() == 0 && len(h.emu.Unacked()) == 0
	})
	lost, doubled := lostAndDoubled(h, ch.ID, posted)
	t.Logf("Redis down %s, redelivery off: %d messages, %d lost, %d doubled", outage, len(posted), lost, doubled)
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d lost, %d doubled", lost, len(posted), doubled)
	}
}

// TestRedisStopped10s: without a spool, Slack's redeliveries carry the
// events of a 10-second outage; ingest resumes within 2 s of Redis
// returning.
func TestRedisStopped10s(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10-second outage")
	}
	onceInMatrix(t)
	srv := redistest.StartServer(t, "--appendonly", "yes")
	h := newHarness(t, slackemu.Options{RedeliverAfter: 500 * time.Millisecond, MaxRetries: 100},
		withRedis(redistest.Target{Conn: store.Conn{Addrs: []string{srv.Addr()}}}, store.Options{}))
	ch := h.declare("P2 redis restart drill")
	h.settled()
	l := startLoad(h, ch.ID, 10*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	srv.Stop()
	time.Sleep(10 * time.Second)
	srv.Start()
	back := time.Now()
	h.waitForLong("a fresh event acked after Redis returned", 30*time.Second, func() bool {
		return firstFreshAck(h.emu.Acks(), back) > 0
	})
	resumed := firstFreshAck(h.emu.Acks(), back)
	time.Sleep(500 * time.Millisecond)
	posted := finish(t, l)
	h.waitForLong("every event acked", 60*time.Second, func() bool { return len(h.emu.Unacked()) == 0 })
	// go-redis answers with its last dial error for up to a second after a
	// server returns, until its pool dials again: the test's own client too.
	h.waitForLong("the test's Redis client to reconnect", 10*time.Second, func() bool { return h.store.Ping(h.ctx) == nil })
	lost, doubled := lostAndDoubled(h, ch.ID, posted)
	t.Logf("Redis stopped 10s: %d messages, %d lost, %d doubled, ingest resumed %s after Redis returned",
		len(posted), lost, doubled, resumed.Round(time.Millisecond))
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d lost, %d doubled", lost, len(posted), doubled)
	}
	if resumed > 2*time.Second {
		t.Errorf("ingest resumed %s after Redis returned, want within 2s", resumed)
	}
}

// TestSlackRateLimitsEveryWrite: Slack answers 429 with Retry-After to
// every write for 10 s while people write and the incident changes. Nothing
// is dropped: every message is recorded (events need no writes), and the
// header and the status change converge once Slack lets writes through.
func TestSlackRateLimitsEveryWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("10 seconds of rate limits")
	}
	onceInMatrix(t)
	h := newHarness(t, slackemu.Options{}, withTemplates())
	ch := h.declare("P2 rate limit drill")
	h.settled()
	l := startLoad(h, ch.ID, 20*time.Millisecond)
	h.emu.RateLimitWritesFor(10*time.Second, 2*time.Second)
	h.command(ali, ch.ID, "status identified")
	h.command(ali, ch.ID, "severity P1")
	h.command(ali, ch.ID, "update")
	time.Sleep(10 * time.Second)
	posted := finish(t, l)
	h.waitForLong("the header to show the changes", 60*time.Second, func() bool {
		inc := h.incident(ch.ID)
		header := h.pinnedHeader(ch.ID)
		return inc.Status == incident.Identified && inc.Severity == incident.P1 &&
			strings.Contains(header, "identified") && strings.Contains(header, "P1")
	})
	drafts := func() int {
		n := 0
		for _, m := range h.emu.Messages(ch.ID) {
			if m.ButtonValue(handlers.ActionApprove) != "" {
				n++
			}
		}
		return n
	}
	h.waitForLong("the status update draft", 60*time.Second, func() bool { return drafts() > 0 })
	h.settled()
	if n, created := drafts(), kindsOf(h.events(ch.ID))[incident.KindDraftCreated]; n != 1 || created != 1 {
		t.Errorf("after the rate limits: %d drafts in the channel and %d on the log, want one", n, created)
	}
	lost, doubled := lostAndDoubled(h, ch.ID, posted)
	t.Logf("Slack 429 on every write for 10s: %d messages, %d lost, %d doubled; header and draft converged", len(posted), lost, doubled)
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d lost, %d doubled", lost, len(posted), doubled)
	}
}

// pinnedHeader is the Block Kit JSON of the channel's pinned header.
func (h *harness) pinnedHeader(channelID string) string {
	for _, m := range h.emu.Messages(channelID) {
		if m.Pinned {
			return unescape(m.Blocks)
		}
	}
	return ""
}

// TestSlowRedis: Redis 25 ms away each way (a proxy adding latency), four
// incidents busy at once. Acks still come within Slack's 3 s, and never
// before the write: every acked event is on the log. An event that would
// wait past that behind its channel's backlog is left for Slack to
// redeliver (every second here), so nothing is lost either.
func TestSlowRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("a slow Redis")
	}
	onceInMatrix(t)
	srv := redistest.StartServer(t)
	proxy := redistest.NewProxy(t, srv.Addr())
	h := newHarness(t, slackemu.Options{RedeliverAfter: time.Second, MaxRetries: 100},
		withRedis(redistest.Target{Conn: store.Conn{Addrs: []string{proxy.Addr()}}}, store.Options{}))
	var chans []string
	for i := range 4 {
		chans = append(chans, h.declare(fmt.Sprintf("P3 slow redis drill %d", i)).ID)
	}
	h.settled()
	proxy.SetLatency(25 * time.Millisecond)
	var loads []*slackemu.Load
	for _, ch := range chans {
		loads = append(loads, startLoad(h, ch, 80*time.Millisecond))
	}
	time.Sleep(5 * time.Second)
	posted := make([][]string, len(chans))
	for i, l := range loads {
		posted[i] = finish(t, l)
	}
	h.waitForLong("every event acked", 60*time.Second, func() bool { return len(h.emu.Unacked()) == 0 })
	var worst time.Duration
	for _, a := range h.emu.Acks() {
		if a.Type == "events_api" {
			worst = max(worst, a.Latency)
		}
	}
	total, lost, doubled := 0, 0, 0
	for i, ch := range chans {
		l, d := lostAndDoubled(h, ch, posted[i])
		total, lost, doubled = total+len(posted[i]), lost+l, doubled+d
	}
	t.Logf("Redis +25ms each way, 4 busy incidents: %d messages, %d lost, %d doubled, slowest ack %s",
		total, lost, doubled, worst.Round(time.Millisecond))
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d lost, %d doubled", lost, total, doubled)
	}
	if worst > 3*time.Second {
		t.Errorf("slowest ack took %s, past Slack's 3s", worst)
	}
}

// intersect returns the ids in both a and b.
func intersect(a, b []string) []string {
	var out []string
	for _, id := range a {
		if slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}
