package slackemu

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiReq is one decoded Web API call.
type apiReq struct {
	method string
	params url.Values
	// body is the decoded JSON body for methods slack-go sends as JSON
	// (views.*, apps.connections.open); nil for form posts.
	body map[string]any
	at   time.Time
}

// result is a successful answer; "ok": true is added when written.
type result map[string]any

// apiError is a failed answer: {"ok":false,"error":code, ...extra}.
type apiError struct {
	code  string
	extra map[string]any
}

func fail(code string) *apiError { return &apiError{code: code} }

// failMsg adds the response_metadata.messages Slack gives with invalid_blocks
// and invalid_arguments, which says what exactly was wrong.
func failMsg(code, format string, args ...any) *apiError {
	return &apiError{code: code, extra: map[string]any{
		"response_metadata": map[string]any{"messages": []string{"[ERROR] " + fmt.Sprintf(format, args...)}},
	}}
}

type apiHandler func(e *Emulator, r *apiReq) (result, *apiError)

// methods is every Web API method the emulator answers; each runs with e.mu
// held, so handlers never block.
var methods map[string]apiHandler

func init() {
	methods = map[string]apiHandler{
		"auth.test":                    (*Emulator).authTest,
		"apps.connections.open":        (*Emulator).appsConnectionsOpen,
		"conversations.create":         (*Emulator).conversationsCreate,
		"conversations.invite":         (*Emulator).conversationsInvite,
		"conversations.setTopic":       (*Emulator).conversationsSetTopic,
		"conversations.info":           (*Emulator).conversationsInfo,
		"conversations.join":           (*Emulator).conversationsJoin,
		"conversations.history":        (*Emulator).conversationsHistory,
		"conversations.replies":        (*Emulator).conversationsReplies,
		"conversations.members":        (*Emulator).conversationsMembers,
		"chat.postMessage":             (*Emulator).chatPostMessage,
		"chat.update":                  (*Emulator).chatUpdate,
		"chat.delete":                  (*Emulator).chatDelete,
		"chat.postEphemeral":           (*Emulator).chatPostEphemeral,
		"chat.getPermalink":            (*Emulator).chatGetPermalink,
		"pins.add":                     (*Emulator).pinsAdd,
		"pins.remove":                  (*Emulator).pinsRemove,
		"reactions.add":                (*Emulator).reactionsAdd,
		"reactions.remove":             (*Emulator).reactionsRemove,
		"views.open":                   (*Emulator).viewsOpen,
		"views.update":                 (*Emulator).viewsUpdate,
		"users.info":                   (*Emulator).usersInfo,
		"usergroups.users.list":        (*Emulator).usergroupsUsersList,
		"files.getUploadURLExternal":   (*Emulator).filesGetUploadURLExternal,
		"files.completeUploadExternal": (*Emulator).filesCompleteUploadExternal,
	}
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	req := &apiReq{method: method, at: time.Now()}
	token, err := readRequest(r, req)
	if err != nil {
		e.writeAPI(w, req, http.StatusOK, apiError{code: "invalid_form_data"}.body())
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	status, body := e.answer(req, token)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", body["retry_after"].(string))
		delete(body, "retry_after")
	}
	e.writeAPI(w, req, status, body)
}

func (e *Emulator) answer(req *apiReq, token string) (int, map[string]any) {
	h, known := methods[req.method]
	if !known {
		return http.StatusOK, fail("unknown_method").body()
	}
	switch {
	case token == "":
		return http.StatusOK, fail("not_authed").body()
	case token != e.botToken && token != e.appToken:
		return http.StatusOK, fail("invalid_auth").body()
	case (req.method == "apps.connections.open") != (token == e.appToken):
		return http.StatusOK, fail("not_allowed_token_type").body()
	}
	granted := e.scopes
	if token == e.appToken {
		granted = appTokenScopes
	}
	if err := e.checkScopeLocked(req, granted); err != nil {
		return http.StatusOK, err.body()
	}
	if isWrite(req.method) && req.at.Before(e.writesLimitedUntil) {
		return rateLimited(e.writesRetryAfter)
	}
	if q := e.failures[req.method]; len(q) > 0 {
		inj := q[0]
		e.failures[req.method] = q[1:]
		if inj.status > 0 {
			return inj.status, fail("internal_error").body()
		}
		if inj.rateLimit {
			return rateLimited(inj.retryAfter)
		}
		return http.StatusOK, fail(inj.slackError).body()
	}
	res, apiErr := h(e, req)
	if apiErr != nil {
		return http.StatusOK, apiErr.body()
	}
	out := map[string]any(res)
	if out == nil {
		out = map[string]any{}
	}
	out["ok"] = true
	return http.StatusOK, out
}

