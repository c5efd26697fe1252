package config_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// workflowContract is the shape issue 10 promises users; it must load and
// behave as written.
const workflowContract = `services:
  - name: payments
workflows:
  - name: payments-major
    on: [declared, severity_changed]
    if:
      severity: [P1, P2]
      service: [payments]
    do:
      - invite: [U0123ABCD, S0456EFGH]
      - page: payments
      - post: "Payments incident {{.ID}} declared: {{.Title}}"
      - checklist: comms
      - cadence: 15m
checklists:
  db-failover:
    - text: Freeze writes
      role: tech
      required: true
    - text: Tell support
`

func TestWorkflowContractLoadsAsWritten(t *testing.T) {
	c := mustParse(t, workflowContract)
	if len(c.Workflows) != 1 {
		t.Fatalf("%d workflows", len(c.Workflows))
	}
	w := c.Workflows[0]
	if w.Name != "payments-major" || w.Line != 4 || !reflect.DeepEqual(w.On, []workflow.Trigger{workflow.Declared, workflow.SeverityChanged}) {
		t.Errorf("workflow = %+v", w)
	}
	if !reflect.DeepEqual(w.If, workflow.Condition{Severities: []incident.Severity{incident.P1, incident.P2}, Services: []string{"payments"}}) {
		t.Errorf("if = %+v", w.If)
	}
	var kinds []string
	for _, s := range w.Do {
		kinds = append(kinds, string(s.Kind))
	}
	if got := strings.Join(kinds, ","); got != "invite,page,post,checklist,cadence" {
		t.Errorf("steps %s", got)
	}
	if s := w.Do[0]; !reflect.DeepEqual(s.Users, []string{"U0123ABCD", "S0456EFGH"}) || s.Line != 10 {
		t.Errorf("invite = %+v", s)
	}
	if w.Do[1].Service != "payments" || w.Do[2].Text.Source() != "Payments incident {{.ID}} declared: {{.Title}}" ||
		w.Do[3].Checklist != "comms" || w.Do[4].Cadence != 15*time.Minute {
		t.Errorf("steps = %+v", w.Do)
	}
	want := map[string]incident.Checklist{
		"comms": incident.CommsChecklist,
		"db-failover": {Name: "db-failover", Items: []incident.ChecklistItem{
			{Text: "Freeze writes", Role: incident.Tech, Required: true}, {Text: "Tell support"}}},
	}
	if !reflect.DeepEqual(c.Checklists, want) {
		t.Errorf("Checklists = %+v", c.Checklists)
	}
	if got := c.ChecklistsInFile(); !slices.Equal(got, []string{"db-failover"}) {
		t.Errorf("ChecklistsInFile = %v", got)
	}
	live := config.NewLive(c)
	if len(live.Workflows()) != 1 || len(live.Checklists()) != 2 {
		t.Errorf("Live: %d workflows, %d checklists", len(live.Workflows()), len(live.Checklists()))
	}
}

