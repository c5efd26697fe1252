package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs the command line as main would, with buffers for stdout and
// stderr.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = realMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeConfig writes content to incidentbot.yaml in a fresh directory and
// returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "incidentbot.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheckPassesTheExample(t *testing.T) {
	example := filepath.Join("..", "..", "examples", "incidentbot.yaml")
	secrets := []string{"PD_CHECKOUT_KEY", "PD_PAYMENTS_KEY", "PD_AUTH_KEY", "PD_ML_ONCALL_KEY", "FINOPS_WEBHOOK_SECRET"}
	for _, k := range secrets {
		t.Setenv(k, "")
	}
	code, stdout, stderr := runMain(t, "config", "check", example)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if want := example + ": ok (5 services, 4 severities, cadences, marks, 5 workflows, 2 checklists, 2 alert rules)\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	// The example's secrets come from the environment; unset here, each is
	// a warning at its line, and the check still passes.
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != len(secrets) {
		t.Fatalf("want %d warnings, got:\n%s", len(secrets), stderr)
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, example+":") || !strings.Contains(l, ": warning: ") || !strings.Contains(l, secrets[i]+" is not set here") {
			t.Errorf("warning %q is not file:line:col: warning: … naming %s", l, secrets[i])
		}
	}

	for _, k := range secrets {
		t.Setenv(k, "set")
	}
	if code, _, stderr := runMain(t, "config", "check", example); code != 0 || stderr != "" {
		t.Errorf("with the secrets set: exit %d, stderr %q; want 0 and nothing", code, stderr)
	}
}

func TestConfigCheckReportsEveryProblem(t *testing.T) {
	path := writeConfig(t, `services:
  - name: Checkout
    owners: ["@ali"]
    pagerduty: env:PD_CHECKOUT_KEY
cadences:
  P1: soon
marcs: {}
`)
	code, stdout, stderr := runMain(t, "config", "check", path)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	want := []string{
		path + `:2:11: name: "Checkout" must be lowercase; write "checkout"`,
		path + `:3:14: owners: "@ali" is not a Slack ID; use the member ID, like U0123ABCD (profile → ⋮ → Copy member ID)`,
		path + `:6:7: cadences: P1: "soon" is not a duration`,
		path + `:7:1: unknown key "marcs" at the top level; did you mean "marks"?`,
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q\nwant it to start %q", i+1, lines[i], w)
		}
	}
}

func TestConfigCheckReadsINCIDENTBOT_CONFIG(t *testing.T) {
	path := writeConfig(t, "services:\n  - name: checkout\n")
	t.Setenv("INCIDENTBOT_CONFIG", path)
	if code, stdout, _ := runMain(t, "config", "check"); code != 0 || stdout != path+": ok (1 service)\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	// A FILE named on the command line wins over the variable.
	other := writeConfig(t, "")
	if code, stdout, _ := runMain(t, "config", "check", other); code != 0 || stdout != other+": ok (empty: the built-in defaults apply)\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestConfigCheckUsage(t *testing.T) {
	t.Setenv("INCIDENTBOT_CONFIG", "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"no file", []string{"config", "check"}, 2, "name a FILE or set INCIDENTBOT_CONFIG"},
		{"no subcommand", []string{"config"}, 2, "incidentbot config check [FILE]"},
		{"unknown subcommand", []string{"config", "lint"}, 2, `unknown command "lint"`},
		{"two files", []string{"config", "check", "a.yaml", "b.yaml"}, 2, "unexpected"},
		{"a flag", []string{"config", "check", "--strict"}, 2, "unexpected"},
		{"unreadable", []string{"config", "check", filepath.Join(t.TempDir(), "nope.yaml")}, 2, "nope.yaml: no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.code, tc.want)
			}
		})
	}
	if code, stdout, _ := runMain(t, "config", "help"); code != 0 || !strings.Contains(stdout, "config check [FILE]") {
		t.Errorf("help: exit %d, stdout %q", code, stdout)
	}
	if code, stdout, _ := runMain(t, "help"); code != 0 || !strings.Contains(stdout, "incidentbot config check [FILE]") {
		t.Errorf("the main usage does not list config check: %q", stdout)
	}
}
