package linear_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/linearfake"
	"github.com/incidentbot/incidentbot/tracker/linear"
)

const secret = "lin_wh_signing_secret_for_tests"

type sink struct {
	mu      sync.Mutex
	updates []incident.TrackerUpdate
	err     error
}

func (s *sink) TrackerUpdate(_ context.Context, u incident.TrackerUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, u)
	return s.err
}

func (s *sink) got() []incident.TrackerUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]incident.TrackerUpdate(nil), s.updates...)
}

// logLines counts what the handler logs.
type logLines struct {
	mu sync.Mutex
	n  int
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// madeIssue creates one issue through the client, as the export would.
func madeIssue(t *testing.T) (*linearfake.Server, incident.TrackerRef) {
	t.Helper()
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	ref, err := c.Create(context.Background(), "ENG", plain("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	return s, ref
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// signed is a delivery of body signed with secret, sent now.
func signed(t *testing.T, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/linear", strings.NewReader(body))
	req.Header.Set("Linear-Signature", linearfake.Sign(secret, []byte(body)))
	req.Header.Set("Linear-Delivery", "7c3e0b7e-5d1c-4c55-9a53-0c1f0e2f1a11")
	return req
}

func TestWebhookDoneAndReopened(t *testing.T) {
	s, ref := madeIssue(t)
	var sk sink
	h := linear.WebhookHandler(secret, &sk, slog.New(slog.DiscardHandler))

	for _, done := range []bool{true, false} {
		if err := s.SetDone(ref.ID, done); err != nil {
			t.Fatal(err)
		}
		req, err := s.WebhookRequest("http://bot.test/webhooks/linear", secret, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w := serve(h, req); w.Code != http.StatusOK {
			t.Fatalf("done=%v: status %d: %s", done, w.Code, w.Body)
		}
		got := sk.got()
		want := incident.TrackerUpdate{Kind: incident.TrackerLinear, Project: "ENG", ID: ref.ID, Key: ref.Key, URL: ref.URL,
			Done: done, Actor: "Pat Example", EventID: req.Header.Get("Linear-Delivery")}
		if len(got) == 0 || got[len(got)-1] != want || want.EventID == "" {
			t.Errorf("done=%v: sink got %+v, want %+v", done, got, want)
		}
	}
	if n := len(sk.got()); n != 2 {
		t.Errorf("sink got %d updates, want 2", n)
	}
}

func TestWebhookRefusesWhatItCannotVerify(t *testing.T) {
	s, ref := madeIssue(t)
	if err := s.SetDone(ref.ID, true); err != nil {
		t.Fatal(err)
	}
	deliver := func(t *testing.T, sec string, sent time.Time) *http.Request {
		t.Helper()
		req, err := s.WebhookRequestAt("http://bot.test/webhooks/linear", sec, ref.ID, sent)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	tests := []struct {
		name          string
		handlerSecret string
		req           func(t *testing.T) *http.Request
	}{
		{"wrong secret", secret, func(t *testing.T) *http.Request { return deliver(t, "another secret", time.Now()) }},
		{"missing signature", secret, func(t *testing.T) *http.Request {
			r := deliver(t, secret, time.Now())
			r.Header.Del("Linear-Signature")
			return r
		}},
		{"signature not hex", secret, func(t *testing.T) *http.Request {
			r := deliver(t, secret, time.Now())
			r.Header.Set("Linear-Signature", "sha256=zz")
			return r
		}},
		{"body changed", secret, func(t *testing.T) *http.Request {
			r := deliver(t, secret, time.Now())
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte(`"completed"`), []byte(`"completed" `), 1)))
			return r
		}},
		{"replayed two minutes later", secret, func(t *testing.T) *http.Request { return deliver(t, secret, time.Now().Add(-2*time.Minute)) }},
		{"no secret configured", "", func(t *testing.T) *http.Request { return deliver(t, "", time.Now()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sk sink
			var lines logLines
			h := linear.WebhookHandler(tt.handlerSecret, &sk, slog.New(slog.NewTextHandler(&lines, nil)))
			if w := serve(h, tt.req(t)); w.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", w.Code)
			}
			if n := len(sk.got()); n != 0 {
				t.Errorf("the sink was called %d times", n)
			}
			if lines.n != 1 {
				t.Errorf("logged %d lines, want 1", lines.n)
			}
		})
	}
}

func TestWebhookAnswers(t *testing.T) {
	now := time.Now().UnixMilli()
	issue := func(updatedFrom, stateType string) string {
		return fmt.Sprintf(`{"action":"update","type":"Issue","webhookTimestamp":%d,"updatedFrom":%s,
			"data":{"id":"9a1b","identifier":"ENG-1","url":"https://linear.app/acme/issue/ENG-1","state":{"type":%q,"name":"x"}}}`,
			now, updatedFrom, stateType)
	}
	tests := []struct {
		name    string
		body    string
		sinkErr error
		want    int
		calls   int
	}{
		{"malformed JSON", `{"action":"update",`, nil, http.StatusBadRequest, 0},
		{"not a delivery", `[1,2]`, nil, http.StatusBadRequest, 0},
		{"a comment", fmt.Sprintf(`{"action":"create","type":"Comment","webhookTimestamp":%d,"data":{"body":"hi"}}`, now), nil, http.StatusOK, 0},
		{"title changed", issue(`{"title":"old"}`, "completed"), nil, http.StatusOK, 0},
		{"started", issue(`{"stateId":"s1","completedAt":null}`, "started"), nil, http.StatusOK, 0},
		{"created done", strings.Replace(issue(`{}`, "completed"), `"update"`, `"create"`, 1), nil, http.StatusOK, 0},
		{"done", issue(`{"stateId":"s1"}`, "completed"), nil, http.StatusOK, 1},
		{"reopened", issue(`{"stateId":"s1","completedAt":"2026-03-01T10:00:00.000Z"}`, "unstarted"), nil, http.StatusOK, 1},
		{"sink fails", issue(`{"stateId":"s1"}`, "completed"), errors.New("redis is down"), http.StatusInternalServerError, 1},
		{"no timestamp", `{"action":"update","type":"Issue","data":{}}`, nil, http.StatusUnauthorized, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sk := &sink{err: tt.sinkErr}
			h := linear.WebhookHandler(secret, sk, slog.New(slog.DiscardHandler))
			if w := serve(h, signed(t, tt.body)); w.Code != tt.want {
				t.Errorf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if n := len(sk.got()); n != tt.calls {
				t.Errorf("the sink was called %d times, want %d", n, tt.calls)
			}
		})
	}
}

func TestWebhookLimits(t *testing.T) {
	var sk sink
	h := linear.WebhookHandler(secret, &sk, slog.New(slog.DiscardHandler))
	if w := serve(h, httptest.NewRequest(http.MethodGet, "/webhooks/linear", nil)); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", w.Code)
	}
	big := `{"action":"update","type":"Issue","pad":"` + strings.Repeat("x", linear.MaxWebhookBody) + `"}`
	if w := serve(h, signed(t, big)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: status %d, want 413", w.Code)
	}
	if len(sk.got()) != 0 {
		t.Error("the sink was called")
	}
}
