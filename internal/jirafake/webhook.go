package jirafake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Actor is the display name webhook deliveries give for who changed the
// issue.
const Actor = "Riley Admin"

// WebhookRequest is the delivery Jira's admin webhook would send to
// targetURL after the last SetDone on idOrKey: a jira:issue_updated with
// the status change in its changelog, signed with secret in
// X-Hub-Signature ("sha256=" and the hex HMAC-SHA256 of the body;
// https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
// secret "" sends it unsigned, as a webhook without a secret is.
func (s *Server) WebhookRequest(targetURL, secret, idOrKey string) (*http.Request, error) {
	s.mu.Lock()
	is := s.find(idOrKey)
	if is == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("jirafake: no issue %s", idOrKey)
	}
	from, to := status(or(is.prevStatus, statusToDo)), status(is.Status)
	issue := s.view(is, nil)
	s.deliveries++
	id := strconv.Itoa(s.deliveries)
	s.mu.Unlock()
	body, err := json.Marshal(map[string]any{
		"timestamp":             time.Now().UnixMilli(),
		"webhookEvent":          "jira:issue_updated",
		"issue_event_type_name": "issue_generic",
		"user":                  map[string]any{"accountId": "557058:fake-admin", "displayName": Actor, "active": true},
		"issue":                 issue,
		"changelog": map[string]any{"id": "2" + id, "items": []map[string]any{{
			"field": "status", "fieldtype": "jira", "fieldId": "status",
			"from": from["id"], "fromString": from["name"], "to": to["id"], "toString": to["name"],
		}}},
	})
	if err != nil {
		return nil, err
	}
	return s.SignedRequest(targetURL, secret, id, body)
}

// SignedRequest is a delivery of any body (another event, a malformed
// one), with Jira's headers and, when secret is not "", its signature.
func (s *Server) SignedRequest(targetURL, secret, deliveryID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, targetURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Atlassian-Webhook-Identifier", deliveryID)
	req.Header.Set("X-Atlassian-Webhook-Flow", "Primary")
	if secret != "" {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	return req, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
