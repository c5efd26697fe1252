package pager_test

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
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/pager"
)

// sink records alerts and fails when err is set.
type sink struct {
	mu     sync.Mutex
	alerts []incident.Alert
	err    error
}

func (s *sink) Alert(_ context.Context, a incident.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.alerts = append(s.alerts, a)
	return nil
}

func (s *sink) Alerts() []incident.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]incident.Alert(nil), s.alerts...)
}

var occurred = time.Date(2026, 3, 14, 9, 30, 1, 500_000_000, time.UTC)

func pdIncident() pdfake.WebhookIncident {
	return pdfake.WebhookIncident{
		ID: "PGR0VU2", Number: 1234, Title: "Checkout latency high", Urgency: "high", Status: "triggered",
		IncidentKey: "alertmanager-abc123", ServiceID: "PSVC001", ServiceName: "Checkout API",
		Priority: "P1", Assignee: "Alice Ng", Agent: "Bob Ruiz",
	}
}

func TestWebhook(t *testing.T) {
	ownPage := pdIncident()
	ownPage.IncidentKey = "INC-42/checkout"
	valid := pdfake.WebhookBody("01DEN3", "incident.triggered", occurred, pdIncident())
	tests := []struct {
		name       string
		method     string
		edit       func(*pager.Config)
		body       []byte
		secret     string // signs the delivery; "" leaves it unsigned
		header     string // overrides the signature header when set
		sinkErr    error
		wantStatus int
		wantType   incident.AlertType // "" = the sink must get nothing
	}{
		{"triggered", "", nil, valid, webhookSecret, "", nil, 200, incident.AlertTriggered},
		{"acknowledged", "", nil, pdfake.WebhookBody("01DEN4", "incident.acknowledged", occurred, pdIncident()), webhookSecret, "", nil, 200, incident.AlertAcknowledged},
		{"resolved", "", nil, pdfake.WebhookBody("01DEN5", "incident.resolved", occurred, pdIncident()), webhookSecret, "", nil, 200, incident.AlertResolved},
		{"one of several signatures", "", nil, valid, "", "v1=00ff," + pdfake.Sign(webhookSecret, valid), nil, 200, incident.AlertTriggered},
		{"unsigned", "", nil, valid, "", "", nil, 401, ""},
		{"wrong secret", "", nil, valid, "not-the-secret", "", nil, 401, ""},
		{"forged signature", "", nil, valid, "", "v1=" + strings.Repeat("ab", 32), nil, 401, ""},
		{"signature of another body", "", nil, valid, "", pdfake.Sign(webhookSecret, []byte(`{"event":{}}`)), nil, 401, ""},
		{"garbage header", "", nil, valid, "", "sha256=xyz", nil, 401, ""},
		{"no secret configured", "", func(c *pager.Config) { c.WebhookSecret = "" }, valid, webhookSecret, "", nil, 401, ""},
		{"malformed JSON", "", nil, []byte(`{"event":`), webhookSecret, "", nil, 400, ""},
		{"no event", "", nil, []byte(`{"foo":1}`), webhookSecret, "", nil, 400, ""},
		{"other event type", "", nil, pdfake.WebhookBody("01DEN6", "incident.annotated", occurred, pdIncident()), webhookSecret, "", nil, 200, ""},
		{"ping", "", nil, []byte(`{"event":{"id":"01PING","event_type":"pagey.ping","resource_type":"pagey","data":{"type":"ping","message":"Hello from your friend Pagey!"}}}`), webhookSecret, "", nil, 200, ""},
		{"trigger of our own page", "", nil, pdfake.WebhookBody("01DEN7", "incident.triggered", occurred, ownPage), webhookSecret, "", nil, 200, ""},
		{"ack of our own page", "", nil, pdfake.WebhookBody("01DEN8", "incident.acknowledged", occurred, ownPage), webhookSecret, "", nil, 200, incident.AlertAcknowledged},
		{"sink fails", "", nil, valid, webhookSecret, "", errors.New("redis down"), 500, ""},
		{"too large", "", func(c *pager.Config) { c.MaxWebhookBody = 512 }, valid, webhookSecret, "", nil, 413, ""},
		{"GET", http.MethodGet, nil, valid, webhookSecret, "", nil, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := mustEnv(t, tt.edit)
			c := e.client
			if tt.wantStatus == 401 {
				// Rebuild with a captured log: a refusal must leave a line.
				cfg := pager.Config{WebhookSecret: webhookSecret}
				if tt.edit != nil {
					tt.edit(&cfg)
				}
				var err error
				if c, err = pager.New(cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
					t.Fatal(err)
				}
			}
			s := &sink{err: tt.sinkErr}
			srv := httptest.NewServer(c.WebhookHandler(s))
			t.Cleanup(srv.Close)
			req, err := pdfake.WebhookRequest(context.Background(), srv.URL+"/webhooks/pagerduty", tt.secret, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.method != "" {
				req.Method = tt.method
			}
			if tt.header != "" {
				req.Header.Set(pdfake.SignatureHeader, tt.header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 401 && !strings.Contains(logs.String(), "pagerduty webhook refused") {
				t.Errorf("no log line for a refused webhook: %q", logs.String())
			}
			alerts := s.Alerts()
			if tt.wantType == "" {
				if len(alerts) != 0 {
					t.Errorf("sink got %+v, want nothing", alerts)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("sink got %d alerts, want 1", len(alerts))
			}
			a := alerts[0]
			if a.Type != tt.wantType || a.ExternalID != "PGR0VU2" || a.EventID == "" || a.Title != "Checkout latency high" ||
				a.Service != "Checkout API" || a.ServiceID != "PSVC001" || a.URL != "https://acme.pagerduty.com/incidents/PGR0VU2" ||
				a.Urgency != "high" || a.Actor != "Bob Ruiz" || !a.At.Equal(occurred) {
				t.Errorf("alert = %+v", a)
			}
			if want := "PagerDuty incident #1234 · priority P1 · high urgency · assigned to Alice Ng · escalation policy Default"; a.Details != want {
				t.Errorf("details = %q, want %q", a.Details, want)
			}
		})
	}
}

// TestWebhookAcknowledgedNamesWhoAcked: an incident.acknowledged delivery
// carries its agent, the user who acknowledged; the alert holds their name
// and their PagerDuty user ID.
func TestWebhookAcknowledgedNamesWhoAcked(t *testing.T) {
	e := mustEnv(t, nil)
	s := &sink{}
	srv := httptest.NewServer(e.client.WebhookHandler(s))
	t.Cleanup(srv.Close)
	inc := pdIncident()
	inc.Status, inc.Agent, inc.AgentID = "acknowledged", "Grace Hopper", "PGRACE7"
	req, err := pdfake.WebhookRequest(context.Background(), srv.URL, webhookSecret,
		pdfake.WebhookBody("01ACK1", "incident.acknowledged", occurred, inc))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := s.Alerts()
	if resp.StatusCode != http.StatusOK || len(got) != 1 {
		t.Fatalf("status %d, %d alerts; want 200 and one", resp.StatusCode, len(got))
	}
	if a := got[0]; a.Type != incident.AlertAcknowledged || a.Actor != "Grace Hopper" || a.ActorID != "PGRACE7" {
		t.Errorf("alert Type=%q Actor=%q ActorID=%q, want acknowledged by Grace Hopper (PGRACE7)", a.Type, a.Actor, a.ActorID)
	}
}

// TestAutoDeclareByIDFromWebhook: PAGERDUTY_AUTO_DECLARE may list a service
// by its PagerDuty ID, which differs from its name. A signed webhook carries
// both on the alert, and the ID is what matches.
func TestAutoDeclareByIDFromWebhook(t *testing.T) {
	e := mustEnv(t, func(c *pager.Config) { c.AutoDeclare = []string{"PSVC001"} })
	s := &sink{}
	srv := httptest.NewServer(e.client.WebhookHandler(s))
	t.Cleanup(srv.Close)
	inc := pdIncident() // service PSVC001, named "Checkout API"
	req, err := pdfake.WebhookRequest(context.Background(), srv.URL, webhookSecret,
		pdfake.WebhookBody("01IDS1", "incident.triggered", occurred, inc))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := s.Alerts()
	if len(got) != 1 {
		t.Fatalf("sink got %d alerts, want 1", len(got))
	}
	a := got[0]
	if a.Service != "Checkout API" || a.ServiceID != "PSVC001" {
		t.Fatalf("alert service = %q (%q), want Checkout API (PSVC001)", a.Service, a.ServiceID)
	}
	if !e.client.AutoDeclares(a.ServiceID) {
		t.Error("a service listed by ID does not auto-declare")
	}
	if e.client.AutoDeclares(a.Service) {
		t.Error("the service's name matched a list that names only its ID")
	}
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantOK  bool
		wantErr bool
	}{
		{"triggered", string(pdfake.WebhookBody("E1", "incident.triggered", occurred, pdIncident())), true, false},
		{"no agent", `{"event":{"id":"E2","event_type":"incident.resolved","occurred_at":"2026-03-14T09:30:01Z","agent":null,"data":{"id":"P1","type":"incident"}}}`, true, false},
		{"unknown type", `{"event":{"id":"E3","event_type":"service.updated","data":{"id":"S1","type":"service"}}}`, false, false},
		{"incident event without incident", `{"event":{"id":"E4","event_type":"incident.triggered","data":{"type":"service","id":"S1"}}}`, false, true},
		{"not JSON", `nope`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok, err := pager.ParseWebhook([]byte(tt.body))
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("ParseWebhook = %+v, %v, %v", a, ok, err)
			}
			if ok && (a.ExternalID == "" || a.EventID == "" || a.At.IsZero()) {
				t.Errorf("alert = %+v", a)
			}
			if tt.name == "no agent" && (a.Actor != "" || a.ActorID != "") {
				t.Errorf("no agent, yet Actor=%q ActorID=%q", a.Actor, a.ActorID)
			}
		})
	}
}

