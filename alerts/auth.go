package alerts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the generic webhook's signature.
const (
	HeaderTimestamp = "X-Incidentbot-Timestamp"
	HeaderSignature = "X-Incidentbot-Signature"
)

// MaxSkew is how far a generic delivery's timestamp may be from now.
const MaxSkew = 5 * time.Minute

var (
	errNoCredential = errors.New("no credential configured for this endpoint")
	errRefused      = errors.New("credential missing or wrong")
	errStale        = errors.New("timestamp missing, unreadable or more than 5 minutes from now")
	errReplay       = errors.New("this signature was seen before (a replay)")
)

// Token checks Alertmanager's and Grafana's deliveries: the token as a
// bearer token or as the basic-auth password (both monitors can send
// either). An empty token refuses everything.
func Token(token string) func(r *http.Request, body []byte) error {
	return func(r *http.Request, _ []byte) error {
		if token == "" {
			return errNoCredential
		}
		got := ""
		if _, pass, ok := r.BasicAuth(); ok {
			got = pass
		} else if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(cred)
		}
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return errRefused
		}
		return nil
	}
}

// Seen remembers signatures for the replay check, shared by replicas.
type Seen interface {
	// FirstTime reports whether key was not seen in the last ttl, and
	// remembers it.
	FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Signature checks the generic webhook's deliveries: HMAC-SHA256 over
// "<timestamp>.<body>" with secret, sent as "v1=<hex>", the timestamp
// (unix seconds) within MaxSkew of now, and each signature used once.
// An empty secret refuses everything.
func Signature(secret string, seen Seen, now func() time.Time) func(r *http.Request, body []byte) error {
	return func(r *http.Request, body []byte) error {
		if secret == "" {
			return errNoCredential
		}
		ts := r.Header.Get(HeaderTimestamp)
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return errStale
		}
		if d := now().Sub(time.Unix(sec, 0)); d > MaxSkew || d < -MaxSkew {
			return errStale
		}
		got, ok := strings.CutPrefix(r.Header.Get(HeaderSignature), "v1=")
		mac, err := hex.DecodeString(got)
		if !ok || err != nil || !hmac.Equal(mac, Sign(secret, ts, body)) {
			return errRefused
		}
		if seen != nil {
			first, err := seen.FirstTime(r.Context(), "alert-sig:"+got, 2*MaxSkew)
			if err != nil {
				return err
			}
			if !first {
				return errReplay
			}
		}
		return nil
	}
}

// Sign is the generic webhook's MAC of body sent at ts (unix seconds, as
// written in the header), for senders and tests.
func Sign(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// authFailure reports whether err is a refusal (401) rather than a failure
// to check (500).
func authFailure(err error) bool {
	return errors.Is(err, errNoCredential) || errors.Is(err, errRefused) || errors.Is(err, errStale) || errors.Is(err, errReplay)
}
