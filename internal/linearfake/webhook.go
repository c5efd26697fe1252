package linearfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Sign is the Linear-Signature of body: hex HMAC-SHA256 under the
// webhook's signing secret (https://linear.app/developers/webhooks).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookRequest is the delivery Linear would send to targetURL for the
// issue's last change (SetDone, SetState), signed with secret, sent now.
func (s *Server) WebhookRequest(targetURL, secret, idOrKey string) (*http.Request, error) {
	return s.WebhookRequestAt(targetURL, secret, idOrKey, time.Now())
}

// WebhookRequestAt is WebhookRequest as if sent at sent, for replays.
func (s *Server) WebhookRequestAt(targetURL, secret, idOrKey string, sent time.Time) (*http.Request, error) {
	s.mu.Lock()
	is := s.find(idOrKey)
	if is == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("linearfake: no issue %q", idOrKey)
	}
	t := s.teamByID(is.teamID)
	data := s.view(is)
	data["stateId"], data["teamId"], data["number"] = stateID(t.id, is.State), t.id, is.number()
	data["assigneeId"], data["labelIds"] = nilIfEmpty(is.Assignee), is.labelIDs(s)
	data["createdAt"], data["updatedAt"], data["completedAt"] = stamp(is.createdAt), stamp(is.updatedAt), nullable(is.completed)
	data["state"].(map[string]any)["color"] = "#5e6ad2"
	from := map[string]any{}
	for k, v := range is.from {
		from[k] = v
	}
	delivery := s.newID("delivery")
	webhookID := s.newID("webhook")
	actor := map[string]any{"id": s.newID("user"), "name": or(is.actor, "Pat Example"), "type": "user"}
	s.mu.Unlock()
	// EntityWebhookPayload (schema.graphql): action, actor, createdAt,
	// data, organizationId, type, updatedFrom, url, webhookId,
	// webhookTimestamp (Unix ms).
	body, err := json.Marshal(map[string]any{
		"action": "update", "type": "Issue", "actor": actor, "createdAt": stamp(sent), "data": data,
		"updatedFrom": from, "url": is.URL, "organizationId": uuid("organization"), "webhookId": webhookID,
		"webhookTimestamp": sent.UnixMilli(),
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, targetURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Linear-Webhook")
	req.Header.Set("Linear-Delivery", delivery)
	req.Header.Set("Linear-Event", "Issue")
	req.Header.Set("Linear-Signature", Sign(secret, body))
	return req, nil
}

func (is *issue) number() int {
	var n int
	fmt.Sscanf(is.Identifier[len(is.Team)+1:], "%d", &n)
	return n
}

// labelIDs are the issue's label ids; s.mu is held.
func (is *issue) labelIDs(s *Server) []string {
	ids := []string{}
	for _, name := range is.Labels {
		for _, l := range s.labels {
			if l.Name == name && (l.Team == "" || l.Team == is.Team) {
				ids = append(ids, l.ID)
				break
			}
		}
	}
	return ids
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
