package pager_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/pager"
)

const link = "https://acme.slack.com/archives/C042"

func TestTrigger(t *testing.T) {
	tests := []struct {
		name        string
		sev         incident.Severity
		service     string
		wantKey     string
		wantDedup   string
		wantSev     string
		wantService string
	}{
		{"P1 default service", incident.P1, "", defaultKey, "INC-42", "critical", ""},
		{"P2 named service", incident.P2, "checkout", checkoutKey, "INC-42/checkout", "error", "checkout"},
		{"P3 name normalised", incident.P3, " Payments ", paymentsKey, "INC-42/payments", "warning", "payments"},
		{"P4", incident.P4, "", defaultKey, "INC-42", "info", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, nil)
			inc := testIncident()
			inc.Severity = tt.sev
			res, err := e.client.Trigger(context.Background(), inc, tt.service, link)
			if err != nil {
				t.Fatalf("Trigger: %v", err)
			}
			if res != (incident.PageResult{Service: tt.wantService, DedupKey: tt.wantDedup, Message: "Event processed"}) {
				t.Errorf("result = %+v", res)
			}
			evs := e.fake.Events()
			if len(evs) != 1 {
				t.Fatalf("fake got %d events, want 1", len(evs))
			}
			ev := evs[0]
			if ev.Action != "trigger" || ev.RoutingKey != tt.wantKey || ev.DedupKey != tt.wantDedup {
				t.Errorf("event action/key/dedup = %s/%s/%s", ev.Action, ev.RoutingKey, ev.DedupKey)
			}
			p := ev.Payload
			if p.Summary != "INC-42: checkout returns 500" || p.Severity != tt.wantSev || p.Source != "incidentbot" {
				t.Errorf("payload summary/severity/source = %q/%q/%q", p.Summary, p.Severity, p.Source)
			}
			if len(ev.Links) != 1 || ev.Links[0] != (pdfake.Link{Href: link, Text: "Slack channel"}) {
				t.Errorf("links = %+v", ev.Links)
			}
			want := map[string]string{
				"incident": "INC-42", "severity": tt.sev.String(), "status": "investigating",
				"declared_by": "U123", "channel": "#inc-042-checkout-returns-500",
				"description": "since the 09:20 deploy",
			}
			for k, v := range want {
				if got := p.CustomDetails[k]; got != v {
					t.Errorf("custom_details[%s] = %v, want %q", k, got, v)
				}
			}
			if p.Timestamp != e.clock.Now().Format(time.RFC3339) {
				t.Errorf("timestamp = %q", p.Timestamp)
			}
			if got := e.fake.Requests("/v2/enqueue")[0].Header.Get("Authorization"); got != "" {
				t.Errorf("events request carried Authorization %q", got)
			}
		})
	}
}

func TestTriggerLongTitleFitsSummary(t *testing.T) {
	e := mustEnv(t, nil)
	inc := testIncident()
	inc.Title = strings.Repeat("ü", 2000)
	if _, err := e.client.Trigger(context.Background(), inc, "", link); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	s := e.fake.Events()[0].Payload.Summary
	if n := utf8.RuneCountInString(s); n > pager.MaxSummary || !strings.HasPrefix(s, "INC-42: ü") {
		t.Errorf("summary has %d characters: %.40q…", n, s)
	}
}

// TestTriggerRedactsSecrets: PagerDuty is a third party, so secrets pasted
// into a title or description never reach it.
func TestTriggerRedactsSecrets(t *testing.T) {
	e := mustEnv(t, nil)
	inc := testIncident()
	inc.Title = "db down, password=hunter2xyz"
	inc.Description = "DATABASE_URL=postgres://app:s3cretPa55@db:5432/app"
	if _, err := e.client.Trigger(context.Background(), inc, "", link); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	p := e.fake.Events()[0].Payload
	body := p.Summary + fmt.Sprint(p.CustomDetails)
	for _, secret := range []string{"hunter2xyz", "s3cretPa55"} {
		if strings.Contains(body, secret) {
			t.Errorf("secret %q sent to PagerDuty: %s", secret, body)
		}
	}
}

