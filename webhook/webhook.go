// Package webhook delivers workflow webhooks: the incident as JSON, POSTed
// with an HMAC-SHA256 signature of the body, each attempt bounded to 5 s,
// transient failures retried with the shared policy. What the target
// answers is never read beyond its status: it must not reach the model or
// the channel.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// Header carries the signature: "v1=<hex of HMAC-SHA256(secret, body)>".
const Header = "X-Incidentbot-Signature"

// AttemptTimeout bounds one delivery attempt.
const AttemptTimeout = 5 * time.Second

// Client delivers webhooks. It is safe for concurrent use.
type Client struct {
	http   *http.Client
	policy retry.Policy
	// attempt bounds each attempt (AttemptTimeout unless a test shortens it).
	attempt time.Duration
}

// New returns a Client that retries as policy says.
func New(policy retry.Policy) *Client {
	return &Client{http: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, policy: policy,
		attempt: AttemptTimeout}
}

// Sign is the signature header value for body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Post delivers body to url, retrying 429s, 5xx and network errors. It
// returns the final status code (0 when no answer came).
func (c *Client) Post(ctx context.Context, url string, secret, body []byte) (int, error) {
	sig := Sign(secret, body)
	var status int
	err := c.policy.Do(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, c.attempt)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("webhook request: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "incidentbot-webhook/1")
		req.Header.Set(Header, sig)
		resp, err := c.http.Do(req)
		if err != nil {
			status = 0
			return fmt.Errorf("webhook POST: %w", err)
		}
		// Drain a little so the connection can be reused; never more.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		status = resp.StatusCode
		if status >= 200 && status < 300 {
			return nil
		}
		err = retry.WithStatus(fmt.Errorf("webhook answered %d", status), status)
		if d, ok := retry.RetryAfter(resp.Header, time.Now()); ok {
			err = retry.After(err, d)
		}
		return err
	})
	return status, err
}
