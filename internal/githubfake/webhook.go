package githubfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"strings"
)

// WebhookRequest is the "issues" delivery GitHub would send to targetURL
// for the last change: action "closed" when it is done, else
// "reopened" (make the change with SetDone first). secret "" sends it
// unsigned, as GitHub does for a hook without a secret.
func (s *Server) WebhookRequest(targetURL, secret, idOrKey string) (*http.Request, error) {
	s.mu.Lock()
	is := s.lookup(idOrKey)
	if is == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("githubfake: no issue %q", idOrKey)
	}
	action := "reopened"
	if is.Done {
		action = "closed"
	}
	owner, name, _ := strings.Cut(is.Repo, "/")
	payload := map[string]any{
		"action": action,
		"issue":  s.view(is),
		"repository": map[string]any{"id": s.repos[strings.ToLower(is.Repo)], "name": name, "full_name": is.Repo,
			"private": true, "owner": user(owner), "html_url": s.srv.URL + "/" + is.Repo},
		"sender": user(Sender),
	}
	s.mu.Unlock()
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return s.SignedRequest(targetURL, secret, "issues", body)
}

// SignedRequest is any delivery, signed as GitHub signs it: the hex
// HMAC of the body in X-Hub-Signature-256 ("sha256=…") and, for old
// receivers, X-Hub-Signature ("sha1=…")
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries),
// with the delivery headers of
// https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers.
func (s *Server) SignedRequest(targetURL, secret, event string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, targetURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.deliveries++
	s.mu.Unlock()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", guid())
	req.Header.Set("X-GitHub-Hook-ID", "4242")
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	if secret != "" {
		req.Header.Set("X-Hub-Signature-256", "sha256="+Sign(sha256.New, secret, body))
		req.Header.Set("X-Hub-Signature", "sha1="+Sign(sha1.New, secret, body))
	}
	return req, nil
}

// Sign is the hex HMAC of body under secret with hash h.
func Sign(h func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// guid is a random version-4 UUID, like GitHub's delivery ids.
func guid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
