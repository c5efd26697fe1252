package jira

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/tracker/hook"
)

// Sink hears that an issue became done or was reopened.
type Sink = hook.Sink

// Jira Cloud signs an admin webhook that was given a secret: the header
// X-Hub-Signature holds "sha256=" and the hex HMAC-SHA256 of the raw body
// keyed with the secret, the WebSub form
// (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
// The delivery's id, the same across Jira's retries, is in
// X-Atlassian-Webhook-Identifier.
const (
	SignatureHeader = "X-Hub-Signature"
	DeliveryHeader  = "X-Atlassian-Webhook-Identifier"
	// SecretParam is the query parameter that may carry the secret instead,
	// for senders that cannot sign: Jira Automation's "Send web request",
	// Jira Data Center, and webhooks registered before secrets existed.
	SecretParam = "secret"
)

// MaxWebhookBody caps a delivery's body.
const MaxWebhookBody = hook.MaxBody

// Sign is the X-Hub-Signature value for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookHandler serves Jira's jira:issue_updated deliveries (POST). It
// answers 401 to anything neither signed with secret (X-Hub-Signature)
// nor carrying it as ?secret=, and to everything when secret is "";
// 413 to bodies over MaxWebhookBody; 400 to verified bodies it cannot
// read; 200 to events that change no issue's status; and 500 when sink
// fails, so Jira delivers again (hook.Handler's answers). A status change into the done category
// is Done=true; into any other, Done=false (the sink treats that as a
// reopening, or nothing new for an issue that was not done).
func WebhookHandler(secret string, sink Sink, log *slog.Logger) http.Handler {
	return hook.Handler(hook.Endpoint{Name: "jira", SecretEnv: EnvWebhookSecret, Secret: secret,
		Delivery: func(r *http.Request) string { return r.Header.Get(DeliveryHeader) },
		Verify:   verified,
		Parse:    func(_ *http.Request, body []byte) (incident.TrackerUpdate, bool, error) { return ParseWebhook(body) },
	}, sink, log)
}

// verified checks the signature, or else the query secret, in constant
// time.
func verified(r *http.Request, secret string, body []byte) bool {
	if sig := r.Header.Get(SignatureHeader); sig != "" {
		if hmac.Equal([]byte(sig), []byte(Sign(secret, body))) {
			return true
		}
	}
	q := r.URL.Query()[SecretParam]
	return len(q) == 1 && hmac.Equal([]byte(q[0]), []byte(secret))
}

// delivery is the part of an issue event the handler reads: the example
// issue callback in
// https://developer.atlassian.com/cloud/jira/platform/webhooks/ (webhookEvent,
// user, issue{id, self, key, fields}, changelog{items: [{field, fieldtype,
// from, fromString, to, toString}]}).
type delivery struct {
	Event string `json:"webhookEvent"`
	User  struct {
		DisplayName string `json:"displayName"`
	} `json:"user"`
	Issue *struct {
		ID     string `json:"id"`
		Self   string `json:"self"`
		Key    string `json:"key"`
		Fields struct {
			Project struct {
				Key string `json:"key"`
			} `json:"project"`
			Status struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	} `json:"issue"`
	Changelog struct {
		Items []struct {
			Field   string `json:"field"`
			FieldID string `json:"fieldId"`
		} `json:"items"`
	} `json:"changelog"`
}

// ParseWebhook reads a delivery's body. ok is false for events that do
// not change an issue's status; err is set when the body is not a Jira
// event at all.
func ParseWebhook(body []byte) (u incident.TrackerUpdate, ok bool, err error) {
	var d delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return u, false, err
	}
	if d.Event == "" {
		return u, false, errors.New("no webhookEvent")
	}
	if d.Event != "jira:issue_updated" || !statusChanged(d) {
		return u, false, nil
	}
	if d.Issue == nil || d.Issue.ID == "" || d.Issue.Key == "" {
		return u, false, errors.New("an issue event without the issue's id and key")
	}
	project := d.Issue.Fields.Project.Key
	if project == "" {
		project, _, _ = strings.Cut(d.Issue.Key, "-")
	}
	u = incident.TrackerUpdate{Kind: incident.TrackerJira, Project: project, ID: d.Issue.ID, Key: d.Issue.Key,
		Done: d.Issue.Fields.Status.StatusCategory.Key == "done", Actor: d.User.DisplayName}
	// self is the site's REST address of the issue; the person's link is
	// the site's /browse/KEY.
	if s, err := url.Parse(d.Issue.Self); err == nil && s.Scheme != "" && s.Host != "" {
		u.URL = s.Scheme + "://" + s.Host + "/browse/" + url.PathEscape(d.Issue.Key)
	}
	return u, true, nil
}

func statusChanged(d delivery) bool {
	for _, it := range d.Changelog.Items {
		if it.Field == "status" || it.FieldID == "status" {
			return true
		}
	}
	return false
}
