package incident

import "time"

// RunbookHit is one runbook section returned by a search, best first.
type RunbookHit struct {
	File    string  // path of the runbook file, relative to the runbooks dir
	Heading string  // the section's own heading
	Path    string  // the heading trail joined with " > "
	Text    string  // the section's Markdown
	Score   float64 // higher is better; comparable only within one search
}

// OnCall is a person on call now.
type OnCall struct {
	Name     string
	Email    string
	URL      string // their PagerDuty profile
	Schedule string // schedule name, if on call through one
	Policy   string // escalation policy name
	Level    int    // escalation level, 1 = first responder
	Until    time.Time
}

// PageResult is what a page achieved.
type PageResult struct {
	Service  string // the configured service name paged ("" for the default)
	DedupKey string
	Message  string // the provider's status message
}

// AlertType is what happened to an alerting-system incident.
type AlertType string

// Alert types delivered by the pager's webhooks.
const (
	AlertTriggered    AlertType = "triggered"
	AlertAcknowledged AlertType = "acknowledged"
	AlertResolved     AlertType = "resolved"
)

// Alert is an event from the paging system (a PagerDuty webhook) in domain
// terms.
type Alert struct {
	Type       AlertType
	ExternalID string // e.g. PagerDuty incident ID "PXYZ123"
	EventID    string // the webhook event's own id, for dedupe
	Title      string
	Service    string // service name
	ServiceID  string
	URL        string // link to the incident in the paging system
	Urgency    string // "high" / "low"
	Actor      string // who acknowledged/resolved, by name as the paging system shows it
	ActorID    string // the same person's id in the paging system (a PagerDuty user ID)
	Details    string
	At         time.Time
	// Number is our incident's number when the alert is about a page this
	// bot sent (recognised by its dedup key); 0 otherwise.
	Number int64
}
