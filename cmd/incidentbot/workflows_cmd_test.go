package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// contractFile is issue 10's workflow, with a second one that fails to
// render on an incident without a service.
const contractFile = `services:
  - name: payments
    aliases: [billing]
    dashboards:
      - name: Payment provider latency
        url: https://grafana.example.com/d/payments-psp
  - name: checkout
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
  - name: first-service
    on: resolved
    do:
      - post: "{{index .Services 0}} is back"
      - webhook: {url: "https://hooks.example.com/resolved", secret: env:HOOK_SECRET}
  - name: decisions
    on: marked
    if: {mark: decision}
    do:
      - post: "A decision on {{.ID}} ({{.Severity}}): {{.Impact}}"
checklists:
  db-failover:
    - text: Freeze writes
      role: tech
      required: true
    - text: Tell support
`

// lines asserts that out holds want's lines in order (others may come
// between).
func lines(t *testing.T, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w+"\n")
		if i < 0 {
			t.Fatalf("output lacks %q after what came before; output:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

func TestWorkflowsTestPrintsThePlan(t *testing.T) {
	path := writeConfig(t, contractFile)
	t.Setenv("HOOK_SECRET", "")
	code, stdout, stderr := runMain(t, "workflows", "test", "--config", path, "--on", "declared", "--severity", "P1", "--service", "billing")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines(t, stdout,
		"INC-0 Sample incident: P1, investigating, service payments; on declared",
		"",
		"payments-major ("+path+":9) would run:",
		"  1. invite U0123ABCD, S0456EFGH",
		"  2. page payments",
		"  3. post: Payments incident INC-0 declared: Sample incident",
		"  4. attach the checklist comms: Tell affected customers (comms, required); Update the team (comms, required); Update the status page (comms)",
		"  5. set the update cadence to 15m",
		"",
		"Workflows matched: 1 of 3. This was a dry run: nothing was sent.")

	for name, args := range map[string][]string{
		"P3 payments": {"--severity", "P3", "--service", "payments"},
		"P1 checkout": {"--severity", "P1", "--service", "checkout"},
	} {
		code, stdout, _ := runMain(t, append([]string{"workflows", "test", "--config", path, "--on", "declared"}, args...)...)
		if code != 0 {
			t.Errorf("%s: exit %d", name, code)
		}
		lines(t, stdout, "On declared, but their conditions do not hold:", "  payments-major (if severity P1, P2; service payments)",
			"", "No workflow matches (3 in the file); nothing would run.")
	}
}

func TestWorkflowsTestEventsAndFields(t *testing.T) {
	path := writeConfig(t, contractFile)
	t.Setenv("INCIDENTBOT_CONFIG", path) // the default for --config
	t.Setenv("HOOK_SECRET", "set")
	code, stdout, stderr := runMain(t, "workflows", "test", "--on", "marked", "--mark", "decision", "--severity", "2",
		"--field", "impact=EU customers cannot pay", "--field", "ai=code")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines(t, stdout, "INC-0 Sample incident: P2, investigating, impact EU customers cannot pay, ai code; on marked (decision)",
		"  1. post: A decision on INC-0 (P2): EU customers cannot pay")
	if code, stdout, _ := runMain(t, "workflows", "test", "--on", "marked", "--mark", "impact"); code != 0 ||
		!strings.Contains(stdout, "No workflow matches") {
		t.Errorf("an impact mark: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runMain(t, "workflows", "test", "--on", "resolved", "--service", "checkout", "--status", "resolved")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines(t, stdout, "  1. post: checkout is back", "  2. webhook POST https://hooks.example.com/resolved signed with $HOOK_SECRET")
}

func TestWorkflowsTestFailsOnATemplateThatDoesNotRender(t *testing.T) {
	path := writeConfig(t, contractFile)
	t.Setenv("HOOK_SECRET", "")
	// Without a service, {{index .Services 0}} has nothing to index.
	code, stdout, stderr := runMain(t, "workflows", "test", "--config", path, "--on", "resolved")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines(t, stdout, "first-service ("+path+":20) would run:", "  2. webhook POST https://hooks.example.com/resolved signed with $HOOK_SECRET ($HOOK_SECRET is not set here)")
	if !strings.Contains(stdout, "  1. post: FAILED: ") || !strings.HasPrefix(stderr, path+":23: first-service: post: ") ||
		!strings.Contains(stderr, "index out of range") {
		t.Errorf("the failure is not shown at its step and line:\n%s\n%s", stdout, stderr)
	}
}

func TestWorkflowsTestRefusesAnInvalidFile(t *testing.T) {
	path := writeConfig(t, strings.Replace(contractFile, "{{.Title}}", "{{.Titel}}", 1))
	code, stdout, stderr := runMain(t, "workflows", "test", "--config", path, "--on", "declared")
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if want := path + ":17:15: post: the incident has no field .Titel; did you mean .Title?\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}

func TestWorkflowsTestUsage(t *testing.T) {
	path := writeConfig(t, contractFile)
	t.Setenv("INCIDENTBOT_CONFIG", "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "Usage:"},
		{"unknown subcommand", []string{"run"}, `unknown command "run"`},
		{"no file", []string{"test", "--on", "declared"}, "name the file with --config FILE or set INCIDENTBOT_CONFIG"},
		{"no trigger", []string{"test", "--config", path}, "--on is required"},
		{"unknown trigger", []string{"test", "--config", path, "--on", "deployed"}, "--on deployed is not a trigger; use one of declared,"},
		{"bad severity", []string{"test", "--config", path, "--on", "declared", "--severity", "P7"}, "--severity P7 is not a severity"},
		{"bad status", []string{"test", "--config", path, "--on", "declared", "--status", "done"}, "--status done is not a status"},
		{"unknown service", []string{"test", "--config", path, "--on", "declared", "--service", "search"}, "--service search: I don't know the service search. The catalog has: payments, checkout."},
		{"field without =", []string{"test", "--config", path, "--on", "declared", "--field", "ai"}, "--field ai: write NAME=VALUE"},
		{"unknown field", []string{"test", "--config", path, "--on", "declared", "--field", "colour=red"}, `"colour" is not a record field`},
		{"bad field value", []string{"test", "--config", path, "--on", "declared", "--field", "ai=maybe"}, "--field ai=maybe: maybe is not an AI connection"},
		{"mark without marked", []string{"test", "--config", path, "--on", "declared", "--mark", "decision"}, "--mark goes with --on marked"},
		{"changed without field_set", []string{"test", "--config", path, "--on", "declared", "--changed", "ai"}, "--changed goes with --on field_set"},
		{"a word", []string{"test", "--config", path, "--on", "declared", "payments"}, "unexpected"},
		{"unknown flag", []string{"test", "--config", path, "--on", "declared", "--sev", "P1"}, "flag provided but not defined: -sev"},
		{"unreadable file", []string{"test", "--config", filepath.Join(t.TempDir(), "none.yaml"), "--on", "declared"}, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, append([]string{"workflows"}, tc.args...)...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if code, stdout, _ := runMain(t, "workflows", "help"); code != 0 || !strings.Contains(stdout, "--changed FIELD") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	if code, stdout, _ := runMain(t, "help"); code != 0 || !strings.Contains(stdout, "incidentbot workflows test") {
		t.Errorf("the main usage does not list workflows test: %q", stdout)
	}
}

// The README's three examples pass the check and do what the README says.
func TestReadmeWorkflowExamples(t *testing.T) {
	for _, k := range []string{"PD_PAYMENTS_KEY", "PD_CHECKOUT_KEY", "PD_ML_ONCALL_KEY", "PD_SECURITY_KEY", "SOAR_WEBHOOK_SECRET"} {
		t.Setenv(k, "set")
	}
	for _, tc := range []struct {
		file, summary string
		args, want    []string
		notWith       []string // these flags make the same file match nothing
	}{
		{"paying-path.yaml", "2 services, 1 workflow",
			[]string{"--on", "declared", "--severity", "P1", "--service", "checkout"},
			[]string{"paying-path-p1 (testdata/readme/paying-path.yaml:13) would run:", "  1. invite U0123ABCD, S0678GHIJ", "  2. page payments",
				"  3. post: INC-0 stops customers paying: Sample incident.", "  5. set the update cadence to 15m",
				"  6. after 30m, remind the comms lead: INC-0 has been open 30 minutes: have affected customers been told? (unless status monitoring, resolved)"},
			[]string{"--on", "declared", "--severity", "P2", "--service", "checkout"}},
		{"ai-cost.yaml", "1 service, 1 workflow, 1 checklist",
			[]string{"--on", "field_set", "--changed", "ai", "--field", "ai=cost"},
			[]string{"  1. page llm-gateway",
				"  2. post: INC-0 is runaway AI spend. Cap the key first, investigate after. Spend by key: https://grafana.example.com/d/llm-spend",
				"  3. attach the checklist ai-cost-runaway: Find the API key and caller behind the spend (tech, required); Cap or revoke that key at the provider (tech, required); Estimate the cost so far for the postmortem (scribe)"},
			[]string{"--on", "field_set", "--changed", "impact", "--field", "ai=cost"}},
		{"security.yaml", "1 service, 1 workflow, 1 checklist",
			[]string{"--on", "declared", "--private", "--service", "security", "--severity", "P2"},
			[]string{"INC-0 Sample incident: P2, investigating, private, service security; on declared", "  1. invite U0LEGAL01, S0LEGAL01",
				"  2. attach the checklist security-incident: Preserve evidence (snapshots, logs) before changing anything (tech, required); Rotate every credential that may be exposed (tech, required); Decide with legal whether customers or regulators must be told (lead, required)",
				"  4. webhook POST https://soar.example.com/hooks/incidentbot signed with $SOAR_WEBHOOK_SECRET"},
			[]string{"--on", "declared", "--service", "security"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "readme", tc.file)
			code, stdout, stderr := runMain(t, "config", "check", path)
			if want := path + ": ok (" + tc.summary + ")\n"; code != 0 || stdout != want || stderr != "" {
				t.Fatalf("config check: exit %d, %q %q; want %q", code, stdout, stderr, want)
			}
			code, stdout, stderr = runMain(t, append([]string{"workflows", "test", "--config", path}, tc.args...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("workflows test: exit %d, %s", code, stderr)
			}
			lines(t, stdout, tc.want...)
			if _, stdout, _ := runMain(t, append([]string{"workflows", "test", "--config", path}, tc.notWith...)...); !strings.Contains(stdout, "No workflow matches") {
				t.Errorf("%v still matches:\n%s", tc.notWith, stdout)
			}
		})
	}
}
