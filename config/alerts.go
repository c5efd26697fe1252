package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

const alertsExample = `"- match: {alertname: HighErrorRate}" with "severity: P1" under it`

// alerts decodes the alerts: list, the rules that decide which monitor
// alerts declare an incident. Services are resolved through the catalog,
// so the file is read after services:.
func (d *decoder) alerts(n *yaml.Node) {
	d.list(n, "alerts", alertsExample, func(item *yaml.Node) {
		if r, ok := d.alertRule(item); ok {
			d.cfg.Alerts = append(d.cfg.Alerts, r)
		}
	})
}

func (d *decoder) alertRule(n *yaml.Node) (incident.AlertRule, bool) {
	var r incident.AlertRule
	var matchAt, sevAt *yaml.Node
	clean := true
	d.mapping(n, "an alert rule", alertsExample, []field{
		{"match", func(v *yaml.Node) {
			matchAt = v
			clean = d.pairs(v, "match", "match: {alertname: HighErrorRate, severity: critical}", func(k, v *yaml.Node) {
				val, ok := d.scalar(v, "match: "+k.Value)
				if !ok {
					clean = false
					return
				}
				m, err := incident.NewLabelMatcher(k.Value, val)
				if err != nil {
					d.errorf(v, "match: %v; write a Go regular expression between slashes, like \"/^LLM.*/\"", err)
					clean = false
					return
				}
				r.Match = append(r.Match, m)
			}) && clean
		}},
		{"severity", func(v *yaml.Node) {
			sevAt = v
			if _, ok := d.scalar(v, "severity"); !ok {
				return
			}
			if sev, ok := d.severity(d.resolve(v), "severity"); ok {
				r.Severity = sev
			}
		}},
		{"service", func(v *yaml.Node) {
			s, ok := d.scalar(v, "service")
			if !ok || s == "" {
				return
			}
			if name, ok := d.serviceRef(v, "service", s); ok {
				r.Service = name
			}
		}},
		{"page", func(v *yaml.Node) { r.Page, _ = d.boolean(v, "page") }},
	})
	if !d.entry(n, "alert rule", `"- match: {alertname: HighErrorRate}"`) {
		return r, false
	}
	if matchAt == nil {
		d.errorf(d.resolve(n), "this alert rule has no match:; add the labels it matches, like \"match: {alertname: HighErrorRate}\" (an empty match: {} matches every alert)")
		return r, false
	}
	if sevAt == nil {
		d.errorf(d.resolve(n), "this alert rule has no severity:; add the severity it declares, like \"severity: P2\"")
		return r, false
	}
	return r, clean && r.Severity.Valid()
}
