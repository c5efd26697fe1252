package pager_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/pager"
)

func TestParseServices(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"empty", "", map[string]string{}, false},
		{"two", "checkout=KEY1, Payments = KEY2", map[string]string{"checkout": "KEY1", "payments": "KEY2"}, false},
		{"trailing comma", "checkout=KEY1,", map[string]string{"checkout": "KEY1"}, false},
		{"no key", "checkout=", nil, true},
		{"no equals", "checkout", nil, true},
		{"no name", "=KEY", nil, true},
		{"duplicate", "a=1,A=2", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pager.ParseServices(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseSeverities(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []incident.Severity
		wantErr bool
	}{
		{"empty means default", "", nil, false},
		{"none", "none", []incident.Severity{}, false},
		{"list", "P1, sev2,3", []incident.Severity{incident.P1, incident.P2, incident.P3}, false},
		{"repeats dropped", "P1,p1", []incident.Severity{incident.P1}, false},
		{"bad", "P1,P9", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pager.ParseSeverities(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	vars := map[string]string{
		pager.EnvRoutingKey:     " KEY ",
		pager.EnvServices:       "checkout=K1",
		pager.EnvPageSeverities: "P1",
		pager.EnvAPIToken:       "tok",
		pager.EnvEventsURL:      "http://events.local",
		pager.EnvAPIURL:         "http://api.local",
		pager.EnvWebhookSecret:  "sec",
		pager.EnvAutoDeclare:    "checkout, payments",
	}
	cfg, err := pager.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RoutingKey != "KEY" || cfg.Services["checkout"] != "K1" || !slices.Equal(cfg.PageSeverities, []incident.Severity{incident.P1}) ||
		cfg.APIToken != "tok" || cfg.EventsURL != "http://events.local" || cfg.APIURL != "http://api.local" ||
		cfg.WebhookSecret != "sec" || !slices.Equal(cfg.AutoDeclare, []string{"checkout", "payments"}) {
		t.Errorf("config = %+v", cfg)
	}

	vars[pager.EnvServices] = "broken"
	if _, err := pager.ConfigFromEnv(func(k string) string { return vars[k] }); err == nil {
		t.Error("bad PAGERDUTY_SERVICES accepted")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  pager.Config
	}{
		{"uppercase service", pager.Config{Services: map[string]string{"Checkout": "K"}}},
		{"empty key", pager.Config{Services: map[string]string{"checkout": ""}}},
		{"bad severity", pager.Config{PageSeverities: []incident.Severity{9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := pager.New(tt.cfg, nil); err == nil {
				t.Error("New accepted a bad config")
			}
		})
	}
}

func TestPages(t *testing.T) {
	tests := []struct {
		name string
		edit func(*pager.Config)
		sev  incident.Severity
		want bool
	}{
		{"P1 pages by default", nil, incident.P1, true},
		{"P2 pages by default", nil, incident.P2, true},
		{"P3 does not", nil, incident.P3, false},
		{"configured P3", func(c *pager.Config) { c.PageSeverities = []incident.Severity{incident.P3} }, incident.P3, true},
		{"configured none", func(c *pager.Config) { c.PageSeverities = []incident.Severity{} }, incident.P1, false},
		{"no routing key", func(c *pager.Config) { c.RoutingKey = "" }, incident.P1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, tt.edit)
			if got := e.client.Pages(tt.sev, ""); got != tt.want {
				t.Errorf("Pages(%s) = %v, want %v", tt.sev, got, tt.want)
			}
		})
	}
}

func TestAutoDeclares(t *testing.T) {
	tests := []struct {
		name    string
		list    []string
		service string
		want    bool
	}{
		{"listed", []string{"checkout", "payments"}, "Checkout", true},
		{"listed by id", []string{"PSVC123"}, "PSVC123", true},
		{"not listed", []string{"checkout"}, "search", false},
		{"star", []string{"*"}, "anything", true},
		{"empty service", []string{"*"}, "", false},
		{"none configured", nil, "checkout", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, func(c *pager.Config) { c.AutoDeclare = tt.list })
			if got := e.client.AutoDeclares(tt.service); got != tt.want {
				t.Errorf("AutoDeclares(%q) = %v, want %v", tt.service, got, tt.want)
			}
		})
	}
}

func TestDedupKey(t *testing.T) {
	inc := incident.Incident{Number: 42}
	tests := []struct {
		name    string
		service string
		want    string
	}{
		{"default", "", "INC-42"},
		{"named", "checkout", "INC-42/checkout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := pager.DedupKey(inc, tt.service)
			if key != tt.want {
				t.Fatalf("DedupKey = %q, want %q", key, tt.want)
			}
			n, service, ok := pager.ParseDedupKey(key)
			if !ok || n != 42 || service != tt.service {
				t.Errorf("ParseDedupKey(%q) = %d, %q, %v", key, n, service, ok)
			}
		})
	}
	for _, foreign := range []string{"", "INC-", "INC-042", "INC-x", "abc123", "inc-4"} {
		if _, _, ok := pager.ParseDedupKey(foreign); ok {
			t.Errorf("ParseDedupKey(%q) claimed a foreign key", foreign)
		}
	}
}
