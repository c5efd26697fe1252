package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
)

// contract is the shape issue 9 promises users; it must load as written.
const contract = `services:
  - name: checkout
    aliases: [shop]
    owners: [U0123ABCD, S0456EFGH]     # users and user groups invited on declare
    pagerduty: env:PD_CHECKOUT_KEY     # a routing key, or env:NAME
    dashboards:
      - name: Checkout overview
        url: https://grafana.example.com/d/checkout
    runbooks: [checkout, payments 500]
    status_component: Checkout
severities:                 # shown in the declare modal
  P1:
    description: Customers cannot pay or sign in
  P2:
    description: A core feature is degraded for many customers
cadences:                   # how often a status update is due; 0 = no reminders
  P1: 20m
  P2: 30m
  P3: 2h
  P4: 0
marks:                      # reaction name -> mark
  pushpin: key_event
  bulb: hypothesis
`

func mustParse(t *testing.T, src string) *config.Config {
	t.Helper()
	c, err := config.Parse("incidentbot.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestContractLoadsAsWritten(t *testing.T) {
	c := mustParse(t, contract)
	want := incident.Catalog{{
		Name: "checkout", Aliases: []string{"shop"}, Owners: []string{"U0123ABCD", "S0456EFGH"},
		Dashboards:      []incident.Link{{Name: "Checkout overview", URL: "https://grafana.example.com/d/checkout"}},
		Runbooks:        []string{"checkout", "payments 500"},
		StatusComponent: "Checkout",
	}}
	if !reflect.DeepEqual(c.Catalog, want) {
		t.Errorf("Catalog = %+v\nwant %+v", c.Catalog, want)
	}
	if got := c.PagerDuty; !reflect.DeepEqual(got, map[string]config.Secret{"checkout": {Env: "PD_CHECKOUT_KEY"}}) {
		t.Errorf("PagerDuty = %+v", got)
	}
	if got := c.Severities; !reflect.DeepEqual(got, map[incident.Severity]string{
		incident.P1: "Customers cannot pay or sign in", incident.P2: "A core feature is degraded for many customers"}) {
		t.Errorf("Severities = %+v", got)
	}
	if got := c.Cadence; !reflect.DeepEqual(got, map[incident.Severity]time.Duration{
		incident.P1: 20 * time.Minute, incident.P2: 30 * time.Minute, incident.P3: 2 * time.Hour, incident.P4: 0}) {
		t.Errorf("Cadence = %+v", got)
	}
	if got := c.Marks; !reflect.DeepEqual(got, map[string]incident.Mark{"pushpin": incident.MarkKeyEvent, "bulb": incident.MarkHypothesis}) {
		t.Errorf("Marks = %+v", got)
	}
	if c.Path != "incidentbot.yaml" {
		t.Errorf("Path = %q", c.Path)
	}
	if s, ok := c.Catalog.Lookup("shop"); !ok || s.Name != "checkout" {
		t.Errorf("the alias does not find its service: %+v %v", s, ok)
	}
}

func TestStatusPageSectionLoads(t *testing.T) {
	src := `status_page:
  title: Acme status
  name: Acme
  logo_url: https://acme.example/logo.png
  url: https://status.acme.example
  brand_color: "#4A154B"
  states: {P2: major_outage, P4: partial outage}
  history_days: 30
services:
  - name: checkout
    status_component: Checkout
    statuspage_component_id: 8kbf7d35c070
`
	c, err := config.Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := config.StatusPage{Title: "Acme status", Name: "Acme", LogoURL: "https://acme.example/logo.png",
		URL: "https://status.acme.example", Brand: "#4a154b", HistoryDays: 30,
		States: map[incident.Severity]incident.ComponentState{incident.P2: incident.MajorOutage, incident.P4: incident.PartialOutage}}
	if !reflect.DeepEqual(c.StatusPage, want) {
		t.Errorf("StatusPage = %+v\nwant %+v", c.StatusPage, want)
	}
	if s := c.Catalog[0]; s.StatusComponent != "Checkout" || s.StatuspageComponentID != "8kbf7d35c070" {
		t.Errorf("service = %+v", s)
	}
}

func TestExampleFilePasses(t *testing.T) {
	c, err := config.Load(filepath.Join("..", "examples", "incidentbot.yaml"))
	if err != nil {
		t.Fatalf("examples/incidentbot.yaml: %v", err)
	}
	if len(c.Catalog) < 3 || len(c.Severities) != 4 || c.Cadence == nil || c.Marks == nil {
		t.Errorf("the example should show every key: %d services, %d severities, cadences %v, marks %v",
			len(c.Catalog), len(c.Severities), c.Cadence, c.Marks)
	}
	for _, s := range c.Catalog {
		if len(s.Owners) == 0 {
			t.Errorf("service %s has no owners in the example", s.Name)
		}
	}
}

func TestEmptyAndNullFilesAreEmptyConfigs(t *testing.T) {
	for name, src := range map[string]string{
		"empty": "", "blank lines": "\n\n  \n", "comments only": "# nothing yet\n", "null": "~\n",
		"document marker": "---\n", "empty sections": "services:\nseverities:\ncadences:\nmarks:\n",
		"empty lists": "services: []\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, src)
			if len(c.Catalog) != 0 || len(c.PagerDuty) != 0 || len(c.Severities) != 0 || len(c.Cadence) != 0 || len(c.Marks) != 0 {
				t.Errorf("not empty: %+v", c)
			}
		})
	}
	if c := mustParse(t, "services: []\n"); c.Cadence != nil || c.Marks != nil {
		t.Errorf("a file without cadences or marks gives non-nil maps: %v %v", c.Cadence, c.Marks)
	}
}