func (a apiError) body() map[string]any {
	out := map[string]any{"ok": false, "error": a.code}
	for k, v := range a.extra {
		out[k] = v
	}
	return out
}

// writeAPI answers and records the call; the caller holds e.mu (except for
// undecodable requests, which are not recorded).
func (e *Emulator) writeAPI(w http.ResponseWriter, req *apiReq, status int, body map[string]any) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if req.params != nil {
		e.calls = append(e.calls, Call{Method: req.method, Params: req.params, At: req.at, Response: b})
	}
	e.logf("%s %v -> %d %s", req.method, req.params, status, truncate(string(b), 300))
}

// readRequest decodes form, query or JSON parameters and returns the token
// from the Authorization header or the "token" parameter, as Slack accepts
// both.
func readRequest(r *http.Request, req *apiReq) (string, error) {
	req.params = url.Values{}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			return "", err
		}
		if len(strings.TrimSpace(string(raw))) > 0 {
			if err := json.Unmarshal(raw, &req.body); err != nil {
				return "", err
			}
		}
		for k, v := range req.body {
			if s, ok := v.(string); ok {
				req.params.Set(k, s)
			} else {
				b, _ := json.Marshal(v)
				req.params.Set(k, string(b))
			}
		}
		for k, v := range r.URL.Query() {
			req.params[k] = v
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return "", err
		}
		for k, v := range r.Form {
			req.params[k] = v
		}
	}
	token := req.params.Get("token")
	req.params.Del("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		token = strings.TrimPrefix(auth, "Bearer ")
	}
	return token, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (r *apiReq) get(name string) string { return r.params.Get(name) }

func (r *apiReq) flag(name string) bool {
	v := r.params.Get(name)
	return v == "1" || v == "true"
}

func (e *Emulator) authTest(*apiReq) (result, *apiError) {
	return result{
		"url": "https://" + teamHost + "/", "team": teamName, "user": e.opts.BotName,
		"team_id": e.opts.TeamID, "user_id": e.opts.BotUserID, "bot_id": botID,
		"is_enterprise_install": false,
	}, nil
}

func (e *Emulator) appsConnectionsOpen(*apiReq) (result, *apiError) {
	ticket := newEnvelopeID()
	e.tickets[ticket] = true
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + appID
	return result{"url": u}, nil
}

func (e *Emulator) usersInfo(r *apiReq) (result, *apiError) {
	id := r.get("user")
	if id == "" {
		return nil, fail("user_not_found")
	}
	u, ok := e.users[id]
	if !ok {
		return nil, fail("user_not_found")
	}
	return result{"user": e.userJSON(u)}, nil
}

func (e *Emulator) userJSON(u *user) map[string]any {
	out := map[string]any{
		"id": u.ID, "team_id": e.opts.TeamID, "name": u.Name, "real_name": u.Name,
		"deleted": false, "is_bot": u.Bot, "tz": "UTC", "tz_offset": 0,
		"profile": map[string]any{"real_name": u.Name, "display_name": u.Name, "team": e.opts.TeamID},
	}
	if u.Bot {
		out["profile"].(map[string]any)["bot_id"] = botID
	}
	return out
}

// rateLimited is Slack's 429: Retry-After in whole seconds, rounded up, at
// least 1 (ServeHTTP moves retry_after into the header).
func rateLimited(retryAfter time.Duration) (int, map[string]any) {
	body := fail("ratelimited").body()
	body["retry_after"] = fmt.Sprint(max(int(math.Ceil(retryAfter.Seconds())), 1))
	return http.StatusTooManyRequests, body
}
