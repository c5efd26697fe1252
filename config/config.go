// Package config reads the optional YAML config file (INCIDENTBOT_CONFIG):
// the service catalog and the team's policies that environment variables
// cannot hold. It validates everything up front and reports every problem
// with the file, line and column to fix, so a typo never silently does
// nothing; Watch reloads the file while the bot runs.
//
// The file's shape is a public contract, described in docs/config.md.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// Config is a valid config file, decoded.
type Config struct {
	Path    string
	Catalog incident.Catalog
	// PagerDuty maps a service name to its routing key, for the services
	// that set one.
	PagerDuty map[string]Secret
	// Severities are the descriptions shown in the declare modal.
	Severities map[incident.Severity]string
	// Cadence is how often a status update is due, for the severities the
	// file lists (0: no reminders); nil when the file has no cadences.
	Cadence map[incident.Severity]time.Duration
	// Marks maps reaction names to marks; nil when the file has no marks.
	Marks map[string]incident.Mark
	// Workflows run steps when incidents change, in file order.
	Workflows []workflow.Workflow
	// Checklists are the named checklists: the file's and the built-in
	// comms (which a file's comms replaces).
	Checklists map[string]incident.Checklist
	// AllowHTTPHosts are the hosts webhooks may reach over plain http.
	AllowHTTPHosts []string
	// StatusPage is how the status page looks and maps severities.
	StatusPage StatusPage
	// FollowUps says where action items are exported and who owns them
	// there: the top-level tracker, auto_export and users keys.
	FollowUps FollowUps
	// Alerts are the rules that turn monitors' alerts into incidents, in
	// file order: the first that matches wins.
	Alerts []incident.AlertRule

	// secretAt is where each service's pagerduty value is, for Unset.
	secretAt map[string]Problem
	// webhooks are where the webhooks' secrets are named, for Unset.
	webhooks []webhookRef
	// checklistNames are the file's checklists in file order.
	checklistNames []string
}

// Secret is a value the file either holds or names: a literal Value, or
// the environment variable Env (written env:NAME), so secrets need never be
// committed with the file.
type Secret struct {
	Value, Env string
}

// Resolve is the secret's value; ok is false when it names an environment
// variable that is empty in getenv (a nil getenv has none set).
func (s Secret) Resolve(getenv func(string) string) (string, bool) {
	if s.Env != "" {
		if getenv == nil {
			return "", false
		}
		v := getenv(s.Env)
		return v, v != ""
	}
	return s.Value, s.Value != ""
}

// Load reads and parses the file at path.
func Load(path string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readFile reads the config file, its error wrapped with the path.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path error would name the path twice.
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("read config file %s: %w", path, err)
	}
	return data, nil
}

// Parse decodes and validates a config file's content; name is the file's
// name in problems. An invalid file's error is Problems. An empty file is
// a valid, empty config.
func Parse(name string, data []byte) (cfg *Config, err error) {
	d := &decoder{file: name, cfg: &Config{Path: name, Checklists: builtinChecklists()}, lines: bytes.Count(data, []byte("\n")) + 1}
	defer func() {
		switch r := recover(); r {
		case nil:
		case errTooBig:
			cfg, err = nil, Problems{{File: name, Line: 1, Column: 1, Message: "the file expands to more than a million " +
				"values through aliases (*name); write the values out instead of repeating aliases"}}
		case errTooMany:
			sortProblems(d.problems)
			last := d.problems[len(d.problems)-1]
			last.Message = fmt.Sprintf("the check stops after %d problems; fix these and run it again", maxProblems)
			cfg, err = nil, append(d.problems, last)
		default:
			panic(r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return d.cfg, nil
		}
		return nil, Problems{syntaxProblem(name, data, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.errorf(&next, "a second YAML document starts here; keep one document, without --- lines between its keys")
	case !errors.Is(err, io.EOF):
		return nil, Problems{syntaxProblem(name, data, err)}
	}
	if len(doc.Content) > 0 {
		d.top(doc.Content[0])
	}
	if len(d.problems) > 0 {
		sortProblems(d.problems)
		return nil, d.problems
	}
	return d.cfg, nil
}

// top decodes the file's top level. A new top-level key is a line here and
// the method that decodes its value.
func (d *decoder) top(n *yaml.Node) {
	var hosts, checklists, workflows, alerts *yaml.Node
	d.mapping(n, topWhat, "services: followed by a list of services", []field{
		{"services", func(v *yaml.Node) {
			before := len(d.problems)
			d.services(v)
			d.catalogPartial = len(d.problems) > before
		}},
		{"severities", d.severities},
		{"cadences", d.cadences},
		{"marks", d.marks},
		{"checklists", func(v *yaml.Node) { checklists = v }},
		{"workflows", func(v *yaml.Node) { workflows = v }},
		{"allow_http_hosts", func(v *yaml.Node) { hosts = v }},
		{"status_page", d.statusPage},
		{"alerts", func(v *yaml.Node) { alerts = v }},
		{"tracker", func(v *yaml.Node) {
			if t, ok := d.tracker(v); ok {
				d.cfg.FollowUps.Tracker = t
			}
		}},
		{"auto_export", func(v *yaml.Node) { d.cfg.FollowUps.AutoExport, _ = d.boolean(v, "auto_export") }},
		{"users", d.users},
	})
	// Workflows name services, marks, checklists and hosts, which the file
	// may define after them.
	if hosts != nil {
		d.allowHTTPHosts(hosts)
	}
	if checklists != nil {
		d.checklists(checklists)
	}
	if workflows != nil {
		d.workflows(workflows)
	}
	if alerts != nil {
		d.alerts(alerts) // after services:, which its rules name
	}
}

// ChecklistsInFile names the file's own checklists, in file order.
func (c *Config) ChecklistsInFile() []string { return c.checklistNames }

// Unset reports the env: references whose variable is empty in getenv, at
// the line that names them. They are not errors: a file is often checked
// where its secrets are not set, such as CI.
func (c *Config) Unset(getenv func(string) string) Problems {
	var ps Problems
	for _, s := range c.Catalog {
		sec, ok := c.PagerDuty[s.Name]
		if _, set := sec.Resolve(getenv); !ok || set || sec.Env == "" {
			continue
		}
		p := c.secretAt[s.Name]
		p.Message = fmt.Sprintf("pagerduty: %s is not set here, so %s cannot be paged through its own key; "+
			"set %s where the bot runs", sec.Env, s.Name, sec.Env)
		ps = append(ps, p)
	}
	for _, w := range c.webhooks {
		if getenv != nil && getenv(w.env) != "" {
			continue
		}
		p := w.at
		p.Message = fmt.Sprintf("webhook: %s is not set here, so the workflow %s cannot sign its webhook; "+
			"set %s where the bot runs", w.env, w.workflow, w.env)
		ps = append(ps, p)
	}
	sortProblems(ps)
	return ps
}
