package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// TestAppendGroupCommit sends many appends at once, so batches form, with
// every event delivered twice: each delivery gets its own answer, the log
// holds each event once, and a redelivery in the same batch as its first
// delivery still dedupes.
func TestAppendGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	const incidents, perIncident = 4, 200
	type result struct {
		n        int64
		key      string
		seq      int
		appended bool
	}
	results := make(chan result, 2*incidents*perIncident)
	var wg sync.WaitGroup
	for n := int64(1); n <= incidents; n++ {
		for i := range perIncident {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := fmt.Sprintf("Ev%d-%d", n, i)
					ev := incident.Event{Kind: incident.KindMessage, At: at, Actor: "U1", TS: fmt.Sprintf("1.%d", i), Text: key}
					got, ok, err := s.Append(ctx, n, key, ev)
					if err != nil {
						t.Errorf("Append %s: %v", key, err)
						return
					}
					results <- result{n, key, got.Seq, ok}
				}()
			}
		}
	}
	wg.Wait()
	close(results)
	seqOf := map[string]int{}
	appended := map[string]int{}
	for r := range results {
		k := fmt.Sprint(r.n, r.key)
		if prev, ok := seqOf[k]; ok && prev != r.seq {
			t.Errorf("%s: deliveries got seq %d and %d", k, prev, r.seq)
		}
		seqOf[k] = r.seq
		if r.appended {
			appended[k]++
		}
	}
	for k, c := range appended {
		if c != 1 {
			t.Errorf("%s appended %d times", k, c)
		}
	}
	for n := int64(1); n <= incidents; n++ {
		evs, err := s.Events(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != perIncident {
			t.Errorf("incident %d has %d events, want %d", n, len(evs), perIncident)
		}
		for _, ev := range evs {
			if seqOf[fmt.Sprint(n, ev.Text)] != ev.Seq {
				t.Errorf("incident %d: %s is E%d on the log, its delivery was told E%d", n, ev.Text, ev.Seq, seqOf[fmt.Sprint(n, ev.Text)])
			}
		}
	}
}

// TestAppendAfterScriptFlush: a master that lost its script cache (a new
// master after a failover) still takes appends.
func TestAppendAfterScriptFlush(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	s := tg.Store(t, store.Options{})
	ev := incident.Event{Kind: incident.KindMessage, TS: "1.1", Text: "before"}
	if _, ok, err := s.Append(ctx, 1, "Ev1", ev); err != nil || !ok {
		t.Fatalf("Append: %v %v", ok, err)
	}
	if err := tg.Client(t).ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ev.TS, ev.Text = "1.2", "after"
	got, ok, err := s.Append(ctx, 1, "Ev2", ev)
	if err != nil || !ok || got.Seq != 2 {
		t.Fatalf("Append after SCRIPT FLUSH = E%d %v %v, want E2 appended", got.Seq, ok, err)
	}
}

func TestAppendAfterClose(t *testing.T) {
	s, err := store.Open(context.Background(), redistest.For(t).Conn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, _, err := s.Append(context.Background(), 1, "Ev1", incident.Event{Kind: incident.KindMessage}); err == nil {
		t.Fatal("Append on a closed store succeeded")
	}
}

// TestWaitReplicas: with WaitReplicas=1 an append returns only once the
// replica has it; with the replica gone it fails with ErrNotReplicated
// after WaitTimeout (so the bot does not ack), and the redelivery, once the
// replica is back, is confirmed without writing the event twice.
func TestWaitReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	ctx := context.Background()
	master := redistest.StartServer(t)
	replica := redistest.StartServer(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port()))
	waitReplicas(t, master, 1)
	s, err := store.Open(ctx, store.Conn{Addrs: []string{master.Addr()}},
		store.Options{WaitReplicas: 1, WaitTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := incident.Event{Kind: incident.KindMessage, TS: "1.1", Text: "replicated"}
	if _, ok, err := s.Append(ctx, 1, "Ev1", ev); err != nil || !ok {
		t.Fatalf("Append with a replica: %v %v", ok, err)
	}
	if v, err := replica.Client().XLen(ctx, "incident:{1}:events").Result(); err != nil || v != 1 {
		t.Errorf("replica has %d events, %v; want 1 when Append returned", v, err)
	}

	replica.Kill()
	ev.TS, ev.Text = "1.2", "unconfirmed"
	start := time.Now()
	_, _, err = s.Append(ctx, 1, "Ev2", ev)
	if !errors.Is(err, store.ErrNotReplicated) {
		t.Fatalf("Append without its replica: err = %v, want ErrNotReplicated", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("the failing Append took %s, want about the 300ms WaitTimeout", d)
	}
	if !strings.Contains(err.Error(), "0 of 1 replicas") {
		t.Errorf("error %q does not say how many replicas answered", err)
	}

	replica.Start()
	waitReplicas(t, master, 1)
	got, ok, err := s.Append(ctx, 1, "Ev2", ev) // Slack's redelivery
	if err != nil || ok || got.Seq != 2 {
		t.Fatalf("redelivery = E%d appended %v, %v; want E2, a duplicate, confirmed", got.Seq, ok, err)
	}
	if evs, _ := s.Events(ctx, 1); len(evs) != 2 {
		t.Errorf("log has %d events, want 2", len(evs))
	}
}

// waitReplicas waits until master has n replicas online.
func waitReplicas(t *testing.T, master *redistest.Server, n int) {
	t.Helper()
	c := master.Client()
	for range 200 {
		info, _ := c.Info(context.Background(), "replication").Result()
		if strings.Contains(info, fmt.Sprintf("connected_slaves:%d", n)) && strings.Contains(info, "state=online") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("master %s never had %d replicas online", master.Addr(), n)
}

// stalled is a store whose Redis is behind a proxy, paused until the test
// resumes it: appends sent meanwhile hold every pipeline slot, and the rest
// queue behind them.
func stalled(t *testing.T) (*store.Store, *redistest.Proxy) {
	t.Helper()
	srv := redistest.StartServer(t)
	proxy := redistest.NewProxy(t, srv.Addr())
	s := redistest.Target{Conn: store.Conn{Addrs: []string{proxy.Addr()}}}.Store(t, store.Options{})
	proxy.Pause()
	t.Cleanup(proxy.Resume)
	return s, proxy
}

// appendMany starts n appends of distinct events to incident 1 and returns
// their errors once all have answered.
func appendMany(s *store.Store, n int) <-chan []error {
	out := make(chan []error, 1)
	go func() {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ev := incident.Event{Kind: incident.KindMessage, TS: fmt.Sprintf("1.%d", i), Text: fmt.Sprint(i)}
				_, _, errs[i] = s.Append(context.Background(), 1, fmt.Sprintf("Ev%d", i), ev)
			})
		}
		wg.Wait()
		out <- errs
	}()
	return out
}