// BenchmarkWebhook is the pager's share of "webhook → channel created":
// one signed delivery over HTTP, verified, parsed and handed to a sink.
func BenchmarkWebhook(b *testing.B) {
	e := mustEnv(b, nil)
	srv := httptest.NewServer(e.client.WebhookHandler(discard{}))
	b.Cleanup(srv.Close)
	body := pdfake.WebhookBody("01DEN3", "incident.triggered", occurred, pdIncident())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, err := pdfake.WebhookRequest(ctx, srv.URL, webhookSecret, body)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// discard is a sink that keeps nothing, so the benchmark measures the pager.
type discard struct{}

func (discard) Alert(context.Context, incident.Alert) error { return nil }

// TestInstanceSeparatesDeployments: with PAGERDUTY_INSTANCE set, dedup keys
// carry it, and only keys carrying it are taken for this deployment's pages;
// another deployment's page on the same account is an outside alert.
func TestInstanceSeparatesDeployments(t *testing.T) {
	e := mustEnv(t, func(c *pager.Config) { c.Instance = "prod" })
	res, err := e.client.Trigger(context.Background(), testIncident(), "", link)
	if err != nil {
		t.Fatal(err)
	}
	if res.DedupKey != "prod:INC-42" || e.fake.Events()[0].DedupKey != "prod:INC-42" {
		t.Fatalf("dedup key = %q, want prod:INC-42", res.DedupKey)
	}
	s := &sink{}
	srv := httptest.NewServer(e.client.WebhookHandler(s))
	t.Cleanup(srv.Close)
	deliver := func(id, typ, key string) {
		t.Helper()
		inc := pdIncident()
		inc.IncidentKey = key
		req, err := pdfake.WebhookRequest(context.Background(), srv.URL, webhookSecret, pdfake.WebhookBody(id, typ, time.Now(), inc))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	deliver("E1", "incident.triggered", "prod:INC-42")    // our own page: ignored
	deliver("E2", "incident.triggered", "staging:INC-42") // another deployment's: an alert
	deliver("E3", "incident.acknowledged", "prod:INC-42")
	deliver("E4", "incident.acknowledged", "INC-42") // no instance: not ours
	got := s.Alerts()
	if len(got) != 3 {
		t.Fatalf("sink got %d alerts, want 3: %+v", len(got), got)
	}
	if got[0].Type != incident.AlertTriggered || got[0].Number != 0 {
		t.Errorf("staging's trigger = %+v, want an outside alert", got[0])
	}
	if got[1].Number != 42 || got[2].Number != 0 {
		t.Errorf("acks linked to %d and %d, want 42 and 0", got[1].Number, got[2].Number)
	}
}
