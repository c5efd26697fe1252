package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runRunbooks runs the runbooks command with buffers for stdout and stderr.
func runRunbooks(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runbooksMain(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunbooksSearchJSON(t *testing.T) {
	t.Setenv("RUNBOOKS_DIR", "")
	code, stdout, stderr := runRunbooks(t, "search", "--json", "--limit", "3", "pg", "connections", "exhausted")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var hits []map[string]any
	if err := json.Unmarshal([]byte(stdout), &hits); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
	}
	if len(hits) != 3 {
		t.Fatalf("%d hits, want 3", len(hits))
	}
	for _, h := range hits {
		if len(h) != 5 {
			t.Errorf("hit has keys %v, want exactly file, heading, path, score, text", h)
		}
		for _, k := range []string{"file", "heading", "path", "text"} {
			if s, _ := h[k].(string); s == "" {
				t.Errorf("hit %v has no %s", h, k)
			}
		}
	}
	if hits[0]["file"] != "postgres-connection-exhaustion.md" {
		t.Errorf("first file = %v", hits[0]["file"])
	}
	if !strings.HasSuffix(hits[0]["path"].(string), hits[0]["heading"].(string)) ||
		!strings.Contains(hits[0]["text"].(string), hits[0]["heading"].(string)) {
		t.Errorf("path/heading/text do not agree: %v", hits[0])
	}
	if hits[0]["score"].(float64) < hits[1]["score"].(float64) {
		t.Errorf("not best first: %v then %v", hits[0]["score"], hits[1]["score"])
	}
}

func TestRunbooksSearchPlainAndFlagsAnywhere(t *testing.T) {
	t.Setenv("RUNBOOKS_DIR", "")
	code, stdout, _ := runRunbooks(t, "search", "certificate", "expired", "--limit=1")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"1. TLS certificate expiry", "tls-certificate-expiry.md", "*expired*"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "2. ") {
		t.Errorf("--limit=1 printed more:\n%s", stdout)
	}
}

func TestRunbooksSearchNoMatch(t *testing.T) {
	t.Setenv("RUNBOOKS_DIR", "")
	code, stdout, stderr := runRunbooks(t, "search", "--json", "postgrs")
	if code != 0 {
		// "postgrs" is one typo from "postgres" and matches.
		t.Fatalf("typo query exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runRunbooks(t, "search", "--json", "qqzzyx")
	if code != 1 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("no match: exit %d stdout %q, want 1 and []", code, stdout)
	}
	if !strings.Contains(stderr, "No runbook section matches") {
		t.Errorf("stderr = %q", stderr)
	}
	// Short words are not typo-matched in search, but the reply suggests.
	code, _, stderr = runRunbooks(t, "search", "dsk")
	if code != 1 || !strings.Contains(stderr, "Closest known words:") || !strings.Contains(stderr, "disk") {
		t.Errorf("exit %d, stderr %q; want 1 and a suggestion of disk", code, stderr)
	}
}

func TestRunbooksDirAndEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kafka.md"), []byte("# Kafka lag\nconsumer group lag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.md"), []byte("---\ntitle: [x\n---\n# Bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RUNBOOKS_DIR", dir)
	code, stdout, stderr := runRunbooks(t, "search", "--json", "kafka")
	if code != 0 || !strings.Contains(stdout, `"file": "kafka.md"`) {
		t.Fatalf("exit %d stdout %s", code, stdout)
	}
	if !strings.Contains(stderr, "bad.md") {
		t.Errorf("broken file not reported on stderr: %q", stderr)
	}
	if strings.Contains(stdout, "bad.md") {
		t.Errorf("log leaked into stdout: %s", stdout)
	}
	// --dir beats the environment.
	code, _, _ = runRunbooks(t, "search", "--dir", t.TempDir(), "kafka")
	if code != 1 {
		t.Errorf("empty --dir: exit %d, want 1", code)
	}
}

func TestRunbooksLint(t *testing.T) {
	t.Setenv("RUNBOOKS_DIR", "")
	code, stdout, _ := runRunbooks(t, "lint")
	if code != 0 || !strings.Contains(stdout, "0 errors, 0 warnings") {
		t.Errorf("starter library lint: exit %d\n%s", code, stdout)
	}

	dir := t.TempDir()
	for name, content := range map[string]string{
		"dup.md":   "# A\n## Fix\nx\n## Fix\ny\n",
		"plain.md": "no headings here\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, _ = runRunbooks(t, "lint", "--dir", dir)
	if code != 1 {
		t.Errorf("lint with errors: exit %d, want 1", code)
	}
	for _, want := range []string{`dup.md:4: error: duplicate heading "A > Fix"`, "plain.md: warning: no headings", "1 errors, 1 warnings"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lint output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRunbooksUsage(t *testing.T) {
	t.Setenv("RUNBOOKS_DIR", "")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no subcommand", nil, 2},
		{"unknown subcommand", []string{"serve"}, 2},
		{"search without query", []string{"search", "--json"}, 2},
		{"bad limit", []string{"search", "--limit", "0", "db"}, 2},
		{"unknown flag", []string{"search", "--fast", "db"}, 2},
		{"lint with extra words", []string{"lint", "foo"}, 2},
		{"missing dir", []string{"search", "--dir", "/nonexistent/runbooks", "db"}, 2},
		{"help", []string{"help"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runRunbooks(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if !strings.Contains(stdout+stderr, "incidentbot runbooks search") {
				t.Errorf("no usage or message shown: %q %q", stdout, stderr)
			}
		})
	}
}
