package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Planned is one step a workflow would run for an event: its text
// rendered against the incident, or a line saying what it does. Err is
// the template's failure, when it failed to render.
type Planned struct {
	Workflow string
	Step     Step
	Text     string
	Err      error
}

// Plan lists every step the workflows ev starts would run, in order:
// workflows in file order, steps in each as written. It renders the
// templates against ev's incident (text as is, unescaped) and performs
// nothing; `incidentbot workflows test` prints it.
func Plan(ws []Workflow, ev Event, catalog incident.Catalog) []Planned {
	var out []Planned
	var data *Data
	for _, w := range ws {
		if !w.Matches(ev) {
			continue
		}
		if data == nil {
			d := NewData(ev.Incident, catalog, nil)
			data = &d
		}
		for _, s := range w.Do {
			text, err := s.Describe(*data)
			out = append(out, Planned{Workflow: w.Name, Step: s, Text: text, Err: err})
		}
	}
	return out
}

// Describe says in one line what s does for the incident d describes,
// with its templates rendered: "invite U0123ABCD, S0456EFGH", "page
// payments", the message a post sends.
func (s Step) Describe(d Data) (string, error) {
	switch s.Kind {
	case StepInvite:
		return "invite " + strings.Join(s.Users, ", "), nil
	case StepPage:
		return "page " + s.Service, nil
	case StepPost:
		return render(s.Text, d)
	case StepChecklist:
		return "attach the checklist " + s.Checklist, nil
	case StepCadence:
		if s.Cadence == 0 {
			return "turn status update reminders off", nil
		}
		return "set the update cadence to " + formatDuration(s.Cadence), nil
	case StepRemind:
		text, err := render(s.Text, d)
		to := "the channel"
		if s.Role != "" {
			to = "the " + strings.ToLower(s.Role.Title())
		}
		line := fmt.Sprintf("after %s, remind %s: %s", formatDuration(s.After), to, text)
		if s.Unless != nil {
			line += " (unless " + s.Unless.String() + ")"
		}
		return line, err
	case StepSet:
		v, err := render(s.Value, d)
		return fmt.Sprintf("set %s to %q", s.Field, v), err
	case StepWebhook:
		return fmt.Sprintf("webhook POST %s signed with $%s", s.URL, s.SecretEnv), nil
	}
	return string(s.Kind), nil
}

// render is t rendered, "" for a nil t.
func render(t *Template, d Data) (string, error) {
	if t == nil {
		return "", nil
	}
	return t.Render(d)
}

// formatDuration writes d as the file does: 15m, 1h30m, 2h.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// String writes c the way the file does, its parts joined by "; ":
// "severity P1, P2; service payments".
func (c Condition) String() string {
	var parts []string
	add := func(key string, vals []string) {
		if len(vals) > 0 {
			parts = append(parts, key+" "+strings.Join(vals, ", "))
		}
	}
	add("severity", mapStrings(c.Severities, incident.Severity.String))
	add("service", c.Services)
	add("status", mapStrings(c.Statuses, func(s incident.Status) string { return string(s) }))
	if c.Private != nil {
		parts = append(parts, fmt.Sprintf("private %t", *c.Private))
	}
	add("ai", mapStrings(c.AI, func(a incident.AIConnection) string { return string(a) }))
	for _, f := range incident.Fields { // a stable order
		if vals, ok := c.Fields[f]; ok {
			add(string(f), vals)
		}
	}
	add("mark", mapStrings(c.Marks, func(m incident.Mark) string { return string(m) }))
	add("changed", mapStrings(c.Changed, func(f incident.Field) string { return string(f) }))
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, "; ")
}

func mapStrings[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