func TestLiteralAndEnvSecrets(t *testing.T) {
	c := mustParse(t, `services:
  - name: checkout
    pagerduty: R0123456789ABCDEF0123456789ABCDE
  - name: payments
    pagerduty: env:PD_PAYMENTS
  - name: search
`)
	want := map[string]config.Secret{"checkout": {Value: "R0123456789ABCDEF0123456789ABCDE"}, "payments": {Env: "PD_PAYMENTS"}}
	if !reflect.DeepEqual(c.PagerDuty, want) {
		t.Fatalf("PagerDuty = %+v", c.PagerDuty)
	}
	getenv := func(k string) string { return map[string]string{"PD_PAYMENTS": "key-from-env"}[k] }
	if v, ok := c.PagerDuty["checkout"].Resolve(getenv); v != "R0123456789ABCDEF0123456789ABCDE" || !ok {
		t.Errorf("literal resolves to %q %v", v, ok)
	}
	if v, ok := c.PagerDuty["payments"].Resolve(getenv); v != "key-from-env" || !ok {
		t.Errorf("env resolves to %q %v", v, ok)
	}
	if v, ok := c.PagerDuty["payments"].Resolve(func(string) string { return "" }); v != "" || ok {
		t.Errorf("unset env resolves to %q %v, want not ok", v, ok)
	}
	if ps := c.Unset(getenv); len(ps) != 0 {
		t.Errorf("Unset with the variable set = %v", ps)
	}
	ps := c.Unset(func(string) string { return "" })
	if len(ps) != 1 || ps[0].Line != 5 || ps[0].Column != 16 || !strings.Contains(ps[0].Message, "PD_PAYMENTS is not set") ||
		!strings.Contains(ps[0].Message, "set PD_PAYMENTS where the bot runs") {
		t.Errorf("Unset = %v, want one problem at 5:16 naming PD_PAYMENTS", ps)
	}
}

func TestAliasesAndAnchorsAreFollowed(t *testing.T) {
	c := mustParse(t, `services:
  - name: checkout
    owners: &sre [U0123ABCD, S0456EFGH]
  - name: payments
    owners: *sre
`)
	if got := c.Catalog[1].Owners; !reflect.DeepEqual(got, []string{"U0123ABCD", "S0456EFGH"}) {
		t.Errorf("owners through an alias = %v", got)
	}
}

// problemCase is a broken file and the one problem it must produce.
type problemCase struct {
	name      string
	src       string
	line, col int
	want      []string // substrings of the message: what is wrong and what to write
}

