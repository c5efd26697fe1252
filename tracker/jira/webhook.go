package jira

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// Sink hears that an issue became done or was reopened.
type Sink interface {
	TrackerUpdate(ctx context.Context, u incident.TrackerUpdate) error
}

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
const MaxWebhookBody = 1 << 20

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
// fails, so Jira delivers again. A status change into the done category
// is Done=true; into any other, Done=false (the sink treats that as a
// reopening, or nothing new for an issue that was not done).
func WebhookHandler(secret string, sink Sink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Never log r.URL: it may hold the secret.
		log := log.With("remote", r.RemoteAddr, "delivery", r.Header.Get(DeliveryHeader))
		if secret == "" {
			log.Error("jira webhook refused: no secret configured", "env", EnvWebhookSecret)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				log.Warn("jira webhook refused: body too large", "limit", MaxWebhookBody)
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			log.Warn("jira webhook: read body", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !verified(r, secret, body) {
			log.Warn("jira webhook refused: bad or missing signature")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		u, ok, err := ParseWebhook(body)
		switch {
		case err != nil:
			log.Warn("jira webhook: malformed body", "err", err)
			http.Error(w, "malformed webhook body", http.StatusBadRequest)
			return
		case !ok:
			log.Debug("jira webhook ignored: no status change")
			w.WriteHeader(http.StatusOK)
			return
		}
		u.EventID = r.Header.Get(DeliveryHeader)
		log = log.With("issue", u.Key, "done", u.Done)
		if err := sink.TrackerUpdate(r.Context(), u); err != nil {
			log.Error("jira webhook: sink failed; Jira will deliver again", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		log.Info("jira webhook accepted")
		w.WriteHeader(http.StatusOK)
	})
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
