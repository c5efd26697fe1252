package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "examples", "incidentbot.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	f.Add(contract)
	// Broken variants: the example cut short, mis-indented, with tabs.
	f.Add(string(example[:len(example)/2]))
	f.Add(strings.Replace(string(example), "    aliases", "   aliases", 1))
	f.Add(strings.ReplaceAll(contract, "  ", "\t"))
	f.Add(strings.Replace(contract, "[shop]", "[shop", 1))
	f.Add(strings.Replace(contract, "services:", "services: &s\n", 1) + "x: *s\n")
	f.Add(workflowContract)
	f.Add(strings.Replace(workflowContract, "[P1, P2]", `"<= P2"`, 1))
	f.Add(strings.Replace(workflowContract, "{{.ID}}", "{{.ID", 1))
	f.Add(strings.Replace(workflowContract, "      - page", "      - remind:\n        after: 5m\n      - page", 1))
	for _, tc := range slices.Concat(problemCases, workflowProblemCases) {
		f.Add(tc.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := config.Parse("f.yaml", []byte(src))
		if err == nil {
			checkValid(t, c)
			return
		}
		var ps config.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("Parse returned %T %v, not Problems", err, err)
		}
		if c != nil {
			t.Error("a config came with problems")
		}
		if len(ps) == 0 {
			t.Fatal("an error with no problems")
		}
		lines := strings.Count(src, "\n") + 1
		for _, p := range ps {
			if p.Line < 1 || p.Column < 1 || p.Line > lines || p.Message == "" || p.File != "f.yaml" {
				t.Errorf("problem %q at %d:%d in a %d-line file", p.Message, p.Line, p.Column, lines)
			}
		}
	})
}

// checkValid asserts what Parse promises of a config it returns.
func checkValid(t *testing.T, c *config.Config) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range c.Catalog {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			if !incident.ValidServiceName(n) || seen[n] {
				t.Errorf("name or alias %q invalid or repeated", n)
			}
			seen[n] = true
		}
		for _, l := range s.Dashboards {
			if !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://") || l.Name == "" {
				t.Errorf("dashboard %+v", l)
			}
		}
	}
	for name, sec := range c.PagerDuty {
		if _, ok := c.Catalog.Lookup(name); !ok || (sec.Env == "") == (sec.Value == "") {
			t.Errorf("pagerduty %q: %+v", name, sec)
		}
	}
	for sev, d := range c.Cadence {
		if !sev.Valid() || d < 0 {
			t.Errorf("cadence %v: %v", sev, d)
		}
	}
	for sev, d := range c.Severities {
		if !sev.Valid() || d == "" {
			t.Errorf("severity %v: %q", sev, d)
		}
	}
	for k, m := range c.Marks {
		if k == "" || strings.Contains(k, ":") || m == "" {
			t.Errorf("mark %q: %q", k, m)
		}
	}
	checkWorkflows(t, c)
}

// checkWorkflows asserts what Parse promises of a valid file's workflows:
// unique names, triggers, steps that name what exists, templates that
// render on the sample incident.
func checkWorkflows(t *testing.T, c *config.Config) {
	t.Helper()
	if _, ok := c.Checklists["comms"]; !ok {
		t.Error("no comms checklist")
	}
	names := map[string]bool{}
	for _, w := range c.Workflows {
		if names[w.Name] || !incident.ValidServiceName(w.Name) || len(w.On) == 0 || len(w.Do) == 0 {
			t.Errorf("workflow %+v", w)
		}
		names[w.Name] = true
		for _, tr := range w.On {
			if !slices.Contains(workflow.Triggers, tr) {
				t.Errorf("trigger %q", tr)
			}
		}
		for _, s := range w.Do {
			switch s.Kind {
			case workflow.StepChecklist:
				if _, ok := c.Checklists[s.Checklist]; !ok {
					t.Errorf("checklist %q", s.Checklist)
				}
			case workflow.StepPage:
				if _, ok := c.Catalog.Resolve(s.Service); !ok {
					t.Errorf("page %q", s.Service)
				}
			case workflow.StepWebhook:
				if s.SecretEnv == "" || (!strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://")) {
					t.Errorf("webhook %+v", s)
				}
			}
			for _, tmpl := range []*workflow.Template{s.Text, s.Value} {
				if tmpl != nil && tmpl.Check() != nil {
					t.Errorf("template %q fails its check", tmpl.Source())
				}
			}
		}
	}
}
