package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// webhookRef is where a webhook names its secret, for Unset.
type webhookRef struct {
	workflow, env string
	at            Problem
}

// stepExamples show each step written out, for messages.
var stepExamples = map[workflow.StepKind]string{
	workflow.StepInvite:    "invite: [U0123ABCD, S0456EFGH]",
	workflow.StepPage:      "page: payments",
	workflow.StepPost:      `post: "Payments incident {{.ID}}: {{.Title}}"`,
	workflow.StepChecklist: "checklist: comms",
	workflow.StepCadence:   "cadence: 15m",
	workflow.StepRemind:    `remind: {after: 30m, to: comms, text: "Have customers been told?"}`,
	workflow.StepSet:       `set: {field: impact, value: "Customers cannot pay"}`,
	workflow.StepWebhook:   "webhook: {url: https://hooks.example.com/incidents, secret: env:INCIDENT_WEBHOOK_SECRET}",
}

// stepKinds lists the steps in the order the docs give them.
var stepKinds = []workflow.StepKind{workflow.StepInvite, workflow.StepPage, workflow.StepPost, workflow.StepChecklist,
	workflow.StepCadence, workflow.StepRemind, workflow.StepSet, workflow.StepWebhook}

// subKeys are the keys of the steps that take a mapping, for the hint when
// one is indented as a second key of the step.
var subKeys = map[string][]string{
	"remind": {"after", "to", "text", "unless"}, "set": {"field", "value"}, "webhook": {"url", "secret"},
}

// workflows decodes the workflows list; it runs after the rest of the file,
// whose services, checklists, marks and hosts the workflows name.
func (d *decoder) workflows(n *yaml.Node) {
	names := map[string]int{}
	d.list(n, "workflows", "- name: payments-major", func(item *yaml.Node) {
		if r := d.resolve(item); r.Kind == yaml.ScalarNode && !isNull(r) {
			d.errorf(r, "workflows: write each workflow as a mapping, like \"- name: %s\" with on: and do: under it", r.Value)
			return
		}
		w, ok := d.workflow(item)
		if !ok {
			return
		}
		if line, dup := names[w.Name]; dup {
			d.errorf(d.resolve(item), "workflows: the name %q is already used by the workflow at line %d; give each workflow its own name", w.Name, line)
			return
		}
		names[w.Name] = w.Line
		d.cfg.Workflows = append(d.cfg.Workflows, w)
	})
}

// workflow decodes one workflow; ok is false when it has problems.
func (d *decoder) workflow(n *yaml.Node) (w workflow.Workflow, ok bool) {
	before := len(d.problems)
	var nameAt, onAt, doAt *yaml.Node
	var cond decodedCondition
	known := d.mapping(n, "a workflow", "- name: payments-major", []field{
		{"name", func(v *yaml.Node) {
			nameAt, w.Name = d.resolve(v), d.text(v, "name", `name the workflow, like "name: payments-major"`)
			if w.Name != "" && !incident.ValidServiceName(w.Name) {
				d.errorf(v, "name: %s", badName(w.Name, "workflow", "payments-major"))
			}
		}},
		{"on", func(v *yaml.Node) { onAt, w.On = d.resolve(v), d.triggers(v) }},
		{"if", func(v *yaml.Node) { cond = d.condition(v, "if", true) }},
		{"do", func(v *yaml.Node) { doAt, w.Do = d.resolve(v), d.steps(v, &w) }},
	})
	if !d.entry(n, "workflow", `"- name: payments-major"`) {
		return w, false
	}
	w.Line, w.If = d.resolve(n).Line, cond.Condition
	if known {
		var missing []string
		if nameAt == nil {
			missing = append(missing, `"name: payments-major"`)
		}
		if onAt == nil {
			missing = append(missing, `"on: declared"`)
		}
		if doAt == nil {
			missing = append(missing, `"do:" with a list of steps`)
		}
		if len(missing) > 0 {
			d.errorf(d.resolve(n), "this workflow needs a name, on: and do:; add %s", strings.Join(missing, " and "))
		}
	}
	if doAt != nil && len(w.Do) == 0 && len(d.problems) == before {
		d.errorf(doAt, "do: has no steps; add one, like \"- %s\"", stepExamples[workflow.StepPost])
	}
	// mark: and changed: narrow one trigger each; without it they would
	// silently never apply.
	for _, narrow := range []struct {
		at      *yaml.Node
		key     string
		trigger workflow.Trigger
	}{{cond.markAt, "mark", workflow.Marked}, {cond.changedAt, "changed", workflow.FieldSet}} {
		if narrow.at != nil && onAt != nil && !slices.Contains(w.On, narrow.trigger) {
			d.errorf(narrow.at, "%s: narrows the %s trigger, which this workflow's on: does not list; add %s to on:, or remove %s:",
				narrow.key, narrow.trigger, narrow.trigger, narrow.key)
		}
	}
	return w, len(d.problems) == before
}

