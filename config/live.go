package config

import (
	"maps"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

// The accessors below let the bot read the current file through Live
// without knowing it reloads: each reads the config stored at that moment.
// A Live holding nil reads as an empty file.

// Services is the service catalog.
func (l *Live) Services() incident.Catalog {
	if c := l.Current(); c != nil {
		return c.Catalog
	}
	return nil
}

// Severities are the severity descriptions.
func (l *Live) Severities() map[incident.Severity]string {
	if c := l.Current(); c != nil {
		return c.Severities
	}
	return nil
}

// Marks are the file's reaction marks, nil when it sets none.
func (l *Live) Marks() map[string]incident.Mark {
	if c := l.Current(); c != nil {
		return c.Marks
	}
	return nil
}

// Cadence is the file's update cadence, nil when it sets none.
func (l *Live) Cadence() map[incident.Severity]time.Duration {
	if c := l.Current(); c != nil {
		return c.Cadence
	}
	return nil
}

// PagerDutyKeys resolves the services' routing keys; a service whose env:
// variable is empty is left out (Unset reports it).
func (c *Config) PagerDutyKeys(getenv func(string) string) map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	for name, s := range c.PagerDuty {
		if key, ok := s.Resolve(getenv); ok && key != "" {
			out[name] = key
		}
	}
	return out
}

// Workflows are the file's workflows, in file order.
func (l *Live) Workflows() []workflow.Workflow {
	if c := l.Current(); c != nil {
		return c.Workflows
	}
	return nil
}

// FollowUps are the file's tracker, auto_export and users.
func (l *Live) FollowUps() FollowUps {
	if c := l.Current(); c != nil {
		return c.FollowUps
	}
	return FollowUps{}
}

// AlertRules are the file's alerts: rules, in file order.
func (l *Live) AlertRules() []incident.AlertRule {
	if c := l.Current(); c != nil {
		return c.Alerts
	}
	return nil
}

// Checklists are the named checklists, the built-in comms among them.
func (l *Live) Checklists() map[string]incident.Checklist {
	if c := l.Current(); c != nil && c.Checklists != nil {
		return c.Checklists
	}
	return builtinChecklists()
}

// Checklist is the named checklist.
func (l *Live) Checklist(name string) (incident.Checklist, bool) {
	c, ok := l.Checklists()[name]
	return c, ok
}

// Names lists the checklists' names, sorted.
func (l *Live) Names() []string { return slices.Sorted(maps.Keys(l.Checklists())) }
