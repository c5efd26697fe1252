package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/webhook"
)

var fast = retry.Policy{MaxRetries: 2, Base: time.Millisecond, Max: 2 * time.Millisecond}

func TestPostSignsAndRetries(t *testing.T) {
	var calls atomic.Int32
	var sig, body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		sig.Store(r.Header.Get(webhook.Header))
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	status, err := webhook.New(fast).Post(context.Background(), srv.URL, []byte("k"), []byte(`{"id":"INC-1"}`))
	if err != nil || status != http.StatusAccepted || calls.Load() != 2 {
		t.Fatalf("Post = %d, %v after %d calls; want 202 after a retried 502", status, err, calls.Load())
	}
	if body.Load() != `{"id":"INC-1"}` || sig.Load() != webhook.Sign([]byte("k"), []byte(`{"id":"INC-1"}`)) {
		t.Errorf("body %v, signature %v", body.Load(), sig.Load())
	}
	// The signature is HMAC-SHA256 in hex, as a receiver computes it.
	if got := webhook.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog")); got != "v1=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Errorf("Sign = %s", got)
	}
}

func TestPostGivesUpOnTimeoutsAndNeverRetriesAClientError(t *testing.T) {
	var calls atomic.Int32
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang) // before Close, which waits for the hanging handlers
	c := webhook.New(fast).WithAttemptTimeout(50 * time.Millisecond)
	if status, err := c.Post(context.Background(), slow.URL, nil, []byte("{}")); err == nil || status != 0 || calls.Load() != 3 {
		t.Errorf("hanging target: %d, %v after %d calls; want an error after 3 timed-out attempts", status, err, calls.Load())
	}
	calls.Store(0)
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer gone.Close()
	if status, err := c.Post(context.Background(), gone.URL, nil, []byte("{}")); err == nil || status != 404 || calls.Load() != 1 {
		t.Errorf("404: %d, %v after %d calls; want one attempt", status, err, calls.Load())
	}
}

func TestPostDoesNotRetryACertificateItWillNeverTrust(t *testing.T) {
	var calls, retries atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	policy := fast
	policy.OnRetry = func(int, time.Duration, error) { retries.Add(1) }
	status, err := webhook.New(policy).Post(context.Background(), srv.URL, nil, []byte("{}"))
	if err == nil || status != 0 || calls.Load() != 0 {
		t.Fatalf("self-signed target: %d, %v, %d calls; want a TLS error", status, err, calls.Load())
	}
	if retries.Load() != 0 {
		t.Errorf("a certificate the bot will never trust was retried %d times", retries.Load())
	}
}
