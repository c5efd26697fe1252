package github

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// App is a GitHub App installation to act as, instead of a token.
type App struct {
	ID             int64  // GITHUB_APP_ID
	InstallationID int64  // GITHUB_APP_INSTALLATION_ID
	PrivateKey     []byte // GITHUB_APP_PRIVATE_KEY, the PEM GitHub gave
}

// refreshEarly renews an installation token this long before it expires,
// so a request never leaves with a token about to die.
const refreshEarly = time.Minute

// appTransport signs every request with an installation token, which it
// gets by presenting a JWT signed with the App's key
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation)
// and keeps until refreshEarly before its expires_at.
type appTransport struct {
	app      App
	key      *rsa.PrivateKey
	tokenURL string
	base     http.RoundTripper

	mu      sync.Mutex
	token   string
	expires time.Time
}

func newAppTransport(app App, api *url.URL, base http.RoundTripper) (*appTransport, error) {
	if app.ID <= 0 || app.InstallationID <= 0 {
		return nil, errors.New("github: GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID must be positive numbers")
	}
	key, err := parseKey(app.PrivateKey)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	u := api.JoinPath("app", "installations", strconv.FormatInt(app.InstallationID, 10), "access_tokens")
	return &appTransport{app: app, key: key, tokenURL: u.String(), base: base}, nil
}

// parseKey reads the App's PEM: GitHub hands out PKCS#1 ("RSA PRIVATE
// KEY"); PKCS#8 is accepted too. An environment variable often holds the
// PEM with its newlines written as \n, so those are undone first.
func parseKey(data []byte) (*rsa.PrivateKey, error) {
	data = bytes.ReplaceAll(bytes.TrimSpace(data), []byte(`\n`), []byte("\n"))
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("github: GITHUB_APP_PRIVATE_KEY holds no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("github: GITHUB_APP_PRIVATE_KEY is not an RSA private key")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("github: GITHUB_APP_PRIVATE_KEY is not an RSA private key")
	}
	return rk, nil
}

func (t *appTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.installationToken(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // RoundTrip must close it, even on failure
		}
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(req)
}

// installationToken is the cached token, or a new one. Callers wait for
// one exchange rather than each making their own.
func (t *appTransport) installationToken(orig *http.Request) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now() // GitHub checks the JWT against its own clock
	if t.token != "" && now.Before(t.expires.Add(-refreshEarly)) {
		return t.token, nil
	}
	jwt, err := t.jwt(now)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodPost, t.tokenURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", orig.Header.Get("User-Agent"))
	res, err := t.base.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusCreated {
		return "", retry.WithStatus(t.refusal(res.StatusCode, data), res.StatusCode)
	}
	// POST /app/installations/{installation_id}/access_tokens answers 201
	// {"token": "ghs_…", "expires_at": "2016-07-11T22:14:10Z", …}
	// (https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app).
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Token == "" {
		return "", errors.New("github: the installation token answer has no token")
	}
	t.token, t.expires = out.Token, out.ExpiresAt
	return t.token, nil
}

func (t *appTransport) refusal(status int, data []byte) error {
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &msg)
	var s string
	switch {
	case status == http.StatusUnauthorized:
		s = "GitHub refused the App's key: check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
	case status == http.StatusNotFound || status == http.StatusForbidden:
		s = "GitHub has no such installation of the App: check GITHUB_APP_INSTALLATION_ID"
	case status == http.StatusTooManyRequests:
		s = "GitHub is rate-limiting the App: try again in a few minutes"
	case status >= 500:
		s = fmt.Sprintf("GitHub is having trouble (HTTP %d): try again in a few minutes", status)
	default:
		s = fmt.Sprintf("GitHub refused the App's token request (HTTP %d)", status)
	}
	m := strings.ToValidUTF8(msg.Message, "")
	return fmt.Errorf("%w (HTTP %d: %s)", incident.Errorf(incident.EUnavailable, "%s", s), status, m[:min(len(m), 200)])
}

// jwt is the App's RS256 token: issued a minute in the past against clock
// drift, expiring inside GitHub's ten-minute limit
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app).
func (t *appTransport) jwt(now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{
		"iat": now.Add(-time.Minute).Unix(),
		"exp": now.Add(9 * time.Minute).Unix(),
		"iss": strconv.FormatInt(t.app.ID, 10),
	})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, t.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("github: sign the App's JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}
