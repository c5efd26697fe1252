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

// followUpsContract is the shape issue 12 promises; it must load as
// written.
const followUpsContract = `
tracker: github:acme/incidents        # the default; a service's own ` + "`tracker:`" + ` wins
auto_export: false
users:                                # Slack user → tracker identities, for owners
  - slack: U0123ABCD
    github: ali-dev
    jira: 5b10ac8d82e05b22cc7d4ef5
    linear: 2f1b2c3d-...
services:
  - name: checkout
    tracker: jira:CHK
`

func TestFollowUpsContractLoadsAsWritten(t *testing.T) {
	cfg, err := config.Parse("incidentbot.yaml", []byte(followUpsContract))
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.FollowUps
	if f.Tracker != (incident.TrackerTarget{Kind: incident.TrackerGitHub, Project: "acme/incidents"}) || f.AutoExport {
		t.Errorf("follow-ups %+v", f)
	}
	if u := f.Users["U0123ABCD"]; u[incident.TrackerGitHub] != "ali-dev" || u[incident.TrackerJira] != "5b10ac8d82e05b22cc7d4ef5" || u[incident.TrackerLinear] != "2f1b2c3d-..." {
		t.Errorf("users %+v", f.Users)
	}
	if got := f.TrackerFor(cfg.Catalog, []string{"checkout"}); got.String() != "jira:CHK" {
		t.Errorf("checkout's tracker %v, want the service's jira:CHK", got)
	}
	if got := f.TrackerFor(cfg.Catalog, []string{"search"}); got.String() != "github:acme/incidents" {
		t.Errorf("an unlisted service's tracker %v, want the default", got)
	}
}

func TestFollowUpProblems(t *testing.T) {
	_, err := config.Parse("incidentbot.yaml", []byte(`tracker: gitlab:acme/app
auto_export: yes please
users:
  - github: ali-dev
  - slack: <@U0123ABCD>
  - slack: U0456EFGH
    github: "@ali"
services:
  - name: checkout
    tracker: jira:chk
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`1:10: tracker: "gitlab:acme/app" names no tracker the bot speaks`,
		`2:14: auto_export: write true or false`,
		`4:5: this user has no slack:`,
		`5:12: slack: "<@U0123ABCD>" is a mention; write just the ID, U0123ABCD`,
		`7:13: github: "@ali" is not a GitHub login`,
		`10:14: tracker: "jira:chk" is not a Jira project key`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}
