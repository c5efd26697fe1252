package github_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/tracker/github"
)

const secret = "whsec-test-1234"

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

func (s *sink) Updates() []incident.TrackerUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]incident.TrackerUpdate(nil), s.updates...)
}

// logs counts the lines a handler logs.
type logs struct {
	mu sync.Mutex
	n  int
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func serve(h http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// The signature GitHub's docs give for their test vector, so the fake
// signs as GitHub does.
func TestSignMatchesGitHubsExample(t *testing.T) {
	got := githubfake.Sign(sha256.New, "It's a Secret to Everybody", []byte("Hello, World!"))
	if want := "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookDeliversCloseAndReopen(t *testing.T) {
	fake, c, _ := setup(t)
	ref, err := c.Create(t.Context(), "acme/app", item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	h := github.WebhookHandler(secret, s, nil)
	for _, done := range []bool{true, false} {
		if err := fake.SetDone("k1", done); err != nil {
			t.Fatal(err)
		}
		req, err := fake.WebhookRequest("http://bot/webhooks/github", secret, "acme/app#1")
		if err != nil {
			t.Fatal(err)
		}
		if code := serve(h, req); code != http.StatusOK {
			t.Fatalf("done=%v: status %d", done, code)
		}
		got := s.Updates()
		want := incident.TrackerUpdate{Kind: incident.TrackerGitHub, Project: "acme/app", ID: ref.ID, Key: ref.Key,
			URL: ref.URL, Done: done, Actor: githubfake.Sender, EventID: req.Header.Get("X-GitHub-Delivery")}
		if len(got) == 0 || got[len(got)-1] != want || want.EventID == "" {
			t.Errorf("updates = %+v, want last %+v", got, want)
		}
	}
}

func TestWebhookRefuses(t *testing.T) {
	fake, c, _ := setup(t)
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err != nil {
		t.Fatal(err)
	}
	if err := fake.SetDone("k1", true); err != nil {
		t.Fatal(err)
	}
	signed := func(key string) *http.Request {
		req, err := fake.WebhookRequest("http://bot/webhooks/github", key, "k1")
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	sha1Only := signed(secret)
	sha1Only.Header.Del("X-Hub-Signature-256")
	tampered := signed(secret)
	body := new(bytes.Buffer)
	body.ReadFrom(tampered.Body)
	tampered.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body.Bytes(), []byte(`"closed"`), []byte(`"reopened"`), 1)))
	tests := []struct {
		name    string
		handler string // the handler's secret
		req     *http.Request
	}{
		{"wrong secret", secret, signed("another-secret")},
		{"unsigned", secret, signed("")},
		{"sha1 only", secret, sha1Only},
		{"tampered body", secret, tampered},
		{"handler without a secret", "", signed("")},
		{"handler without a secret, signed delivery", "", signed(secret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l := &sink{}, &logs{}
			h := github.WebhookHandler(tt.handler, s, slog.New(slog.NewTextHandler(l, nil)))
			if code := serve(h, tt.req); code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", code)
			}
			if len(s.Updates()) != 0 {
				t.Errorf("sink called: %+v", s.Updates())
			}
			if l.n != 1 {
				t.Errorf("%d log lines, want 1", l.n)
			}
		})
	}
}

func TestWebhookAnswers(t *testing.T) {
	fake, c, _ := setup(t)
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err != nil {
		t.Fatal(err)
	}
	if err := fake.SetDone("k1", true); err != nil {
		t.Fatal(err)
	}
	raw := func(event, body string) *http.Request {
		req, err := fake.SignedRequest("http://bot/webhooks/github", secret, event, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	closed, err := fake.WebhookRequest("http://bot/webhooks/github", secret, "k1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     *http.Request
		sinkErr error
		want    int
		calls   int
	}{
		{"malformed JSON", raw("issues", `{"action": "closed", "issue": `), nil, http.StatusBadRequest, 0},
		{"no issue", raw("issues", `{"action": "closed"}`), nil, http.StatusBadRequest, 0},
		{"ping", raw("ping", `{"zen": "Keep it logically awesome.", "hook_id": 4242}`), nil, http.StatusOK, 0},
		{"other event", raw("push", `not even JSON`), nil, http.StatusOK, 0},
		{"other action", raw("issues", `{"action": "labeled", "issue": {"number": 1, "body": "<!-- incidentbot-item: k1 -->"},
			"repository": {"full_name": "acme/app"}}`), nil, http.StatusOK, 0},
		{"not the bot's issue", raw("issues", `{"action": "closed", "issue": {"number": 7, "body": "hand-made"},
			"repository": {"full_name": "acme/app"}}`), nil, http.StatusOK, 0},
		{"too large", raw("issues", `{"action": "closed", "pad": "`+strings.Repeat("x", 1<<20)+`"}`), nil, http.StatusRequestEntityTooLarge, 0},
		{"sink fails", closed, errors.New("redis is down"), http.StatusInternalServerError, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{err: tt.sinkErr}
			h := github.WebhookHandler(secret, s, nil)
			if code := serve(h, tt.req); code != tt.want {
				t.Errorf("status %d, want %d", code, tt.want)
			}
			if n := len(s.Updates()); n != tt.calls {
				t.Errorf("sink called %d times, want %d", n, tt.calls)
			}
		})
	}
}

func TestWebhookFormEncoded(t *testing.T) {
	fake, c, _ := setup(t)
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err != nil {
		t.Fatal(err)
	}
	if err := fake.SetDone("k1", true); err != nil {
		t.Fatal(err)
	}
	js, err := fake.WebhookRequest("http://bot/webhooks/github", secret, "k1")
	if err != nil {
		t.Fatal(err)
	}
	payload := new(bytes.Buffer)
	payload.ReadFrom(js.Body)
	form := "payload=" + url.QueryEscape(payload.String())
	req, err := fake.SignedRequest("http://bot/webhooks/github", secret, "issues", []byte(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s := &sink{}
	if code := serve(github.WebhookHandler(secret, s, nil), req); code != http.StatusOK || len(s.Updates()) != 1 || !s.Updates()[0].Done {
		t.Errorf("status %d, updates %+v", code, s.Updates())
	}
}
