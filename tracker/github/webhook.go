package github

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v75/github"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/tracker/hook"
)

// Sink hears that an issue was closed or reopened.
type Sink = hook.Sink

// WebhookHandler receives GitHub's "issues" webhook for the repositories
// follow-ups go to, and tells sink when one of the bot's issues (one that
// carries a marker) is closed (Done) or reopened.
//
// Every delivery must carry X-Hub-Signature-256: "sha256=" and the hex
// HMAC-SHA256 of the raw body keyed with secret
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries);
// the older SHA-1 header is not accepted. With secret "" nothing is.
// X-GitHub-Event names the event and X-GitHub-Delivery, the same for
// every redelivery of one event, becomes the update's EventID
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers).
// The answers are hook.Handler's.
func WebhookHandler(secret string, sink Sink, log *slog.Logger) http.Handler {
	return hook.Handler(hook.Endpoint{Name: "github", SecretEnv: "GITHUB_WEBHOOK_SECRET", Secret: secret,
		Delivery: gh.DeliveryID,
		Verify: func(r *http.Request, secret string, body []byte) bool {
			return verified(secret, r.Header.Get(gh.SHA256SignatureHeader), body)
		},
		Parse: parse}, sink, log)
}

// parse reads a verified delivery: an issues event, as JSON or, when the
// hook was set up form-encoded, in its payload field.
func parse(r *http.Request, body []byte) (incident.TrackerUpdate, bool, error) {
	event := gh.WebHookType(r)
	if event != "issues" {
		return incident.TrackerUpdate{}, false, nil // ping, or an event the hook sends but we do not use
	}
	payload := body
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return incident.TrackerUpdate{}, false, fmt.Errorf("unsupported delivery: %w", err)
		}
		payload = []byte(form.Get("payload"))
	}
	parsed, err := gh.ParseWebHook(event, payload)
	ev, ok := parsed.(*gh.IssuesEvent)
	if err != nil || !ok {
		return incident.TrackerUpdate{}, false, fmt.Errorf("malformed issues event: %v", err)
	}
	return update(ev, gh.DeliveryID(r))
}

// verified reports whether sig is the SHA-256 signature of body under
// secret. go-github compares with hmac.Equal, in constant time.
func verified(secret, sig string, body []byte) bool {
	if secret == "" || !strings.HasPrefix(sig, "sha256=") {
		return false
	}
	return gh.ValidateSignature(sig, body, []byte(secret)) == nil
}

// update is the news in an issues event: ok is false for actions other
// than closed and reopened and for issues the bot did not make. The
// payload is the issue, repository and sender objects
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues).
func update(ev *gh.IssuesEvent, delivery string) (incident.TrackerUpdate, bool, error) {
	var done bool
	switch ev.GetAction() {
	case "closed":
		done = true
	case "reopened":
	default:
		return incident.TrackerUpdate{}, false, nil
	}
	if ev.Issue == nil || ev.Issue.GetNumber() == 0 || ev.Repo.GetFullName() == "" {
		return incident.TrackerUpdate{}, false, errors.New("the issues event names no issue or repository")
	}
	if !strings.Contains(ev.Issue.GetBody(), MarkerPrefix) || ev.Issue.IsPullRequest() {
		return incident.TrackerUpdate{}, false, nil
	}
	project := ev.Repo.GetFullName()
	n := strconv.Itoa(ev.Issue.GetNumber())
	return incident.TrackerUpdate{
		Kind: incident.TrackerGitHub, Project: project, ID: n, Key: project + "#" + n,
		URL: ev.Issue.GetHTMLURL(), Done: done, Actor: ev.Sender.GetLogin(), EventID: delivery,
	}, true, nil
}
