package incident

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// KindAlert is a monitor's notification about an incident's alert group:
// Data source, group, status (firing or resolved), alerts (how many),
// labels (JSON), links (JSON).
const KindAlert Kind = "alert"

// Monitor sources, as the webhook paths name them.
const (
	SourceAlertmanager = "alertmanager"
	SourceGrafana      = "grafana"
	SourceGeneric      = "alert"
)

// Alert statuses.
const (
	AlertFiring = "firing"
	AlertDone   = "resolved"
)

// MonitorAlert is one notification from a monitor (Alertmanager, Grafana
// or the generic webhook) about one group of alerts.
type MonitorAlert struct {
	Source string // SourceAlertmanager, SourceGrafana, SourceGeneric
	// Groups name the alert group: Alertmanager's groupKey, the generic
	// dedup_key, or each of Grafana's alert fingerprints. A notification
	// belongs to the incident any of them was linked to.
	Groups      []string
	Status      string // AlertFiring or AlertDone
	Title       string
	Severity    string // the monitor's own word, for the record; rules decide ours
	Service     string // the generic webhook's service, "" elsewhere
	Labels      map[string]string
	Annotations map[string]string
	Links       []Link
	Alerts      []AlertInstance
	// ExternalURL is the monitor itself (Alertmanager's, Grafana's).
	ExternalURL string
}

// AlertInstance is one alert of a group.
type AlertInstance struct {
	Status      string
	Labels      map[string]string
	Annotations map[string]string
	StartsAt    time.Time
	EndsAt      time.Time
	Values      string // Grafana's valueString: what the query saw
	URL         string // the generator's link
	Fingerprint string
}

// Firing counts the notification's firing alerts.
func (a MonitorAlert) Firing() int {
	n := 0
	for _, in := range a.Alerts {
		if in.Status == AlertFiring {
			n++
		}
	}
	return n
}

// Summary is the alert as one line: its summary annotation, else its
// title, else its alertname.
func (a MonitorAlert) Summary() string {
	for _, s := range []string{a.Annotations["summary"], a.Title, a.Labels["alertname"]} {
		if s = CleanText(s); s != "" {
			return s
		}
	}
	if len(a.Alerts) > 0 {
		in := a.Alerts[0]
		for _, s := range []string{in.Annotations["summary"], in.Labels["alertname"]} {
			if s = CleanText(s); s != "" {
				return s
			}
		}
	}
	return "Alert from " + a.Source
}

// Text is what the alert says beyond its title: its descriptions.
func (a MonitorAlert) Text() string {
	var parts []string
	add := func(s string) {
		if s = CleanText(s); s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	add(a.Annotations["description"])
	add(a.Annotations["message"])
	for _, in := range a.Alerts {
		add(in.Annotations["description"])
	}
	return strings.Join(parts, "\n")
}

// LabelSets are the label sets rules are matched against, in order: the
// group's common labels, then each firing alert's own.
func (a MonitorAlert) LabelSets() []map[string]string {
	sets := []map[string]string{a.Labels}
	for _, in := range a.Alerts {
		if in.Status == AlertFiring && len(in.Labels) > 0 {
			merged := maps.Clone(a.Labels)
			if merged == nil {
				merged = map[string]string{}
			}
			maps.Copy(merged, in.Labels)
			sets = append(sets, merged)
		}
	}
	return sets
}

// AlertRule is one entry of the config file's alerts: list.
type AlertRule struct {
	Match    []LabelMatcher
	Severity Severity
	Service  string // "" for none
	Page     bool
}

// LabelMatcher is one label's condition: equal to Value, or, written
// "/…/", matching the regular expression.
type LabelMatcher struct {
	Label string
	Value string
	re    *regexp.Regexp
}

// NewLabelMatcher reads a matcher as the config file writes it. A value
// between slashes is a regular expression, anchored as written (use ^ and
// $ to match the whole value).
func NewLabelMatcher(label, value string) (LabelMatcher, error) {
	m := LabelMatcher{Label: label, Value: value}
	if len(value) >= 2 && strings.HasPrefix(value, "/") && strings.HasSuffix(value, "/") {
		re, err := regexp.Compile(value[1 : len(value)-1])
		if err != nil {
			return LabelMatcher{}, fmt.Errorf("%s: %q is not a regular expression: %v", label, value, err)
		}
		m.re = re
	}
	return m, nil
}

// Matches reports whether labels satisfy m. A missing label is the empty
// string, as in Alertmanager's matchers.
func (m LabelMatcher) Matches(labels map[string]string) bool {
	v := labels[m.Label]
	if m.re != nil {
		return m.re.MatchString(v)
	}
	return v == m.Value
}

// Matches reports whether every matcher of r holds for labels.
func (r AlertRule) Matches(labels map[string]string) bool {
	for _, m := range r.Match {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// MatchAlert is the first rule, in the file's order, that matches any of
// a's label sets.
func MatchAlert(rules []AlertRule, a MonitorAlert) (AlertRule, bool) {
	sets := a.LabelSets()
	for _, r := range rules {
		for _, labels := range sets {
			if r.Matches(labels) {
				return r, true
			}
		}
	}
	return AlertRule{}, false
}

// What became of a monitor's notification.
const (
	AlertDeclared  = "declared"  // a new incident
	AlertAppended  = "appended"  // added to the group's incident
	AlertDuplicate = "duplicate" // the same notification again: nothing new
	AlertUnmatched = "unmatched" // no rule declares it
	AlertIgnored   = "ignored"   // resolved, for a group that has no incident
)

// AlertResult is what a notification became, as its sender is told.
type AlertResult struct {
	Outcome  string `json:"outcome"`
	Incident string `json:"incident,omitempty"` // INC-12
	Channel  string `json:"channel,omitempty"`  // the incident's channel name
}
