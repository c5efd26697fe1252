package retry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// sleeper records every wait and returns at once, so no test waits.
type sleeper struct{ waits []time.Duration }

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return context.Cause(ctx)
}

// noJitter makes the backoff exact so tests can name each wait.
func noJitter(d time.Duration) time.Duration { return d }

// script is a call that fails with errs in turn, then succeeds.
type script struct {
	errs  []error
	calls int
}

func (s *script) call(context.Context) error {
	s.calls++
	if s.calls <= len(s.errs) {
		return s.errs[s.calls-1]
	}
	return nil
}

var (
	errBusy   = retry.WithStatus(errors.New("HTTP 503"), 503)
	errRefuse = retry.WithStatus(errors.New("HTTP 400"), 400)
	errLimit  = retry.WithStatus(errors.New("HTTP 429"), 429)
)

func TestDo(t *testing.T) {
	tests := []struct {
		name          string
		policy        retry.Policy
		errs          []error
		wantCalls     int
		wantWaits     []time.Duration
		wantErr       error // nil: success
		wantAttempts  int
		wantRetryable bool
	}{
		{"first try", retry.Policy{MaxRetries: 2}, nil, 1, nil, nil, 0, false},
		{"two failures then success", retry.Policy{MaxRetries: 2, Base: 100 * time.Millisecond, Max: time.Second},
			[]error{errBusy, errBusy}, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, nil, 0, false},
		{"runs out of retries", retry.Policy{MaxRetries: 2, Base: 100 * time.Millisecond, Max: time.Second},
			[]error{errBusy, errBusy, errBusy}, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, errBusy, 3, true},
		{"backoff capped at Max", retry.Policy{MaxRetries: 4, Base: 100 * time.Millisecond, Max: 300 * time.Millisecond},
			[]error{errBusy, errBusy, errBusy, errBusy}, 5,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}, nil, 0, false},
		{"zero Base and Max take the defaults", retry.Policy{MaxRetries: 1}, []error{errBusy}, 2, []time.Duration{retry.DefaultBase}, nil, 0, false},
		{"permanent failure not retried", retry.Policy{MaxRetries: 3}, []error{errRefuse}, 1, nil, errRefuse, 1, false},
		{"zero policy tries once", retry.Policy{}, []error{errBusy}, 1, nil, errBusy, 1, true},
		{"rejected-only retries a 429", retry.Policy{MaxRetries: 1, RejectedOnly: true, Base: 100 * time.Millisecond},
			[]error{retry.WithStatus(errLimit, 429)}, 2, []time.Duration{100 * time.Millisecond}, nil, 0, false},
		{"rejected-only leaves a 5xx alone", retry.Policy{MaxRetries: 3, RejectedOnly: true},
			[]error{errBusy}, 1, nil, errBusy, 1, false},
		{"negative retries try once", retry.Policy{MaxRetries: -1}, []error{errBusy}, 1, nil, errBusy, 1, true},
		{"server wait honoured above Max", retry.Policy{MaxRetries: 1, Base: 100 * time.Millisecond, Max: time.Second},
			[]error{retry.After(errLimit, 7*time.Second)}, 2, []time.Duration{7 * time.Second}, nil, 0, false},
		{"server wait capped", retry.Policy{MaxRetries: 1},
			[]error{retry.After(errLimit, 3*time.Hour)}, 2, []time.Duration{retry.MaxWait}, nil, 0, false},
		{"server wait then backoff", retry.Policy{MaxRetries: 2, Base: 100 * time.Millisecond, Max: time.Second},
			[]error{retry.After(errLimit, 2*time.Second), errBusy}, 3, []time.Duration{2 * time.Second, 200 * time.Millisecond}, nil, 0, false},
		{"retryable then permanent", retry.Policy{MaxRetries: 5, Base: 100 * time.Millisecond, Max: time.Second},
			[]error{errBusy, errRefuse}, 2, []time.Duration{100 * time.Millisecond}, errRefuse, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sleeper{}
			p := tt.policy
			p.Sleep, p.Jitter = s.Sleep, noJitter
			f := &script{errs: tt.errs}

			err := p.Do(context.Background(), f.call)

			if f.calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", f.calls, tt.wantCalls)
			}
			if !slices.Equal(s.waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", s.waits, tt.wantWaits)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Do = %v, want success", err)
				}
				return
			}
			re, ok := errors.AsType[*retry.Error](err)
			if !ok || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Do = %v, want a *retry.Error wrapping %v", err, tt.wantErr)
			}
			if re.Attempts != tt.wantAttempts || re.Retryable != tt.wantRetryable {
				t.Errorf("Error = %+v, want %d attempts, retryable %v", re, tt.wantAttempts, tt.wantRetryable)
			}
			if retry.StatusOf(err) != retry.StatusOf(tt.wantErr) {
				t.Errorf("the last status was lost: %d", retry.StatusOf(err))
			}
		})
	}
}

