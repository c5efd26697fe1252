package store_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/store"
)

func TestScheduleRunsEachJobOnce(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for job, due := range map[string]time.Duration{"a": -time.Minute, "b": 0, "c": time.Hour} {
		if err := s.Schedule(ctx, job, now.Add(due)); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.Due(ctx, now, 10)
	if err != nil || !slices.Equal(due, []string{"a", "b"}) {
		t.Fatalf("Due = %q, %v; want a, b (c is an hour away)", due, err)
	}
	// Eight replicas race for every due job: each is claimed once.
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, job := range due {
				if ok, err := s.Claim(ctx, job); err != nil {
					t.Error(err)
				} else if ok {
					won.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if won.Load() != 2 {
		t.Errorf("%d claims won, want 2", won.Load())
	}
	if left, _ := s.Due(ctx, now.Add(2*time.Hour), 10); !slices.Equal(left, []string{"c"}) {
		t.Errorf("left = %q", left)
	}
}
