package config

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

// StatusPage is the status_page section: how the customer-facing page
// looks and what an open incident's severity does to its components.
// Empty fields take the defaults of the status page.
type StatusPage struct {
	Title   string // the page's heading, like "Acme status"
	Name    string // the team or company, the logo's alt text
	LogoURL string
	// URL is where customers reach the page, for the feed's links.
	URL string
	// Brand is the accent colour, #rrggbb.
	Brand string
	// States overrides the default state per severity.
	States map[incident.Severity]incident.ComponentState
	// HistoryDays is how many days of history the page shows (0: 90).
	HistoryDays int
}

const statusPageExample = "status_page: {title: Acme status, logo_url: https://acme.example/logo.png}"

// hexColour is a CSS colour the page can compute contrast for.
var hexColour = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func (d *decoder) statusPage(n *yaml.Node) {
	sp := &d.cfg.StatusPage
	d.mapping(n, "status_page", statusPageExample, []field{
		{"title", func(v *yaml.Node) {
			sp.Title = d.text(v, "title", `write the page's heading, like "title: Acme status"`)
		}},
		{"name", func(v *yaml.Node) { sp.Name = d.text(v, "name", `write the team or company name, like "name: Acme"`) }},
		{"logo_url", func(v *yaml.Node) { sp.LogoURL = d.httpURL(v, "logo_url", "https://acme.example/logo.png") }},
		{"url", func(v *yaml.Node) { sp.URL = d.httpURL(v, "url", "https://status.acme.example") }},
		{"brand_color", func(v *yaml.Node) {
			c := d.text(v, "brand_color", `write a colour like "#4a154b" (quoted: # starts a YAML comment)`)
			if c != "" && !hexColour.MatchString(c) {
				d.errorf(v, "brand_color: %q is not a colour the page can use; write it as #rrggbb in quotes, like \"#4a154b\"", c)
				return
			}
			sp.Brand = strings.ToLower(c)
		}},
		{"states", d.componentStates},
		{"history_days", func(v *yaml.Node) {
			s, ok := d.scalar(v, "history_days")
			if !ok {
				return
			}
			days, err := strconv.Atoi(s)
			if err != nil || days < 7 || days > 365 {
				d.errorf(v, "history_days: %q must be a whole number of days from 7 to 365, like 90", s)
				return
			}
			sp.HistoryDays = days
		}},
	})
}

// componentStates decodes states: severity → component state.
func (d *decoder) componentStates(n *yaml.Node) {
	names := make([]string, len(incident.ComponentStates))
	for i, s := range incident.ComponentStates {
		names[i] = string(s)
	}
	d.pairs(n, "states", "states: {P1: major_outage, P2: partial_outage}", func(k, v *yaml.Node) {
		sev, ok := d.severity(k, "states")
		s, sok := d.scalar(v, "states")
		if !ok || !sok {
			return
		}
		st := incident.ComponentState(strings.ReplaceAll(strings.ToLower(s), " ", "_"))
		if !slices.Contains(incident.ComponentStates, st) {
			d.errorf(v, "states: %s: %q is not a component state; write one of %s", k.Value, s, strings.Join(names, ", "))
			return
		}
		if d.cfg.StatusPage.States == nil {
			d.cfg.StatusPage.States = map[incident.Severity]incident.ComponentState{}
		}
		d.cfg.StatusPage.States[sev] = st
	})
}

// httpURL reads an absolute http(s) URL.
func (d *decoder) httpURL(v *yaml.Node, key, example string) string {
	s := d.text(v, key, "write an address like "+example)
	if u, err := url.Parse(s); s != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		d.errorf(v, "%s: %q is not an http(s) URL; write it in full, like %s", key, s, example)
		return ""
	}
	return s
}

// StatusPage is the file's status page settings.
func (l *Live) StatusPage() StatusPage {
	if c := l.Current(); c != nil {
		return c.StatusPage
	}
	return StatusPage{}
}
