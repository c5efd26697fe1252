// Package retry is the one retry stage for outbound calls (OpenAI,
// PagerDuty, Slack): a Policy that repeats a call while the single
// classifier (Classify) calls its failure temporary, waiting with capped
// exponential backoff and jitter, or as long as the server asked. Adapters
// only report what they saw, by marking their errors with WithStatus and
// After; the decision is made here.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// Defaults for a Policy's zero Base and Max.
const (
	DefaultBase = 250 * time.Millisecond
	DefaultMax  = 30 * time.Second
)

// MaxWait caps a wait the server asks for: a Retry-After of an hour would
// otherwise park a call for an hour. Past the cap the call is retried anyway,
// and a second refusal costs no more than one attempt.
const MaxWait = 2 * time.Minute

// Policy says how often and how patiently a call is repeated. The zero
// value tries once. A Policy is a value: copy it and change fields freely.
type Policy struct {
	// MaxRetries is how many times a temporary failure is retried after the
	// first attempt; zero or negative means none.
	MaxRetries int
	// Base is the backoff ceiling before the first retry (zero: DefaultBase);
	// it doubles per retry up to Max (zero: DefaultMax).
	Base, Max time.Duration
	// Jitter picks the actual wait under a backoff ceiling; nil means
	// FullJitter. It is not applied to a wait the server asked for.
	Jitter func(ceiling time.Duration) time.Duration
	// Sleep waits d or until ctx ends, returning ctx's cause then; nil means
	// a real timer. Tests inject one that records and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// RejectedOnly retries only calls the server refused before acting on
	// them (429), for calls that must not be repeated blindly: after a 5xx
	// or a dropped connection the first attempt may have taken effect.
	RejectedOnly bool
	// OnRetry, if set, is told about each retry before its wait, for the log:
	// the failed attempt's number (from 1), the wait and the error.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// Do calls f until it returns nil, fails for good, runs out of retries or
// ctx ends. ctx is checked before every attempt; a retry whose wait would
// pass ctx's deadline is not waited for, so the caller hears sooner. The
// wait is the server's (see After) when the error carries one, else the
// backoff. A failure is returned as an *Error wrapping the last attempt's
// error. f must be safe to repeat; it should bound its own attempt with a
// timeout if one is wanted.
//
// The deadline check uses the wall clock, as context deadlines do, whatever
// Sleep is injected.
func (p Policy) Do(ctx context.Context, f func(ctx context.Context) error) error {
	var e *Error
	for n := 1; ; n++ {
		if ctx.Err() != nil {
			if e == nil {
				return &Error{Err: context.Cause(ctx)}
			}
			e.Err = errors.Join(e.Err, context.Cause(ctx))
			return e
		}
		err := f(ctx)
		if err == nil {
			return nil
		}
		// A failure that came back because ctx ended is the caller's, not
		// the server's: nothing to retry.
		e = &Error{Attempts: n, Retryable: ctx.Err() == nil && Retryable(err), Err: err}
		if p.RejectedOnly && StatusOf(err) != http.StatusTooManyRequests {
			e.Retryable = false
		}
		if !e.Retryable || n > p.MaxRetries {
			return e
		}
		wait := p.wait(n, err)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			e.wait = wait
			return e
		}
		if p.OnRetry != nil {
			p.OnRetry(n, wait, err)
		}
		if err := p.sleep(ctx, wait); err != nil {
			e.Err = errors.Join(e.Err, err)
			return e
		}
	}
}

// wait is how long to wait after the n-th failed attempt.
func (p Policy) wait(n int, err error) time.Duration {
	if d, ok := WaitOf(err); ok {
		return min(d, MaxWait)
	}
	jitter := p.Jitter
	if jitter == nil {
		jitter = FullJitter
	}
	return jitter(p.ceiling(n))
}

// ceiling is the backoff limit after the n-th failed attempt: Base doubled
// per earlier failure, capped at Max.
func (p Policy) ceiling(n int) time.Duration {
	base, maxd := p.Base, p.Max
	if base <= 0 {
		base = DefaultBase
	}
	if maxd <= 0 {
		maxd = DefaultMax
	}
	maxd = max(maxd, base)
	d := base
	for i := 1; i < n && d < maxd; i++ {
		d *= 2
	}
	return min(d, maxd)
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// FullJitter waits anything from nothing to the ceiling, so callers failing
// together spread out the most.
func FullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// EqualJitter waits at least half the ceiling, the rest random: for callers
// that would rather not come back almost at once.
func EqualJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	half := ceiling / 2
	return half + rand.N(half+1)
}

// Error is a call that failed for good. It wraps the last attempt's error,
// joined with ctx's cause when ctx ended before the next attempt.
type Error struct {
	// Attempts is how many times the call was made; 0 when ctx had ended
	// before the first.
	Attempts int
	// Retryable reports that the last failure was temporary and ctx was
	// still live when it came back: more patience might have helped.
	Retryable bool
	// Err is the last attempt's error.
	Err error

	wait time.Duration // > 0: gave up because this wait would pass the deadline
}

// Error describes the failure and how many attempts it took.
func (e *Error) Error() string {
	switch {
	case e.Attempts == 0:
		return fmt.Sprintf("not attempted: %v", e.Err)
	case e.wait > 0:
		return fmt.Sprintf("after %d attempt(s), a retry in %s would pass the deadline: %v", e.Attempts, e.wait, e.Err)
	}
	return fmt.Sprintf("after %d attempt(s): %v", e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error.
func (e *Error) Unwrap() error { return e.Err }
