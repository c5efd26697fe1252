package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

// severity reads a severities or cadences key, which must be P1..P4 as
// written, so a file says the same thing to everyone who reads it.
func (d *decoder) severity(k *yaml.Node, key string) (incident.Severity, bool) {
	sev, ok := incident.ParseSeverity(k.Value)
	switch {
	case ok && k.Value == sev.String():
		return sev, true
	case ok:
		d.errorf(k, "%s: write %s, not %q", key, sev, k.Value)
	default:
		d.errorf(k, "%s: %q is not a severity; the severities are P1, P2, P3 and P4", key, k.Value)
	}
	return 0, false
}

// severities decodes the descriptions shown in the declare modal.
func (d *decoder) severities(n *yaml.Node) {
	const example = "P1: {description: Customers cannot pay}"
	d.pairs(n, "severities", example, func(k, v *yaml.Node) {
		sev, ok := d.severity(k, "severities")
		var desc string
		var descAt *yaml.Node
		if r := d.resolve(v); r.Kind == yaml.ScalarNode && !isNull(r) {
			d.errorf(r, "severities: %s: write the text under a description: key, like \"%s: {description: %s}\"", k.Value, k.Value, r.Value)
			return
		}
		known := d.mapping(v, "a severity", example, []field{
			{"description", func(v *yaml.Node) {
				descAt, desc = v, d.text(v, "description", "say when to use "+k.Value+", like \"Customers cannot pay or sign in\"")
			}},
		})
		if descAt == nil && known {
			d.errorf(k, "severities: %s has no description; add one under it, like \"description: Customers cannot pay\"", k.Value)
		}
		if ok && desc != "" {
			if d.cfg.Severities == nil {
				d.cfg.Severities = map[incident.Severity]string{}
			}
			d.cfg.Severities[sev] = desc
		}
	})
}

// cadences decodes how often a status update is due, by severity.
func (d *decoder) cadences(n *yaml.Node) {
	if r := d.resolve(n); !isNull(r) && d.cfg.Cadence == nil {
		d.cfg.Cadence = map[incident.Severity]time.Duration{}
	}
	d.pairs(n, "cadences", "P1: 20m", func(k, v *yaml.Node) {
		sev, sevOK := d.severity(k, "cadences")
		s, ok := d.scalar(v, "cadences: "+k.Value)
		if !ok {
			return
		}
		dur, err := cadence(s)
		if err != nil {
			d.errorf(d.resolve(v), "cadences: %s: %s", k.Value, err)
			return
		}
		if sevOK {
			d.cfg.Cadence[sev] = dur
		}
	})
}

// cadence parses a Go duration, or 0 for no reminders, saying how to write
// it when it is neither.
func cadence(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("no cadence given; write a duration like 20m, or 0 for no reminders")
	}
	if n, err := strconv.Atoi(s); err == nil {
		return 0, fmt.Errorf("%q has no unit; write %dm for minutes (or %ds, %dh), or 0 for no reminders", s, n, n, n)
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return 0, fmt.Errorf("%q: durations have no days; write %dh", s, 24*n)
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 20m, 1h30m or 2h, or 0 for no reminders", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative; write how long between updates, like %s, or 0 for no reminders", s, strings.TrimPrefix(s, "-"))
	}
	return d, nil
}

// emoji is a reaction's name as Slack sends it: lowercase, no colons.
var emoji = regexp.MustCompile(`^[a-z0-9_+'-]+$`)

// builtinMarks are the marks the bot knows by name; a near miss of one is
// more likely a typo than a new custom mark.
var builtinMarks = []string{
	string(incident.MarkKeyEvent), string(incident.MarkHypothesis), string(incident.MarkAction),
	string(incident.MarkImpact), string(incident.MarkDecision),
}

// marks decodes which reactions mark messages, and as what.
func (d *decoder) marks(n *yaml.Node) {
	if r := d.resolve(n); !isNull(r) && d.cfg.Marks == nil {
		d.cfg.Marks = map[string]incident.Mark{}
	}
	d.pairs(n, "marks", "pushpin: key_event", func(k, v *yaml.Node) {
		name := k.Value
		keyOK := false
		switch trimmed := strings.Trim(name, ":"); {
		case trimmed != name && emoji.MatchString(trimmed):
			d.errorf(k, "marks: write the emoji name without colons: %s", trimmed)
		case emoji.MatchString(strings.ToLower(name)) && !emoji.MatchString(name):
			d.errorf(k, "marks: emoji names are lowercase; write %s", strings.ToLower(name))
		case !emoji.MatchString(name):
			d.errorf(k, "marks: %q is not an emoji name; write the name Slack shows between colons, without them, like pushpin", name)
		default:
			keyOK = true
		}
		mark := d.text(v, "marks: "+name, "write the mark this reaction sets, like key_event, hypothesis, action, impact or decision")
		if mark == "" {
			return
		}
		if near := nearMark(mark); near != "" {
			d.errorf(d.resolve(v), "marks: %s: %q is one slip from the built-in mark %s; write %s (or a custom mark that is not that close)", name, mark, near, near)
			return
		}
		if keyOK {
			d.cfg.Marks[name] = incident.Mark(mark)
		}
	})
}

// nearMark is the built-in mark that mark misses by one letter, case, - or
// _, or "" when there is none (mark is built in, or a custom mark).
func nearMark(mark string) string {
	for _, b := range builtinMarks {
		if mark != b && distance(fold(mark), b) <= 1 {
			return b
		}
	}
	return ""
}
