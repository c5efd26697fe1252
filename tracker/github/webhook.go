package github

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v75/github"

	"github.com/incidentbot/incidentbot/incident"
)

// Sink hears that an issue was closed or reopened.
type Sink interface {
	TrackerUpdate(ctx context.Context, u incident.TrackerUpdate) error
}

// maxDelivery caps what is read of a delivery. GitHub caps its payloads at
// 25 MB, but an issues event is a few kilobytes.
const maxDelivery = 1 << 20

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
//
// Answers: 401 unverified, 413 too large, 400 malformed, 200 delivered or
// of no interest, 500 when sink fails, so GitHub's redelivery can try again.
func WebhookHandler(secret string, sink Sink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		delivery := gh.DeliveryID(r)
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDelivery))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the delivery", http.StatusBadRequest)
			return
		}
		sig := r.Header.Get(gh.SHA256SignatureHeader)
		if !verified(secret, sig, raw) {
			log.Warn("github webhook: refused a delivery that is not signed with GITHUB_WEBHOOK_SECRET",
				"delivery", delivery, "event", gh.WebHookType(r), "remote", r.RemoteAddr)
			http.Error(w, "signature missing or wrong", http.StatusUnauthorized)
			return
		}
		event := gh.WebHookType(r)
		if event != "issues" {
			w.WriteHeader(http.StatusOK) // ping, or an event the hook was set to send but we do not use
			return
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		// Verified already; this takes the JSON out of a form-encoded
		// delivery when the hook was set up that way.
		payload, err := gh.ValidatePayloadFromBody(ct, bytes.NewReader(raw), sig, []byte(secret))
		if err != nil {
			http.Error(w, "unsupported delivery", http.StatusBadRequest)
			return
		}
		parsed, err := gh.ParseWebHook(event, payload)
		ev, ok := parsed.(*gh.IssuesEvent)
		if err != nil || !ok {
			http.Error(w, "malformed issues event", http.StatusBadRequest)
			return
		}
		u, ok, err := update(ev, delivery)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !ok {
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := sink.TrackerUpdate(r.Context(), u); err != nil {
			log.Error("github webhook: could not record the update; GitHub may redeliver it",
				"delivery", delivery, "issue", u.Key, "err", err)
			http.Error(w, "could not record the update", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
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
