package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
	"github.com/redis/go-redis/v9"
)

// at is a fixed time with millisecond precision, which the log keeps.
var at = time.Date(2025, 3, 14, 14, 48, 7, 123000000, time.UTC)

func TestEventsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	in := []incident.Event{
		{Kind: incident.KindDeclared, At: at, Actor: "U1", Text: "checkout returns 500", Data: map[string]string{"severity": "P1"}},
		{Kind: incident.KindMessage, At: at.Add(time.Second), Actor: "U2", TS: "1710.0001", ThreadTS: "1709.0001",
			Text: "rolled back\nline two — ünïcode 🚨 and \"quotes\"", Files: []string{"graph.png", "log, with comma.txt"}},
		{Kind: incident.KindMark, At: at.Add(2 * time.Second), Actor: "U3", TS: "1710.0001", Mark: incident.MarkDecision, Reaction: "rewind"},
		{Kind: incident.KindStatus, At: at.Add(3 * time.Second), Data: map[string]string{"from": "investigating", "to": "identified"}},
		{Kind: incident.KindNote}, // nothing but a kind
		{},                        // nothing at all still gets a place on the log
	}
	for i, ev := range in {
		got, ok, err := s.Append(ctx, 42, "", ev)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || got.Seq != i+1 || got.ID == "" {
			t.Fatalf("Append #%d = seq %d id %q appended %v", i+1, got.Seq, got.ID, ok)
		}
		in[i].Seq, in[i].ID = got.Seq, got.ID
	}
	out, err := s.Events(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("Events:\n got %+v\nwant %+v", out, in)
	}
}

