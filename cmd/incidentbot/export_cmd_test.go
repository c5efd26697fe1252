package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// seedExport stores INC-3 under the prefix acme: in a fresh Redis and
// points the environment at it.
func seedExport(t *testing.T) {
	t.Helper()
	url := redistest.URL(t)
	st, err := store.New(t.Context(), url, store.Options{Prefix: "acme:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	declared := time.Date(2026, 12, 3, 13, 2, 0, 0, time.UTC)
	inc := incident.Incident{
		Number: 3, Title: "Checkout returns 500", Severity: incident.P1, Status: incident.Investigating,
		Roles: map[incident.Role]string{incident.Lead: "U0ALI"}, DeclaredBy: "U0ALI", DeclaredAt: declared, Source: "slack",
		Record: incident.Record{Services: []string{"checkout"}, Hypothesis: "connection pool exhausted"},
	}
	if err := st.CreateIncident(t.Context(), inc); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []incident.Event{
		{Kind: incident.KindDeclared, At: declared, Actor: "U0ALI", Data: map[string]string{"title": inc.Title, "severity": "P1"}},
		{Kind: incident.KindMessage, At: declared.Add(time.Minute), Actor: "U0BO", TS: "1.1", Text: "p99 up, cc <@U0ALI>"},
		{Kind: incident.KindMark, At: declared.Add(2 * time.Minute), Actor: "U0ALI", TS: "1.1", Mark: incident.MarkKeyEvent},
	} {
		if _, _, err := st.Append(t.Context(), 3, "", ev); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("REDIS_URL", url)
	t.Setenv("REDIS_KEY_PREFIX", "acme:")
	t.Setenv("INCIDENT_TIMEZONE", "Europe/Berlin")
	t.Setenv("POSTMORTEM_REMINDER_AFTER", "")
}

func runExport(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = realMain(append([]string{"export"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExportCLIMarkdownByDefault(t *testing.T) {
	seedExport(t)
	code, stdout, stderr := runExport(t, "INC-3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"# INC-3: Checkout returns 500\n",
		"| Declared | 2026-12-03 14:02 CET by U0ALI |", // INCIDENT_TIMEZONE; people by ID
		"**Hypothesis (unconfirmed):** connection pool exhausted",
		"14:03 CET · E2 · **key event** · U0BO: p99 up, cc @U0ALI",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestExportCLIJSON(t *testing.T) {
	seedExport(t)
	for _, args := range [][]string{{"--format", "json", "3"}, {"inc-3", "--format=json"}} {
		code, stdout, stderr := runExport(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%v: stdout is not JSON: %v\n%s", args, err, stdout)
		}
		if doc["id"] != "INC-3" || doc["hypothesis"] != "connection pool exhausted" || doc["acknowledged_at"] != "2026-12-03T13:02:00Z" {
			t.Errorf("%v: id %v, hypothesis %v, acknowledged_at %v", args, doc["id"], doc["hypothesis"], doc["acknowledged_at"])
		}
		if tl, _ := doc["timeline"].([]any); len(tl) != 2 {
			t.Errorf("%v: timeline = %v, want the declaration and the message", args, doc["timeline"])
		}
	}
}

func TestExportCLIErrors(t *testing.T) {
	seedExport(t)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"unknown incident", []string{"99"}, nil, 1, "there is no INC-99 in this Redis"},
		{"another prefix", []string{"3"}, map[string]string{"REDIS_KEY_PREFIX": "other:"}, 1, `REDIS_KEY_PREFIX (now "other:")`},
		{"Redis unreachable", []string{"3"}, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, 1, "cannot reach Redis"},
		{"no number", nil, nil, 2, "give one incident number"},
		{"two numbers", []string{"3", "4"}, nil, 2, "give one incident number"},
		{"bad number", []string{"INC-x"}, nil, 2, `"INC-x" is not an incident number`},
		{"zero", []string{"0"}, nil, 2, "is not an incident number"},
		{"bad format", []string{"--format", "pdf", "3"}, nil, 2, "--format must be md or json"},
		{"unknown flag", []string{"--names", "3"}, nil, 2, "flag provided but not defined"},
		{"bad zone", []string{"3"}, map[string]string{"INCIDENT_TIMEZONE": "Mars/Olympus"}, 2, "INCIDENT_TIMEZONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runExport(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on an error", stdout)
			}
		})
	}
}

func TestExportCLIHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := realMain([]string{"help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "incidentbot export [--format md|json] <n|INC-n>") {
		t.Errorf("help (exit %d) does not list export:\n%s", code, out.String())
	}
	code, _, stderr := runExport(t, "--help")
	if code != 0 || !strings.Contains(stderr, "people are shown by their Slack user IDs") {
		t.Errorf("export --help: exit %d, %q", code, stderr)
	}
}
