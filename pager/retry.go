package pager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// errAttemptTimeout is the cause of a context ended by Config.Timeout, so a
// slow attempt is told apart from the caller giving up.
var errAttemptTimeout = errors.New("pagerduty call timed out")

// attempt records what the HTTP layer saw during one try. go-pagerduty
// flattens transport errors with %v and drops response headers, so the
// recorder keeps them for the retry policy (see mark).
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
		a.retryAfter, _ = retry.RetryAfter(resp.Header, r.now())
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

// mark attaches what the HTTP layer saw to err, so retry.Classify decides:
// the status, the server's Retry-After and the transport error.
func (a *attempt) mark(err error) error {
	if a.transport != nil {
		err = &transportError{err: err, transport: a.transport}
	}
	return retry.After(retry.WithStatus(err, a.status), a.retryAfter)
}

// transportError puts the http.Client's error, which go-pagerduty flattens
// into text, back in the chain; its text stays go-pagerduty's.
type transportError struct{ err, transport error }

func (e *transportError) Error() string   { return e.err.Error() }
func (e *transportError) Unwrap() []error { return []error{e.err, e.transport} }

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

// call runs op under the client's retry policy until it succeeds, fails for
// good, runs out of attempts or ctx ends. Each attempt gets its own
// Config.Timeout, and a timed-out attempt is retried. op must be idempotent:
// events carry dedup keys and the REST calls are reads.
func (c *Client) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var last *attempt
	p := c.policy
	p.OnRetry = func(n int, wait time.Duration, err error) {
		c.log.Warn("pagerduty call failed; retrying", "op", op, "attempt", n, "status", retry.StatusOf(err), "wait", wait, "err", err)
	}
	err := p.Do(ctx, func(ctx context.Context) error {
		a := &attempt{}
		last = a
		actx, cancel := context.WithTimeoutCause(context.WithValue(ctx, attemptKey{}, a), c.cfg.Timeout, errAttemptTimeout)
		defer cancel()
		err := fn(actx)
		if err == nil {
			return nil
		}
		if errors.Is(context.Cause(actx), errAttemptTimeout) {
			err = fmt.Errorf("%w after %s: %w", errAttemptTimeout, c.cfg.Timeout, err)
		}
		return a.mark(err)
	})
	re, ok := errors.AsType[*retry.Error](err)
	if !ok {
		return err // nil: Do fails only with a *retry.Error
	}
	ce := &CallError{Op: op, Attempts: re.Attempts, Retryable: re.Retryable, Err: re.Err}
	if last != nil {
		ce.Status, ce.Detail = last.status, last.detail
	}
	return ce
}

// policy is the retry policy Config.Retry describes. PagerDuty keeps equal
// jitter: at least half the backoff passes before a page is tried again.
func (cfg Config) policy() retry.Policy {
	return retry.Policy{
		MaxRetries: cfg.Retry.Attempts - 1,
		Base:       cfg.Retry.Backoff,
		Max:        cfg.Retry.MaxBackoff,
		Jitter:     retry.EqualJitter,
		Sleep:      cfg.Sleep,
	}
}
