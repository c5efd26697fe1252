// Package alerts takes alert notifications from monitors: Prometheus
// Alertmanager's webhook (version 4), Grafana alerting's webhook, and a
// small generic JSON for anything else. It authenticates each delivery,
// decodes it into an incident.MonitorAlert and hands it to a Sink, which
// decides what it means. Nothing is recorded for a delivery this package
// refuses.
package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// amAlert is one alert of Alertmanager's webhook (and of Grafana's, which
// adds fields). Format: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	// Grafana's: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
	SilenceURL   string `json:"silenceURL"`
	DashboardURL string `json:"dashboardURL"`
	PanelURL     string `json:"panelURL"`
	ValueString  string `json:"valueString"`
}

// amMessage is Alertmanager's webhook body, version 4; Grafana's is the
// same shape with a few more fields.
type amMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
	// Grafana's.
	Title   string `json:"title"`
	Message string `json:"message"`
}

// errMalformed marks a body that is not what the endpoint takes; its text
// is for the sender.
type errMalformed struct{ msg string }

func (e errMalformed) Error() string { return e.msg }

func malformed(format string, args ...any) error { return errMalformed{fmt.Sprintf(format, args...)} }

// IsMalformed reports whether err is a bad body rather than a failure.
func IsMalformed(err error) bool { return errors.As(err, new(errMalformed)) }

// decodeStrict decodes one JSON value into v, refusing trailing data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		return malformed("the body is not the JSON this endpoint takes: %v", err)
	}
	if dec.More() {
		return malformed("the body has more than one JSON value")
	}
	return nil
}

// Alertmanager decodes Alertmanager's webhook body.
func Alertmanager(body []byte) (incident.MonitorAlert, error) {
	var m amMessage
	if err := decodeStrict(body, &m); err != nil {
		return incident.MonitorAlert{}, err
	}
	if m.Version != "4" {
		return incident.MonitorAlert{}, malformed("version %q: this endpoint takes Alertmanager's webhook version 4", m.Version)
	}
	if m.GroupKey == "" {
		return incident.MonitorAlert{}, malformed("groupKey is missing: it names the alert group")
	}
	a, err := fromAM(incident.SourceAlertmanager, m)
	a.Groups = []string{m.GroupKey}
	return a, err
}

// Grafana decodes Grafana alerting's webhook body. Each alert's
// fingerprint names a group: a notification joins the incident of any
// alert it carries.
func Grafana(body []byte) (incident.MonitorAlert, error) {
	var m amMessage
	if err := decodeStrict(body, &m); err != nil {
		return incident.MonitorAlert{}, err
	}
	a, err := fromAM(incident.SourceGrafana, m)
	if err != nil {
		return a, err
	}
	for _, in := range a.Alerts {
		if in.Fingerprint != "" && !slices.Contains(a.Groups, in.Fingerprint) {
			a.Groups = append(a.Groups, in.Fingerprint)
		}
	}
	if len(a.Groups) == 0 {
		if m.GroupKey == "" {
			return a, malformed("no alert has a fingerprint and there is no groupKey: nothing names the alert group")
		}
		a.Groups = []string{m.GroupKey}
	}
	slices.Sort(a.Groups)
	a.Title = incident.CleanText(m.Title)
	return a, nil
}

func fromAM(source string, m amMessage) (incident.MonitorAlert, error) {
	if len(m.Alerts) == 0 {
		return incident.MonitorAlert{}, malformed("alerts is empty: a notification carries at least one alert")
	}
	status, err := alertStatus(m.Status)
	if err != nil {
		return incident.MonitorAlert{}, err
	}
	a := incident.MonitorAlert{Source: source, Status: status, Labels: union(m.GroupLabels, m.CommonLabels),
		Annotations: m.CommonAnnotations, ExternalURL: safeURL(m.ExternalURL)}
	a.Severity = a.Labels["severity"]
	for _, in := range m.Alerts {
		st, err := alertStatus(in.Status)
		if err != nil {
			return incident.MonitorAlert{}, err
		}
		a.Alerts = append(a.Alerts, incident.AlertInstance{Status: st, Labels: in.Labels, Annotations: in.Annotations,
			StartsAt: in.StartsAt, EndsAt: in.EndsAt, Values: in.ValueString, URL: safeURL(in.GeneratorURL), Fingerprint: in.Fingerprint})
	}
	a.Links = amLinks(m)
	return a, nil
}

