package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

// serviceKeys are the keys a service takes (as in service; the "far service
// key" test compares the two), for the hint when one is
// written at the top level by mistake.
var serviceKeys = []string{"name", "aliases", "owners", "pagerduty", "dashboards", "runbooks", "status_component", "statuspage_component_id"}

// owner is what a Slack user (U…, W… on Enterprise Grid) or user-group
// (S…) ID looks like.
var owner = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)

// statuspageID is what an Atlassian Statuspage id looks like.
var statuspageID = regexp.MustCompile(`^[a-z0-9]{6,32}$`)

// envName is what an environment variable's name may look like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// services decodes the catalog: a list of services whose names and aliases
// are unique across the whole list.
func (d *decoder) services(n *yaml.Node) {
	type holder struct {
		service string
		line    int
	}
	taken := map[string]holder{} // name or alias -> the service that has it
	d.list(n, "services", "- name: checkout", func(item *yaml.Node) {
		if r := d.resolve(item); r.Kind == yaml.ScalarNode && !isNull(r) {
			d.errorf(r, "services: write each service as a mapping, like \"- name: %s\", not \"- %s\"", r.Value, r.Value)
			return
		}
		s, ok := d.service(item)
		if !ok {
			return
		}
		claim := func(name string, at *yaml.Node, key string) {
			if h, dup := taken[name]; dup {
				d.errorf(at, "%s: %q is already used by the service %q (line %d); each name and alias must point at one service",
					key, name, h.service, h.line)
				return
			}
			taken[name] = holder{s.Name, at.Line}
		}
		claim(s.Name, s.nameAt, "name")
		for i, a := range s.Aliases {
			if a == s.Name {
				d.errorf(s.aliasAt[i], "aliases: %q is the service's own name; remove it", a)
				continue
			}
			claim(a, s.aliasAt[i], "aliases")
		}
		d.cfg.Catalog = append(d.cfg.Catalog, s.Service)
	})
}

// decodedService is a service with the nodes its names came from.
type decodedService struct {
	incident.Service
	nameAt  *yaml.Node
	aliasAt []*yaml.Node
}

// service decodes one entry of the catalog; ok is false when it has no
// usable name, so it cannot take part in the uniqueness checks.
func (d *decoder) service(n *yaml.Node) (s decodedService, ok bool) {
	var pd *Secret
	var pdAt *yaml.Node
	known := d.mapping(n, "a service", "- name: checkout", []field{
		{"name", func(v *yaml.Node) {
			s.Name, s.nameAt = d.text(v, "name", `write the service's name, like "name: checkout"`), d.resolve(v)
			if s.Name != "" && !incident.ValidServiceName(s.Name) {
				d.errorf(v, "name: %s", badServiceName(s.Name))
				s.Name = ""
			}
		}},
		{"aliases", func(v *yaml.Node) {
			names, nodes := d.texts(v, "aliases", "[shop, store]")
			for i, a := range names {
				if !incident.ValidServiceName(a) {
					d.errorf(nodes[i], "aliases: %s", badServiceName(a))
					continue
				}
				s.Aliases, s.aliasAt = append(s.Aliases, a), append(s.aliasAt, nodes[i])
			}
		}},
		{"owners", func(v *yaml.Node) {
			ids, nodes := d.texts(v, "owners", "[U0123ABCD, S0456EFGH]")
			seen := map[string]bool{}
			for i, id := range ids {
				switch {
				case !owner.MatchString(id):
					d.errorf(nodes[i], "owners: %s", badOwner(id))
				case seen[id]:
					d.errorf(nodes[i], "owners: %s is listed twice; remove one", id)
				default:
					seen[id] = true
					s.Owners = append(s.Owners, id)
				}
			}
		}},
		{"pagerduty", func(v *yaml.Node) {
			sec, ok := d.secret(v, "pagerduty", "the service's Events API v2 routing key, or env:NAME to read it from the environment")
			if ok {
				pd, pdAt = &sec, d.resolve(v)
			}
		}},
		{"dashboards", func(v *yaml.Node) {
			d.list(v, "dashboards", `"- name: Overview" with "url: https://…" under it`, func(item *yaml.Node) {
				if l, ok := d.dashboard(item); ok {
					s.Dashboards = append(s.Dashboards, l)
				}
			})
		}},
		{"runbooks", func(v *yaml.Node) {
			s.Runbooks, _ = d.texts(v, "runbooks", "[checkout, payments 500]")
		}},
		{"tracker", func(v *yaml.Node) {
			if t, ok := d.tracker(v); ok {
				s.Tracker = t
			}
		}},
		{"status_component", func(v *yaml.Node) {
			s.StatusComponent = d.text(v, "status_component", "write the status page component's name, or remove the line")
		}},
		{"statuspage_component_id", func(v *yaml.Node) {
			s.StatuspageComponentID = d.text(v, "statuspage_component_id",
				"write the component's id from Atlassian Statuspage (Components → the component → its id in the URL), or remove the line")
			if s.StatuspageComponentID != "" && !statuspageID.MatchString(s.StatuspageComponentID) {
				d.errorf(v, "statuspage_component_id: %q is not a Statuspage id; it is letters and digits, like 8kbf7d35c070", s.StatuspageComponentID)
				s.StatuspageComponentID = ""
			}
		}},
	})
	if !d.entry(n, "service", `"- name: checkout"`) {
		return s, false
	}
	if s.nameAt == nil {
		if !known {
			return s, false // the name is there, misspelt, and reported
		}
		d.errorf(d.resolve(n), "this service has no name; add one, like \"name: checkout\"")
		return s, false
	}
	if s.Name == "" {
		return s, false
	}
	if pd != nil {
		if d.cfg.PagerDuty == nil {
			d.cfg.PagerDuty, d.cfg.secretAt = map[string]Secret{}, map[string]Problem{}
		}
		d.cfg.PagerDuty[s.Name] = *pd
		d.cfg.secretAt[s.Name] = Problem{File: d.file, Line: max(pdAt.Line, 1), Column: max(pdAt.Column, 1)}
	}
	return s, true
}

