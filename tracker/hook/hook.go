// Package hook is the one webhook handler the trackers share: the order of
// checks and the answers to them (405, 401, 413, 400, 200, 500) are the
// same for GitHub, Jira and Linear; each tracker gives only how a delivery
// is verified and what it says.
package hook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/incidentbot/incidentbot/incident"
)

// MaxBody caps a delivery's body. An issue event is a few kilobytes.
const MaxBody = 1 << 20

// Sink hears that an issue became done or was reopened. A tracker
// redelivers a delivery that failed, so it must be idempotent (EventID).
type Sink interface {
	TrackerUpdate(ctx context.Context, u incident.TrackerUpdate) error
}

// Endpoint is one tracker's webhook.
type Endpoint struct {
	// Name is the tracker, for logs ("github").
	Name string
	// SecretEnv names the variable the secret comes from, for the log
	// line that says why a delivery was refused.
	SecretEnv string
	Secret    string
	// Delivery is the delivery's id, the same for every redelivery; it
	// becomes the update's EventID.
	Delivery func(r *http.Request) string
	// Verify reports whether the delivery is signed with the secret. It
	// is never called with an empty secret.
	Verify func(r *http.Request, secret string, body []byte) bool
	// Parse reads a verified delivery: ok is false for news of no
	// interest. An error marked with Refuse answers 401 (a stale
	// timestamp); any other, 400.
	Parse func(r *http.Request, body []byte) (u incident.TrackerUpdate, ok bool, err error)
}

type refused struct{ error }

// Refuse marks a Parse error as a refusal (401) rather than a malformed
// body (400).
func Refuse(err error) error { return refused{err} }

// Handler serves e. It answers 405 to anything but POST; 401 to every
// delivery while the secret is unset, and to any that does not verify;
// 413 to bodies over MaxBody; 400 to verified bodies it cannot read; 200
// to news of no interest and to news the sink took; and 500 when the sink
// fails, so the tracker delivers again. It never logs the URL, which may
// carry a secret (Jira's ?secret=).
func Handler(e Endpoint, sink Sink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		delivery := e.Delivery(r)
		log := log.With("tracker", e.Name, "delivery", delivery, "remote", r.RemoteAddr)
		if e.Secret == "" {
			log.Error(e.Name+" webhook refused: no secret configured", "env", e.SecretEnv)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				log.Warn(e.Name+" webhook refused: body too large", "limit", MaxBody)
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			log.Warn(e.Name+" webhook: read body", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !e.Verify(r, e.Secret, body) {
			log.Warn(e.Name+" webhook refused: bad or missing signature", "env", e.SecretEnv)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		u, ok, err := e.Parse(r, body)
		if _, refuse := errors.AsType[refused](err); refuse {
			log.Warn(e.Name+" webhook refused", "err", err)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if err != nil {
			log.Warn(e.Name+" webhook: malformed body", "err", err)
			http.Error(w, "malformed webhook body", http.StatusBadRequest)
			return
		}
		if !ok {
			log.Debug(e.Name + " webhook ignored")
			w.WriteHeader(http.StatusOK)
			return
		}
		u.EventID = delivery
		log = log.With("issue", u.Key, "done", u.Done)
		if err := sink.TrackerUpdate(r.Context(), u); err != nil {
			log.Error(e.Name+" webhook: sink failed; the tracker will deliver again", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		log.Info(e.Name + " webhook accepted")
		w.WriteHeader(http.StatusOK)
	})
}