func TestEventsOfEmptyLog(t *testing.T) {
	s := mustStore(t, store.Options{})
	out, err := s.Events(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 0 {
		t.Fatalf("Events of an empty log = %d events", len(out))
	}
}

// TestStreamWireFormat pins the field names documented in docs/store.md, which
// people read with redis-cli.
func TestStreamWireFormat(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	s := tg.Store(t, store.Options{Prefix: "acme:"})
	p := tg.Prefix + "acme:"
	ev := incident.Event{Kind: incident.KindMessage, At: at, Actor: "U1", TS: "1.2", Text: "hi", Files: []string{"a.txt"}, Data: map[string]string{"k": "v"}}
	if _, _, err := s.Append(ctx, 7, "Ev1", ev); err != nil {
		t.Fatal(err)
	}
	c := tg.Client(t)
	msgs, err := c.XRange(ctx, p+"incident:{7}:events", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"kind": "message", "at": fmt.Sprint(at.UnixMicro()), "actor": "U1", "ts": "1.2", "text": "hi", "files": `["a.txt"]`, "data": `{"k":"v"}`}
	if len(msgs) != 1 || !reflect.DeepEqual(msgs[0].Values, want) {
		t.Errorf("stream entry = %+v, want fields %v", msgs, want)
	}
	for _, key := range []string{p + "incident:{7}:seen:Ev1", p + "incident:{7}:msgs"} {
		if n, err := c.Exists(ctx, key).Result(); err != nil || n != 1 {
			t.Errorf("key %s: exists=%d err=%v", key, n, err)
		}
	}
}

func TestAppendDedupe(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	ev := incident.Event{Kind: incident.KindMessage, At: at, Actor: "U1", TS: "1.1", Text: "first"}
	first, ok, err := s.Append(ctx, 1, "Ev01", ev)
	if err != nil || !ok {
		t.Fatalf("first Append: appended %v, err %v", ok, err)
	}
	if _, _, err := s.Append(ctx, 1, "Ev02", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ev   incident.Event
	}{
		{"same delivery again", ev},
		{"a retry with other content", incident.Event{Kind: incident.KindMessage, Text: "changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			again, ok, err := s.Append(ctx, 1, "Ev01", tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				t.Error("duplicate appended")
			}
			if again.Seq != first.Seq || again.ID != first.ID {
				t.Errorf("duplicate got seq %d id %s, want the first delivery's %d %s", again.Seq, again.ID, first.Seq, first.ID)
			}
		})
	}
	// The same key on another incident is another delivery.
	if _, ok, err := s.Append(ctx, 2, "Ev01", ev); err != nil || !ok {
		t.Errorf("same key on incident 2: appended %v, err %v", ok, err)
	}
	// Empty keys never dedupe.
	for i := 0; i < 2; i++ {
		if _, ok, err := s.Append(ctx, 1, "", ev); err != nil || !ok {
			t.Errorf("empty key #%d: appended %v, err %v", i, ok, err)
		}
	}
	out, err := s.Events(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 {
		t.Errorf("log has %d events, want 4", len(out))
	}
}

func TestAppendDedupeExpires(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{DedupeTTL: time.Second})
	ev := incident.Event{Kind: incident.KindNote}
	if _, ok, err := s.Append(ctx, 1, "k", ev); err != nil || !ok {
		t.Fatalf("first: %v %v", ok, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok, err := s.Append(ctx, 1, "k", ev)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("dedupe key never expired")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestAppendConcurrent(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	const writers = 100
	seqs := make([]int, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := incident.Event{Kind: incident.KindMessage, TS: fmt.Sprintf("%d.0", i), Text: fmt.Sprint(i)}
			got, _, err := s.Append(ctx, 9, fmt.Sprintf("Ev%d", i), ev)
			seqs[i], errs[i] = got.Seq, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	sorted := append([]int(nil), seqs...)
	sort.Ints(sorted)
	for i, seq := range sorted {
		if seq != i+1 {
			t.Fatalf("sorted seqs[%d] = %d: seqs are not 1..%d each once: %v", i, seq, writers, sorted)
		}
	}
	out, err := s.Events(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != writers {
		t.Fatalf("log has %d events, want %d", len(out), writers)
	}
	// The Seq Append returned is the position Events reports.
	for _, ev := range out {
		var i int
		if _, err := fmt.Sscan(ev.Text, &i); err != nil {
			t.Fatalf("event text %q: %v", ev.Text, err)
		}
		if seqs[i] != ev.Seq {
			t.Errorf("writer %d's event is at position %d, Append said %d", i, ev.Seq, seqs[i])
		}
	}
}

func TestEventsPaging(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	const total = 12345 // more than two pages of 5,000
	want := fillLog(t, s, 5, total)
	out, err := s.Events(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != total {
		t.Fatalf("Events returned %d, want %d", len(out), total)
	}
	for i, ev := range out {
		if ev.Seq != i+1 || ev.ID != want[i].ID || ev.Text != want[i].Text {
			t.Fatalf("event %d = seq %d id %s text %q, want seq %d id %s text %q", i, ev.Seq, ev.ID, ev.Text, i+1, want[i].ID, want[i].Text)
		}
	}
}

// fillLog appends total numbered messages to incident n from a few
// goroutines and returns them ordered by Seq.
func fillLog(t testing.TB, s *store.Store, n int64, total int) []incident.Event {
	t.Helper()
	ctx := context.Background()
	out := make([]incident.Event, total)
	const workers = 8
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += workers {
				ev := incident.Event{Kind: incident.KindMessage, At: at, Actor: "U1", TS: fmt.Sprintf("1700000000.%06d", i),
					Text: fmt.Sprintf("message %d: the checkout pods are restarting again", i)}
				got, _, err := s.Append(ctx, n, ev.TS, ev)
				if err != nil {
					errc <- err
					return
				}
				out[got.Seq-1] = got
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHasMessage(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	for _, ev := range []incident.Event{
		{Kind: incident.KindMessage, TS: "100.1", Text: "hello"},
		{Kind: incident.KindEdit, TS: "200.1", Text: "edit of a message never seen"},
		{Kind: incident.KindMark, TS: "300.1", Mark: incident.MarkImpact},
	} {
		if _, _, err := s.Append(ctx, 1, "", ev); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		n    int64
		ts   string
		want bool
	}{
		{"recorded message", 1, "100.1", true},
		{"only an edit", 1, "200.1", false},
		{"only a mark", 1, "300.1", false},
		{"unknown ts", 1, "999.9", false},
		{"other incident", 2, "100.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.HasMessage(ctx, tt.n, tt.ts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("HasMessage(%d, %s) = %v, want %v", tt.n, tt.ts, got, tt.want)
			}
		})
	}
}

// TestEventsReadMillisecondLogs reads logs written before at was kept in
// microseconds.
func TestEventsReadMillisecondLogs(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	s := tg.Store(t, store.Options{})
	at := time.Date(2025, 3, 14, 14, 48, 7, 123_000_000, time.UTC)
	c := tg.Client(t)
	if err := c.XAdd(ctx, &redis.XAddArgs{Stream: tg.Prefix + "incident:{9}:events",
		Values: []string{"kind", "message", "at", fmt.Sprint(at.UnixMilli()), "ts", "1.1", "text", "old"}}).Err(); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || !evs[0].At.Equal(at) {
		t.Fatalf("events = %+v, want one at %s", evs, at)
	}
}
