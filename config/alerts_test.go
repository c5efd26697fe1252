package config_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
)

func TestAlertRulesDecodeAndMatch(t *testing.T) {
	cfg, err := config.Parse("incidentbot.yaml", []byte(`
services:
  - name: checkout
    aliases: [shop]
  - name: ml-platform
alerts:
  - match: {alertname: HighErrorRate, severity: critical}
    severity: P1
    service: shop
    page: true
  - match: {alertname: "/^LLM.*/"}
    severity: P2
    service: ml-platform
  - match: {}
    severity: P4
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Alerts) != 3 {
		t.Fatalf("%d rules, want 3", len(cfg.Alerts))
	}
	if r := cfg.Alerts[0]; r.Severity != incident.P1 || r.Service != "checkout" || !r.Page || len(r.Match) != 2 {
		t.Errorf("first rule %+v (the alias must resolve to checkout)", r)
	}
	for _, tc := range []struct {
		labels map[string]string
		want   incident.Severity
	}{
		{map[string]string{"alertname": "HighErrorRate", "severity": "critical"}, incident.P1},
		{map[string]string{"alertname": "HighErrorRate", "severity": "warning"}, incident.P4},
		{map[string]string{"alertname": "LLMLatencyHigh"}, incident.P2},
		{map[string]string{"alertname": "SlowLLM"}, incident.P4}, // the regex is anchored at ^
	} {
		r, ok := incident.MatchAlert(cfg.Alerts, incident.MonitorAlert{Labels: tc.labels})
		if !ok || r.Severity != tc.want {
			t.Errorf("%v: %v %v, want %v", tc.labels, r.Severity, ok, tc.want)
		}
	}
	// A firing alert's own labels count when the common ones do not match.
	a := incident.MonitorAlert{Labels: map[string]string{"alertname": "HighErrorRate"},
		Alerts: []incident.AlertInstance{{Status: incident.AlertFiring, Labels: map[string]string{"severity": "critical"}}}}
	if r, _ := incident.MatchAlert(cfg.Alerts[:2], a); r.Severity != incident.P1 {
		t.Errorf("per-alert labels: %+v", r)
	}
}

func TestAlertRuleProblemsPointAtTheLine(t *testing.T) {
	_, err := config.Parse("incidentbot.yaml", []byte(`services:
  - name: checkout
alerts:
  - match: {alertname: "/[/"}
    severity: p2
    service: checkot
    pagee: true
  - severity: P3
  - match: {alertname: X}
`))
	if err == nil {
		t.Fatal("a bad alerts: section was accepted")
	}
	for _, want := range []string{
		`incidentbot.yaml:4:24: match: alertname: "/[/" is not a regular expression`,
		`incidentbot.yaml:5:15: severity: write P2, not "p2"`,
		`incidentbot.yaml:6:14: service: there is no service "checkot" in services:; did you mean checkout?`,
		`incidentbot.yaml:7:5: unknown key "pagee" in an alert rule; did you mean "page"?`,
		`incidentbot.yaml:8:5: this alert rule has no match:`,
		`incidentbot.yaml:9:5: this alert rule has no severity:`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}