func TestTriggerUnknownService(t *testing.T) {
	e := mustEnv(t, nil)
	_, err := e.client.Trigger(context.Background(), testIncident(), "search", link)
	ue := wantCode(t, err, incident.EInvalid)
	if !strings.Contains(ue.Message, `"search"`) || !strings.Contains(ue.Message, "checkout, payments") {
		t.Errorf("message = %q", ue.Message)
	}
	if n := len(e.fake.Requests("")); n != 0 {
		t.Errorf("fake got %d requests, want 0", n)
	}
}

func TestTriggerWithoutRoutingKey(t *testing.T) {
	e := mustEnv(t, func(c *pager.Config) { c.RoutingKey = "" })
	_, err := e.client.Trigger(context.Background(), testIncident(), "", link)
	if ue := wantCode(t, err, incident.EUnavailable); !strings.Contains(ue.Message, pager.EnvRoutingKey) {
		t.Errorf("message = %q", ue.Message)
	}
}

func TestTriggerRetries(t *testing.T) {
	tests := []struct {
		name         string
		fail         int
		status       int
		retryAfter   string
		wantErr      bool
		wantRequests int
		wantSleeps   int
		firstSleep   time.Duration // exact wait expected before the 2nd try, 0 = backoff range
		wantCode     string
	}{
		{"429 twice then success", 2, 429, "", false, 3, 2, 0, ""},
		{"500 twice then success", 2, 500, "", false, 3, 2, 0, ""},
		{"503 honours Retry-After", 1, 503, "7", false, 2, 1, 7 * time.Second, ""},
		{"429 honours Retry-After", 1, 429, "2", false, 2, 1, 2 * time.Second, ""},
		{"gives up after attempts", 5, 502, "", true, 3, 2, 0, incident.EUnavailable},
		{"400 not retried", 1, 400, "", true, 1, 0, 0, incident.EUnavailable},
		{"403 not retried", 1, 403, "", true, 1, 0, 0, incident.EUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, nil)
			e.fake.FailNext(tt.fail, tt.status, tt.retryAfter)
			res, err := e.client.Trigger(context.Background(), testIncident(), "checkout", link)
			if got := len(e.fake.Requests("/v2/enqueue")); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			sleeps := e.clock.Sleeps()
			if len(sleeps) != tt.wantSleeps {
				t.Fatalf("sleeps = %v, want %d", sleeps, tt.wantSleeps)
			}
			if tt.firstSleep != 0 && sleeps[0] != tt.firstSleep {
				t.Errorf("first wait = %v, want %v (Retry-After)", sleeps[0], tt.firstSleep)
			}
			for i, d := range sleeps {
				// Equal jitter: between half and all of 100ms doubled per try.
				if tt.firstSleep == 0 && (d < 50*time.Millisecond<<i || d > 100*time.Millisecond<<i) {
					t.Errorf("wait %d = %v, outside the backoff range", i, d)
				}
			}
			if !tt.wantErr {
				if err != nil || res.DedupKey != "INC-42/checkout" || len(e.fake.Events()) != 1 {
					t.Fatalf("Trigger = %+v, %v; events %d", res, err, len(e.fake.Events()))
				}
				return
			}
			ue := wantCode(t, err, tt.wantCode)
			if tt.status < 500 && !strings.Contains(ue.Message, pager.EnvServices) {
				t.Errorf("a refused page should say where the routing key lives: %q", ue.Message)
			}
			var ce *pager.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v does not wrap a *pager.CallError", err)
			}
			if ce.Attempts != tt.wantRequests || ce.Status != tt.status || ce.Retryable != (tt.status >= 500) {
				t.Errorf("CallError = %+v", ce)
			}
		})
	}
}