// amLinks are the links a responder wants from a notification: the runbook
// (runbook_url, the convention Prometheus' mixins follow), the dashboard
// and panel, and the alert's source, each once.
func amLinks(m amMessage) []incident.Link {
	var out []incident.Link
	add := func(name, u string) {
		if u = safeURL(u); u != "" && !slices.ContainsFunc(out, func(l incident.Link) bool { return l.URL == u }) {
			out = append(out, incident.Link{Name: name, URL: u})
		}
	}
	add("Runbook", m.CommonAnnotations["runbook_url"])
	add("Dashboard", m.CommonAnnotations["dashboard_url"])
	for _, in := range m.Alerts {
		add("Runbook", in.Annotations["runbook_url"])
		add("Dashboard", in.DashboardURL)
		add("Panel", in.PanelURL)
		add("Alert source", in.GeneratorURL)
	}
	return out[:min(len(out), maxLinks)]
}

const maxLinks = 8

// generic is the generic webhook's body: what any monitor or script can
// send. README "Alerts from any monitor" documents it.
type generic struct {
	Title       string            `json:"title"`
	Severity    string            `json:"severity"`
	Service     string            `json:"service"`
	DedupKey    string            `json:"dedup_key"`
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Links       []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"links"`
}

// Generic decodes the generic webhook's body. A missing dedup_key makes
// the title and service the group; a missing status means firing. The
// title, severity and service are also labels (alertname, severity,
// service) for the rules, unless labels sets them.
func Generic(body []byte) (incident.MonitorAlert, error) {
	var g generic
	if err := decodeStrict(body, &g); err != nil {
		return incident.MonitorAlert{}, err
	}
	title := incident.CleanText(g.Title)
	if title == "" {
		return incident.MonitorAlert{}, malformed("title is missing: say what is wrong, like \"title\": \"Checkout error rate above 5%%\"")
	}
	if g.Status == "" {
		g.Status = incident.AlertFiring
	}
	status, err := alertStatus(g.Status)
	if err != nil {
		return incident.MonitorAlert{}, err
	}
	labels := map[string]string{"alertname": title, "severity": g.Severity, "service": g.Service}
	for k, v := range labels {
		if v == "" {
			delete(labels, k)
		}
	}
	maps.Copy(labels, g.Labels)
	group := g.DedupKey
	if group == "" {
		group = title + "\x00" + g.Service
	}
	a := incident.MonitorAlert{Source: incident.SourceGeneric, Groups: []string{group}, Status: status, Title: title,
		Severity: g.Severity, Service: g.Service, Labels: labels, Annotations: g.Annotations,
		Alerts: []incident.AlertInstance{{Status: status, Labels: labels, Annotations: g.Annotations}}}
	if u := safeURL(g.Annotations["runbook_url"]); u != "" {
		a.Links = append(a.Links, incident.Link{Name: "Runbook", URL: u})
	}
	for _, l := range g.Links {
		u := safeURL(l.URL)
		if u == "" {
			return incident.MonitorAlert{}, malformed("links: %q is not an http(s) address", l.URL)
		}
		name := incident.Truncate(incident.CleanText(l.Name), 80)
		if name == "" {
			name = "Link"
		}
		if len(a.Links) < maxLinks {
			a.Links = append(a.Links, incident.Link{Name: name, URL: u})
		}
	}
	return a, nil
}

func alertStatus(s string) (string, error) {
	switch strings.ToLower(s) {
	case incident.AlertFiring:
		return incident.AlertFiring, nil
	case incident.AlertDone:
		return incident.AlertDone, nil
	}
	return "", malformed("status %q: write firing or resolved", s)
}

// safeURL is u when it is an absolute http(s) address, else "": a link in
// the header must not be javascript: or a Slack markup trick.
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || strings.ContainsAny(u, "<>| \n") {
		return ""
	}
	return p.String()
}

func union(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}
