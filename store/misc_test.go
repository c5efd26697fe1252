package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

func TestUsage(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	tokens, cost, err := s.Usage(ctx, 1)
	if err != nil || tokens != 0 || cost != 0 {
		t.Fatalf("Usage of a fresh incident = %d, %v, %v", tokens, cost, err)
	}
	steps := []struct {
		tokens   int
		cost     float64
		wantCost float64
	}{
		{1000, 0.015, 0.015},
		{250, 0.0025, 0.0175},
		{0, 0, 0.0175},
	}
	wantTokens := 0
	for _, st := range steps {
		total, err := s.AddUsage(ctx, 1, st.tokens, st.cost)
		if err != nil {
			t.Fatal(err)
		}
		wantTokens += st.tokens
		if math.Abs(total-st.wantCost) > 1e-12 {
			t.Errorf("AddUsage total = %v, want %v", total, st.wantCost)
		}
	}
	tokens, cost, err = s.Usage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if tokens != wantTokens || math.Abs(cost-0.0175) > 1e-12 {
		t.Errorf("Usage = %d, %v; want %d, 0.0175", tokens, cost, wantTokens)
	}
	if tokens, _, _ := s.Usage(ctx, 2); tokens != 0 {
		t.Errorf("incident 2 has %d tokens from incident 1", tokens)
	}
}

func TestExternal(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	check := func(step, id string, wantN int64, wantOK bool) {
		t.Helper()
		n, ok, err := s.ExternalIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if n != wantN || ok != wantOK {
			t.Errorf("%s: ExternalIncident = %d, %v; want %d, %v", step, n, ok, wantN, wantOK)
		}
	}
	check("unknown", "PXYZ", 0, false)

	if err := s.LinkExternal(ctx, "PXYZ", 42); err != nil {
		t.Fatal(err)
	}
	check("linked", "PXYZ", 42, true)
	check("another id", "PABC", 0, false)
}

func TestLockExclusive(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	a := tg.Store(t, store.Options{})
	b := tg.Store(t, store.Options{}) // another replica
	tokA, err := a.Lock(ctx, "remind", time.Minute)
	if err != nil || tokA == "" {
		t.Fatalf("a.Lock = %q, %v", tokA, err)
	}
	for name, s := range map[string]*store.Store{"other replica": b, "same store": a} {
		if tok, err := s.Lock(ctx, "remind", time.Minute); err != nil || tok != "" {
			t.Errorf("%s took a held lock: %q, %v", name, tok, err)
		}
	}
	if tok, err := b.Lock(ctx, "other", time.Minute); err != nil || tok == "" {
		t.Errorf("another lock name: %q, %v", tok, err)
	}
	// A wrong token must leave a's lock alone.
	if err := b.Unlock(ctx, "remind", "not-the-token"); err != nil {
		t.Fatal(err)
	}
	if tok, _ := b.Lock(ctx, "remind", time.Minute); tok != "" {
		t.Fatal("Unlock with a wrong token released the lock")
	}
	if err := a.Unlock(ctx, "remind", tokA); err != nil {
		t.Fatal(err)
	}
	if tok, err := b.Lock(ctx, "remind", time.Minute); err != nil || tok == "" {
		t.Errorf("lock after holder's Unlock: %q, %v", tok, err)
	}
}

func TestLockNeedsExpiry(t *testing.T) {
	s := mustStore(t, store.Options{})
	for _, ttl := range []time.Duration{0, -time.Second} {
		if tok, err := s.Lock(context.Background(), "forever", ttl); err == nil || tok != "" {
			t.Errorf("Lock with ttl %v = %q, %v; want an error", ttl, tok, err)
		}
	}
}

// TestLockExpires: a holder whose lock expired cannot release the lock the
// next holder took, even from the same Store (two goroutines of one replica).
func TestLockExpires(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	first, err := s.Lock(ctx, "tick", 50*time.Millisecond)
	if err != nil || first == "" {
		t.Fatalf("first Lock = %q, %v", first, err)
	}
	var second string
	deadline := time.Now().Add(5 * time.Second)
	for second == "" {
		if second, err = s.Lock(ctx, "tick", time.Minute); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("lock never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Unlock(ctx, "tick", first); err != nil {
		t.Fatal(err)
	}
	if tok, _ := s.Lock(ctx, "tick", time.Minute); tok != "" {
		t.Error("the expired holder's Unlock released the new holder's lock")
	}
}