var problemCases = []problemCase{
	// the top level
	{"unknown top key", "servics: []\n", 1, 1, []string{`unknown key "servics" at the top level`, `did you mean "services"?`}},
	{"far top key", "colours: red\n", 1, 1, []string{`unknown key "colours"`, "the keys are services, severities, cadences, marks, checklists, workflows, allow_http_hosts"}},
	{"service key at top", "owners: [U0123ABCD]\n", 1, 1, []string{`"owners" belongs to a service`, `"- name:"`}},
	{"top is a list", "- checkout\n", 1, 1, []string{"the file must be a mapping"}},
	{"duplicate top key", "marks: {}\nmarks: {}\n", 2, 1, []string{`"marks" is already set at line 1`, "remove one"}},
	{"two documents", "services: []\n---\nmarks: {}\n", 2, 1, []string{"a second YAML document starts here", "keep one"}},
	{"syntax", "services:\n  - name: a\n   owners: [x]\n", 3, 1, []string{"not valid YAML", "indentation"}},
	{"tab", "services:\n\t- name: a\n", 2, 1, []string{"not valid YAML", "spaces, not tabs"}},
	{"merge key used", "services:\n  - <<: {owners: [U0123ABCD]}\n    name: a\n", 2, 5, []string{"merge keys (<<) are not supported", "write the keys out"}},
	{"undefined alias", "services: *nope\n", 1, 1, []string{"not valid YAML", "define the anchor"}},

	// services
	{"services not a list", "services:\n  name: checkout\n", 2, 3, []string{"services must be a list", "- name: checkout"}},
	{"service as a word", "services:\n  - checkout\n", 2, 5, []string{`"- name: checkout", not "- checkout"`}},
	{"service empty", "services:\n  -\n", 2, 4, []string{"this service entry is empty", "remove the -"}},
	{"service without name", "services:\n  - aliases: [shop]\n", 2, 5, []string{"this service has no name", `"name: checkout"`}},
	{"empty name", "services:\n  - name: \"\"\n", 2, 11, []string{"name is empty", `"name: checkout"`}},
	{"uppercase name", "services:\n  - name: Checkout\n", 2, 11, []string{`"Checkout" must be lowercase`, `write "checkout"`}},
	{"bad name", "services:\n  - name: check out\n", 2, 11, []string{`"check out" is not a service name`, "lowercase letters, digits"}},
	{"name is a list", "services:\n  - name: [a, b]\n", 2, 11, []string{"name: write one value here, not a list"}},
	{"unknown service key", "services:\n  - name: a\n    owner: [U0123ABCD]\n", 3, 5, []string{`unknown key "owner" in a service`, `did you mean "owners"?`}},
	{"dashed key", "services:\n  - name: a\n    status-component: A\n", 3, 5, []string{`did you mean "status_component"?`}},
	{"far service key", "services:\n  - name: a\n    tier: 1\n", 3, 5, []string{`unknown key "tier" in a service`, "the keys are name, aliases, owners, pagerduty, dashboards, runbooks, tracker, status_component, statuspage_component_id"}},
	{"duplicate service key", "services:\n  - name: a\n    name: b\n", 3, 5, []string{`"name" is already set at line 2`}},
	{"duplicate name", "services:\n  - name: a\n  - name: a\n", 3, 11, []string{`name: "a" is already used by the service "a" (line 2)`, "each name and alias must point at one service"}},
	{"alias is another name", "services:\n  - name: a\n  - name: b\n    aliases: [a]\n", 4, 15, []string{`aliases: "a" is already used by the service "a" (line 2)`}},
	{"name is another alias", "services:\n  - name: a\n    aliases: [shop]\n  - name: shop\n", 4, 11, []string{`name: "shop" is already used by the service "a" (line 3)`}},
	{"alias twice", "services:\n  - name: a\n    aliases: [shop]\n  - name: b\n    aliases: [shop]\n", 5, 15, []string{`"shop" is already used by the service "a"`}},
	{"alias is own name", "services:\n  - name: a\n    aliases: [a]\n", 3, 15, []string{`aliases: "a" is the service's own name; remove it`}},
	{"alias uppercase", "services:\n  - name: a\n    aliases: [Shop]\n", 3, 15, []string{`aliases: "Shop" must be lowercase; write "shop"`}},
	{"aliases a word", "services:\n  - name: a\n    aliases: shop\n", 3, 14, []string{"aliases must be a list, like [shop, store]"}},
	{"alias empty item", "services:\n  - name: a\n    aliases: [\"\"]\n", 3, 15, []string{"aliases: an item is empty"}},

	// owners
	{"owner @name", "services:\n  - name: a\n    owners: [\"@ali\"]\n", 3, 14, []string{`owners: "@ali" is not a Slack ID; use the member ID, like U0123ABCD (profile → ⋮ → Copy member ID)`, "user group", "group's URL"}},
	{"owner plain name", "services:\n  - name: a\n    owners: [ali]\n", 3, 14, []string{`"ali" is not a Slack ID`, "Copy member ID"}},
	{"owner lowercase id", "services:\n  - name: a\n    owners: [u0123abcd]\n", 3, 14, []string{"Slack IDs are uppercase; write U0123ABCD"}},
	{"owner mention", "services:\n  - name: a\n    owners: [\"<@U0123ABCD>\"]\n", 3, 14, []string{"is a mention; write just the ID, U0123ABCD"}},
	{"owner group mention", "services:\n  - name: a\n    owners: [\"<!subteam^S0456EFGH|@sre>\"]\n", 3, 14, []string{"write just the ID, S0456EFGH"}},
	{"owner channel", "services:\n  - name: a\n    owners: [C0123ABCD]\n", 3, 14, []string{`"C0123ABCD" is a channel ID`, "user groups (S…)"}},
	{"owner twice", "services:\n  - name: a\n    owners: [U0123ABCD, U0123ABCD]\n", 3, 25, []string{"U0123ABCD is listed twice; remove one"}},
	{"owners a word", "services:\n  - name: a\n    owners: U0123ABCD\n", 3, 13, []string{"owners must be a list, like [U0123ABCD, S0456EFGH]"}},

	// pagerduty
	{"pagerduty empty", "services:\n  - name: a\n    pagerduty:\n", 3, 15, []string{"pagerduty is empty", "routing key, or env:NAME", "remove the line"}},
	{"pagerduty bad env", "services:\n  - name: a\n    pagerduty: env:PD-KEY\n", 3, 16, []string{`"env:PD-KEY" does not name an environment variable`, "env:PD_CHECKOUT_KEY"}},
	{"pagerduty empty env", "services:\n  - name: a\n    pagerduty: \"env:\"\n", 3, 16, []string{"does not name an environment variable"}},
	{"pagerduty shell", "services:\n  - name: a\n    pagerduty: ${PD_KEY}\n", 3, 16, []string{"not expanded like a shell; write env:PD_KEY"}},
	{"pagerduty spaces", "services:\n  - name: a\n    pagerduty: my key\n", 3, 16, []string{`"my key" has spaces`}},
	{"pagerduty list", "services:\n  - name: a\n    pagerduty: [a]\n", 3, 16, []string{"pagerduty: write one value here"}},

	// dashboards
	{"dashboard no scheme", "services:\n  - name: a\n    dashboards:\n      - name: Overview\n        url: grafana.example.com/d/a\n", 5, 14, []string{`url: "grafana.example.com/d/a" is not an http(s) URL`, "https://grafana.example.com/d/a"}},
	{"dashboard ftp", "services:\n  - name: a\n    dashboards:\n      - name: Overview\n        url: ftp://example.com/a\n", 5, 14, []string{"is not an http(s) URL", "write it in full, like https://"}},
	{"dashboard no url", "services:\n  - name: a\n    dashboards:\n      - name: Overview\n", 4, 9, []string{"this dashboard needs a name and a url", `"url: https://`}},
	{"dashboard no name", "services:\n  - name: a\n    dashboards:\n      - url: https://example.com\n", 4, 9, []string{"needs a name and a url", `"name: Checkout overview"`}},
	{"dashboard typo", "services:\n  - name: a\n    dashboards:\n      - name: O\n        link: https://example.com\n", 5, 9, []string{`unknown key "link" in a dashboard`, "the keys are name, url"}},
	{"dashboard as url", "services:\n  - name: a\n    dashboards: [https://example.com]\n", 3, 18, []string{"a dashboard must be a mapping"}},
	{"dashboard empty item", "services:\n  - name: a\n    dashboards:\n      -\n", 4, 8, []string{"this dashboard entry is empty"}},

	// runbooks and status component
	{"runbooks a word", "services:\n  - name: a\n    runbooks: checkout\n", 3, 15, []string{"runbooks must be a list, like [checkout, payments 500]"}},
	{"status component empty", "services:\n  - name: a\n    status_component: \"\"\n", 3, 23, []string{"status_component is empty", "remove the line"}},

	{"statuspage id bad", "services:\n  - name: a\n    statuspage_component_id: Check Out\n", 3, 30, []string{`"Check Out" is not a Statuspage id`, "8kbf7d35c070"}},

	// status page
	{"status page colour unquoted", "status_page:\n  brand_color: 4a154b\n", 2, 16, []string{`"4a154b" is not a colour`, `"#4a154b"`}},
	{"status page logo no scheme", "status_page:\n  logo_url: acme.example/logo.png\n", 2, 13, []string{"is not an http(s) URL", "https://acme.example/logo.png"}},
	{"status page state unknown", "status_page:\n  states: {P1: down}\n", 2, 16, []string{`P1: "down" is not a component state`, "degraded, partial_outage, major_outage"}},
	{"status page state severity", "status_page:\n  states: {P0: major_outage}\n", 2, 12, []string{`states: "P0" is not a severity`}},
	{"status page history", "status_page:\n  history_days: 1000\n", 2, 17, []string{"from 7 to 365"}},
	{"status page typo", "status_page:\n  titel: Acme\n", 2, 3, []string{`did you mean "title"?`}},

	// severities
	{"severity lowercase", "severities:\n  p1: {description: x}\n", 2, 3, []string{`severities: write P1, not "p1"`}},
	{"severity sev", "severities:\n  SEV2: {description: x}\n", 2, 3, []string{`write P2, not "SEV2"`}},
	{"severity unknown", "severities:\n  P5: {description: x}\n", 2, 3, []string{`"P5" is not a severity`, "P1, P2, P3 and P4"}},
	{"severity as text", "severities:\n  P1: Customers cannot pay\n", 2, 7, []string{"write the text under a description: key", `"P1: {description: Customers cannot pay}"`}},
	{"severity without description", "severities:\n  P1: {}\n", 2, 3, []string{"P1 has no description", "description:"}},
	{"severity description typo", "severities:\n  P1:\n    descripton: x\n", 3, 5, []string{`did you mean "description"?`}},
	{"severity empty description", "severities:\n  P1:\n    description: \"\"\n", 3, 18, []string{"description is empty", "say when to use P1"}},
	{"severity twice", "severities:\n  P1: {description: a}\n  P1: {description: b}\n", 3, 3, []string{`"P1" is already set at line 2`}},
	{"severities a list", "severities: [P1]\n", 1, 13, []string{"severities must be a mapping"}},

	// cadences
	{"cadence no unit", "cadences:\n  P1: 20\n", 2, 7, []string{`"20" has no unit; write 20m`}},
	{"cadence negative", "cadences:\n  P2: -5m\n", 2, 7, []string{`"-5m" is negative`, "like 5m", "0 for no reminders"}},
	{"cadence days", "cadences:\n  P3: 2d\n", 2, 7, []string{"durations have no days; write 48h"}},
	{"cadence words", "cadences:\n  P1: soon\n", 2, 7, []string{`cadences: P1: "soon" is not a duration`, "20m, 1h30m"}},
	{"cadence empty", "cadences:\n  P1:\n", 2, 6, []string{"no cadence given", "0 for no reminders"}},
	{"cadence key", "cadences:\n  P0: 5m\n", 2, 3, []string{`cadences: "P0" is not a severity`}},
	{"cadence list", "cadences:\n  P1: [20m]\n", 2, 7, []string{"cadences: P1: write one value here"}},

	// marks
	{"mark colons", "marks:\n  \":pushpin:\": key_event\n", 2, 3, []string{"without colons: pushpin"}},
	{"mark uppercase", "marks:\n  Bulb: hypothesis\n", 2, 3, []string{"emoji names are lowercase; write bulb"}},
	{"mark not emoji", "marks:\n  \"red circle\": impact\n", 2, 3, []string{`"red circle" is not an emoji name`, "like pushpin"}},
	{"mark empty value", "marks:\n  tada:\n", 2, 8, []string{"marks: tada is empty", "key_event, hypothesis"}},
	{"mark near builtin", "marks:\n  eyes: hypothesys\n", 2, 9, []string{`"hypothesys" is one slip from the built-in mark hypothesis; write hypothesis`}},
	{"mark dashed builtin", "marks:\n  pushpin: key-event\n", 2, 12, []string{"write key_event"}},
	{"marks a list", "marks: [pushpin]\n", 1, 8, []string{"marks must be a mapping", "pushpin: key_event"}},
}

