package githubfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// app is the one GitHub App the fake knows, and the tokens it gave out.
type app struct {
	id, installation int64
	key              *rsa.PublicKey
	ttl              time.Duration
	tokens           map[string]time.Time // token → expiry
	exchanges        int
}

func (a *app) valid(tok string, now time.Time) bool {
	exp, ok := a.tokens[tok]
	return ok && now.Before(exp)
}

// EnableApp lets the App appID, installed as installationID, get
// installation tokens by presenting a JWT signed with the private half of
// key. Tokens last ttl (GitHub's last an hour).
func (s *Server) EnableApp(appID, installationID int64, key *rsa.PublicKey, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app = &app{id: appID, installation: installationID, key: key, ttl: ttl, tokens: map[string]time.Time{}}
}

// TokenExchanges is how many installation tokens were handed out.
func (s *Server) TokenExchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return 0
	}
	return s.app.exchanges
}

// accessToken is POST /app/installations/{id}/access_tokens: a JWT in,
// 201 {"token", "expires_at"} out
// (https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app).
func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		refuse(w, http.StatusNotFound, "Not Found")
		return
	}
	scheme, jwt, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		refuse(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return
	}
	if msg := s.app.checkJWT(jwt, time.Now()); msg != "" {
		refuse(w, http.StatusUnauthorized, msg)
		return
	}
	if r.PathValue("id") != strconv.FormatInt(s.app.installation, 10) {
		refuse(w, http.StatusNotFound, "Not Found")
		return
	}
	var b [20]byte
	rand.Read(b[:])
	tok := "ghs_" + hex.EncodeToString(b[:])
	exp := time.Now().Add(s.app.ttl).UTC().Truncate(time.Second)
	s.app.tokens[tok] = exp
	s.app.exchanges++
	answer(w, http.StatusCreated, map[string]any{"token": tok, "expires_at": exp.Format(time.RFC3339),
		"permissions": map[string]string{"issues": "write", "metadata": "read"}, "repository_selection": "all"})
}

// checkJWT is "" for a good RS256 JWT from the App, else what GitHub
// says is wrong with it (its messages as public reports quote them)
// (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app).
func (a *app) checkJWT(jwt string, now time.Time) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "A JSON web token could not be decoded"
	}
	enc := base64.RawURLEncoding
	head, err1 := enc.DecodeString(parts[0])
	body, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	var h struct {
		Alg string `json:"alg"`
	}
	var c struct {
		Iat int64           `json:"iat"`
		Exp int64           `json:"exp"`
		Iss json.RawMessage `json:"iss"`
	}
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(head, &h) != nil || json.Unmarshal(body, &c) != nil || h.Alg != "RS256" {
		return "A JSON web token could not be decoded"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(a.key, crypto.SHA256, sum[:], sig) != nil {
		return "A JSON web token could not be decoded"
	}
	if iss := strings.Trim(string(c.Iss), `"`); iss != strconv.FormatInt(a.id, 10) {
		return "A JSON web token could not be decoded"
	}
	switch {
	case c.Exp <= now.Unix():
		return "'Expiration time' claim ('exp') is in the past"
	case c.Exp > now.Unix()+600:
		return "'Expiration time' claim ('exp') is too far in the future"
	case c.Iat > now.Unix()+60:
		return "'Issued at' claim ('iat') is in the future"
	}
	return ""
}