// badServiceName says why name cannot name a service and what would.
func badServiceName(name string) string {
	if low := strings.ToLower(name); low != name && incident.ValidServiceName(low) {
		return fmt.Sprintf("%q must be lowercase; write %q", name, low)
	}
	return fmt.Sprintf("%q is not a service name; use lowercase letters, digits and . _ - (up to 63, starting with a letter or digit), like checkout-api", name)
}

// badOwner says why id is not a Slack ID and how to find the right one.
func badOwner(id string) string {
	const howTo = "use the member ID, like U0123ABCD (profile → ⋮ → Copy member ID); for a user group, its S… ID from the group's URL"
	// A mention pasted from a message: <@U0123ABCD>, <!subteam^S0456EFGH|@sre>.
	inner := strings.TrimPrefix(strings.TrimPrefix(id, "<@"), "<!subteam^")
	inner, _, _ = strings.Cut(strings.TrimSuffix(inner, ">"), "|")
	switch {
	case inner != id && owner.MatchString(inner):
		return fmt.Sprintf("%q is a mention; write just the ID, %s", id, inner)
	case owner.MatchString(strings.ToUpper(id)) && strings.ContainsAny(id, "0123456789"):
		return fmt.Sprintf("%q: Slack IDs are uppercase; write %s", id, strings.ToUpper(id))
	case len(id) > 2 && strings.ContainsRune("CGD", rune(id[0])) && owner.MatchString("U"+id[1:]):
		return fmt.Sprintf("%q is a channel ID, but owners are people (U… or W…) and user groups (S…); %s", id, howTo)
	}
	return fmt.Sprintf("%q is not a Slack ID; %s", id, howTo)
}

// dashboard decodes one dashboard link; ok is false when it lacks a
// usable name or url.
func (d *decoder) dashboard(n *yaml.Node) (l incident.Link, ok bool) {
	var nameAt, urlAt *yaml.Node
	known := d.mapping(n, "a dashboard", `"- name: Overview" with "url: https://…" under it`, []field{
		{"name", func(v *yaml.Node) {
			nameAt, l.Name = v, d.text(v, "name", `write what the dashboard shows, like "name: Checkout overview"`)
		}},
		{"url", func(v *yaml.Node) {
			urlAt, l.URL = v, d.text(v, "url", "write the dashboard's address, like https://grafana.example.com/d/checkout")
			if u, err := url.Parse(l.URL); l.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
				fix := "write it in full, like https://grafana.example.com/d/checkout"
				if !strings.Contains(l.URL, "://") {
					fix = "write it in full: https://" + l.URL
				}
				d.errorf(v, "url: %q is not an http(s) URL; %s", l.URL, fix)
				l.URL = ""
			}
		}},
	})
	if !d.entry(n, "dashboard", `"- name: Checkout overview" with "url: https://…" under it`) {
		return l, false
	}
	var missing []string
	if nameAt == nil {
		missing = append(missing, `"name: Checkout overview"`)
	}
	if urlAt == nil {
		missing = append(missing, `"url: https://grafana.example.com/d/checkout"`)
	}
	if len(missing) > 0 && known {
		d.errorf(d.resolve(n), "this dashboard needs a name and a url; add %s", strings.Join(missing, " and "))
	}
	return l, l.Name != "" && l.URL != ""
}

// entry reports whether the list item n is a mapping, saying so when it is
// empty (a "-" with nothing after it); mapping has reported other kinds.
func (d *decoder) entry(n *yaml.Node, what, example string) bool {
	r := d.resolve(n)
	if isNull(r) {
		d.errorf(r, "this %s entry is empty; write one, like %s, or remove the -", what, example)
	}
	return r.Kind == yaml.MappingNode
}

// secret decodes a literal value or an env:NAME reference; what says what
// the value is, for the message when it is empty.
func (d *decoder) secret(n *yaml.Node, key, what string) (Secret, bool) {
	s, ok := d.scalar(n, key)
	switch {
	case !ok:
		return Secret{}, false
	case s == "":
		d.errorf(n, "%s is empty; write %s, or remove the line", key, what)
		return Secret{}, false
	}
	if name, ok := strings.CutPrefix(s, "env:"); ok {
		if !envName.MatchString(name) {
			d.errorf(n, "%s: %q does not name an environment variable; write env:NAME, with NAME of letters, digits and _, like env:PD_CHECKOUT_KEY", key, s)
			return Secret{}, false
		}
		return Secret{Env: name}, true
	}
	if name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "$"), "{"), "}"); s[0] == '$' && envName.MatchString(name) {
		d.errorf(n, "%s: the file is not expanded like a shell; write env:%s to read %s from the environment", key, name, name)
		return Secret{}, false
	}
	if strings.ContainsAny(s, " \t\n") {
		d.errorf(n, "%s: %q has spaces, which a key never does; write %s", key, s, what)
		return Secret{}, false
	}
	return Secret{Value: s}, true
}
