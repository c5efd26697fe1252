package alerts_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/alerts"
	"github.com/incidentbot/incidentbot/incident"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAlertmanagerVersion4(t *testing.T) {
	a, err := alerts.Alertmanager(fixture(t, "alertmanager_firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != incident.SourceAlertmanager || a.Status != incident.AlertFiring || len(a.Alerts) != 2 || a.Firing() != 2 {
		t.Errorf("got %+v", a)
	}
	if want := []string{`{}/{severity="critical"}:{alertname="HighErrorRate"}`}; !slices.Equal(a.Groups, want) {
		t.Errorf("groups %q, want %q", a.Groups, want)
	}
	if a.Labels["severity"] != "critical" || a.Labels["alertname"] != "HighErrorRate" || a.Severity != "critical" {
		t.Errorf("labels %v", a.Labels)
	}
	if a.Summary() != "Checkout error rate above 5%" || !strings.Contains(a.Text(), "db connections look exhausted") {
		t.Errorf("summary %q text %q", a.Summary(), a.Text())
	}
	if len(a.Links) != 2 || a.Links[0] != (incident.Link{Name: "Runbook", URL: "https://runbooks.example.com/checkout/high-error-rate"}) ||
		a.Links[1].Name != "Alert source" {
		t.Errorf("links %+v", a.Links)
	}
	if a.Alerts[1].Fingerprint != "9e2f5b8c1d3a4e67" || a.Alerts[1].StartsAt.IsZero() {
		t.Errorf("second alert %+v", a.Alerts[1])
	}
	r, err := alerts.Alertmanager(fixture(t, "alertmanager_resolved.json"))
	if err != nil || r.Status != incident.AlertDone || r.Firing() != 0 || !slices.Equal(r.Groups, a.Groups) {
		t.Errorf("resolved: %+v, %v", r, err)
	}
}

func TestGrafanaGroupsByFingerprint(t *testing.T) {
	a, err := alerts.Grafana(fixture(t, "grafana_firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Groups, []string{"57c6d9296de2ad39"}) || a.Source != incident.SourceGrafana {
		t.Errorf("groups %q", a.Groups)
	}
	if a.Alerts[0].Values == "" || a.Summary() != "LLM p95 latency above 8s" {
		t.Errorf("alert %+v", a)
	}
	var names []string
	for _, l := range a.Links {
		names = append(names, l.Name)
	}
	if !slices.Equal(names, []string{"Dashboard", "Panel", "Alert source"}) {
		t.Errorf("links %v", names)
	}
}

func TestGeneric(t *testing.T) {
	a, err := alerts.Generic([]byte(`{"title":"Nightly backup failed","severity":"warning","service":"db","dedup_key":"backup-2026-12-07",
		"labels":{"team":"data"},"annotations":{"runbook_url":"https://runbooks.example.com/backup"},
		"links":[{"name":"Job log","url":"https://ci.example.com/jobs/42"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != incident.AlertFiring || !slices.Equal(a.Groups, []string{"backup-2026-12-07"}) {
		t.Errorf("got %+v", a)
	}
	for k, v := range map[string]string{"alertname": "Nightly backup failed", "severity": "warning", "service": "db", "team": "data"} {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, a.Labels[k], v)
		}
	}
	if len(a.Links) != 2 || a.Links[1] != (incident.Link{Name: "Job log", URL: "https://ci.example.com/jobs/42"}) {
		t.Errorf("links %+v", a.Links)
	}
	// Without a dedup_key, the title and service are the group.
	b, _ := alerts.Generic([]byte(`{"title":"Nightly backup failed","service":"db","status":"resolved"}`))
	c, _ := alerts.Generic([]byte(`{"title":"Nightly backup failed","service":"db"}`))
	if !slices.Equal(b.Groups, c.Groups) || b.Status != incident.AlertDone {
		t.Errorf("groups %q vs %q", b.Groups, c.Groups)
	}
}

func TestMalformedBodiesSayWhy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode func([]byte) (incident.MonitorAlert, error)
		body   string
		want   string
	}{
		{"not json", alerts.Alertmanager, `{"version":`, "not the JSON"},
		{"wrong version", alerts.Alertmanager, `{"version":"3","groupKey":"g","status":"firing","alerts":[{"status":"firing"}]}`, "version 4"},
		{"no group", alerts.Alertmanager, `{"version":"4","status":"firing","alerts":[{"status":"firing"}]}`, "groupKey"},
		{"no alerts", alerts.Alertmanager, `{"version":"4","groupKey":"g","status":"firing","alerts":[]}`, "at least one alert"},
		{"bad status", alerts.Grafana, `{"status":"burning","alerts":[{"status":"firing","fingerprint":"f"}]}`, "firing or resolved"},
		{"trailing", alerts.Generic, `{"title":"x"} {"title":"y"}`, "more than one"},
		{"no title", alerts.Generic, `{"severity":"P1"}`, "title is missing"},
		{"bad link", alerts.Generic, `{"title":"x","links":[{"name":"a","url":"javascript:alert(1)"}]}`, "not an http(s) address"},
		{"wrong type", alerts.Generic, `{"title":"x","labels":["a"]}`, "not the JSON"},
	} {
		_, err := tc.decode([]byte(tc.body))
		if err == nil || !alerts.IsMalformed(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}
