package incident_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

func TestParseFilter(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f, words, err := incident.ParseFilter("ai:code pool error: service:shop sev:<=P2 since:30d until:2026-12-01", catalog, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(words, []string{"pool", "error:"}) {
		t.Errorf("words = %q", words)
	}
	if !slices.Equal(f.AI, []incident.AIConnection{incident.AICode}) || !slices.Equal(f.Services, []string{"checkout"}) ||
		!slices.Equal(f.Severities, []incident.Severity{incident.P1, incident.P2}) {
		t.Errorf("filter = %+v", f)
	}
	if !f.Since.Equal(time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)) || !f.Until.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates = %v .. %v", f.Since, f.Until)
	}
	if !f.Historical() || f.Empty() {
		t.Error("a dated filter is historical and not empty")
	}

	match := incident.Incident{Severity: incident.P2, DeclaredAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		Record: incident.Record{Services: []string{"payments", "checkout"}, AI: incident.AICode}}
	if !f.Match(match) {
		t.Errorf("%+v should match", match)
	}
	for name, change := range map[string]func(*incident.Incident){
		"other service":  func(i *incident.Incident) { i.Services = []string{"payments"} },
		"lower severity": func(i *incident.Incident) { i.Severity = incident.P3 },
		"other ai":       func(i *incident.Incident) { i.AI = incident.AINone },
		"too old":        func(i *incident.Incident) { i.DeclaredAt = time.Date(2026, 11, 6, 23, 0, 0, 0, time.UTC) },
		"too new":        func(i *incident.Incident) { i.DeclaredAt = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) },
	} {
		inc := match.Clone()
		change(&inc)
		if f.Match(inc) {
			t.Errorf("%s: %+v matched", name, inc)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	for q, says := range map[string]string{
		"service:billing": "the catalog has `checkout`, `payments`",
		"sev:P7":          "P1 to P4",
		"ai:maybe":        "`code`",
		"since:lastweek":  "YYYY-MM-DD",
		"status:closed":   "resolved",
	} {
		_, _, err := incident.ParseFilter(q, catalog, time.Now(), nil)
		if incident.ErrorCode(err) != incident.EInvalid || !strings.Contains(incident.ErrorMessage(err), says) {
			t.Errorf("ParseFilter(%q) = %v, want a reply saying %q", q, err, says)
		}
	}
	if f, words, err := incident.ParseFilter("https://x.example/a timeout", nil, time.Now(), nil); err != nil || !f.Empty() || len(words) != 2 {
		t.Errorf("a URL is a word, not a filter: %+v %q %v", f, words, err)
	}
}

func TestParseDeclareServiceAndPrivate(t *testing.T) {
	tests := []struct {
		in       string
		cat      incident.Catalog
		services []string
		private  bool
		title    string
	}{
		{"P1 checkout: payment page returns 500", catalog, []string{"checkout"}, false, "payment page returns 500"},
		{"--private P2 shop,payments: card declines", catalog, []string{"checkout", "payments"}, true, "card declines"},
		{"—private billing: invoices late", catalog, nil, true, "billing: invoices late"},
		{"P1 checkout: payment page returns 500", nil, nil, false, "checkout: payment page returns 500"},
		{"Error: checkout returns 500", catalog, nil, false, "Error: checkout returns 500"},
		{"checkout:", catalog, nil, false, "checkout:"},
	}
	for _, tt := range tests {
		d, ok := incident.ParseDeclare(tt.in, tt.cat)
		if !ok || !slices.Equal(d.Services, tt.services) || d.Private != tt.private || d.Title != tt.title {
			t.Errorf("ParseDeclare(%q) = %+v, %v", tt.in, d, ok)
		}
	}
	if d, ok := incident.ParseDeclare("--private P1", catalog); ok || !d.Private || d.Severity != incident.P1 {
		t.Errorf("no title: %+v, %v; want the modal, prefilled private P1", d, ok)
	}
}
