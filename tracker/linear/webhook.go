package linear

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/tracker/hook"
)

// Sink receives the news the webhook brings. Linear redelivers a delivery
// that fails, so TrackerUpdate must be idempotent (dedupe on EventID).
type Sink = hook.Sink

// MaxWebhookBody caps a delivery's size.
const MaxWebhookBody = hook.MaxBody

// WebhookTolerance is how far a delivery's webhookTimestamp may be from
// now: Linear's docs and @linear/sdk (webhooks/client.ts, verify) refuse
// more than a minute either way, against replays.
const WebhookTolerance = time.Minute

// The headers of a delivery (https://linear.app/developers/webhooks):
// Linear-Signature is the hex HMAC-SHA256 of the raw body under the
// webhook's signing secret, Linear-Delivery a UUID per delivery, and
// Linear-Timestamp (read by @linear/sdk) a fallback for a body without
// webhookTimestamp.
const (
	HeaderSignature = "Linear-Signature"
	HeaderDelivery  = "Linear-Delivery"
	headerTimestamp = "Linear-Timestamp"
)

// WebhookHandler serves Linear webhooks (POST). It answers 401 to a
// delivery whose Linear-Signature does not verify against secret, whose
// webhookTimestamp is over a minute off, or to everything when secret is
// "", 413 to bodies over MaxWebhookBody, 400 to signed bodies it cannot
// read, 200 to events other than an issue becoming done or leaving done,
// and 500 when sink fails, so Linear redelivers.
func WebhookHandler(secret string, sink Sink, log *slog.Logger) http.Handler {
	return hook.Handler(hook.Endpoint{Name: "linear", SecretEnv: EnvWebhookSecret, Secret: secret,
		Delivery: func(r *http.Request) string { return r.Header.Get(HeaderDelivery) },
		Verify: func(r *http.Request, secret string, body []byte) bool {
			return Verify(secret, body, r.Header.Get(HeaderSignature))
		},
		Parse: func(r *http.Request, body []byte) (incident.TrackerUpdate, bool, error) {
			d, err := decode(body)
			if err != nil {
				return incident.TrackerUpdate{}, false, err
			}
			// A signed body replayed later is refused, as Linear advises.
			if err := fresh(d.WebhookTimestamp, r.Header.Get(headerTimestamp), time.Now()); err != nil {
				return incident.TrackerUpdate{}, false, hook.Refuse(err)
			}
			return update(d)
		},
	}, sink, log)
}

// Sign is the Linear-Signature of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature (hex) is body's under secret, in
// constant time. An empty secret verifies nothing.
func Verify(secret string, body []byte, signature string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if secret == "" || err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// delivery is a webhook body (EntityWebhookPayload in schema.graphql),
// reduced to what is read; data is decoded only for issues.
type delivery struct {
	Action string `json:"action"`
	Type   string `json:"type"`
	Actor  *struct {
		Name string `json:"name"`
	} `json:"actor"`
	Data             json.RawMessage            `json:"data"`
	UpdatedFrom      map[string]json.RawMessage `json:"updatedFrom"`
	WebhookTimestamp *float64                   `json:"webhookTimestamp"` // Unix ms
}

// issueData is IssueWebhookPayload (schema.graphql), reduced.
type issueData struct {
	ID         string `json:"id"`
	Identifier string `json:"identifier"`
	URL        string `json:"url"`
	State      struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"state"`
	Team *struct {
		Key string `json:"key"`
	} `json:"team"`
}

func decode(body []byte) (delivery, error) {
	var d delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return d, fmt.Errorf("linear: decode webhook: %w", err)
	}
	if d.Type == "" || d.Action == "" {
		return d, errors.New("linear: decode webhook: no type or action")
	}
	return d, nil
}

// fresh checks the delivery's time, from the body or else the header.
func fresh(ms *float64, header string, now time.Time) error {
	if ms == nil {
		v, err := strconv.ParseFloat(strings.TrimSpace(header), 64)
		if err != nil {
			return errors.New("the delivery has no webhookTimestamp")
		}
		ms = &v
	}
	if math.IsNaN(*ms) || math.IsInf(*ms, 0) {
		return errors.New("the delivery's webhookTimestamp is not a time")
	}
	sent := time.UnixMilli(int64(*ms))
	if off := now.Sub(sent).Abs(); off > WebhookTolerance {
		return fmt.Errorf("the delivery was sent %s ago", now.Sub(sent).Round(time.Second))
	}
	return nil
}

// ParseWebhook turns a verified delivery's body into an update. ok is
// false for anything but an issue whose state became one of type
// "completed" (Done) or left one (Done false); err is set when the body
// is not a webhook delivery.
func ParseWebhook(body []byte) (u incident.TrackerUpdate, ok bool, err error) {
	d, err := decode(body)
	if err != nil {
		return u, false, err
	}
	return update(d)
}

func update(d delivery) (u incident.TrackerUpdate, ok bool, err error) {
	// Only a change of state matters: updatedFrom holds the previous value
	// of every property that changed, so stateId is in it exactly then.
	if d.Type != "Issue" || d.Action != "update" {
		return u, false, nil
	}
	if _, changed := d.UpdatedFrom["stateId"]; !changed {
		return u, false, nil
	}
	var data issueData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return u, false, fmt.Errorf("linear: decode webhook issue: %w", err)
	}
	if data.ID == "" {
		return u, false, errors.New("linear: decode webhook issue: no id")
	}
	switch {
	case data.State.Type == "completed":
		u.Done = true
	case wasCompleted(d.UpdatedFrom):
		// It left a completed state: the previous completedAt was set.
		// Canceling a completed issue reopens the follow-up as well.
	default:
		return u, false, nil
	}
	u.Kind, u.ID, u.Key, u.URL = incident.TrackerLinear, data.ID, data.Identifier, data.URL
	if data.Team != nil {
		u.Project = data.Team.Key
	}
	if d.Actor != nil {
		u.Actor = d.Actor.Name
	}
	return u, true, nil
}

func wasCompleted(from map[string]json.RawMessage) bool {
	var at *string
	raw, ok := from["completedAt"]
	return ok && json.Unmarshal(raw, &at) == nil && at != nil && *at != ""
}
