package pdfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SignatureHeader carries a webhook v3 signature.
const SignatureHeader = "X-PagerDuty-Signature"

// Sign returns the X-PagerDuty-Signature value PagerDuty sends for body:
// "v1=" + hex(HMAC-SHA256(secret, body)).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookRequest builds a webhook v3 delivery of body to url, signed with
// secret (unsigned when secret is ""), as PagerDuty sends it. It works with
// an http.Client and with a handler's ServeHTTP.
func WebhookRequest(ctx context.Context, url, secret string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("pdfake: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0")
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, body))
	}
	return req, nil
}

// WebhookIncident is the incident a webhook event is about.
type WebhookIncident struct {
	ID          string // e.g. "PGR0VU2"
	Number      int
	Title       string
	Urgency     string // "high" or "low"
	Status      string // "triggered", "acknowledged", "resolved"
	IncidentKey string // the dedup key of the alert that opened it
	ServiceID   string
	ServiceName string
	Priority    string // e.g. "P1", "" for none
	Assignee    string // a user's name, "" for none
	Agent       string // who caused the event, by name; "" for PagerDuty itself
	AgentID     string // the agent's user ID; "PAGENT1" when empty
	BaseURL     string // the account's web address, e.g. "https://acme.pagerduty.com"
}

// WebhookBody renders a webhook v3 body for eventType ("incident.triggered",
// "incident.acknowledged", "incident.resolved", ...) about inc, shaped like
// PagerDuty's own deliveries.
func WebhookBody(eventID, eventType string, at time.Time, inc WebhookIncident) []byte {
	base := inc.BaseURL
	if base == "" {
		base = "https://acme.pagerduty.com"
	}
	ref := func(kind, path, id, summary string) map[string]any {
		return map[string]any{"id": id, "type": kind, "summary": summary,
			"self": "https://api.pagerduty.com/" + path + "/" + id, "html_url": base + "/" + path + "/" + id}
	}
	data := map[string]any{
		"id": inc.ID, "type": "incident", "self": "https://api.pagerduty.com/incidents/" + inc.ID,
		"html_url": base + "/incidents/" + inc.ID, "number": inc.Number, "status": inc.Status,
		"incident_key": inc.IncidentKey, "created_at": at.UTC().Format(time.RFC3339), "title": inc.Title,
		"service":           ref("service_reference", "services", inc.ServiceID, inc.ServiceName),
		"assignees":         []any{},
		"escalation_policy": ref("escalation_policy_reference", "escalation_policies", "PEP0001", "Default"),
		"teams":             []any{},
		"priority":          nil,
		"urgency":           inc.Urgency,
		"conference_bridge": nil,
		"resolve_reason":    nil,
	}
	if inc.Priority != "" {
		data["priority"] = ref("priority_reference", "priorities", "PPRI"+inc.Priority, inc.Priority)
	}
	if inc.Assignee != "" {
		data["assignees"] = []any{ref("user_reference", "users", "PUSER01", inc.Assignee)}
	}
	var agent any
	if inc.Agent != "" {
		id := inc.AgentID
		if id == "" {
			id = "PAGENT1"
		}
		agent = ref("user_reference", "users", id, inc.Agent)
	}
	body, _ := json.Marshal(map[string]any{ // maps of strings and numbers always marshal
		"event": map[string]any{
			"id": eventID, "event_type": eventType, "resource_type": "incident",
			"occurred_at": at.UTC().Format(time.RFC3339Nano), "agent": agent,
			"client": map[string]any{"name": "PagerDuty"}, "data": data,
		},
	})
	return body
}