// badName says why name cannot name a workflow or checklist.
func badName(name, what, example string) string {
	if low := strings.ToLower(name); low != name && incident.ValidServiceName(low) {
		return fmt.Sprintf("%q must be lowercase; write %q", name, low)
	}
	return fmt.Sprintf("%q is not a %s name; use lowercase letters, digits and . _ - (up to 63, starting with a letter or digit), like %s",
		name, what, example)
}

// oneOrMore decodes a single value or a list of them.
func (d *decoder) oneOrMore(n *yaml.Node, key, example string) ([]string, []*yaml.Node) {
	if r := d.resolve(n); r.Kind == yaml.ScalarNode && !isNull(r) {
		s, _ := d.scalar(r, key)
		if s == "" {
			d.errorf(r, "%s is empty; write a value, like %s", key, example)
			return nil, nil
		}
		return []string{s}, []*yaml.Node{r}
	}
	vals, nodes := d.texts(n, key, example)
	if len(vals) == 0 && !isNull(d.resolve(n)) && d.resolve(n).Kind == yaml.SequenceNode {
		d.errorf(d.resolve(n), "%s is an empty list; write at least one value, like %s", key, example)
	}
	return vals, nodes
}

// values calls fn for each value of a single value or a list, with the
// node it came from.
func (d *decoder) values(n *yaml.Node, key, example string, fn func(at *yaml.Node, v string)) {
	vals, nodes := d.oneOrMore(n, key, example)
	for i, v := range vals {
		fn(nodes[i], v)
	}
}

// enumValues decodes a single value or a list, each one of options.
func enumValues[T ~string](d *decoder, n *yaml.Node, key, example, what string, options []T) []T {
	names := mapNames(options, func(o T) string { return string(o) })
	var out []T
	d.values(n, key, example, func(at *yaml.Node, v string) {
		if d.choose(at, key, v, what, names) {
			out = append(out, T(v))
		}
	})
	return out
}

// choose reports whether value is one of options; when it is not, it says
// so at n with the likeliest one meant, or the list.
func (d *decoder) choose(n *yaml.Node, key, value, what string, options []string) bool {
	if slices.Contains(options, value) {
		return true
	}
	if near := closest(value, options); near != "" {
		d.errorf(n, "%s: %q is not %s; did you mean %s?", key, value, what, near)
	} else {
		d.errorf(n, "%s: %q is not %s; write one of %s", key, value, what, strings.Join(options, ", "))
	}
	return false
}

func triggerNames() []string {
	return mapNames(workflow.Triggers, func(t workflow.Trigger) string { return string(t) })
}