// 408 is a timeout and retried; 501 will not start working, so it is not.
func TestTriggerStatusClassified(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		wantRequests  int
		wantRetryable bool
	}{
		{"408 retried", 408, 3, true},
		{"501 not retried", 501, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, nil)
			e.fake.FailNext(5, tt.status, "")
			_, err := e.client.Trigger(context.Background(), testIncident(), "", link)
			if got := len(e.fake.Requests("/v2/enqueue")); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			var ce *pager.CallError
			if !errors.As(err, &ce) || ce.Status != tt.status || ce.Retryable != tt.wantRetryable || ce.Attempts != tt.wantRequests {
				t.Errorf("error = %v (%+v)", err, ce)
			}
		})
	}
}

func TestTriggerNetworkErrorRetried(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	e := mustEnv(t, func(c *pager.Config) { c.EventsURL = dead.URL })
	_, err := e.client.Trigger(context.Background(), testIncident(), "", link)
	wantCode(t, err, incident.EUnavailable)
	var ce *pager.CallError
	if !errors.As(err, &ce) || ce.Attempts != 3 || !ce.Retryable || ce.Status != 0 {
		t.Errorf("error = %v", err)
	}
}

func TestTriggerAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	e := mustEnv(t, func(c *pager.Config) {
		c.EventsURL = slow.URL
		c.Timeout = 20 * time.Millisecond
		c.Retry.Attempts = 2
	})
	_, err := e.client.Trigger(context.Background(), testIncident(), "", link)
	var ce *pager.CallError
	if !errors.As(err, &ce) || ce.Attempts != 2 || !ce.Retryable || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error = %v", err)
	}
}

func TestTriggerStopsWhenContextEnds(t *testing.T) {
	e := mustEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.client.Trigger(ctx, testIncident(), "", link)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled in the chain", err)
	}
	if n := len(e.fake.Requests("")); n != 0 {
		t.Errorf("fake got %d requests after cancel", n)
	}
}

func TestTriggerGivesUpWhenRetryAfterOutlastsDeadline(t *testing.T) {
	e := mustEnv(t, nil)
	e.fake.FailNext(1, 429, "3600")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.client.Trigger(ctx, testIncident(), "", link)
	var ce *pager.CallError
	if !errors.As(err, &ce) || ce.Status != 429 || len(e.clock.Sleeps()) != 0 {
		t.Errorf("error = %v, sleeps = %v", err, e.clock.Sleeps())
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name      string
		services  []string
		wantDedup []string
		wantKeys  []string
		wantCode  string
	}{
		{"nothing paged", nil, nil, nil, ""},
		{"default", []string{""}, []string{"INC-42"}, []string{defaultKey}, ""},
		{"default and named, repeats once", []string{"", "checkout", "Checkout"},
			[]string{"INC-42", "INC-42/checkout"}, []string{defaultKey, checkoutKey}, ""},
		{"unknown service reported, others resolved", []string{"search", "payments"},
			[]string{"INC-42/payments"}, []string{paymentsKey}, incident.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, nil)
			err := e.client.Resolve(context.Background(), testIncident(), tt.services)
			if tt.wantCode == "" && err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
			}
			evs := e.fake.Events()
			if len(evs) != len(tt.wantDedup) {
				t.Fatalf("events = %+v, want %d", evs, len(tt.wantDedup))
			}
			for i, ev := range evs {
				if ev.Action != "resolve" || ev.DedupKey != tt.wantDedup[i] || ev.RoutingKey != tt.wantKeys[i] || ev.Payload != nil {
					t.Errorf("event %d = %+v", i, ev)
				}
			}
		})
	}
}

func TestResolveRetries(t *testing.T) {
	e := mustEnv(t, nil)
	e.fake.FailNext(1, 500, "")
	if err := e.client.Resolve(context.Background(), testIncident(), []string{""}); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if n := len(e.fake.Requests("/v2/enqueue")); n != 2 || len(e.fake.Events()) != 1 {
		t.Errorf("requests = %d, events = %d", n, len(e.fake.Events()))
	}
}

func BenchmarkTrigger(b *testing.B) {
	e := mustEnv(b, nil)
	inc := testIncident()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.Trigger(ctx, inc, "checkout", link); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	e.fake.Reset() // the fake records every event; keep memory flat between runs
}
