package jira_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/jirafake"
	"github.com/incidentbot/incidentbot/tracker/jira"
)

const secret = "whsec-jira-123"

type sink struct {
	mu      sync.Mutex
	updates []incident.TrackerUpdate
	err     error
}

func (s *sink) TrackerUpdate(_ context.Context, u incident.TrackerUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.updates = append(s.updates, u)
	return nil
}

func (s *sink) got() []incident.TrackerUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]incident.TrackerUpdate(nil), s.updates...)
}

// doneIssue is an issue the fake holds, just moved to Done.
func doneIssue(t *testing.T) (*jirafake.Server, incident.TrackerRef) {
	t.Helper()
	fake, c, _ := setup(t)
	ref, err := c.Create(context.Background(), project, item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.SetDone(ref.Key, true); err != nil {
		t.Fatal(err)
	}
	return fake, ref
}

func TestWebhook(t *testing.T) {
	const target = "https://bot.acme.example/webhooks/jira"
	fake, ref := doneIssue(t)
	signed := func(t *testing.T) *http.Request {
		r, err := fake.WebhookRequest(target, secret, ref.Key)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	withBody := func(body string, sign string) func(*testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r, err := fake.SignedRequest(target, sign, "d-9", []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	tests := []struct {
		name      string
		secret    string
		req       func(*testing.T) *http.Request
		sinkErr   error
		want      int
		wantCalls int
	}{
		{"signed status change", secret, signed, nil, 200, 1},
		{"unsigned", secret, func(t *testing.T) *http.Request {
			r, _ := fake.WebhookRequest(target, "", ref.Key)
			return r
		}, nil, 401, 0},
		{"signed with another secret", secret, func(t *testing.T) *http.Request {
			r, _ := fake.WebhookRequest(target, "not-the-secret", ref.Key)
			return r
		}, nil, 401, 0},
		{"forged signature", secret, func(t *testing.T) *http.Request {
			r := signed(t)
			r.Header.Set(jira.SignatureHeader, "sha256="+strings.Repeat("ab", 32))
			return r
		}, nil, 401, 0},
		{"body changed after signing", secret, func(t *testing.T) *http.Request {
			r := signed(t)
			sig := r.Header.Get(jira.SignatureHeader)
			r2 := httptest.NewRequest(http.MethodPost, target, strings.NewReader(`{"webhookEvent":"jira:issue_updated"}`))
			r2.Header.Set(jira.SignatureHeader, sig)
			return r2
		}, nil, 401, 0},
		{"no secret configured", "", signed, nil, 401, 0},
		{"secret in the query", secret, func(t *testing.T) *http.Request {
			r, _ := fake.WebhookRequest(target+"?secret="+secret, "", ref.Key)
			return r
		}, nil, 200, 1},
		{"wrong secret in the query", secret, func(t *testing.T) *http.Request {
			r, _ := fake.WebhookRequest(target+"?secret=guess", "", ref.Key)
			return r
		}, nil, 401, 0},
		{"malformed JSON", secret, withBody(`{"webhookEvent":`, secret), nil, 400, 0},
		{"not a Jira event", secret, withBody(`{"hello":"world"}`, secret), nil, 400, 0},
		{"another event", secret, withBody(`{"webhookEvent":"comment_created","issue":{"id":"1","key":"OPS-1"}}`, secret), nil, 200, 0},
		{"update without a status change", secret, withBody(`{"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"OPS-1"},`+
			`"changelog":{"items":[{"field":"summary","toString":"x"}]}}`, secret), nil, 200, 0},
		{"sink fails", secret, signed, errors.New("redis down"), 500, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{err: tt.sinkErr}
			var logs bytes.Buffer
			h := jira.WebhookHandler(tt.secret, s, slog.New(slog.NewTextHandler(&logs, nil)))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req(t))
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d", rec.Code, tt.want)
			}
			if n := len(s.got()); n != tt.wantCalls {
				t.Errorf("sink called %d times, want %d", n, tt.wantCalls)
			}
			if tt.want == 401 && strings.Count(logs.String(), "jira webhook refused") != 1 {
				t.Errorf("logs = %q; want one refusal line", logs.String())
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log shows the secret: %q", logs.String())
			}
		})
	}
}

func TestWebhookSaysDoneThenReopened(t *testing.T) {
	fake, ref := doneIssue(t)
	s := &sink{}
	h := jira.WebhookHandler(secret, s, nil)
	for _, done := range []bool{true, false} {
		if err := fake.SetDone(ref.Key, done); err != nil {
			t.Fatal(err)
		}
		r, err := fake.WebhookRequest("http://bot/webhooks/jira", secret, ref.Key)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			t.Fatalf("status = %d", rec.Code)
		}
	}
	got := s.got()
	if len(got) != 2 {
		t.Fatalf("updates = %+v", got)
	}
	want := incident.TrackerUpdate{Kind: incident.TrackerJira, Project: project, ID: ref.ID, Key: ref.Key,
		URL: fake.URL() + "/browse/" + ref.Key, Done: true, Actor: jirafake.Actor, EventID: "1"}
	if got[0] != want {
		t.Errorf("done update = %+v, want %+v", got[0], want)
	}
	want.Done, want.EventID = false, "2"
	if got[1] != want {
		t.Errorf("reopened update = %+v, want %+v", got[1], want)
	}
}

func TestWebhookCapsTheBody(t *testing.T) {
	h := jira.WebhookHandler(secret, &sink{}, nil)
	big := bytes.Repeat([]byte("x"), jira.MaxWebhookBody+1)
	r := httptest.NewRequest(http.MethodPost, "/webhooks/jira", bytes.NewReader(big))
	r.Header.Set(jira.SignatureHeader, jira.Sign(secret, big))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/jira", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET status = %d, want 405", rec.Code)
	}
}
