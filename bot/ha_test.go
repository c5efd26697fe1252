package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/store"
)

// A failover mid-incident: people keep writing while Redis loses its master.
// With REDIS_WAIT_REPLICAS=1 nothing Slack was told is safe may be lost, and
// nothing may be written twice; the bot recovers without a restart, and
// /readyz says it is not ready while no master takes writes.

func TestSentinelFailoverMidIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Sentinel deployment")
	}
	onceInMatrix(t)
	sn := redistest.StartSentinel(t)
	tg := redistest.Target{Conn: store.Conn{Addrs: sn.SentinelAddrs(), MasterName: sn.MasterName()}}
	r := runFailover(t, tg, func(ctx context.Context) error {
		_, err := sn.KillMaster(ctx)
		return err
	}, nil)
	r.check(t)
	t.Logf("Sentinel failover: %s", r)
}

func TestClusterMasterKilledMidIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	onceInMatrix(t)
	cl := redistest.StartCluster(t)
	tg := redistest.Target{Conn: store.Conn{Addrs: cl.Addrs()}}
	var killed *redistest.Server
	r := runFailover(t, tg, func(ctx context.Context) error {
		var err error
		killed, err = cl.KillMasterOf(ctx, "incident:{1}:events")
		return err
	}, func(ctx context.Context) error {
		// The promoted replica has no replica of its own, so WAIT 1 holds
		// every ack for that slot until the killed node, restarted as a
		// supervisor would, rejoins as its replica.
		if err := cl.WaitHealthy(ctx); err != nil {
			return err
		}
		killed.Start()
		return nil
	})
	r.check(t)
	t.Logf("Cluster master killed: %s", r)
}

type failoverResult struct {
	posted, lost, doubled int
	recovered             time.Duration // from the kill to the first event acked at its first delivery
	sawNotReady           bool
}

func (r failoverResult) String() string {
	return fmt.Sprintf("%d messages, %d lost, %d doubled, recovered in %s, /readyz not ready during the outage: %v",
		r.posted, r.lost, r.doubled, r.recovered.Round(time.Millisecond), r.sawNotReady)
}

func (r failoverResult) check(t *testing.T) {
	t.Helper()
	if r.lost != 0 || r.doubled != 0 {
		t.Errorf("%d of %d acknowledged messages lost, %d doubled", r.lost, r.posted, r.doubled)
	}
	if r.recovered <= 0 {
		t.Error("no event was acked after the failover")
	}
	if !r.sawNotReady {
		t.Error("/readyz never reported the outage")
	}
}

// runFailover declares an incident, posts messages at 200 a second, calls
// kill a second in, then after (if any), and keeps posting until the bot has
// acked fresh events for a second. The emulator redelivers unacked events
// every 300 ms, as Slack would (more often, to keep the test short).
func runFailover(t *testing.T, tg redistest.Target, kill, after func(context.Context) error) failoverResult {
	t.Helper()
	h := newHarness(t, slackemu.Options{RedeliverAfter: 300 * time.Millisecond, MaxRetries: 1000},
		withRedis(tg, store.Options{WaitReplicas: 1, WaitTimeout: 200 * time.Millisecond}))
	ch := h.declare("P2 failover drill")
	h.settled()
	ready := "http://" + h.bot.HTTPAddr().String() + "/readyz"

	var killedAt time.Time
	l := startLoad(h, ch.ID, 5*time.Millisecond)

	var res failoverResult
	notReady := make(chan bool, 1)
	pollCtx, stopPoll := context.WithCancel(h.ctx)
	time.Sleep(time.Second)
	killedAt = time.Now()
	if err := kill(h.ctx); err != nil {
		t.Fatalf("kill the master: %v", err)
	}
	go func() { notReady <- pollNotReady(pollCtx, ready) }()
	if after != nil {
		if err := after(h.ctx); err != nil {
			t.Fatalf("after the kill: %v", err)
		}
	}
	// Recovered: an event handed to the bot after the kill, acked at once.
	h.waitForLong("a fresh event acked after the failover", 60*time.Second, func() bool {
		res.recovered = firstFreshAck(h.emu.Acks(), killedAt)
		return res.recovered > 0
	})
	time.Sleep(time.Second)
	texts := finish(t, l)
	stopPoll()
	res.sawNotReady = <-notReady
	h.waitForLong("every event acked", 60*time.Second, func() bool { return len(h.emu.Unacked()) == 0 })

	res.posted = len(texts)
	res.lost, res.doubled = lostAndDoubled(h, ch.ID, texts)
	return res
}

// firstFreshAck is how long after since the first event delivered after
// since was acked at its first attempt; 0 when none was yet.
func firstFreshAck(acks []slackemu.Ack, since time.Time) time.Duration {
	var first time.Time
	for _, a := range acks {
		if a.Type != "events_api" || a.RetryAttempt != 0 || !a.At.Add(-a.Latency).After(since) {
			continue
		}
		if first.IsZero() || a.At.Before(first) {
			first = a.At
		}
	}
	if first.IsZero() {
		return 0
	}
	return first.Sub(since)
}

// pollNotReady asks /readyz every 50 ms until ctx ends and says whether it
// ever answered 503.
func pollNotReady(ctx context.Context, url string) bool {
	seen := false
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			seen = seen || resp.StatusCode == http.StatusServiceUnavailable
		}
		time.Sleep(50 * time.Millisecond)
	}
	return seen
}

// onceInMatrix skips a test that brings its own servers in the Sentinel and
// Cluster passes of .ci/run: the single-node pass has run it already.
func onceInMatrix(t *testing.T) {
	if redistest.Mode() != "single" {
		t.Skip("starts its own servers; runs in the single-node pass")
	}
}
