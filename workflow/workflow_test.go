package workflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// catalog is the services the tests' files name.
const catalog = `services:
  - name: payments
    aliases: [billing]
    owners: [U0234BCDE]
    dashboards:
      - name: Payment provider latency
        url: https://grafana.example.com/d/payments-psp
      - name: Payment errors
        url: https://grafana.example.com/d/payments-errors
  - name: checkout
  - name: llm-gateway
`

// load parses a file of the catalog and src, failing the test on a problem.
func load(t testing.TB, src string) *config.Config {
	t.Helper()
	c, err := config.Parse("incidentbot.yaml", []byte(catalog+src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// inc is an incident for matching; fn adjusts it.
func inc(sev incident.Severity, fn func(*incident.Incident), services ...string) incident.Incident {
	i := incident.Incident{Number: 7, Title: "Card payments fail", Severity: sev, Status: incident.Investigating,
		Record: incident.Record{Services: services}}
	if fn != nil {
		fn(&i)
	}
	return i
}

func names(ws []workflow.Workflow) string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Name)
	}
	return strings.Join(out, ",")
}

func TestConditions(t *testing.T) {
	c := load(t, `workflows:
  - {name: range, on: declared, if: {severity: "<= P2"}, do: [post: x]}
  - {name: range-tight, on: declared, if: {severity: <=P1}, do: [post: x]}
  - {name: minor, on: declared, if: {severity: ">= P3"}, do: [post: x]}
  - {name: one-severity, on: declared, if: {severity: P3}, do: [post: x]}
  - {name: alias, on: declared, if: {service: billing}, do: [post: x]}
  - {name: private, on: declared, if: {private: true}, do: [post: x]}
  - {name: public, on: declared, if: {private: false}, do: [post: x]}
  - {name: ai-cost, on: declared, if: {ai: [cost, provider]}, do: [post: x]}
  - {name: status, on: status_changed, if: {status: [monitoring]}, do: [post: x]}
  - {name: no-cause, on: declared, if: {fields: {root-cause: unset}}, do: [post: x]}
  - {name: has-impact, on: declared, if: {fields: {impact: set}}, do: [post: x]}
  - {name: by-customer, on: declared, if: {fields: {detected-by: customer}}, do: [post: x]}
  - {name: customers, on: declared, if: {fields: {customers: "1200"}}, do: [post: x]}
  - {name: svc-field, on: declared, if: {fields: {services: [checkout, billing]}}, do: [post: x]}
  - {name: decision, on: marked, if: {mark: decision}, do: [post: x]}
  - {name: any-mark, on: marked, do: [post: x]}
  - {name: cause-set, on: field_set, if: {changed: [cause], fields: {cause: set}}, do: [post: x]}
  - {name: all, on: [declared, marked], if: {severity: P1, service: payments, private: false}, do: [post: x]}
`)
	if c.Workflows[4].If.Services[0] != "payments" {
		t.Errorf("the alias billing resolved to %v, want payments", c.Workflows[4].If.Services)
	}
	p1 := inc(incident.P1, nil, "payments")
	for _, tc := range []struct {
		name string
		ev   workflow.Event
		want string
	}{
		{"P1 payments", workflow.Event{Trigger: workflow.Declared, Incident: p1},
			"range,range-tight,alias,public,no-cause,svc-field,all"},
		{"P2 private with impact, AI cost, by customer", workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P2, func(i *incident.Incident) {
			i.Private, i.AI, i.Impact, i.DetectedBy, i.DetectedLink = true, incident.AICost, "EU cannot pay", incident.DetectedCustomer, "https://x.example"
		})}, "range,private,ai-cost,no-cause,has-impact,by-customer"},
		{"P3 with a cause and customers", workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P3, func(i *incident.Incident) {
			i.RootCause, i.Customers, i.CustomersKnown = "pool per request", 1200, true
		}, "checkout")}, "minor,one-severity,public,customers,svc-field"},
		{"P4 detected by an alert", workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P4, func(i *incident.Incident) {
			i.DetectedBy = incident.DetectedAlert
		})}, "minor,public,no-cause"},
		{"monitoring", workflow.Event{Trigger: workflow.StatusChanged, Incident: inc(incident.P3, func(i *incident.Incident) { i.Status = incident.Monitoring })}, "status"},
		{"investigating again", workflow.Event{Trigger: workflow.StatusChanged, Incident: inc(incident.P3, nil)}, ""},
		{"decision marked", workflow.Event{Trigger: workflow.Marked, Mark: incident.MarkDecision, Incident: p1}, "decision,any-mark,all"},
		{"impact marked", workflow.Event{Trigger: workflow.Marked, Mark: incident.MarkImpact, Incident: p1}, "any-mark,all"},
		{"cause set", workflow.Event{Trigger: workflow.FieldSet, Field: incident.FieldRootCause, Incident: inc(incident.P3, func(i *incident.Incident) { i.RootCause = "x" })}, "cause-set"},
		{"cause cleared", workflow.Event{Trigger: workflow.FieldSet, Field: incident.FieldRootCause, Incident: inc(incident.P3, nil)}, ""},
		{"impact set", workflow.Event{Trigger: workflow.FieldSet, Field: incident.FieldImpact, Incident: inc(incident.P3, func(i *incident.Incident) { i.RootCause = "x" })}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(workflow.Match(c.Workflows, tc.ev)); got != tc.want {
				t.Errorf("Match = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHoldsIgnoresEventOnlyParts(t *testing.T) {
	yes := true
	cond := workflow.Condition{Private: &yes, Marks: []incident.Mark{incident.MarkDecision}, Changed: []incident.Field{incident.FieldImpact},
		Statuses: []incident.Status{incident.Investigating, incident.Identified}}
	if !cond.Holds(inc(incident.P2, func(i *incident.Incident) { i.Private = true })) {
		t.Error("Holds checked marks or changed, which are about events")
	}
	if cond.Holds(inc(incident.P2, func(i *incident.Incident) { i.Private, i.Status = true, incident.Resolved })) {
		t.Error("Holds on a resolved incident, status [investigating, identified]")
	}
	if !(workflow.Condition{}).Holds(incident.Incident{}) {
		t.Error("the zero condition does not hold")
	}
}

func TestRemindUnlessIsHeldAtDueTime(t *testing.T) {
	c := load(t, `workflows:
  - name: comms-reminder
    on: declared
    if: {severity: "<= P2"}
    do:
      - remind:
          after: 30m
          to: comms
          text: "{{.ID}}: have customers been told? {{.Impact}}"
          unless: {status: [monitoring, resolved], fields: {impact: unset}}
`)
	s := c.Workflows[0].Do[0]
	if s.Unless == nil || s.Role != incident.Comms || s.After.Minutes() != 30 {
		t.Fatalf("remind = %+v", s)
	}
	active := inc(incident.P1, func(i *incident.Incident) { i.Impact = "EU cannot pay" })
	if s.Unless.Holds(active) {
		t.Error("unless holds on an investigating incident with an impact")
	}
	if !s.Unless.Holds(inc(incident.P1, func(i *incident.Incident) { i.Status = incident.Monitoring })) {
		t.Error("unless does not hold once monitoring with no impact")
	}
	plan := workflow.Plan(c.Workflows, workflow.Event{Trigger: workflow.Declared, Incident: active}, c.Catalog)
	want := `after 30m, remind the comms lead: INC-7: have customers been told? EU cannot pay (unless status monitoring, resolved; impact unset)`
	if len(plan) != 1 || plan[0].Text != want {
		t.Errorf("plan = %+v\nwant %s", plan, want)
	}
}

func TestPlanRendersEveryStep(t *testing.T) {
	c := load(t, `allow_http_hosts: [hooks.internal]
workflows:
  - name: payments-dashboards
    on: declared
    do:
      - post: "{{.ID}} {{.Title}} ({{.Severity}}, {{.Status}}) on {{.Service.Name}}:{{range .Service.Dashboards}} <{{.URL}}|{{.Name}}>{{end}}"
      - set: {field: cause, value: "unknown yet ({{join .Services \", \"}})"}
      - cadence: 0
      - remind: {after: 1h30m, text: "{{upper .ID}} still open?"}
      - webhook: {url: "http://hooks.internal/incidents", secret: env:HOOK_SECRET}
`)
	ev := workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P1, nil, "payments", "checkout")}
	var got []string
	for _, p := range workflow.Plan(c.Workflows, ev, c.Catalog) {
		if p.Err != nil {
			t.Errorf("%s: %v", p.Step.Kind, p.Err)
		}
		got = append(got, p.Text)
	}
	want := []string{
		"INC-7 Card payments fail (P1, investigating) on payments: <https://grafana.example.com/d/payments-psp|Payment provider latency> <https://grafana.example.com/d/payments-errors|Payment errors>",
		`set root-cause to "unknown yet (payments, checkout)"`,
		"turn status update reminders off",
		"after 1h30m, remind the channel: INC-7 still open?",
		"webhook POST http://hooks.internal/incidents signed with $HOOK_SECRET",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ps := c.Unset(func(string) string { return "" }); len(ps) != 1 || !strings.Contains(ps[0].Message, "HOOK_SECRET is not set") {
		t.Errorf("Unset = %v, want the webhook secret", ps)
	}
}

func TestPlanReportsARenderFailure(t *testing.T) {
	tmpl, err := workflow.ParseTemplate("first: {{index .Services 0}}")
	if err != nil {
		t.Fatal(err)
	}
	ws := []workflow.Workflow{{Name: "first", On: []workflow.Trigger{workflow.Declared},
		Do: []workflow.Step{{Kind: workflow.StepPost, Text: tmpl}, {Kind: workflow.StepPage, Service: "payments"}}}}
	plan := workflow.Plan(ws, workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P3, nil)}, nil)
	if len(plan) != 2 || plan[0].Err == nil || plan[1].Err != nil || plan[1].Text != "page payments" {
		t.Errorf("plan = %+v; want the post's error and the page still planned", plan)
	}
}

