package workflow_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// fiftyWorkflows is a realistic file of 50 workflows over 10 services:
// per-service majors, AI, security, field, status and mark workflows, with
// invites, pages, posts, checklists, cadences, reminders, sets and webhooks.
func fiftyWorkflows() string {
	areas := []string{"payments", "checkout", "search", "auth", "orders", "shipping", "inventory", "ledger", "llm-gateway", "security"}
	var b strings.Builder
	b.WriteString("services:\n")
	for i, a := range areas {
		fmt.Fprintf(&b, "  - name: %s\n    aliases: [%s-api]\n    owners: [U%07dA, S%07dB]\n", a, a, i, i)
		fmt.Fprintf(&b, "    dashboards:\n      - name: %s overview\n        url: https://grafana.example.com/d/%s\n", a, a)
	}
	b.WriteString("checklists:\n  db-failover:\n    - {text: Freeze writes, role: tech, required: true}\n    - {text: Tell support}\n")
	b.WriteString("workflows:\n")
	shapes := []string{
		`on: [declared, severity_changed]
    if: {severity: [P1, P2], service: [%[1]s]}
    do:
      - invite: [U0123ABCD, S0456EFGH]
      - page: %[1]s
      - post: "%[1]s incident {{.ID}} declared: {{.Title}}{{range .Service.Dashboards}} <{{.URL}}|{{.Name}}>{{end}}"
      - checklist: comms
      - cadence: 15m`,
		`on: declared
    if: {severity: "<= P3", service: %[1]s, fields: {impact: unset}}
    do:
      - remind: {after: 20m, to: lead, text: "{{.ID}}: what is the impact on %[1]s?", unless: {fields: {impact: set}}}`,
		`on: [field_set]
    if: {changed: [root-cause], service: %[1]s, fields: {root-cause: set}}
    do:
      - post: "Root cause of {{.ID}} found: {{.RootCause}}"
      - set: {field: hypothesis, value: "{{.RootCause}}"}`,
		`on: [declared, field_set]
    if: {ai: [cost, provider], service: [%[1]s, llm-gateway]}
    do:
      - page: llm-gateway
      - webhook: {url: https://hooks.example.com/%[1]s, secret: env:HOOK_SECRET}`,
		`on: marked
    if: {mark: [decision, impact], service: %[1]s, status: [investigating, identified]}
    do:
      - post: "A decision on {{.ID}}; {{.Lead}} please confirm"`,
	}
	for i := range 50 {
		fmt.Fprintf(&b, "  - name: wf-%02d\n    ", i)
		fmt.Fprintf(&b, shapes[i%len(shapes)], areas[i/len(shapes)%len(areas)])
		b.WriteString("\n")
	}
	return b.String()
}

// BenchmarkMatch50 is the cost workflows add to every incident event:
// matching one event (a P1 on payments declared) against 50 workflows.
func BenchmarkMatch50(b *testing.B) {
	c := loadFile(b, fiftyWorkflows())
	if len(c) != 50 {
		b.Fatalf("%d workflows, want 50", len(c))
	}
	ev := workflow.Event{Trigger: workflow.Declared, Incident: inc(incident.P1, func(i *incident.Incident) {
		i.AI, i.RootCause = incident.AIProvider, "pool per request"
	}, "payments")}
	want := len(workflow.Match(c, ev))
	if want == 0 {
		b.Fatal("nothing matches; the benchmark would measure only the triggers")
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := len(workflow.Match(c, ev)); got != want {
			b.Fatalf("%d matched, want %d", got, want)
		}
	}
	b.ReportMetric(float64(want), "matched")
}

func loadFile(b *testing.B, src string) []workflow.Workflow {
	b.Helper()
	c, err := config.Parse("incidentbot.yaml", []byte(src))
	if err != nil {
		b.Fatalf("the generated file does not pass: %v", err)
	}
	return c.Workflows
}
