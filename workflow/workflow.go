// Package workflow is the team's incident process as data: workflows
// (trigger, conditions, steps) and the templates their messages use, as
// the config file declares them. It decides which workflows an event
// starts and renders their text; it performs no I/O. The handlers run the
// steps.
package workflow

import (
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Trigger names what starts a workflow, as the config file spells it: a
// public contract.
type Trigger string

// The triggers.
const (
	Declared           Trigger = "declared"
	SeverityChanged    Trigger = "severity_changed"
	StatusChanged      Trigger = "status_changed"
	RoleAssigned       Trigger = "role_assigned"
	FieldSet           Trigger = "field_set"
	Marked             Trigger = "marked"
	UpdateApproved     Trigger = "update_approved"
	Resolved           Trigger = "resolved"
	Reopened           Trigger = "reopened"
	PostmortemApproved Trigger = "postmortem_approved"
	ActionOverdue      Trigger = "action_overdue"
)

// Triggers lists every trigger, in the order the docs give them.
var Triggers = []Trigger{Declared, SeverityChanged, StatusChanged, RoleAssigned, FieldSet, Marked,
	UpdateApproved, Resolved, Reopened, PostmortemApproved, ActionOverdue}

// Workflow is one `workflows:` entry.
type Workflow struct {
	Name string
	On   []Trigger
	If   Condition
	Do   []Step
	Line int // where the file defines it, for messages
}

// Condition is an `if:`; every set part must hold. The zero Condition
// always holds.
type Condition struct {
	// Severities the incident must have (a list, or `<= P2` expanded).
	Severities []incident.Severity
	Services   []string // the incident names at least one of these
	Statuses   []incident.Status
	Private    *bool
	AI         []incident.AIConnection
	// Fields maps a record field to the values it must have one of; the
	// value "set" means any non-empty value, "unset" an empty one.
	Fields map[incident.Field][]string
	// Marks and Changed narrow the events: for `marked`, the mark kinds;
	// for `field_set`, the fields that changed.
	Marks   []incident.Mark
	Changed []incident.Field
}

// StepKind names a step, as the config file spells it.
type StepKind string

// The steps.
const (
	StepInvite    StepKind = "invite"
	StepPage      StepKind = "page"
	StepPost      StepKind = "post"
	StepChecklist StepKind = "checklist"
	StepCadence   StepKind = "cadence"
	StepRemind    StepKind = "remind"
	StepSet       StepKind = "set"
	StepWebhook   StepKind = "webhook"
)

// Step is one `do:` entry. Which fields are set depends on Kind.
type Step struct {
	Kind StepKind
	Line int

	Users     []string      // invite: Slack user (U…/W…) and user-group (S…) IDs
	Service   string        // page: a catalog service
	Text      *Template     // post, remind: the message
	Checklist string        // checklist: a checklist's name
	Cadence   time.Duration // cadence: the incident's update cadence from now on (0: none)
	// remind: After this long, Text to the holder of Role (the channel when
	// Role is empty), unless Unless holds by then.
	After  time.Duration
	Role   incident.Role
	Unless *Condition
	// set: Field gets Value (a template).
	Field incident.Field
	Value *Template
	// webhook: POST the incident JSON to URL, signed with the secret in
	// the environment variable SecretEnv (env:NAME in the file).
	URL       string
	SecretEnv string
}

// Event is what happened, for matching: the trigger and the incident after
// it, with the event's own details.
type Event struct {
	Trigger  Trigger
	Incident incident.Incident
	Field    incident.Field // field_set: the field that changed
	Mark     incident.Mark  // marked: the mark
}
