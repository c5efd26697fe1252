package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// conditionFile puts src, indented, under a workflow's if:.
func conditionFile(src string) string {
	var b strings.Builder
	b.WriteString(catalog + "workflows:\n  - name: fuzzed\n    on: [declared, marked, field_set]\n    if:\n")
	for _, line := range strings.Split(src, "\n") {
		b.WriteString("      " + line + "\n")
	}
	b.WriteString("    do: [post: x]\n")
	return b.String()
}

// incidents are the shapes a condition is held against.
func incidents() []incident.Incident {
	full, _ := workflow.Sample()
	return []incident.Incident{{}, inc(incident.P1, nil, "payments"), inc(incident.P4, func(i *incident.Incident) {
		i.Private, i.Status, i.AI = true, incident.Resolved, incident.AICost
	}, "checkout", "llm-gateway"), full}
}

func FuzzCondition(f *testing.F) {
	for _, seed := range []string{
		"severity: [P1, P2]\nservice: [payments]",
		`severity: "<= P2"`, "severity: <=P3", `severity: ">= P3"`, "severity: P1",
		"service: billing\nstatus: [investigating, identified]\nprivate: true",
		"ai: [cost, provider]\nfields: {root-cause: unset, impact: set, detected-by: [customer, alert]}",
		"fields:\n  services: [checkout, payments]\n  customers: \"1200\"",
		"mark: [decision, impact]\nchanged: [cause]",
		"severity: [P5]", "private: yes", "fields: {colour: red}", "service: nope", "mark: decison",
		"severity: &s [P1]\nstatus: *s", "{", "- a", "fields: [impact]", "severity: {P1: x}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file := conditionFile(src)
		c, err := config.Parse("f.yaml", []byte(file))
		if err != nil {
			ps, ok := errors.AsType[config.Problems](err)
			if !ok || len(ps) == 0 {
				t.Fatalf("Parse returned %T %v, not Problems", err, err)
			}
			lines := strings.Count(file, "\n") + 1
			for _, p := range ps {
				if p.Line < 1 || p.Column < 1 || p.Line > lines || p.Message == "" {
					t.Errorf("problem %q at %d:%d in a %d-line file", p.Message, p.Line, p.Column, lines)
				}
			}
			return
		}
		if len(c.Workflows) != 1 {
			t.Fatalf("%d workflows from a valid file of one", len(c.Workflows))
		}
		w := c.Workflows[0]
		for _, s := range w.If.Severities {
			if !s.Valid() {
				t.Errorf("severity %v in a valid condition", s)
			}
		}
		for _, i := range incidents() {
			w.If.Holds(i)
			for _, ev := range []workflow.Event{{Trigger: workflow.Declared, Incident: i},
				{Trigger: workflow.Marked, Mark: incident.MarkDecision, Incident: i},
				{Trigger: workflow.FieldSet, Field: incident.FieldImpact, Incident: i}} {
				w.Matches(ev)
			}
		}
		_ = w.If.String()
	})
}

func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		"Payments incident {{.ID}} declared: {{.Title}}",
		"{{range .Service.Dashboards}}<{{.URL}}|{{.Name}}> {{end}}",
		"{{if .Private}}private{{else}}{{join .Services \", \"}}{{end}}", "{{upper .Severity}} {{lower .Status}}",
		"{{with .Service}}{{range $i, $o := .Owners}}{{$i}}<@{{$o}}>{{end}}{{end}}",
		"{{printf \"%*d\" 1000000 1}}", "{{range .Services}}{{range $.Services}}{{range $.Services}}x{{end}}{{end}}{{end}}",
		"{{.Titel}}", "{{", "{{range 5}}{{end}}", "{{define \"a\"}}{{end}}", "{{index .Services 9}}", "{{slice .Title 1 2}}",
		"{{len .Title}} {{.Number}} {{.Customers}}", "{{template \"step\"}}", "{{/* c */}}{{- .ID -}}",
	} {
		f.Add(seed)
	}
	full, cat := workflow.Sample()
	datas := []workflow.Data{workflow.NewData(full, cat, nil), workflow.NewData(incident.Incident{}, nil, nil),
		workflow.NewData(inc(incident.P2, nil, "payments", "checkout"), cat, strings.ToUpper)}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := workflow.ParseTemplate(src)
		if err != nil {
			return
		}
		_ = tmpl.Check()
		for _, d := range datas {
			out, err := tmpl.Render(d)
			if err == nil && utf8.RuneCountInString(out) > 3000 {
				t.Fatalf("rendered %d characters, past the bound", utf8.RuneCountInString(out))
			}
		}
	})
}