func mapNames[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// triggers decodes on: one trigger or a list of them.
func (d *decoder) triggers(n *yaml.Node) []workflow.Trigger {
	vals, nodes := d.oneOrMore(n, "on", "[declared, severity_changed]")
	if isNull(d.resolve(n)) {
		d.errorf(d.resolve(n), "on is empty; name what starts the workflow, like \"on: declared\"; the triggers are %s",
			strings.Join(triggerNames(), ", "))
	}
	var out []workflow.Trigger
	for i, v := range vals {
		t := workflow.Trigger(v)
		switch {
		case !d.choose(nodes[i], "on", v, "a trigger", triggerNames()):
		case slices.Contains(out, t):
			d.errorf(nodes[i], "on: %s is listed twice; remove one", v)
		default:
			out = append(out, t)
		}
	}
	return out
}

// decodedCondition is a condition with where its event-only keys are, so
// the workflow can check its triggers use them.
type decodedCondition struct {
	workflow.Condition
	markAt, changedAt *yaml.Node
}

// condition decodes an if: (key "if") or a remind's unless:; events says
// whether mark: and changed: are allowed, which are about the event and
// mean nothing when a reminder falls due.
func (d *decoder) condition(n *yaml.Node, key string, events bool) decodedCondition {
	var c decodedCondition
	example := "{severity: [P1, P2], service: payments}"
	fields := []field{
		{"severity", func(v *yaml.Node) { c.Severities = d.severityCondition(v) }},
		{"service", func(v *yaml.Node) {
			d.values(v, "service", "[payments, checkout]", func(at *yaml.Node, s string) {
				if name, ok := d.serviceRef(at, "service", s); ok && !slices.Contains(c.Services, name) {
					c.Services = append(c.Services, name)
				}
			})
		}},
		{"status", func(v *yaml.Node) {
			c.Statuses = enumValues(d, v, "status", "[investigating, identified]", "a status", incident.Statuses)
		}},
		{"private", func(v *yaml.Node) {
			if b, ok := d.boolean(v, "private"); ok {
				c.Private = &b
			}
		}},
		{"ai", func(v *yaml.Node) {
			c.AI = enumValues(d, v, "ai", "[cost, provider]", "an AI connection", incident.AIConnections)
		}},
		{"fields", func(v *yaml.Node) { c.Fields = d.fieldConditions(v) }},
	}
	// mark: and changed: are about the event that started the workflow;
	// unless: is checked on the incident when the reminder falls due.
	eventOnly := func(v *yaml.Node, k string) bool {
		if !events {
			d.errorf(d.resolve(v), "unless: %s is about the event that started the workflow, but unless is checked on the incident "+
				"when the reminder falls due; use the incident's keys (severity, service, status, private, ai, fields)", k)
		}
		return events
	}
	fields = append(fields,
		field{"mark", func(v *yaml.Node) {
			if !eventOnly(v, "mark") {
				return
			}
			c.markAt = d.resolve(v)
			d.values(v, "mark", "[decision, impact]", func(at *yaml.Node, m string) {
				if d.markRef(at, m) {
					c.Marks = append(c.Marks, incident.Mark(m))
				}
			})
		}},
		field{"changed", func(v *yaml.Node) {
			if !eventOnly(v, "changed") {
				return
			}
			c.changedAt = d.resolve(v)
			d.values(v, "changed", "[root-cause, impact]", func(at *yaml.Node, s string) {
				if f, ok := d.fieldName(at, "changed", s); ok {
					c.Changed = append(c.Changed, f)
				}
			})
		}})
	d.mapping(n, key+":", example, fields)
	return c
}

func aiNames() []string {
	return mapNames(incident.AIConnections, func(a incident.AIConnection) string { return string(a) })
}

// rangeRe is a severity range: "<= P2", ">=P3".
var rangeRe = regexp.MustCompile(`^([<>]=?)\s*(\S+)$`)

// severityCondition decodes severity: P1, [P1, P2], or a range like "<= P2"
// (P2 or more severe: P1 and P2).
func (d *decoder) severityCondition(n *yaml.Node) []incident.Severity {
	vals, nodes := d.oneOrMore(n, "severity", "[P1, P2]")
	var out []incident.Severity
	add := func(s incident.Severity) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for i, v := range vals {
		m := rangeRe.FindStringSubmatch(v)
		if m == nil {
			if sev, ok := d.severity(nodes[i], "severity"); ok {
				add(sev)
			}
			continue
		}
		op, sevAt := m[1], &yaml.Node{Kind: yaml.ScalarNode, Value: m[2], Line: nodes[i].Line, Column: nodes[i].Column}
		if op == "<" || op == ">" {
			d.errorf(nodes[i], "severity: %q: write a range with <= or >=, like \"<= P2\" for P1 and P2", v)
			continue
		}
		sev, ok := d.severity(sevAt, "severity")
		if !ok {
			continue
		}
		for s := incident.P1; s <= incident.P4; s++ {
			if (op == "<=" && s <= sev) || (op == ">=" && s >= sev) {
				add(s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// serviceRef resolves a service a workflow names: through the catalog (an
// alias gives the service's name) when the file has one, else any valid
// service name.
func (d *decoder) serviceRef(n *yaml.Node, key, typed string) (string, bool) {
	if d.catalogPartial {
		// The catalog has problems of its own; unknown names would only
		// repeat them.
		return typed, incident.ValidServiceName(typed)
	}
	if len(d.cfg.Catalog) == 0 {
		if !incident.ValidServiceName(typed) {
			d.errorf(n, "%s: %s", key, badServiceName(typed))
			return "", false
		}
		return typed, true
	}
	if name, ok := d.cfg.Catalog.Resolve(typed); ok {
		return name, true
	}
	var all []string
	for _, s := range d.cfg.Catalog {
		all = append(all, s.Name)
		all = append(all, s.Aliases...)
	}
	if near := closest(typed, all); near != "" {
		d.errorf(n, "%s: there is no service %q in services:; did you mean %s?", key, typed, near)
	} else {
		d.errorf(n, "%s: there is no service %q in services:; the services are %s", key, typed, strings.Join(d.cfg.Catalog.Names(), ", "))
	}
	return "", false
}

// markRef checks a mark kind: a built-in one, one the file's marks: set,
// or a custom one that is no near miss of either.
func (d *decoder) markRef(n *yaml.Node, m string) bool {
	known := slices.Clone(builtinMarks)
	for _, fm := range d.cfg.Marks {
		known = append(known, string(fm))
	}
	if slices.Contains(known, m) {
		return true
	}
	if !emoji.MatchString(m) {
		d.errorf(n, "mark: %q is not a mark; write a mark's name, like key_event, hypothesis, action, impact or decision", m)
		return false
	}
	for _, k := range known {
		if distance(fold(m), fold(k)) <= 1 {
			d.errorf(n, "mark: %q is one slip from the mark %s; write %s (or a custom mark that is not that close)", m, k, k)
			return false
		}
	}
	return true
}

// fieldName resolves a record field as /incident set spells it.
func (d *decoder) fieldName(n *yaml.Node, key, typed string) (incident.Field, bool) {
	if f, ok := incident.ParseField(typed); ok {
		return f, true
	}
	names := mapNames(incident.Fields, func(f incident.Field) string { return string(f) })
	d.choose(n, key, typed, "a record field", names)
	return "", false
}

// fieldConditions decodes fields: record field → a value or a list of
// values, each of which may be "set" or "unset".
func (d *decoder) fieldConditions(n *yaml.Node) map[incident.Field][]string {
	out := map[incident.Field][]string{}
	at := map[incident.Field]string{}
	d.pairs(n, "fields", "{root-cause: unset, detected-by: customer}", func(k, v *yaml.Node) {
		f, ok := d.fieldName(k, "fields", k.Value)
		if !ok {
			return
		}
		if prev, dup := at[f]; dup {
			d.errorf(k, "fields: %s and %s are the same field (%s); keep one", prev, k.Value, f)
			return
		}
		at[f] = k.Value
		vals, nodes := d.oneOrMore(v, "fields: "+k.Value, "set, unset, or a value like "+fieldExample(f))
		if isNull(d.resolve(v)) {
			d.errorf(d.resolve(v), "fields: %s is empty; write set, unset, or a value like %s", k.Value, fieldExample(f))
		}
		for i, val := range vals {
			if val, ok := d.fieldValue(nodes[i], f, k.Value, val); ok {
				out[f] = append(out[f], val)
			}
		}
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

func fieldExample(f incident.Field) string {
	switch f {
	case incident.FieldService:
		return "payments"
	case incident.FieldAI:
		return "cost"
	case incident.FieldDetectedBy:
		return "customer"
	case incident.FieldCustomers:
		return "1200"
	}
	return "set"
}

// fieldValue checks a value a field condition compares with, where the
// field has a closed set of values; "set" and "unset" suit every field.
func (d *decoder) fieldValue(n *yaml.Node, f incident.Field, key, v string) (string, bool) {
	if v == workflow.ValueSet || v == workflow.ValueUnset {
		return v, true
	}
	key = "fields: " + key
	switch f {
	case incident.FieldService:
		return d.serviceRef(n, key, v)
	case incident.FieldAI:
		return v, d.choose(n, key, v, "an AI connection (or set, unset)", aiNames())
	case incident.FieldDetectedBy:
		return v, d.choose(n, key, v, "a way of detection (or set, unset)",
			mapNames(incident.Detections, func(x incident.Detection) string { return string(x) }))
	}
	return v, true
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, key string) (bool, bool) {
	s, ok := d.scalar(n, key)
	if !ok {
		return false, false
	}
	switch r := d.resolve(n); {
	case r.Tag == "!!bool" && strings.EqualFold(s, "true"):
		return true, true
	case r.Tag == "!!bool" && strings.EqualFold(s, "false"):
		return false, true
	}
	d.errorf(n, "%s: write true or false, not %q", key, s)
	return false, false
}

// role decodes a role: lead, comms, tech or scribe.
func (d *decoder) role(n *yaml.Node, key string) (incident.Role, bool) {
	s, ok := d.scalar(n, key)
	if !ok {
		return "", false
	}
	names := mapNames(incident.Roles, func(r incident.Role) string { return string(r) })
	if r, ok := incident.ParseRole(s); ok && string(r) != s {
		d.errorf(n, "%s: write %s, not %q", key, r, s)
		return "", false
	}
	if s == "" {
		d.errorf(n, "%s is empty; write one of %s, or remove the line", key, strings.Join(names, ", "))
		return "", false
	}
	if !d.choose(n, key, s, "a role", names) {
		return "", false
	}
	return incident.Role(s), true
}

// duration decodes a duration; zero says whether 0 is allowed.
func (d *decoder) duration(n *yaml.Node, key string, zero bool) (time.Duration, bool) {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0, false
	}
	dur, err := cadence(s)
	if err == nil && dur == 0 && !zero {
		err = fmt.Errorf("0 would be at once; write how long to wait, like 30m")
	}
	if err != nil {
		// cadence speaks of reminders; here any duration is meant.
		d.errorf(n, "%s: %s", key, strings.ReplaceAll(err.Error(), ", or 0 for no reminders", ""))
		return 0, false
	}
	return dur, true
}

// steps decodes do: the steps in order.
func (d *decoder) steps(n *yaml.Node, w *workflow.Workflow) []workflow.Step {
	var out []workflow.Step
	d.list(n, "do", "- "+stepExamples[workflow.StepPost], func(item *yaml.Node) {
		if s, ok := d.step(item, w); ok {
			out = append(out, s)
		}
	})
	return out
}

// step decodes one step: a mapping of one key, the step's kind.
func (d *decoder) step(n *yaml.Node, w *workflow.Workflow) (workflow.Step, bool) {
	r := d.resolve(n)
	kinds := mapNames(stepKinds, func(k workflow.StepKind) string { return string(k) })
	switch {
	case isNull(r):
		d.errorf(r, "this step is empty; write one, like \"- %s\", or remove the -", stepExamples[workflow.StepPost])
		return workflow.Step{}, false
	case r.Kind == yaml.ScalarNode:
		if ex, ok := stepExamples[workflow.StepKind(r.Value)]; ok {
			d.errorf(r, "do: %s needs a value; write \"- %s\"", r.Value, ex)
		} else {
			d.errorf(r, "do: write each step as a key and its value, like \"- %s\"; the steps are %s",
				stepExamples[workflow.StepPost], strings.Join(kinds, ", "))
		}
		return workflow.Step{}, false
	case r.Kind != yaml.MappingNode:
		d.errorf(r, "do: write each step as a key and its value, like \"- %s\"", stepExamples[workflow.StepPost])
		return workflow.Step{}, false
	}
	// "- remind:" with its keys under the dash rather than under remind:
	// reads as one mapping; say that once, not once per key.
	if len(r.Content) > 2 && isNull(d.resolve(r.Content[1])) {
		k0, k1 := d.resolve(r.Content[0]), d.resolve(r.Content[2])
		if slices.Contains(subKeys[k0.Value], k1.Value) {
			d.errorf(k1, "%s belongs to the %s step; indent it and the keys after it under %s:", k1.Value, k0.Value, k0.Value)
			return workflow.Step{}, false
		}
	}
	var s workflow.Step
	ok, first := false, ""
	d.pairs(r, "a step", stepExamples[workflow.StepPost], func(k, v *yaml.Node) {
		if first != "" {
			d.errorf(k, "a step has one key, and this one already has %s; start %s on its own \"- \" line", first, k.Value)
			ok = false
			return
		}
		first = k.Value
		kind := workflow.StepKind(k.Value)
		if !slices.Contains(stepKinds, kind) {
			if near := closest(k.Value, kinds); near != "" {
				d.errorf(k, "unknown step %q; did you mean %q?", k.Value, near)
			} else {
				d.errorf(k, "unknown step %q; the steps are %s", k.Value, strings.Join(kinds, ", "))
			}
			return
		}
		before := len(d.problems)
		s = d.stepValue(kind, k, v, w)
		ok = len(d.problems) == before
	})
	return s, ok
}

// stepValue decodes the value of a step of kind k.
func (d *decoder) stepValue(kind workflow.StepKind, k, v *yaml.Node, w *workflow.Workflow) workflow.Step {
	s := workflow.Step{Kind: kind, Line: k.Line}
	key := string(kind)
	switch kind {
	case workflow.StepInvite:
		ids, nodes := d.oneOrMore(v, key, "[U0123ABCD, S0456EFGH]")
		if isNull(d.resolve(v)) {
			d.errorf(d.resolve(v), "invite is empty; write the people and user groups to invite, like [U0123ABCD, S0456EFGH]")
		}
		for i, id := range ids {
			switch {
			case !owner.MatchString(id):
				d.errorf(nodes[i], "invite: %s", badOwner(id))
			case slices.Contains(s.Users, id):
				d.errorf(nodes[i], "invite: %s is listed twice; remove one", id)
			default:
				s.Users = append(s.Users, id)
			}
		}
	case workflow.StepPage:
		if typed := d.text(v, key, "name the catalog service to page, like \"page: payments\""); typed != "" {
			s.Service, _ = d.serviceRef(v, key, typed)
		}
	case workflow.StepPost:
		s.Text = d.template(v, key)
	case workflow.StepChecklist:
		if name := d.text(v, key, "name a checklist, like \"checklist: comms\""); name != "" {
			names := slices.Sorted(maps.Keys(d.cfg.Checklists))
			switch _, ok := d.cfg.Checklists[name]; {
			case ok || d.checklistsPartial:
				s.Checklist = name
			case closest(name, names) != "":
				d.errorf(v, "checklist: there is no checklist %q; did you mean %s?", name, closest(name, names))
			default:
				d.errorf(v, "checklist: there is no checklist %q; define it under checklists:, or use one of %s", name, strings.Join(names, ", "))
			}
		}
	case workflow.StepCadence:
		if str, ok := d.scalar(v, key); ok {
			dur, err := cadence(str)
			if err != nil {
				d.errorf(v, "cadence: %s", err)
			}
			s.Cadence = dur
		}
	case workflow.StepRemind:
		d.remind(&s, k, v)
	case workflow.StepSet:
		d.set(&s, k, v)
	case workflow.StepWebhook:
		d.webhook(&s, k, v, w)
	}
	return s
}

// requireKeys reports the keys of a step's mapping that are missing.
func (d *decoder) requireKeys(k, v *yaml.Node, known bool, have map[string]bool, want ...string) {
	if !known || d.resolve(v).Kind != yaml.MappingNode {
		return
	}
	var missing []string
	for _, key := range want {
		if !have[key] {
			missing = append(missing, key+":")
		}
	}
	if len(missing) > 0 {
		d.errorf(k, "%s needs %s; write it like \"%s\"", k.Value, strings.Join(missing, " and "), stepExamples[workflow.StepKind(k.Value)])
	}
}

// remind decodes {after, to, text, unless}.
func (d *decoder) remind(s *workflow.Step, k, v *yaml.Node) {
	have := map[string]bool{}
	if r := d.resolve(v); r.Kind != yaml.MappingNode {
		d.errorf(r, "remind: write a mapping, like \"%s\"", stepExamples[workflow.StepRemind])
		return
	}
	known := d.mapping(v, "remind", stepExamples[workflow.StepRemind], []field{
		{"after", func(v *yaml.Node) { have["after"] = true; s.After, _ = d.duration(v, "remind: after", false) }},
		{"to", func(v *yaml.Node) { s.Role, _ = d.role(v, "remind: to") }},
		{"text", func(v *yaml.Node) { have["text"] = true; s.Text = d.template(v, "remind: text") }},
		{"unless", func(v *yaml.Node) {
			c := d.condition(v, "unless", false).Condition
			s.Unless = &c
		}},
	})
	d.requireKeys(k, v, known, have, "after", "text")
}

// set decodes {field, value}; a value without template actions is checked
// as /incident set would check it.
func (d *decoder) set(s *workflow.Step, k, v *yaml.Node) {
	have := map[string]bool{}
	if r := d.resolve(v); r.Kind != yaml.MappingNode {
		d.errorf(r, "set: write a mapping, like \"%s\"", stepExamples[workflow.StepSet])
		return
	}
	var valueAt *yaml.Node
	known := d.mapping(v, "set", stepExamples[workflow.StepSet], []field{
		{"field", func(v *yaml.Node) {
			have["field"] = true
			if typed := d.text(v, "set: field", "name a record field, like impact"); typed != "" {
				s.Field, _ = d.fieldName(v, "set: field", typed)
			}
		}},
		{"value", func(v *yaml.Node) { have["value"], valueAt = true, v; s.Value = d.template(v, "set: value") }},
	})
	d.requireKeys(k, v, known, have, "field", "value")
	if s.Field == "" || s.Value == nil || strings.Contains(s.Value.Source(), "{{") {
		return
	}
	inc, _ := workflow.Sample()
	inc.Record = incident.Record{}
	if _, err := inc.Record.Set(s.Field, s.Value.Source(), incident.SetEnv{Now: time.Now(), Catalog: d.cfg.Catalog}); err != nil &&
		incident.ErrorCode(err) != incident.ENoop {
		d.errorf(valueAt, "set: value: %s", strings.ReplaceAll(incident.ErrorMessage(err), "`", ""))
	}
}

// webhook decodes {url, secret}.
func (d *decoder) webhook(s *workflow.Step, k, v *yaml.Node, w *workflow.Workflow) {
	have := map[string]bool{}
	if r := d.resolve(v); r.Kind != yaml.MappingNode {
		d.errorf(r, "webhook: write a mapping, like \"%s\"", stepExamples[workflow.StepWebhook])
		return
	}
	var secretAt *yaml.Node
	known := d.mapping(v, "webhook", stepExamples[workflow.StepWebhook], []field{
		{"url", func(v *yaml.Node) { have["url"] = true; s.URL = d.webhookURL(v) }},
		{"secret", func(v *yaml.Node) {
			have["secret"] = true
			sec, ok := d.secret(v, "webhook: secret", "env:NAME, naming the variable that holds the signing secret")
			switch {
			case !ok:
			case sec.Env == "":
				d.errorf(v, "webhook: secret: write env:NAME and set NAME where the bot runs; the secret itself never goes in the file, which lives in git")
			default:
				s.SecretEnv, secretAt = sec.Env, d.resolve(v)
			}
		}},
	})
	d.requireKeys(k, v, known, have, "url", "secret")
	if secretAt != nil {
		d.cfg.webhooks = append(d.cfg.webhooks, webhookRef{workflow: w.Name, env: s.SecretEnv,
			at: Problem{File: d.file, Line: max(secretAt.Line, 1), Column: max(secretAt.Column, 1)}})
	}
}

// webhookURL checks a webhook's address: https, or http to a loopback host
// or one allow_http_hosts lists.
func (d *decoder) webhookURL(n *yaml.Node) string {
	raw := d.text(n, "webhook: url", "write the address to POST to, like https://hooks.example.com/incidents")
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		fix := "write it in full, like https://hooks.example.com/incidents"
		if !strings.Contains(raw, "://") {
			fix = "write it in full: https://" + raw
		}
		d.errorf(n, "webhook: url: %q is not an http(s) URL; %s", raw, fix)
		return ""
	case u.User != nil:
		d.errorf(n, "webhook: url: %q has a user or password in it; remove them: the request is signed with the secret instead", raw)
		return ""
	case u.Scheme == "http" && !loopback(u.Hostname()) && !slices.Contains(d.cfg.AllowHTTPHosts, strings.ToLower(u.Hostname())):
		d.errorf(n, "webhook: url: %q is plain http, and the webhook carries the incident; use https, or list %s under allow_http_hosts: if the network to it is trusted",
			raw, strings.ToLower(u.Hostname()))
		return ""
	}
	return raw
}

// loopback reports whether host is this machine: localhost, 127.0.0.0/8
// or ::1.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostRe is a host name as allow_http_hosts takes it.
var hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// allowHTTPHosts decodes the hosts webhooks may reach over plain http.
func (d *decoder) allowHTTPHosts(n *yaml.Node) {
	hosts, nodes := d.texts(n, "allow_http_hosts", "[hooks.internal, 10.0.0.5]")
	for i, h := range hosts {
		switch low := strings.ToLower(h); {
		case strings.Contains(h, "://"):
			u, err := url.Parse(h)
			hint := ""
			if err == nil && u.Hostname() != "" {
				hint = "; write " + u.Hostname()
			}
			d.errorf(nodes[i], "allow_http_hosts: %q is a URL; list the host only%s", h, hint)
		case net.ParseIP(strings.Trim(h, "[]")) != nil:
			d.cfg.AllowHTTPHosts = append(d.cfg.AllowHTTPHosts, strings.ToLower(strings.Trim(h, "[]")))
		case strings.Contains(h, ":"):
			d.errorf(nodes[i], "allow_http_hosts: %q has a port; list the host without it, which allows every port", h)
		case !hostRe.MatchString(low):
			d.errorf(nodes[i], "allow_http_hosts: %q is not a host name; write one like hooks.internal or an IP address like 10.0.0.5", h)
		case low != h:
			d.errorf(nodes[i], "allow_http_hosts: write host names lowercase: %s", low)
		default:
			d.cfg.AllowHTTPHosts = append(d.cfg.AllowHTTPHosts, h)
		}
	}
}

// funcNotDefined is text/template's error for an unknown function.
var funcNotDefined = regexp.MustCompile(`function "([^"]*)" not defined`)

// templatePrefix is text/template's "template: step:1:5: " before its
// message.
var templatePrefix = regexp.MustCompile(`^template: step:\d+(:\d+)?: `)

// template decodes a step's text: it must parse, and render against a
// sample incident with every field set, so a misspelt field is an error
// here rather than a failed step during an incident.
func (d *decoder) template(n *yaml.Node, key string) *workflow.Template {
	src, ok := d.scalar(n, key)
	if !ok {
		return nil
	}
	if src == "" {
		d.errorf(n, "%s is empty; write the text, like \"Payments incident {{.ID}}: {{.Title}}\"", key)
		return nil
	}
	t, err := workflow.ParseTemplate(src)
	if err != nil {
		msg := templatePrefix.ReplaceAllString(err.Error(), "")
		if m := funcNotDefined.FindStringSubmatch(msg); m != nil {
			if near := closest(m[1], workflow.FuncNames()); near != "" {
				msg += fmt.Sprintf("; did you mean %s?", near)
			} else {
				msg += "; the functions are " + strings.Join(workflow.FuncNames(), ", ")
			}
		}
		d.errorf(n, "%s: the template does not parse: %s", key, msg)
		return nil
	}
	if err := t.Check(); err != nil {
		if fe, ok := errors.AsType[*workflow.FieldError](err); ok {
			if near := closest(fe.Field, fe.Known); near != "" {
				d.errorf(n, "%s: %s has no field .%s; did you mean .%s?", key, fe.In, fe.Field, near)
			} else {
				d.errorf(n, "%s: %s", key, fe)
			}
			return nil
		}
		d.errorf(n, "%s: the template fails on a sample incident: %s", key, cleanExecError(err))
		return nil
	}
	return t
}

// execPrefix is text/template's position and context before an execution
// error's message.
var execPrefix = regexp.MustCompile(`template: step:\d+:\d+: executing "step" at <[^>]*>: `)

func cleanExecError(err error) string {
	if inner := errors.Unwrap(err); inner != nil {
		err = inner // Render's own prefix repeats the template
	}
	return execPrefix.ReplaceAllString(err.Error(), "")
}
