package main

import (
	"strings"
	"testing"

	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
)

func TestStatusEnvOverridesTheFileAndRefusesBadValues(t *testing.T) {
	file, err := configfile.Parse("f.yaml", []byte("status_page:\n  title: From the file\n  name: Acme\n  states: {P2: degraded}\nservices:\n  - name: checkout\n    status_component: Checkout\n"))
	if err != nil {
		t.Fatal(err)
	}
	live := configfile.NewLive(file)
	se, err := loadStatusEnv(env(map[string]string{"STATUS_PAGE_TITLE": "Acme status", "STATUS_PAGE_BRAND_COLOR": "#1f6feb",
		"STATUS_ADDR": "127.0.0.1:9090"}))
	if err != nil {
		t.Fatal(err)
	}
	s := statusSettings(live, se)()
	if s.Title != "Acme status" || s.Name != "Acme" || s.Brand != "#1f6feb" || len(s.Catalog) != 1 || se.addr != "127.0.0.1:9090" {
		t.Errorf("settings = %+v", s)
	}
	if st := componentStates(live)(); st[incident.P2] != incident.Degraded || st[incident.P1] != incident.MajorOutage {
		t.Errorf("states = %v; want the file's P2 over the defaults", st)
	}
	if newStatuspage(se) != nil {
		t.Errorf("Statuspage is on without a key")
	}
	for vars, want := range map[string]string{
		"STATUS_PAGE_URL=status.acme.example":     "STATUS_PAGE_URL",
		"STATUS_PAGE_LOGO_URL=javascript:alert()": "STATUS_PAGE_LOGO_URL",
		"STATUS_PAGE_BRAND_COLOR=blue":            "like #1f6feb",
		"STATUSPAGE_API_KEY=abc":                  "go together",
		"STATUSPAGE_PAGE_ID=pg1":                  "go together",
	} {
		k, v, _ := strings.Cut(vars, "=")
		if _, err := loadStatusEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want one saying %q", vars, err, want)
		}
	}
	if _, err := loadConfig(env(map[string]string{"STATUSPAGE_API_KEY": "abc"})); err == nil {
		t.Errorf("run would start with half the Statuspage settings")
	}
}
