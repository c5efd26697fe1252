// Package incident is the domain: incidents, their event log and the rules that
// turn that log into a timeline. It performs no I/O and imports no vendor SDK,
// so every rule here is testable with plain values.
package incident

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Severity ranks an incident's urgency; P1 is the most severe.
type Severity int

// Severities, most severe first.
const (
	P1 Severity = iota + 1
	P2
	P3
	P4
)

// DefaultSeverity is used when a declaration names none.
const DefaultSeverity = P3

// ParseSeverity accepts "P1".."P4", "p2", "1".."4" and "SEV1".."SEV4".
func ParseSeverity(s string) (Severity, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "SEV")
	s = strings.TrimPrefix(s, "P")
	switch s {
	case "1":
		return P1, true
	case "2":
		return P2, true
	case "3":
		return P3, true
	case "4":
		return P4, true
	}
	return 0, false
}

// String renders the severity as "P1".."P4".
func (s Severity) String() string {
	if s < P1 || s > P4 {
		return "P?"
	}
	return fmt.Sprintf("P%d", int(s))
}

// Valid reports whether s is one of P1..P4.
func (s Severity) Valid() bool { return s >= P1 && s <= P4 }

// Status is where an incident stands in its lifecycle.
type Status string

// Statuses in lifecycle order.
const (
	Investigating Status = "investigating"
	Identified    Status = "identified"
	Monitoring    Status = "monitoring"
	Resolved      Status = "resolved"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Investigating, Identified, Monitoring, Resolved}

// ParseStatus accepts a status name, case-insensitively.
func ParseStatus(s string) (Status, bool) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	for _, v := range Statuses {
		if v == st {
			return st, true
		}
	}
	return "", false
}

// CanTransition reports whether an incident in status from may move to status
// to. Any active status may move to any other active status (investigations go
// back and forth) or to resolved; a resolved incident may be reopened only to
// investigating, and no status may "move" to itself.
func CanTransition(from, to Status) error {
	if from == to {
		return Errorf(ENoop, "The incident is already %s.", to)
	}
	if from == Resolved && to != Investigating {
		return Errorf(EInvalid, "This incident is resolved. To reopen it, set the status to investigating.")
	}
	return nil
}

// DefaultUpdateCadence is how often a status update is due, by severity;
// P4 has none. PagerDuty's response guide asks for updates at least every
// 20 minutes in a major incident. The reminders and the drafts' "next
// update" line both follow it.
func DefaultUpdateCadence() map[Severity]time.Duration {
	return map[Severity]time.Duration{P1: 20 * time.Minute, P2: 30 * time.Minute, P3: 2 * time.Hour}
}

// Role is a responsibility someone holds during an incident.
type Role string

// Roles an incident can assign.
const (
	Lead   Role = "lead"
	Comms  Role = "comms"
	Tech   Role = "tech"
	Scribe Role = "scribe"
)

// Roles lists every role in display order.
var Roles = []Role{Lead, Comms, Tech, Scribe}

// ParseRole accepts a role name, case-insensitively, and a few common aliases.
func ParseRole(s string) (Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "lead", "ic", "commander", "incident-commander":
		return Lead, true
	case "comms", "communications", "comm":
		return Comms, true
	case "tech", "tech-lead", "techlead":
		return Tech, true
	case "scribe", "notes":
		return Scribe, true
	}
	return "", false
}

// Title returns the role's display name.
func (r Role) Title() string {
	switch r {
	case Lead:
		return "Incident lead"
	case Comms:
		return "Comms lead"
	case Tech:
		return "Tech lead"
	case Scribe:
		return "Scribe"
	}
	return string(r)
}

// Incident is an incident's current header: the facts shown pinned in its
// channel. It is a projection; the event log is the record.
type Incident struct {
	Number      int64
	Title       string
	Description string
	Severity    Severity
	Status      Status
	ChannelID   string
	ChannelName string
	// HeaderTS is the Slack ts of the pinned header message, updated in place.
	HeaderTS   string
	Roles      map[Role]string // role -> Slack user ID
	DeclaredBy string
	DeclaredAt time.Time
	ResolvedAt time.Time // zero while active
	// Source names where the incident came from ("slack", "pagerduty:PXYZ").
	Source string
	// Runbooks holds the suggested runbook section trails shown in the header.
	Runbooks []string
	// Links are the alert's runbook, dashboards and source, for the header
	// of an incident a monitor opened.
	Links []Link
	// ExternalID and ExternalURL link the paging system's incident, if any.
	ExternalID  string
	ExternalURL string
	// LastUpdateAt is when a status update was last approved (for reminders);
	// NudgedAt when the bot last nudged for one.
	LastUpdateAt time.Time
	NudgedAt     time.Time
	// PostmortemID is the approved postmortem draft's id, "" until approved.
	PostmortemID string
	// StatuspageID is the incident's id on Atlassian Statuspage, once the
	// first public update has been pushed there.
	StatuspageID string
	// Private incidents have a private channel and are left out of
	// everything read outside it.
	Private bool
	// Cadence, when CadenceSet, replaces the severity's update cadence for
	// this incident (a workflow's cadence step); 0 means no reminders.
	Cadence    time.Duration
	CadenceSet bool
	// Record is what is known about the incident: service, impact, cause…
	Record
}

// Clone returns a copy of i that shares no maps or slices with it, for the
// "before" of a change.
func (i Incident) Clone() Incident {
	c := i
	c.Roles = maps.Clone(i.Roles)
	c.Runbooks = slices.Clone(i.Runbooks)
	c.Links = slices.Clone(i.Links)
	c.Services = slices.Clone(i.Services)
	c.Comms = maps.Clone(i.Comms)
	return c
}

// ID is the incident's human identifier, e.g. "INC-42".
func (i Incident) ID() string { return fmt.Sprintf("INC-%d", i.Number) }

// Active reports whether the incident is not resolved.
func (i Incident) Active() bool { return i.Status != Resolved }

// Duration is how long the incident lasted, or has lasted so far at now.
func (i Incident) Duration(now time.Time) time.Duration {
	end := now
	if !i.ResolvedAt.IsZero() {
		end = i.ResolvedAt
	}
	if end.Before(i.DeclaredAt) {
		return 0
	}
	return end.Sub(i.DeclaredAt)
}

// FormatDuration renders d for people: "45s", "12m", "2h 5m", "3d 4h".
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) - h*60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	default:
		days := int(d.Hours()) / 24
		h := int(d.Hours()) - days*24
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, h)
	}
}

// UpdateCadence is how often inc owes a status update: its own cadence when
// one was set, else its severity's in cadence.
func (i Incident) UpdateCadence(cadence map[Severity]time.Duration) time.Duration {
	if i.CadenceSet {
		return i.Cadence
	}
	return cadence[i.Severity]
}
