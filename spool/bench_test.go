package spool

import (
	"context"
	"testing"
)

// benchRecord is about the size of a spooled Slack message event.
var benchRecord = make([]byte, 512)

func benchSpool(b *testing.B) *Spool {
	b.Helper()
	s, err := Open(b.TempDir(), Options{MaxBytes: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// report adds records/s and records/fsync, the group-commit factor.
func report(b *testing.B, s *Spool) {
	s.mu.Lock()
	syncs := s.syncs
	s.mu.Unlock()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if syncs > 0 {
		b.ReportMetric(float64(b.N)/float64(syncs), "records/fsync")
	}
}

func BenchmarkAppend(b *testing.B) {
	s := benchSpool(b)
	ctx := context.Background()
	b.SetBytes(int64(len(benchRecord)))
	for b.Loop() {
		if err := s.Append(ctx, benchRecord); err != nil {
			b.Fatal(err)
		}
	}
	report(b, s)
}

// BenchmarkAppendParallel runs 16 appenders per CPU: those that arrive while
// one fsync runs share the next.
func BenchmarkAppendParallel(b *testing.B) {
	s := benchSpool(b)
	ctx := context.Background()
	b.SetBytes(int64(len(benchRecord)))
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Append(ctx, benchRecord); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, s)
}

// BenchmarkDrain measures replay: each drained record costs a position file
// replacement (two fsyncs and a rename).
func BenchmarkDrain(b *testing.B) {
	s := benchSpool(b)
	ctx := context.Background()
	// Filled from many goroutines so the setup shares fsyncs.
	const fillers = 64
	done := make(chan error, fillers)
	for g := range fillers {
		go func() {
			for i := g; i < b.N; i += fillers {
				if err := s.Append(ctx, benchRecord); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range fillers {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(benchRecord)))
	b.ResetTimer()
	n, err := s.Drain(ctx, func(context.Context, []byte) error { return nil })
	if err != nil || n != b.N {
		b.Fatalf("Drain = %d, %v; want %d", n, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