func TestEveryProblemSaysWhereAndWhatToWrite(t *testing.T) {
	for _, tc := range problemCases {
		t.Run(tc.name, func(t *testing.T) { checkProblemCase(t, tc) })
	}
}

// checkProblemCase asserts that tc's file has its one problem, where and as
// the case says.
func checkProblemCase(t *testing.T, tc problemCase) {
	t.Helper()
	c, err := config.Parse("incidentbot.yaml", []byte(tc.src))
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse = %+v, %v; want Problems", c, err)
	}
	if c != nil {
		t.Errorf("an invalid file still gave a config")
	}
	if len(ps) != 1 {
		t.Fatalf("%d problems, want 1:\n%v", len(ps), ps)
	}
	p := ps[0]
	if p.File != "incidentbot.yaml" || p.Line != tc.line || p.Column != tc.col {
		t.Errorf("at %s:%d:%d, want incidentbot.yaml:%d:%d (%s)", p.File, p.Line, p.Column, tc.line, tc.col, p.Message)
	}
	for _, w := range tc.want {
		if !strings.Contains(p.Message, w) {
			t.Errorf("message %q lacks %q", p.Message, w)
		}
	}
	if want := fmt.Sprintf("incidentbot.yaml:%d:%d: %s", p.Line, p.Column, p.Message); p.String() != want || err.Error() != want {
		t.Errorf("String() = %q, Error() = %q, want %q", p.String(), err.Error(), want)
	}
}

