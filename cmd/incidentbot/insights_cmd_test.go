package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// seedInsights stores three incidents of the last week under acme: and
// points the environment at them.
func seedInsights(t *testing.T) {
	t.Helper()
	url := redistest.URL(t)
	st, err := store.New(t.Context(), url, store.Options{Prefix: "acme:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	for i, c := range []struct {
		sev      incident.Severity
		service  string
		resolved time.Duration
	}{{incident.P1, "checkout", 30 * time.Minute}, {incident.P2, "checkout", 90 * time.Minute}, {incident.P3, "search", 0}} {
		n := int64(i + 1)
		at := now.Add(-time.Duration(72-i) * time.Hour)
		inc := incident.Incident{Number: n, Title: "t", Severity: c.sev, Status: incident.Investigating, DeclaredBy: "U0ALI",
			DeclaredAt: at, Source: "slack", Record: incident.Record{Services: []string{c.service}}}
		if c.resolved > 0 {
			inc.Status, inc.ResolvedAt = incident.Resolved, at.Add(c.resolved)
		}
		if err := st.CreateIncident(t.Context(), inc); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Append(t.Context(), n, "", incident.Event{Kind: incident.KindDeclared, At: at, Actor: "U0ALI"}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("REDIS_URL", url)
	t.Setenv("REDIS_KEY_PREFIX", "acme:")
}

func runInsights(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := realMain(append([]string{"insights"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInsightsCLI(t *testing.T) {
	seedInsights(t)
	code, out, stderr := runInsights(t, "--since", "30d", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		SchemaVersion int            `json:"schema_version"`
		Incidents     int            `json:"incidents"`
		BySeverity    map[string]int `json:"by_severity"`
		MTTR          struct {
			Count  int     `json:"count"`
			Median float64 `json:"median_seconds"`
		} `json:"mttr"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.SchemaVersion != 1 || r.Incidents != 3 || r.BySeverity["P1"] != 1 || r.MTTR.Count != 2 || r.MTTR.Median != 3600 {
		t.Errorf("report = %+v", r)
	}

	code, out, _ = runInsights(t, "--service", "checkout")
	if code != 0 || !strings.Contains(out, "2 incidents: 1 P1 · 1 P2") || !strings.Contains(out, "service checkout") {
		t.Errorf("markdown for checkout (exit %d):\n%s", code, out)
	}

	file := filepath.Join(t.TempDir(), "insights.png")
	if code, _, stderr := runInsights(t, "--format", "png", "--out", file); code != 0 {
		t.Fatalf("png: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 1600 {
		t.Errorf("PNG: %v, %v", err, img)
	}
}

func TestInsightsCLIRefusesBadInputKindly(t *testing.T) {
	for _, args := range [][]string{{"--since", "a week"}, {"--format", "pdf"}, {"extra"}} {
		code, _, stderr := runInsights(t, args...)
		if code != 2 || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
