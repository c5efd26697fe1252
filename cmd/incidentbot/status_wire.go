package main

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"

	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/status"
	"github.com/incidentbot/incidentbot/statuspage"
)

// statusEnv is the status page's part of the environment. Each STATUS_PAGE_
// value, when set, overrides the config file's status_page entry, so a
// deployment can brand the page without editing the file in git.
type statusEnv struct {
	addr                       string // STATUS_ADDR: serve the page alone here
	title, name, logoURL, url  string
	brand                      string
	statuspageKey, statuspageP string // STATUSPAGE_API_KEY, STATUSPAGE_PAGE_ID
	statuspageURL              string // STATUSPAGE_API_URL
}

var hexColour = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func loadStatusEnv(getenv func(string) string) (statusEnv, error) {
	e := statusEnv{
		addr:          strings.TrimSpace(getenv("STATUS_ADDR")),
		title:         strings.TrimSpace(getenv("STATUS_PAGE_TITLE")),
		name:          strings.TrimSpace(getenv("STATUS_PAGE_NAME")),
		logoURL:       strings.TrimSpace(getenv("STATUS_PAGE_LOGO_URL")),
		url:           strings.TrimSpace(getenv("STATUS_PAGE_URL")),
		brand:         strings.TrimSpace(getenv("STATUS_PAGE_BRAND_COLOR")),
		statuspageKey: strings.TrimSpace(getenv("STATUSPAGE_API_KEY")),
		statuspageP:   strings.TrimSpace(getenv("STATUSPAGE_PAGE_ID")),
		statuspageURL: strings.TrimSpace(getenv("STATUSPAGE_API_URL")),
	}
	for _, u := range []struct{ name, v string }{{"STATUS_PAGE_LOGO_URL", e.logoURL}, {"STATUS_PAGE_URL", e.url}, {"STATUSPAGE_API_URL", e.statuspageURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return e, fmt.Errorf("%s: %q is not an http(s) URL like https://status.example.com/status", u.name, u.v)
		}
	}
	if e.brand != "" && !hexColour.MatchString(e.brand) {
		return e, fmt.Errorf("STATUS_PAGE_BRAND_COLOR: %q is not a colour like #1f6feb", e.brand)
	}
	if (e.statuspageKey == "") != (e.statuspageP == "") {
		return e, fmt.Errorf("STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID go together: set both to mirror customer updates on Statuspage, or neither")
	}
	return e, nil
}

// statusSettings reads the page's settings from the config file as it
// stands (reloads apply) with the environment's overrides.
func statusSettings(live *configfile.Live, env statusEnv) func() status.Settings {
	return func() status.Settings {
		var sp configfile.StatusPage
		var catalog incident.Catalog
		if live != nil {
			sp, catalog = live.StatusPage(), live.Services()
		}
		s := status.Settings{Title: sp.Title, Name: sp.Name, LogoURL: sp.LogoURL, URL: sp.URL, Brand: sp.Brand,
			States: sp.States, HistoryDays: sp.HistoryDays, Catalog: catalog}
		for _, o := range []struct {
			dst *string
			v   string
		}{
			{&s.Title, env.title}, {&s.Name, env.name}, {&s.LogoURL, env.logoURL}, {&s.URL, env.url}, {&s.Brand, env.brand},
		} {
			if o.v != "" {
				*o.dst = o.v
			}
		}
		return s
	}
}

// componentStates is the severity → component state map in force: the
// defaults with the config file's status_page.states over them.
func componentStates(live *configfile.Live) func() map[incident.Severity]incident.ComponentState {
	return func() map[incident.Severity]incident.ComponentState {
		m := incident.DefaultComponentStates()
		if live != nil {
			maps.Copy(m, live.StatusPage().States)
		}
		return m
	}
}

// newStatuspage is the Statuspage mirror the environment asks for; nil
// when STATUSPAGE_API_KEY is unset.
func newStatuspage(env statusEnv) handlers.Statuspage {
	if env.statuspageKey == "" {
		return nil
	}
	return statuspage.New(env.statuspageKey, env.statuspageP, env.statuspageURL, nil)
}
