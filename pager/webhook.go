package pager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty/webhookv3"

	"github.com/incidentbot/incidentbot/incident"
)

// AlertSink receives the alerts PagerDuty webhooks deliver. PagerDuty
// redelivers when a delivery fails or times out, so Alert must be
// idempotent: dedupe on Alert.EventID, and declare at most once per
// Alert.ExternalID (the handlers take a lock per external id and link it to
// the incident as soon as it exists).
type AlertSink interface {
	Alert(ctx context.Context, a incident.Alert) error
}

// envelope is the webhook v3 body, reduced to the fields we use.
type envelope struct {
	Event struct {
		ID         string `json:"id"`
		EventType  string `json:"event_type"`
		OccurredAt string `json:"occurred_at"`
		Agent      *ref   `json:"agent"`
		Data       struct {
			ID          string `json:"id"`
			Type        string `json:"type"`
			Number      int    `json:"number"`
			Title       string `json:"title"`
			HTMLURL     string `json:"html_url"`
			Urgency     string `json:"urgency"`
			IncidentKey string `json:"incident_key"`
			Service     ref    `json:"service"`
			Priority    *ref   `json:"priority"`
			Policy      *ref   `json:"escalation_policy"`
			Assignees   []ref  `json:"assignees"`
		} `json:"data"`
	} `json:"event"`
}

type ref struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

var alertTypes = map[string]incident.AlertType{
	"incident.triggered":    incident.AlertTriggered,
	"incident.acknowledged": incident.AlertAcknowledged,
	"incident.resolved":     incident.AlertResolved,
}

// WebhookHandler serves PagerDuty webhooks v3 (POST). It answers 401 to
// anything whose X-PagerDuty-Signature does not verify against
// Config.WebhookSecret (and to everything when no secret is set), 413 to
// bodies over Config.MaxWebhookBody, 400 to signed bodies it cannot parse,
// 200 to event types it ignores, and 500 when sink fails, so PagerDuty
// redelivers. Triggers of this bot's own pages (dedup keys from DedupKey)
// are ignored so a page never declares a second incident.
func (c *Client) WebhookHandler(sink AlertSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		log := c.log.With("remote", r.RemoteAddr)
		if c.cfg.WebhookSecret == "" {
			log.Error("pagerduty webhook refused: no secret configured", "env", EnvWebhookSecret)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, c.cfg.MaxWebhookBody)
		if err := webhookv3.VerifySignature(r, c.cfg.WebhookSecret); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				log.Warn("pagerduty webhook refused: body too large", "limit", c.cfg.MaxWebhookBody)
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			log.Warn("pagerduty webhook refused: bad signature", "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(r.Body) // already buffered by VerifySignature
		if err != nil {
			log.Error("pagerduty webhook: read body", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		env, err := decodeEnvelope(body)
		var alert incident.Alert
		var ok bool
		if err == nil {
			alert, ok, err = toAlert(env, c.ownKey)
		}
		switch {
		case err != nil:
			log.Warn("pagerduty webhook: malformed body", "err", err)
			http.Error(w, "malformed webhook body", http.StatusBadRequest)
			return
		case !ok:
			log.Debug("pagerduty webhook ignored", "reason", "event type")
			w.WriteHeader(http.StatusOK)
			return
		}
		log = log.With("event_id", alert.EventID, "type", alert.Type, "external_id", alert.ExternalID)
		if _, own := c.ownKey(env.Event.Data.IncidentKey); alert.Type == incident.AlertTriggered && own {
			log.Info("pagerduty webhook ignored: trigger of our own page")
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := sink.Alert(r.Context(), alert); err != nil {
			log.Error("pagerduty webhook: sink failed; PagerDuty will redeliver", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		log.Info("pagerduty webhook accepted")
		w.WriteHeader(http.StatusOK)
	})
}

// ParseWebhook turns a webhook v3 body into an Alert. ok is false for event
// types other than incident.triggered, .acknowledged and .resolved; err is
// set when the body is not a v3 incident event.
func ParseWebhook(body []byte) (a incident.Alert, ok bool, err error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return a, false, err
	}
	return toAlert(env, func(key string) (int64, bool) {
		n, _, ok := ParseDedupKey(key)
		return n, ok
	})
}

func decodeEnvelope(body []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return env, fmt.Errorf("pager: decode webhook: %w", err)
	}
	if env.Event.ID == "" || env.Event.EventType == "" {
		return env, errors.New("pager: decode webhook: no event id or type")
	}
	return env, nil
}

// toAlert converts an envelope; own recognises this deployment's dedup keys.
func toAlert(env envelope, own func(key string) (int64, bool)) (a incident.Alert, ok bool, err error) {
	ev := env.Event
	typ, known := alertTypes[ev.EventType]
	if !known {
		return a, false, nil
	}
	if ev.Data.ID == "" || (ev.Data.Type != "" && ev.Data.Type != "incident") {
		return a, false, fmt.Errorf("pager: decode webhook %s: %s without an incident", ev.ID, ev.EventType)
	}
	a = incident.Alert{
		Type:       typ,
		ExternalID: ev.Data.ID,
		EventID:    ev.ID,
		Title:      ev.Data.Title,
		Service:    ev.Data.Service.Summary,
		ServiceID:  ev.Data.Service.ID,
		URL:        ev.Data.HTMLURL,
		Urgency:    ev.Data.Urgency,
		Details:    details(env),
	}
	if ev.Agent != nil {
		// The agent is who caused the event: for an acknowledgement, the
		// user who acknowledged (a user_reference).
		a.Actor, a.ActorID = ev.Agent.Summary, ev.Agent.ID
	}
	if n, ok := own(ev.Data.IncidentKey); ok {
		a.Number = n // a page this bot sent: acks and resolves belong to incident n
	}
	if t, err := time.Parse(time.RFC3339Nano, ev.OccurredAt); err == nil {
		a.At = t
	}
	return a, true, nil
}

// details summarises the incident's other facts in one line for people.
func details(env envelope) string {
	d := env.Event.Data
	var parts []string
	if d.Number != 0 {
		parts = append(parts, fmt.Sprintf("PagerDuty incident #%d", d.Number))
	}
	if d.Priority != nil && d.Priority.Summary != "" {
		parts = append(parts, "priority "+d.Priority.Summary)
	}
	if d.Urgency != "" {
		parts = append(parts, d.Urgency+" urgency")
	}
	var who []string
	for _, a := range d.Assignees {
		if a.Summary != "" {
			who = append(who, a.Summary)
		}
	}
	if len(who) > 0 {
		parts = append(parts, "assigned to "+strings.Join(who, ", "))
	}
	if d.Policy != nil && d.Policy.Summary != "" {
		parts = append(parts, "escalation policy "+d.Policy.Summary)
	}
	return strings.Join(parts, " · ")
}