func TestAllProblemsAreReportedInFileOrder(t *testing.T) {
	_, err := config.Parse("f.yaml", []byte(`marks:
  Bulb: hypothesis
services:
  - name: Checkout
    owners: ["@ali"]
cadences:
  P1: soon
`))
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v", err)
	}
	var at []string
	for _, p := range ps {
		at = append(at, fmt.Sprintf("%d:%d", p.Line, p.Column))
	}
	if got := strings.Join(at, " "); got != "2:3 4:11 5:14 7:7" {
		t.Errorf("problems at %s, want 2:3 4:11 5:14 7:7:\n%v", got, err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[1], "f.yaml:4:11: name:") {
		t.Errorf("Error() is not one problem per line:\n%s", err)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	// One list of 2,000 aliased dashboards, given to 500 services: a 25 kB
	// file that would expand to a million links.
	var b strings.Builder
	b.WriteString("services:\n  - name: s0\n    dashboards: &ds [&d {name: x, url: \"https://x.example\"}")
	for range 1999 {
		b.WriteString(", *d")
	}
	b.WriteString("]\n")
	for i := 1; i < 500; i++ {
		fmt.Fprintf(&b, "  - name: s%d\n    dashboards: *ds\n", i)
	}
	_, err := config.Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "through aliases") {
		t.Fatalf("err = %.300v, want the alias limit", err)
	}
}

func TestTheCheckStopsAfterAHundredProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n  - name: a\n    owners:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "      - user%d\n", i)
	}
	_, err := config.Parse("f.yaml", []byte(b.String()))
	var ps config.Problems
	if !errors.As(err, &ps) || len(ps) != 101 {
		t.Fatalf("%d problems, want 100 and a last line saying the check stopped", len(ps))
	}
	if last := ps[100]; !strings.Contains(last.Message, "stops after 100 problems") || last.Line != ps[99].Line {
		t.Errorf("last problem = %v", last)
	}
}

func TestLoadWrapsReadErrorsWithThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := config.Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want one naming %s and matching os.ErrNotExist", err, path)
	}
	if strings.Count(err.Error(), path) != 1 {
		t.Errorf("path named more than once: %v", err)
	}
	var ps config.Problems
	if errors.As(err, &ps) {
		t.Error("a read error is not Problems")
	}
}
