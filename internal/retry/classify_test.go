package retry_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
)

func TestClassify(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	badJSON := json.Unmarshal([]byte("{"), new(any))
	tests := []struct {
		name   string
		status int
		err    error
		want   bool
	}{
		{"429", 429, errors.New("rate limited"), true},
		{"408", 408, errors.New("request timeout"), true},
		{"500", 500, errors.New("boom"), true},
		{"502", 502, nil, true},
		{"503", 503, errors.New("unavailable"), true},
		{"599", 599, errors.New("odd"), true},
		{"501 will not start working", 501, errors.New("not implemented"), false},
		{"400", 400, errors.New("bad request"), false},
		{"401", 401, errors.New("unauthorized"), false},
		{"403", 403, errors.New("forbidden"), false},
		{"404", 404, errors.New("not found"), false},
		{"undecodable 200", 200, badJSON, false},
		{"600 is no 5xx", 600, errors.New("?"), false},
		{"status wins over a network error", 400, refused, false},
		{"connection refused", 0, refused, true},
		{"wrapped network error", 0, fmt.Errorf("calling: %w", refused), true},
		{"connection cut mid-answer", 0, fmt.Errorf("decode: %w", io.ErrUnexpectedEOF), true},
		{"attempt timeout", 0, fmt.Errorf("attempt: %w", context.DeadlineExceeded), true},
		{"cancelled", 0, context.Canceled, false},
		{"cancelled mid-request", 0, &url.Error{Op: "Post", URL: "http://x", Err: context.Canceled}, false},
		{"cancelled beats a 503", 503, fmt.Errorf("reading body: %w", context.Canceled), false},
		{"untrusted certificate", 0, &url.Error{Op: "Get", URL: "https://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, false},
		{"unreadable answer", 0, badJSON, false},
		{"plain error", 0, errors.New("no choices"), false},
		{"nothing", 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retry.Classify(tt.status, tt.err); got != tt.want {
				t.Errorf("Classify(%d, %v) = %v, want %v", tt.status, tt.err, got, tt.want)
			}
			// Marking the status on the error must classify the same way.
			if got := retry.Retryable(retry.WithStatus(tt.err, tt.status)); tt.err != nil && got != tt.want {
				t.Errorf("Retryable(WithStatus(%v, %d)) = %v, want %v", tt.err, tt.status, got, tt.want)
			}
		})
	}
}

// A real refused connection, as net/http reports it, is retryable.
func TestClassifyRealRefusedConnection(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a closed server answered")
	}
	if !retry.Classify(0, err) {
		t.Errorf("Classify(0, %v) = false, want a refused connection retried", err)
	}
}

func TestMarks(t *testing.T) {
	base := errors.New("HTTP 429 from the server")
	err := fmt.Errorf("op: %w", retry.After(retry.WithStatus(base, 429), 3*time.Second))
	if got := retry.StatusOf(err); got != 429 {
		t.Errorf("StatusOf = %d, want 429", got)
	}
	if d, ok := retry.WaitOf(err); !ok || d != 3*time.Second {
		t.Errorf("WaitOf = %v, %v, want 3s", d, ok)
	}
	if !errors.Is(err, base) || err.Error() != "op: HTTP 429 from the server" {
		t.Errorf("marks changed the chain or the text: %q", err)
	}
	if retry.WithStatus(base, 0) != base || retry.After(base, 0) != base || retry.After(base, -time.Second) != base {
		t.Error("an empty mark wrapped the error")
	}
	if retry.WithStatus(nil, 500) != nil || retry.After(nil, time.Second) != nil {
		t.Error("marking nil gave an error")
	}
	if _, ok := retry.WaitOf(base); ok || retry.StatusOf(base) != 0 {
		t.Error("an unmarked error reports a mark")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{"none", nil, 0, false},
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"seconds with spaces", map[string]string{"Retry-After": " 2 "}, 2 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"openai milliseconds win", map[string]string{"Retry-After-Ms": "150", "Retry-After": "1"}, 150 * time.Millisecond, true},
		{"bad milliseconds fall back", map[string]string{"Retry-After-Ms": "soon", "Retry-After": "3"}, 3 * time.Second, true},
		{"negative milliseconds fall back", map[string]string{"Retry-After-Ms": "-5", "Retry-After": "3"}, 3 * time.Second, true},
		{"http date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"date already past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"capped seconds", map[string]string{"Retry-After": "3600"}, retry.MaxWait, true},
		{"capped absurd seconds", map[string]string{"Retry-After": "1e300"}, retry.MaxWait, true},
		{"capped milliseconds", map[string]string{"Retry-After-Ms": "86400000"}, retry.MaxWait, true},
		{"capped date", map[string]string{"Retry-After": now.Add(24 * time.Hour).Format(http.TimeFormat)}, retry.MaxWait, true},
		{"negative", map[string]string{"Retry-After": "-1"}, 0, false},
		{"infinite", map[string]string{"Retry-After": "Inf"}, 0, false},
		{"not a number", map[string]string{"Retry-After": "NaN"}, 0, false},
		{"garbage", map[string]string{"Retry-After": "later please"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := retry.RetryAfter(h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RetryAfter(%v) = %v, %v, want %v, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
