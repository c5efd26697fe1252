package store_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// benchEvent is a typical Slack message event.
var benchEvent = incident.Event{
	Kind: incident.KindMessage, At: at, Actor: "U024BE7LH", TS: "1710408413.000100",
	Text: "checkout pods are crash-looping again after the 14:40 deploy; rolling back now",
}

// benchParallelism times GOMAXPROCS goroutines write at once, as a bot
// handling many socket-mode deliveries concurrently would.
const benchParallelism = 8

// BenchmarkAppend measures the hot path: dedupe + XADD + message index in
// one script call, each op a distinct delivery. Compare with BenchmarkRawXADD.
func BenchmarkAppend(b *testing.B) {
	s := mustStore(b, store.Options{})
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			ev := benchEvent
			ev.TS = "1710408413." + strconv.FormatInt(i, 10)
			if _, _, err := s.Append(ctx, 1, "Ev"+strconv.FormatInt(i, 10), ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawXADD is the ceiling: a plain go-redis XADD of the same fields
// at the same parallelism, with no dedupe and no index.
func BenchmarkRawXADD(b *testing.B) {
	c := redistest.Client(b)
	ctx := context.Background()
	values := []string{"kind", string(benchEvent.Kind), "at", fmt.Sprint(at.UnixMicro()), "actor", benchEvent.Actor,
		"ts", benchEvent.TS, "text", benchEvent.Text}
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.XAdd(ctx, &redis.XAddArgs{Stream: "incident:{1}:events", Values: values}).Err(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEvents100k reads a 100,000-event log.
func BenchmarkEvents100k(b *testing.B) {
	s := mustStore(b, store.Options{})
	const total = 100_000
	fillLog(b, s, 1, total)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		evs, err := s.Events(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != total {
			b.Fatalf("read %d events, want %d", len(evs), total)
		}
	}
}
