package pager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errAttemptTimeout is the cause of a context ended by Config.Timeout, so a
// slow attempt is told apart from the caller giving up.
var errAttemptTimeout = errors.New("pagerduty call timed out")

// attempt records what the HTTP layer saw during one try. go-pagerduty
// flattens transport errors with %v and drops response headers, so the
// recorder keeps them for classify.
type attempt struct {
	status     int           // HTTP status, 0 when no response came
	retryAfter time.Duration // from a Retry-After header, 0 when absent
	transport  error         // the http.Client error, if any
	detail     string        // the start of an error response body
}

type attemptKey struct{}

// recorder is the pagerduty.HTTPClient both APIs use: it notes status,
// Retry-After and transport errors in the attempt carried by the request's
// context.
type recorder struct {
	do  func(*http.Request) (*http.Response, error)
	now func() time.Time
}

// Do sends req and records the outcome.
func (r recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.do(req)
	a, _ := req.Context().Value(attemptKey{}).(*attempt)
	if a == nil {
		return resp, err
	}
	if err != nil {
		a.transport = err
		return resp, err
	}
	a.status = resp.StatusCode
	if resp.StatusCode >= 300 {
		a.retryAfter = retryAfter(resp.Header.Get("Retry-After"), r.now())
		// Keep the start of the body for the log, then hand the whole body
		// on: go-pagerduty still decodes it.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		a.detail = errorDetail(head)
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	}
	return resp, nil
}

// errorDetail condenses an Events API or REST error body for the log.
func errorDetail(body []byte) string {
	var events struct {
		Status  string   `json:"status"`
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	var rest struct {
		Error struct {
			Message string   `json:"message"`
			Code    int      `json:"code"`
			Errors  []string `json:"errors"`
		} `json:"error"`
	}
	switch {
	case json.Unmarshal(body, &events) == nil && events.Message != "":
		return strings.TrimSpace(events.Message + " " + strings.Join(events.Errors, "; "))
	case json.Unmarshal(body, &rest) == nil && rest.Error.Message != "":
		return strings.TrimSpace(rest.Error.Message + " " + strings.Join(rest.Error.Errors, "; "))
	}
	return strings.TrimSpace(string(body))
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// classify is the one place that decides whether a failed attempt is worth
// repeating: 429, 408 and 5xx responses, per-attempt timeouts and network
// errors are; other 4xx answers, undecodable 2xx answers and the caller's
// context ending are not.
func classify(ctx context.Context, a *attempt) bool {
	if ctx.Err() != nil {
		return false
	}
	switch {
	case a.transport != nil:
		return true
	case a.status == http.StatusTooManyRequests, a.status == http.StatusRequestTimeout:
		return true
	case a.status >= 500:
		return true
	}
	return false
}

// CallError is a PagerDuty call that failed for good. It wraps the last
// attempt's error.
type CallError struct {
	Op        string // what was attempted, e.g. "trigger INC-42"
	Attempts  int    // tries made
	Status    int    // last HTTP status, 0 when none came
	Retryable bool   // the last failure was temporary: more patience might help
	Detail    string // PagerDuty's own words, when it sent any
	Err       error
}

// Error describes the failure for the log.
func (e *CallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pagerduty %s failed after %d attempt(s)", e.Op, e.Attempts)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the last attempt's error.
func (e *CallError) Unwrap() error { return e.Err }

// call runs op until it succeeds, fails for good, runs out of attempts or
// ctx ends. Each attempt gets its own Config.Timeout. op must be idempotent:
// events carry dedup keys and the REST calls are reads.
func (c *Client) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var cerr *CallError
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			if cerr == nil {
				return &CallError{Op: op, Attempts: n - 1, Err: context.Cause(ctx)}
			}
			cerr.Err = errors.Join(cerr.Err, context.Cause(ctx))
			return cerr
		}
		a := &attempt{}
		actx, cancel := context.WithTimeoutCause(context.WithValue(ctx, attemptKey{}, a), c.cfg.Timeout, errAttemptTimeout)
		err := fn(actx)
		if err != nil && errors.Is(context.Cause(actx), errAttemptTimeout) {
			err = fmt.Errorf("%w after %s: %w", errAttemptTimeout, c.cfg.Timeout, err)
		}
		cancel()
		if err == nil {
			return nil
		}
		retry := classify(ctx, a)
		cerr = &CallError{Op: op, Attempts: n, Status: a.status, Retryable: retry, Detail: a.detail, Err: err}
		if !retry || n >= c.cfg.Retry.Attempts {
			return cerr
		}
		wait := a.retryAfter
		if wait == 0 {
			wait = c.backoff(n)
		}
		// Deadlines are wall-clock time, whatever clock Config injects.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlast the caller; give up now with the real cause.
			return cerr
		}
		c.log.Warn("pagerduty call failed; retrying", "op", op, "attempt", n, "status", a.status, "wait", wait, "err", err)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			cerr.Err = errors.Join(cerr.Err, err)
			return cerr
		}
	}
}

// backoff is the wait after the n-th failed attempt: Backoff doubled per
// attempt, capped at MaxBackoff, with "equal jitter" (half fixed, half
// random) so replicas paging at once do not retry in lockstep.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Retry.Backoff
	for i := 1; i < n && d < c.cfg.Retry.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.Retry.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}
