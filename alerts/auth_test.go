package alerts_test

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/alerts"
	"github.com/incidentbot/incidentbot/incident"
)

type sink struct {
	mu  sync.Mutex
	got []incident.MonitorAlert
}

func (s *sink) MonitorAlert(_ context.Context, a incident.MonitorAlert) (incident.AlertResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, a)
	return incident.AlertResult{Outcome: incident.AlertDeclared, Incident: "INC-1"}, nil
}

// seen is an in-memory replay check for these unit tests; the bot's
// tests use the store's.
type seen map[string]bool

func (s seen) FirstTime(_ context.Context, key string, _ time.Duration) (bool, error) {
	first := !s[key]
	s[key] = true
	return first, nil
}

func serve(t *testing.T, cfg alerts.Config) (*httptest.Server, *sink) {
	s := &sink{}
	mux := http.NewServeMux()
	for p, h := range alerts.Routes(cfg, s, seen{}, alerts.NewMetrics(), slog.New(slog.NewTextHandler(io.Discard, nil))) {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, s
}

func send(t *testing.T, srv *httptest.Server, path string, body []byte, header func(*http.Request)) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(string(body)))
	if header != nil {
		header(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestTokenAsBearerOrBasicPassword(t *testing.T) {
	srv, s := serve(t, alerts.Config{Token: "t0ken"})
	body := fixture(t, "alertmanager_firing.json")
	for _, tc := range []struct {
		name   string
		header func(*http.Request)
		want   int
	}{
		{"none", nil, 401},
		{"wrong bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401},
		{"wrong password", func(r *http.Request) { r.SetBasicAuth("alertmanager", "nope") }, 401},
		{"token as user", func(r *http.Request) { r.SetBasicAuth("t0ken", "") }, 401},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0ken") }, 200},
		{"basic", func(r *http.Request) { r.SetBasicAuth("alertmanager", "t0ken") }, 200},
	} {
		if code, _ := send(t, srv, "/webhooks/alertmanager", body, tc.header); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	if len(s.got) != 2 {
		t.Errorf("sink got %d notifications, want the 2 authenticated ones", len(s.got))
	}
	code, msg := send(t, srv, "/webhooks/grafana", []byte(`{"status":`), func(r *http.Request) { r.Header.Set("Authorization", "Bearer t0ken") })
	if code != 400 || !strings.Contains(msg, "not the JSON") || len(s.got) != 2 {
		t.Errorf("malformed: %d %q, sink has %d", code, msg, len(s.got))
	}
}

func TestNoCredentialRefusesEverything(t *testing.T) {
	srv, s := serve(t, alerts.Config{})
	for _, p := range []string{"/webhooks/alertmanager", "/webhooks/grafana"} {
		if code, _ := send(t, srv, p, fixture(t, "alertmanager_firing.json"), func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") }); code != 401 {
			t.Errorf("%s without ALERT_WEBHOOK_TOKEN: %d, want 401", p, code)
		}
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := []byte(`{"title":"x"}`)
	if code, _ := send(t, srv, "/webhooks/alert", body, signed("", ts, body)); code != 401 {
		t.Errorf("generic without ALERT_WEBHOOK_SECRET: %d, want 401", code)
	}
	if len(s.got) != 0 {
		t.Errorf("sink got %d", len(s.got))
	}
}

func signed(secret, ts string, body []byte) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set(alerts.HeaderTimestamp, ts)
		r.Header.Set(alerts.HeaderSignature, "v1="+hex.EncodeToString(alerts.Sign(secret, ts, body)))
	}
}

func TestGenericSignatureTimestampAndReplay(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	srv, s := serve(t, alerts.Config{Secret: "s3cret", Now: func() time.Time { return now }})
	body := []byte(`{"title":"Disk 95% full on db-1","severity":"critical","service":"db"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
	for _, tc := range []struct {
		name   string
		header func(*http.Request)
		want   int
	}{
		{"unsigned", nil, 401},
		{"wrong secret", signed("nope", ts, body), 401},
		{"signature of another body", signed("s3cret", ts, []byte(`{"title":"x"}`)), 401},
		{"six minutes old", signed("s3cret", old, body), 401},
		{"six minutes ahead", signed("s3cret", future, body), 401},
		{"good", signed("s3cret", ts, body), 200},
		{"the same again: a replay", signed("s3cret", ts, body), 401},
	} {
		if code, _ := send(t, srv, "/webhooks/alert", body, tc.header); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
	if len(s.got) != 1 || s.got[0].Labels["service"] != "db" {
		t.Errorf("sink got %+v", s.got)
	}
}
