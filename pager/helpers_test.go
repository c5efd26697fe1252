package pager_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/pager"
)

const (
	apiToken      = "test-api-token"
	defaultKey    = "R0UTINGKEYDEFAULT000000000000000"
	checkoutKey   = "R0UTINGKEYCHECKOUT00000000000000"
	paymentsKey   = "R0UTINGKEYPAYMENTS00000000000000"
	webhookSecret = "whsec-test"
)

// clock is a controllable Config.Now and Config.Sleep: sleeping records the
// wait and returns at once, so retries are tested without waiting.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is a Client wired to a fresh fake.
type env struct {
	fake   *pdfake.Server
	clock  *clock
	client *pager.Client
}

// mustEnv starts a fake and a Client talking to it; edit adjusts the config.
func mustEnv(t testing.TB, edit func(*pager.Config)) env {
	t.Helper()
	fake := pdfake.New(t, apiToken)
	clk := newClock()
	cfg := pager.Config{
		RoutingKey:    defaultKey,
		Services:      map[string]string{"checkout": checkoutKey, "payments": paymentsKey},
		APIToken:      apiToken,
		EventsURL:     fake.URL,
		APIURL:        fake.URL,
		WebhookSecret: webhookSecret,
		AutoDeclare:   []string{"Checkout API"},
		Retry:         pager.Retry{Attempts: 3, Backoff: 100 * time.Millisecond, MaxBackoff: time.Second},
		Now:           clk.Now,
		Sleep:         clk.Sleep,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := pager.New(cfg, nil)
	if err != nil {
		t.Fatalf("pager.New: %v", err)
	}
	return env{fake: fake, clock: clk, client: c}
}

func testIncident() incident.Incident {
	return incident.Incident{
		Number:      42,
		Title:       "checkout returns 500",
		Description: "since the 09:20 deploy",
		Severity:    incident.P1,
		Status:      incident.Investigating,
		ChannelID:   "C042",
		ChannelName: "inc-042-checkout-returns-500",
		DeclaredBy:  "U123",
		DeclaredAt:  time.Date(2026, 3, 14, 9, 25, 0, 0, time.UTC),
	}
}

// wantCode fails unless err carries an *incident.Error with code.
func wantCode(t *testing.T, err error, code string) *incident.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got nil", code)
	}
	var e *incident.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *incident.Error with code %s, got %v", code, err)
	}
	if e.Code != code {
		t.Fatalf("code = %s, want %s (%v)", e.Code, code, err)
	}
	return e
}