func TestTemplateChecks(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"{{.Titel}}", "the incident has no field .Titel"},
		{"{{.Service.Dashbords}}", "a service has no field .Dashbords"},
		{"{{range .Service.Dashboards}}{{.Link}}{{end}}", "a dashboard has no field .Link"},
	} {
		tmpl, err := workflow.ParseTemplate(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		err = tmpl.Check()
		if fe, ok := errors.AsType[*workflow.FieldError](err); !ok || !strings.Contains(fe.Error(), tc.want) || len(fe.Known) == 0 {
			t.Errorf("%s: Check = %v, want a FieldError saying %q", tc.src, err, tc.want)
		}
	}
	for _, src := range []string{
		"{{range 1000000000}}{{end}}", "{{range $n := 5}}x{{end}}", "{{range .Number}}{{end}}", `{{define "x"}}a{{end}}`,
		`{{template "step"}}`, `{{if .ID}}{{range (len .Title)}}{{end}}{{end}}`,
	} {
		if _, err := workflow.ParseTemplate(src); err == nil {
			t.Errorf("%s parsed; it can loop without writing or recurse", src)
		}
	}
	tmpl, err := workflow.ParseTemplate("{{range .Service.Dashboards}}{{range $.Services}}{{.}}{{end}}{{end}}{{with .Service}}{{range .Owners}}{{.}}{{end}}{{end}}")
	if err != nil {
		t.Fatal(err)
	}
	if err := tmpl.Check(); err != nil {
		t.Errorf("nested ranges over lists: %v", err)
	}
}
