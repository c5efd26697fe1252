package workflow

import (
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// Special values of Condition.Fields.
const (
	ValueSet   = "set"   // the field has any value
	ValueUnset = "unset" // the field is empty
)

// Matches reports whether ev starts w: its trigger is one of w's, the
// event's mark or changed field is one w narrows to, and w's condition
// holds on the incident after the event. It allocates nothing, since it
// runs for every workflow on every incident event.
func (w Workflow) Matches(ev Event) bool {
	if !slices.Contains(w.On, ev.Trigger) {
		return false
	}
	switch ev.Trigger {
	case Marked:
		if len(w.If.Marks) > 0 && !slices.Contains(w.If.Marks, ev.Mark) {
			return false
		}
	case FieldSet:
		if len(w.If.Changed) > 0 && !slices.Contains(w.If.Changed, ev.Field) {
			return false
		}
	}
	return w.If.Holds(ev.Incident)
}

// Match lists the workflows ev starts, in file order; nil when none does.
func Match(ws []Workflow, ev Event) []Workflow {
	var out []Workflow
	for _, w := range ws {
		if w.Matches(ev) {
			out = append(out, w)
		}
	}
	return out
}

// Holds reports whether every set part of c holds on inc. Marks and
// Changed are about events, not incidents, and are ignored here; Matches
// checks them. A `remind` step's Unless is checked with Holds when the
// reminder falls due.
func (c Condition) Holds(inc incident.Incident) bool {
	if len(c.Severities) > 0 && !slices.Contains(c.Severities, inc.Severity) {
		return false
	}
	if len(c.Services) > 0 && !slices.ContainsFunc(inc.Services, func(s string) bool { return slices.Contains(c.Services, s) }) {
		return false
	}
	if len(c.Statuses) > 0 && !slices.Contains(c.Statuses, inc.Status) {
		return false
	}
	if c.Private != nil && *c.Private != inc.Private {
		return false
	}
	if len(c.AI) > 0 && !slices.Contains(c.AI, inc.AI) {
		return false
	}
	for f, want := range c.Fields {
		if !fieldHolds(inc.Record, f, want) {
			return false
		}
	}
	return true
}

// fieldHolds reports whether field f of r has one of the values want:
// "set" for any value, "unset" for none, or a value compared without
// regard to case. A service matches when the incident names it among
// others; detected-by compares how it was detected, not the link.
func fieldHolds(r incident.Record, f incident.Field, want []string) bool {
	var values []string
	switch f {
	case incident.FieldService:
		values = r.Services
	case incident.FieldDetectedBy:
		if r.DetectedBy != "" {
			values = []string{string(r.DetectedBy)}
		}
	default:
		if v := r.Value(f); v != "" {
			values = []string{v}
		}
	}
	for _, w := range want {
		switch w {
		case ValueSet:
			if len(values) > 0 {
				return true
			}
		case ValueUnset:
			if len(values) == 0 {
				return true
			}
		default:
			if slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, w) }) {
				return true
			}
		}
	}
	return false
}
