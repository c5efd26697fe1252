package retry

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Classify is the one place that decides whether a failure is worth
// repeating. status is the HTTP status the server answered (0 when none
// came) and err what the call returned.
//
//   - The caller cancelling (context.Canceled) is never retried.
//   - With a status: 429, 408 and 5xx are temporary, except 501 (the server
//     does not implement the request and will not start to); every other
//     status, other 4xx and undecodable 2xx alike, is not.
//   - Without one: network failures (net.Error, which *url.Error is, and a
//     connection cut mid-answer) and timeouts are temporary, except a TLS
//     certificate the client will never trust; anything else (a bug, an
//     answer that could not be read) would fail the same way again.
//
// A timeout here is an attempt's own: Do stops by itself once its ctx ends.
func Classify(status int, err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if status != 0 {
		return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
			status >= 500 && status <= 599 && status != http.StatusNotImplemented
	}
	if err == nil {
		return false
	}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return false
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Retryable classifies err with the status it was marked with (WithStatus).
func Retryable(err error) bool { return Classify(StatusOf(err), err) }

// WithStatus marks err with the HTTP status the server answered, for
// Classify; the error's text is unchanged. A zero status or nil err is
// returned as it is.
func WithStatus(err error, status int) error {
	if err == nil || status == 0 {
		return err
	}
	return &statusError{err: err, status: status}
}

// StatusOf is the HTTP status err was marked with, 0 when none.
func StatusOf(err error) int {
	if e, ok := errors.AsType[*statusError](err); ok {
		return e.status
	}
	return 0
}

// After marks err with the wait the server asked for (a Retry-After), which
// Do honours instead of its backoff; the error's text is unchanged. A
// non-positive d or nil err is returned as it is: the backoff applies.
func After(err error, d time.Duration) error {
	if err == nil || d <= 0 {
		return err
	}
	return &waitError{err: err, wait: d}
}

// WaitOf is the wait err was marked with by After.
func WaitOf(err error) (time.Duration, bool) {
	if e, ok := errors.AsType[*waitError](err); ok {
		return e.wait, true
	}
	return 0, false
}

type statusError struct {
	err    error
	status int
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

type waitError struct {
	err  error
	wait time.Duration
}

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// RetryAfter reads how long a server asked us to wait: OpenAI's
// Retry-After-Ms, else Retry-After in seconds or as an HTTP date (a date
// already past is no wait). The wait is capped at MaxWait. ok is false when
// neither header holds a usable value.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if ms, ok := nonNegative(h.Get("Retry-After-Ms")); ok {
		return capped(ms, time.Millisecond), true
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if s, ok := nonNegative(v); ok {
		return capped(s, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxWait), true
	}
	return 0, false
}

func nonNegative(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return f, err == nil && f >= 0 && !math.IsInf(f, 0)
}

// capped converts n units to a duration no longer than MaxWait, without
// overflowing on absurd values.
func capped(n float64, unit time.Duration) time.Duration {
	if n >= float64(MaxWait/unit) {
		return MaxWait
	}
	return time.Duration(n * float64(unit))
}