// TestAppendsQueueWhileRedisStalls: with every pipeline slot waiting on a
// stalled Redis, appends queue; a bounded number of them, the rest fail at
// once with ErrBusy. Once Redis answers, every queued append is written,
// once.
func TestAppendsQueueWhileRedisStalls(t *testing.T) {
	s, proxy := stalled(t)
	const queued = 4096       // 32 batches; the bot has 16 event workers
	const n = 4 + queued + 50 // 4 in flight, 4096 queued, the rest refused
	done := appendMany(s, n)
	time.Sleep(300 * time.Millisecond) // all have been handed to the store
	proxy.Resume()
	errs := <-done
	ok, busy := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrBusy):
			busy++
		default:
			t.Errorf("append: %v", err)
		}
	}
	if busy != n-4-queued || ok != 4+queued {
		t.Errorf("%d written and %d refused as busy, want %d and %d", ok, busy, 4+queued, n-4-queued)
	}
	events, err := s.Events(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != ok {
		t.Errorf("%d events on the log, want the %d written", len(events), ok)
	}
}

// TestCloseFailsQueuedAppends: closing a store whose Redis stalls answers
// the queued appends at once, refuses new ones, and returns once the
// pipelines in flight are answered.
func TestCloseFailsQueuedAppends(t *testing.T) {
	s, proxy := stalled(t)
	const n = 40
	done := appendMany(s, n)
	time.Sleep(300 * time.Millisecond)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	time.Sleep(100 * time.Millisecond)
	if _, _, err := s.Append(context.Background(), 1, "late", incident.Event{Kind: incident.KindMessage}); err == nil {
		t.Error("an append after Close succeeded")
	}
	select {
	case <-closed:
		t.Fatal("Close returned while pipelines were still in flight")
	default:
	}
	proxy.Resume()
	<-closed
	failed := 0
	for _, err := range <-done {
		if err != nil && strings.Contains(err.Error(), "store closed") {
			failed++
		}
	}
	if failed != n-4 {
		t.Errorf("%d queued appends failed with the store closed, want %d (all but the 4 in flight)", failed, n-4)
	}
}

// TestQueuedAppendGivesUpWithItsContext: an append queued behind a stalled
// Redis returns when its context ends; it was handed over, so it is still
// sent when Redis answers, and with its redelivery it is on the log once.
func TestQueuedAppendGivesUpWithItsContext(t *testing.T) {
	s, proxy := stalled(t)
	done := appendMany(s, 4) // every slot
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := s.Append(ctx, 1, "queued", incident.Event{Kind: incident.KindMessage, TS: "2.1", Text: "queued"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("queued Append = %v after %s, want the deadline within a second", err, time.Since(start))
	}
	proxy.Resume()
	for _, err := range <-done {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The redelivery may race the queued one to Redis; either way, once.
	if _, _, err := s.Append(context.Background(), 1, "queued", incident.Event{Kind: incident.KindMessage, TS: "2.1", Text: "queued"}); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the queued one has been sent by now
	events, err := s.Events(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev.Text == "queued" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the event that gave up and its redelivery are on the log %d times, want once", n)
	}
}