func TestTheContractWorkflowRunsOnPaymentsMajors(t *testing.T) {
	c := mustParse(t, workflowContract)
	declare := func(trigger workflow.Trigger, sev incident.Severity, services ...string) workflow.Event {
		return workflow.Event{Trigger: trigger, Incident: incident.Incident{Number: 7, Title: "Card payments fail", Severity: sev,
			Status: incident.Investigating, Record: incident.Record{Services: services}}}
	}
	for _, tc := range []struct {
		name string
		ev   workflow.Event
		want bool
	}{
		{"P1 payments declared", declare(workflow.Declared, incident.P1, "payments"), true},
		{"P2 payments raised", declare(workflow.SeverityChanged, incident.P2, "payments"), true},
		{"P2 on checkout and payments", declare(workflow.Declared, incident.P2, "checkout", "payments"), true},
		{"P3 payments declared", declare(workflow.Declared, incident.P3, "payments"), false},
		{"P1 checkout declared", declare(workflow.Declared, incident.P1, "checkout"), false},
		{"P1 without a service", declare(workflow.Declared, incident.P1), false},
		{"P1 payments resolved", declare(workflow.Resolved, incident.P1, "payments"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(workflow.Match(c.Workflows, tc.ev)) == 1; got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
	var lines []string
	for _, p := range workflow.Plan(c.Workflows, declare(workflow.Declared, incident.P1, "payments"), c.Catalog) {
		if p.Err != nil || p.Workflow != "payments-major" {
			t.Errorf("step %+v", p)
		}
		lines = append(lines, p.Text)
	}
	want := "invite U0123ABCD, S0456EFGH|page payments|Payments incident INC-7 declared: Card payments fail|" +
		"attach the checklist comms|set the update cadence to 15m"
	if got := strings.Join(lines, "|"); got != want {
		t.Errorf("plan:\n%s\nwant\n%s", got, want)
	}
}

func TestEveryFileHasTheCommsChecklist(t *testing.T) {
	for _, c := range []*config.Config{mustParse(t, ""), mustParse(t, "services: []\n")} {
		if !reflect.DeepEqual(c.Checklists, map[string]incident.Checklist{"comms": incident.CommsChecklist}) {
			t.Errorf("Checklists = %+v", c.Checklists)
		}
	}
	if got := config.NewLive(nil).Checklists(); !reflect.DeepEqual(got, map[string]incident.Checklist{"comms": incident.CommsChecklist}) {
		t.Errorf("an empty Live's checklists = %+v", got)
	}
	// A file's comms replaces the built-in one.
	c := mustParse(t, "checklists:\n  comms:\n    - text: Post in the status channel\n")
	if got := c.Checklists["comms"]; len(got.Items) != 1 || got.Items[0].Text != "Post in the status channel" {
		t.Errorf("comms = %+v", got)
	}
	c.Checklists["comms"].Items[0].Text = "changed"
	if incident.CommsChecklist.Items[0].Text == "changed" {
		t.Error("a config shares the built-in list's items")
	}
}

func TestWorkflowsMayComeBeforeWhatTheyName(t *testing.T) {
	c := mustParse(t, `workflows:
  - name: failover
    on: declared
    if: {service: db}
    do:
      - checklist: db-failover
      - webhook: {url: "http://hooks.internal:8080/x", secret: env:HOOK}
      - webhook: {url: "http://127.0.0.9/x", secret: env:HOOK}
      - webhook: {url: "http://[::1]:9/x", secret: env:HOOK}
      - webhook: {url: "http://localhost/x", secret: env:HOOK}
allow_http_hosts: [hooks.internal, 10.0.0.5]
checklists:
  db-failover: [{text: Freeze writes}]
services:
  - name: database
    aliases: [db]
`)
	if got := c.Workflows[0].If.Services; !slices.Equal(got, []string{"database"}) {
		t.Errorf("the alias resolves to %v, want [database]", got)
	}
	if !slices.Equal(c.AllowHTTPHosts, []string{"hooks.internal", "10.0.0.5"}) {
		t.Errorf("AllowHTTPHosts = %v", c.AllowHTTPHosts)
	}
	ps := c.Unset(func(string) string { return "" })
	if len(ps) != 4 || ps[0].Line != 7 || ps[0].Column != 64 || !strings.Contains(ps[0].Message, "HOOK is not set here, so the workflow failover cannot sign") {
		t.Errorf("Unset = %v", ps)
	}
	if ps := c.Unset(func(k string) string { return map[string]string{"HOOK": "s"}[k] }); len(ps) != 0 {
		t.Errorf("Unset with HOOK set = %v", ps)
	}
}

func TestSeverityRanges(t *testing.T) {
	for src, want := range map[string][]incident.Severity{
		`"<= P2"`: {incident.P1, incident.P2}, "<=P1": {incident.P1}, `">= P3"`: {incident.P3, incident.P4},
		"P3": {incident.P3}, "[P2, P1, P2]": {incident.P1, incident.P2}, `[P4, "<= P2"]`: {incident.P1, incident.P2, incident.P4},
	} {
		c := mustParse(t, "workflows:\n  - {name: w, on: declared, if: {severity: "+src+"}, do: [post: x]}\n")
		if got := c.Workflows[0].If.Severities; !slices.Equal(got, want) {
			t.Errorf("severity: %s = %v, want %v", src, got, want)
		}
	}
}

func TestFieldConditionsAreNormalised(t *testing.T) {
	c := mustParse(t, `services:
  - name: payments
    aliases: [billing]
workflows:
  - name: w
    on: [field_set]
    if:
      fields: {cause: set, services: [billing], detected_by: customer, ai: [cost, unset]}
      changed: [rootcause, impact]
    do: [post: x]
`)
	want := map[incident.Field][]string{incident.FieldRootCause: {"set"}, incident.FieldService: {"payments"},
		incident.FieldDetectedBy: {"customer"}, incident.FieldAI: {"cost", "unset"}}
	if got := c.Workflows[0].If.Fields; !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
	if got := c.Workflows[0].If.Changed; !slices.Equal(got, []incident.Field{incident.FieldRootCause, incident.FieldImpact}) {
		t.Errorf("changed = %v", got)
	}
}

// wf is a workflow file: services payments (alias billing) and checkout,
// one checklist, and the workflow w on declared with body's lines (on: and
// do: are added when body lacks them).
func wf(body string) string {
	src := "services:\n  - name: payments\n    aliases: [billing]\n  - name: checkout\nchecklists:\n  db-failover: [{text: Freeze writes}]\nworkflows:\n  - name: w\n"
	if !strings.Contains(body, "    on:") {
		src += "    on: [declared, marked]\n"
	}
	src += body
	if !strings.Contains(body, "    do:") {
		src += "    do: [post: x]\n"
	}
	return src
}

// Line 8 is "  - name: w", 9 "    on: …"; a body starts at line 10 (9 when
// it has its own on:).
var workflowProblemCases = []problemCase{
	// workflows
	{"workflows a mapping", "workflows: {}\n", 1, 12, []string{"workflows must be a list", "- name: payments-major"}},
	{"workflow a word", "workflows:\n  - payments\n", 2, 5, []string{`"- name: payments" with on: and do: under it`}},
	{"workflow empty", "workflows:\n  -\n", 2, 4, []string{"this workflow entry is empty"}},
	{"workflow without on and do", "workflows:\n  - name: w\n", 2, 5, []string{"needs a name, on: and do:", `"on: declared" and "do:" with a list of steps`}},
	{"workflow without name", "workflows:\n  - {on: declared, do: [post: x]}\n", 2, 5, []string{`add "name: payments-major"`}},
	{"workflow key typo", wf("    iff: {}\n"), 10, 5, []string{`unknown key "iff" in a workflow; did you mean "if"?`}},
	{"workflow key far", wf("    when: {}\n"), 10, 5, []string{`unknown key "when" in a workflow; the keys are name, on, if, do`}},
	{"workflow name spaces", "workflows:\n  - {name: pay major, on: declared, do: [post: x]}\n", 2, 12, []string{`"pay major" is not a workflow name`, "like payments-major"}},
	{"workflow name upper", "workflows:\n  - {name: Major, on: declared, do: [post: x]}\n", 2, 12, []string{`"Major" must be lowercase; write "major"`}},
	{"workflow name twice", "workflows:\n  - {name: w, on: declared, do: [post: x]}\n  - {name: w, on: resolved, do: [post: y]}\n", 3, 5,
		[]string{`the name "w" is already used by the workflow at line 2`}},

	// on
	{"trigger typo", wf("    on: declard\n"), 9, 9, []string{`on: "declard" is not a trigger; did you mean declared?`}},
	{"trigger far", wf("    on: paged\n"), 9, 9, []string{`"paged" is not a trigger; write one of declared, severity_changed, status_changed, role_assigned, field_set, marked, update_approved, resolved, reopened, postmortem_approved, action_overdue`}},
	{"trigger twice", wf("    on: [declared, declared]\n"), 9, 20, []string{"on: declared is listed twice"}},
	{"trigger empty", wf("    on:\n"), 9, 8, []string{"on is empty; name what starts the workflow", "the triggers are declared, severity_changed"}},
	{"trigger empty list", wf("    on: []\n"), 9, 9, []string{"on is an empty list"}},

	// do
	{"do empty", wf("    do: []\n"), 10, 9, []string{"do: has no steps", `"- post: `}},
	{"do a mapping", wf("    do: {post: x}\n"), 10, 9, []string{"do must be a list"}},
	{"step a known word", wf("    do:\n      - invite\n"), 11, 9, []string{`do: invite needs a value; write "- invite: [U0123ABCD, S0456EFGH]"`}},
	{"step a word", wf("    do:\n      - hello\n"), 11, 9, []string{"write each step as a key and its value", "the steps are invite, page, post, checklist, cadence, remind, set, webhook"}},
	{"step empty", wf("    do:\n      -\n"), 11, 8, []string{"this step is empty"}},
	{"step typo", wf("    do:\n      - chcklist: comms\n"), 11, 9, []string{`unknown step "chcklist"; did you mean "checklist"?`}},
	{"step far", wf("    do:\n      - notify: x\n"), 11, 9, []string{`unknown step "notify"; the steps are invite, page`}},
	{"step two keys", wf("    do:\n      - {post: x, page: payments}\n"), 11, 19, []string{"a step has one key, and this one already has post; start page on its own"}},
	{"step misindented", wf("    do:\n      - remind:\n        after: 30m\n        text: x\n"), 12, 9, []string{"after belongs to the remind step; indent it and the keys after it under remind:"}},

	// invite, page, post, checklist, cadence
	{"invite @name", wf("    do: [invite: [\"@ali\"]]\n"), 10, 19, []string{`invite: "@ali" is not a Slack ID`, "Copy member ID"}},
	{"invite twice", wf("    do: [invite: [U0123ABCD, U0123ABCD]]\n"), 10, 30, []string{"invite: U0123ABCD is listed twice"}},
	{"invite empty", wf("    do: [invite: ]\n"), 10, 16, []string{"invite is empty"}},
	{"page typo", wf("    do: [page: paymnts]\n"), 10, 16, []string{`page: there is no service "paymnts" in services:; did you mean payments?`}},
	{"page unknown", wf("    do: [page: search]\n"), 10, 16, []string{`there is no service "search"`, "the services are payments, checkout"}},
	{"page without catalog", "workflows:\n  - {name: w, on: declared, do: [page: Payments]}\n", 2, 40, []string{`page: "Payments" must be lowercase`}},
	{"page empty", wf("    do: [page: \"\"]\n"), 10, 16, []string{"page is empty; name the catalog service"}},
	{"post empty", wf("    do: [post: \"\"]\n"), 10, 16, []string{"post is empty; write the text"}},
	{"post unclosed", wf("    do: [post: \"{{.Title\"]\n"), 10, 16, []string{"post: the template does not parse: unclosed action"}},
	{"post function typo", wf("    do: [post: \"{{uper .Title}}\"]\n"), 10, 16, []string{`function "uper" not defined; did you mean upper?`}},
	{"post function far", wf("    do: [post: \"{{shout .Title}}\"]\n"), 10, 16, []string{`function "shout" not defined; the functions are and, call`}},
	{"post field typo", wf("    do: [post: \"{{.Titel}}\"]\n"), 10, 16, []string{"post: the incident has no field .Titel; did you mean .Title?"}},
	{"post field far", wf("    do: [post: \"{{.Colour}}\"]\n"), 10, 16, []string{"post: the incident has no field .Colour; its fields are .ID, .Title, .Severity"}},
	{"post dashboard field", wf("    do: [post: \"{{range .Service.Dashboards}}{{.Nme}}{{end}}\"]\n"), 10, 16, []string{"a dashboard has no field .Nme; did you mean .Name?"}},
	{"post range number", wf("    do: [post: \"{{range 100000}}{{end}}\"]\n"), 10, 16, []string{"does not parse: {{range 100000}}: range over a list field"}},
	{"post fails", wf("    do: [post: \"{{index .Services 5}}\"]\n"), 10, 16, []string{"post: the template fails on a sample incident: error calling index: index out of range: 5"}},
	{"post a list", wf("    do: [post: [a]]\n"), 10, 16, []string{"post: write one value here"}},
	{"checklist typo", wf("    do: [checklist: coms]\n"), 10, 21, []string{`checklist: there is no checklist "coms"; did you mean comms?`}},
	{"checklist unknown", wf("    do: [checklist: security]\n"), 10, 21, []string{`there is no checklist "security"; define it under checklists:, or use one of comms, db-failover`}},
	{"cadence no unit", wf("    do: [cadence: 15]\n"), 10, 19, []string{`cadence: "15" has no unit; write 15m`}},
	{"cadence negative", wf("    do: [cadence: -5m]\n"), 10, 19, []string{`cadence: "-5m" is negative`}},
	{"cadence empty", wf("    do: [cadence: ]\n"), 10, 17, []string{"cadence: no cadence given"}},

	// remind
	{"remind a word", wf("    do: [remind: 30m]\n"), 10, 18, []string{"remind: write a mapping, like"}},
	{"remind without text", wf("    do: [remind: {after: 30m}]\n"), 10, 10, []string{`remind needs text:; write it like "remind: {after: 30m, to: comms, text:`}},
	{"remind without after or text", wf("    do: [remind: {to: comms}]\n"), 10, 10, []string{"remind needs after: and text:"}},
	{"remind after 0", wf("    do: [remind: {after: 0, text: x}]\n"), 10, 26, []string{"remind: after: 0 would be at once; write how long to wait, like 30m"}},
	{"remind after words", wf("    do: [remind: {after: soon, text: x}]\n"), 10, 26, []string{`remind: after: "soon" is not a duration; write it like 20m, 1h30m or 2h`}},
	{"remind to alias", wf("    do: [remind: {after: 5m, to: ic, text: x}]\n"), 10, 34, []string{`remind: to: write lead, not "ic"`}},
	{"remind to unknown", wf("    do: [remind: {after: 5m, to: oncall, text: x}]\n"), 10, 34, []string{`remind: to: "oncall" is not a role; write one of lead, comms, tech, scribe`}},
	{"remind text typo", wf("    do: [remind: {after: 5m, text: \"{{.Lead}} {{.Sevrity}}\"}]\n"), 10, 36, []string{"remind: text: the incident has no field .Sevrity; did you mean .Severity?"}},
	{"remind key typo", wf("    do: [remind: {after: 5m, text: x, unles: {}}]\n"), 10, 39, []string{`unknown key "unles" in remind; did you mean "unless"?`}},
	{"unless with mark", wf("    do: [remind: {after: 5m, text: x, unless: {mark: decision}}]\n"), 10, 54, []string{"unless: mark is about the event that started the workflow", "use the incident's keys"}},
	{"unless key typo", wf("    do: [remind: {after: 5m, text: x, unless: {stat: resolved}}]\n"), 10, 48, []string{`unknown key "stat" in unless:; did you mean "status"?`}},

	// set
	{"set a word", wf("    do: [set: impact]\n"), 10, 15, []string{`set: write a mapping, like "set: {field: impact, value:`}},
	{"set without value", wf("    do: [set: {field: impact}]\n"), 10, 10, []string{"set needs value:"}},
	{"set unknown field", wf("    do: [set: {field: colour, value: red}]\n"), 10, 23, []string{`set: field: "colour" is not a record field; write one of service, impact, customers`}},
	{"set field typo", wf("    do: [set: {field: imapct, value: red}]\n"), 10, 23, []string{`"imapct" is not a record field; did you mean impact?`}},
	{"set bad value", wf("    do: [set: {field: ai, value: codee}]\n"), 10, 34, []string{"set: value: codee is not an AI connection"}},
	{"set unknown service", wf("    do: [set: {field: service, value: search}]\n"), 10, 39, []string{"set: value: I don't know the service search"}},
	{"set compact", wf("    do: [set: {root-cause: x}]\n"), 10, 16, []string{`unknown key "root-cause" in set; the keys are field, value`}},

	// webhook
	{"webhook http", wf("    do: [webhook: {url: \"http://hooks.example.com/x\", secret: env:S}]\n"), 10, 25,
		[]string{`"http://hooks.example.com/x" is plain http`, "use https, or list hooks.example.com under allow_http_hosts:"}},
	{"webhook literal secret", wf("    do: [webhook: {url: \"https://h.example.com\", secret: s3cr3t}]\n"), 10, 58,
		[]string{"webhook: secret: write env:NAME and set NAME where the bot runs; the secret itself never goes in the file"}},
	{"webhook shell secret", wf("    do: [webhook: {url: \"https://h.example.com\", secret: $HOOK}]\n"), 10, 58, []string{"write env:HOOK"}},
	{"webhook bad env", wf("    do: [webhook: {url: \"https://h.example.com\", secret: env:A-B}]\n"), 10, 58, []string{`"env:A-B" does not name an environment variable`}},
	{"webhook without secret", wf("    do: [webhook: {url: \"https://h.example.com\"}]\n"), 10, 10, []string{"webhook needs secret:"}},
	{"webhook no scheme", wf("    do: [webhook: {url: h.example.com/x, secret: env:S}]\n"), 10, 25, []string{`is not an http(s) URL; write it in full: https://h.example.com/x`}},
	{"webhook credentials", wf("    do: [webhook: {url: \"https://u:p@h.example.com\", secret: env:S}]\n"), 10, 25, []string{"has a user or password in it"}},
	{"webhook not a mapping", wf("    do: [webhook: \"https://h.example.com\"]\n"), 10, 19, []string{"webhook: write a mapping"}},

	// if
	{"if a word", wf("    if: P1\n"), 10, 9, []string{"if: must be a mapping", "{severity: [P1, P2], service: payments}"}},
	{"if key typo", wf("    if: {severities: P1}\n"), 10, 10, []string{`unknown key "severities" in if:; did you mean "severity"?`}},
	{"if key far", wf("    if: {colour: red}\n"), 10, 10, []string{"the keys are severity, service, status, private, ai, fields, mark, changed"}},
	{"field key", wf("    if: {field: {impact: set}}\n"), 10, 10, []string{`unknown key "field" in if:; did you mean "fields"?`}},
	{"severity unknown", wf("    if: {severity: P5}\n"), 10, 20, []string{`severity: "P5" is not a severity`}},
	{"severity lowercase", wf("    if: {severity: [P1, p2]}\n"), 10, 25, []string{`severity: write P2, not "p2"`}},
	{"severity strict range", wf("    if: {severity: \"< P2\"}\n"), 10, 20, []string{`severity: "< P2": write a range with <= or >=`}},
	{"severity range unknown", wf("    if: {severity: <= P9}\n"), 10, 20, []string{`severity: "P9" is not a severity`}},
	{"service typo", wf("    if: {service: [checkuot]}\n"), 10, 20, []string{`service: there is no service "checkuot" in services:; did you mean checkout?`}},
	{"status typo", wf("    if: {status: resolvd}\n"), 10, 18, []string{`status: "resolvd" is not a status; did you mean resolved?`}},
	{"private yes", wf("    if: {private: yes}\n"), 10, 19, []string{`private: write true or false, not "yes"`}},
	{"ai unknown", wf("    if: {ai: [spend]}\n"), 10, 15, []string{`ai: "spend" is not an AI connection; write one of code, deploy, provider, model, cost, none, unknown`}},
	{"fields unknown", wf("    if: {fields: {colour: red}}\n"), 10, 19, []string{`fields: "colour" is not a record field; write one of service, impact`}},
	{"fields same field", wf("    if: {fields: {cause: set, root-cause: unset}}\n"), 10, 31, []string{"fields: cause and root-cause are the same field (root-cause); keep one"}},
	{"fields ai value", wf("    if: {fields: {ai: cots}}\n"), 10, 23, []string{`fields: ai: "cots" is not an AI connection (or set, unset); did you mean cost?`}},
	{"fields detection value", wf("    if: {fields: {detected-by: pager}}\n"), 10, 32, []string{`"pager" is not a way of detection (or set, unset); write one of alert, customer, internal, monitoring, other`}},
	{"fields service value", wf("    if: {fields: {service: paymnts}}\n"), 10, 28, []string{`fields: service: there is no service "paymnts"`}},
	{"fields empty value", wf("    if: {fields: {impact: }}\n"), 10, 27, []string{"fields: impact is empty; write set, unset, or a value"}},
	{"fields a list", wf("    if: {fields: [impact]}\n"), 10, 18, []string{"fields must be a mapping"}},
	{"mark near", wf("    if: {mark: decison}\n"), 10, 16, []string{`mark: "decison" is one slip from the mark decision`}},
	{"mark without marked", wf("    on: declared\n    if: {mark: decision}\n"), 10, 16, []string{"mark: narrows the marked trigger, which this workflow's on: does not list; add marked to on:"}},
	{"changed without field_set", wf("    if: {changed: impact}\n"), 10, 19, []string{"changed: narrows the field_set trigger"}},
	{"changed unknown", wf("    on: field_set\n    if: {changed: [colour]}\n"), 10, 20, []string{`changed: "colour" is not a record field`}},

	// checklists
	{"checklists a list", "checklists: [db]\n", 1, 13, []string{"checklists must be a mapping", "db-failover: [{text: Freeze writes"}},
	{"checklist name", "checklists:\n  DB Failover: [{text: x}]\n", 2, 3, []string{`checklists: "DB Failover" is not a checklist name`}},
	{"checklist no items", "checklists:\n  db: []\n", 2, 7, []string{"checklists: db has no items"}},
	{"checklist null", "checklists:\n  db:\n", 2, 6, []string{"checklists: db has no items"}},
	{"checklist item a word", "checklists:\n  db:\n    - Freeze writes\n", 3, 7, []string{`write each item as a mapping, like "- text: Freeze writes"`}},
	{"checklist item without text", "checklists:\n  db:\n    - role: tech\n", 3, 7, []string{"this checklist item has no text"}},
	{"checklist item typo", "checklists:\n  db:\n    - txt: x\n", 3, 7, []string{`unknown key "txt" in a checklist item; did you mean "text"?`}},
	{"checklist item role", "checklists:\n  db:\n    - {text: x, role: commander}\n", 3, 23, []string{`role: write lead, not "commander"`}},
	{"checklist item required", "checklists:\n  db:\n    - {text: x, required: yes}\n", 3, 27, []string{`required: write true or false, not "yes"`}},
	{"checklist item empty", "checklists:\n  db:\n    -\n", 3, 6, []string{"this checklist item entry is empty"}},

	// allow_http_hosts
	{"hosts a word", "allow_http_hosts: hooks.internal\n", 1, 19, []string{"allow_http_hosts must be a list"}},
	{"hosts a URL", "allow_http_hosts: [\"http://hooks.internal/x\"]\n", 1, 20, []string{"is a URL; list the host only; write hooks.internal"}},
	{"hosts a port", "allow_http_hosts: [\"hooks.internal:8080\"]\n", 1, 20, []string{"has a port; list the host without it"}},
	{"hosts uppercase", "allow_http_hosts: [Hooks.Internal]\n", 1, 20, []string{"write host names lowercase: hooks.internal"}},
	{"hosts not a host", "allow_http_hosts: [\"hooks internal\"]\n", 1, 20, []string{`"hooks internal" is not a host name`}},
}

func TestWorkflowProblemsSayWhereAndWhatToWrite(t *testing.T) {
	for _, tc := range workflowProblemCases {
		t.Run(tc.name, func(t *testing.T) { checkProblemCase(t, tc) })
	}
}

func TestABrokenCatalogIsNotReportedAgainByWorkflows(t *testing.T) {
	_, err := config.Parse("f.yaml", []byte(`services:
  - name: Payments
workflows:
  - {name: w, on: declared, if: {service: payments}, do: [page: payments]}
checklists:
  Failover: [{text: x}]
  ok: [{text: y}]
`))
	if err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("want the service name and the checklist name only:\n%v", err)
	}
}