func TestDoMessage(t *testing.T) {
	p := retry.Policy{MaxRetries: 1, Sleep: (&sleeper{}).Sleep, Jitter: noJitter, Base: time.Second}
	err := p.Do(context.Background(), (&script{errs: []error{errBusy, errBusy}}).call)
	if got, want := err.Error(), "after 2 attempt(s): HTTP 503"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDoStopsBeforeAttemptWhenContextEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &script{}
	err := retry.Policy{MaxRetries: 3}.Do(ctx, f.call)
	re, ok := errors.AsType[*retry.Error](err)
	if f.calls != 0 || !ok || re.Attempts != 0 || re.Retryable || !errors.Is(err, context.Canceled) {
		t.Errorf("calls = %d, Do = %v (%+v)", f.calls, err, re)
	}
}

func TestDoGivesUpWhenWaitPassesDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := &sleeper{}
	f := &script{errs: []error{retry.After(errLimit, 90*time.Second)}}
	err := retry.Policy{MaxRetries: 3, Sleep: s.Sleep}.Do(ctx, f.call)
	re, ok := errors.AsType[*retry.Error](err)
	if !ok || f.calls != 1 || len(s.waits) != 0 || re.Attempts != 1 || !re.Retryable || !errors.Is(err, errLimit) {
		t.Fatalf("calls = %d, waits = %v, Do = %v", f.calls, s.waits, err)
	}
	if !strings.Contains(err.Error(), "a retry in 1m30s would pass the deadline") {
		t.Errorf("Error() = %q does not say why it gave up early", err)
	}
	// A backoff that fits is waited for.
	s.waits = nil
	f = &script{errs: []error{errBusy}}
	if err := (retry.Policy{MaxRetries: 1, Sleep: s.Sleep, Jitter: noJitter, Base: time.Second}).Do(ctx, f.call); err != nil || len(s.waits) != 1 {
		t.Errorf("Do = %v, waits %v, want one wait and success", err, s.waits)
	}
}

// A failure that came back because the caller's ctx ended is not retried,
// even when it looks temporary.
func TestDoStopsWhenContextEndsDuringAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sleeper{}
	calls := 0
	err := retry.Policy{MaxRetries: 3, Sleep: s.Sleep}.Do(ctx, func(context.Context) error {
		calls++
		cancel()
		return errBusy
	})
	re, ok := errors.AsType[*retry.Error](err)
	if !ok || calls != 1 || len(s.waits) != 0 || re.Retryable || !errors.Is(err, errBusy) {
		t.Errorf("calls = %d, waits = %v, Do = %v", calls, s.waits, err)
	}
}

// Cancelled while waiting: the real timer returns at once, and the error
// keeps both the last failure and the cause.
func TestDoStopsWhenContextEndsWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("shutting down")
	f := &script{errs: []error{errBusy}}
	var retries []int
	p := retry.Policy{MaxRetries: 3, Base: time.Hour, Max: time.Hour, Jitter: noJitter,
		OnRetry: func(attempt int, wait time.Duration, err error) {
			retries = append(retries, attempt)
			if wait != time.Hour || !errors.Is(err, errBusy) {
				t.Errorf("OnRetry(%d, %v, %v)", attempt, wait, err)
			}
			cancel(stop) // ends the hour-long wait before it starts
		}}
	err := p.Do(ctx, f.call)
	re, ok := errors.AsType[*retry.Error](err)
	if !ok || f.calls != 1 || re.Attempts != 1 || !errors.Is(err, errBusy) || !errors.Is(err, stop) {
		t.Errorf("calls = %d, Do = %v", f.calls, err)
	}
	if !slices.Equal(retries, []int{1}) {
		t.Errorf("OnRetry saw attempts %v, want [1]", retries)
	}
}

func TestJitterBounds(t *testing.T) {
	for _, ceiling := range []time.Duration{0, 1, 7, time.Millisecond, 3 * time.Second} {
		for range 1000 {
			if d := retry.FullJitter(ceiling); d < 0 || d > ceiling {
				t.Fatalf("FullJitter(%v) = %v", ceiling, d)
			}
			if d := retry.EqualJitter(ceiling); d < ceiling/2 || d > ceiling {
				t.Fatalf("EqualJitter(%v) = %v", ceiling, d)
			}
		}
	}
}

func BenchmarkDoFirstTry(b *testing.B) {
	p := retry.Policy{MaxRetries: 2}
	ctx := context.Background()
	f := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Do(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}
