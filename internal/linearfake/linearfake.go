// Package linearfake is a local Linear: the part of its GraphQL API the
// follow-up export uses (teams, issueLabels, issueLabelCreate, issueCreate,
// issue), in memory, for tests and the demo. It checks the personal API
// key as Linear does (the bare key, no "Bearer"), answers errors in
// Linear's shape, can be told to fail or to drop a create's answer, and
// builds the signed webhook deliveries Linear would send.
package linearfake

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Issue is one issue as the fake holds it.
type Issue struct {
	ID         string // the UUID
	Identifier string // ENG-1
	URL        string
	Team       string // the team's key
	Title      string
	Body       string // the description, Markdown
	Assignee   string // assigneeId, "" for none
	Due        string // dueDate, YYYY-MM-DD, "" for none
	Labels     []string
	State      string // the workflow state's type: unstarted, completed, canceled, …
	Done       bool   // State == "completed"
	Created    int    // how many issueCreate requests named its id (1 when made once)
}

// Label is one issue label; Team is "" for a workspace label.
type Label struct {
	ID, Name, Team string
}

// Server is the fake. Close it when done.
type Server struct {
	srv *httptest.Server
	key string

	mu         sync.Mutex
	seq        int
	teams      []*team
	labels     []*Label
	issues     []*issue
	requests   int
	calls      map[string]int
	failN      int
	failStatus int
	rateN      int
	rateReset  time.Duration
	dropCreate int
}

type team struct {
	id, key, name string
	number        int
}

type issue struct {
	Issue
	teamID    string
	createdAt time.Time
	updatedAt time.Time
	completed time.Time
	// from is the previous values of the last change, as a webhook's
	// updatedFrom carries them.
	from  map[string]any
	actor string
}

// workflow states every fake team has: name by type (Linear's default
// workflow).
var stateNames = map[string]string{"backlog": "Backlog", "unstarted": "Todo", "started": "In Progress",
	"completed": "Done", "canceled": "Canceled", "duplicate": "Duplicate", "triage": "Triage"}

// New starts a fake that accepts personal API key apiKey, with the given
// teams (their keys, e.g. "ENG").
func New(apiKey string, teams ...string) *Server {
	s := &Server{key: apiKey, calls: map[string]int{}}
	for _, k := range teams {
		s.AddTeam(k, k)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the GraphQL endpoint, for LINEAR_API_URL.
func (s *Server) URL() string { return s.srv.URL + "/graphql" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddTeam adds a team and returns its id.
func (s *Server) AddTeam(key, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &team{id: s.newID("team"), key: key, name: name}
	s.teams = append(s.teams, t)
	return t.id
}

// AddLabel adds a label to team teamKey ("" for the workspace) and
// returns its id.
func (s *Server) AddLabel(teamKey, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &Label{ID: s.newID("label"), Name: name, Team: teamKey}
	s.labels = append(s.labels, l)
	return l.ID
}

// Labels are copies of the labels, in creation order.
func (s *Server) Labels() []Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Label, len(s.labels))
	for i, l := range s.labels {
		out[i] = *l
	}
	return out
}

// FailNext makes the next n requests fail with HTTP status, the body in
// Linear's error shape; a 429 carries Retry-After: 1.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// RateLimitNext makes the next n requests rate-limited as Linear's docs
// say it answers: HTTP 400, code RATELIMITED, the request budget spent
// and reset after reset.
func (s *Server) RateLimitNext(n int, reset time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateN, s.rateReset = n, reset
}

// DropNextCreate makes the next issueCreate take effect and then closes
// the connection without an answer, as a lost answer would.
func (s *Server) DropNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropCreate++
}

// Requests is how many requests arrived, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Calls is how many requests asked for root field field (issueCreate,
// issue, teams, …), failed ones included.
func (s *Server) Calls(field string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[field]
}

// Issues are copies of the issues, in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = is.Issue
		out[i].Labels = slices.Clone(is.Labels)
	}
	return out
}

// SetDone moves the issue (by id, identifier, or the item key in its
// description) to the team's completed state, or back to Todo, as a
// person would.
func (s *Server) SetDone(idOrKey string, done bool) error {
	if done {
		return s.SetState(idOrKey, "completed")
	}
	return s.SetState(idOrKey, "unstarted")
}

// SetState moves the issue to the state of type stateType (backlog,
// unstarted, started, completed, canceled, duplicate), remembering what
// changed for the next WebhookRequest.
func (s *Server) SetState(idOrKey, stateType string) error {
	if stateNames[stateType] == "" {
		return fmt.Errorf("linearfake: no state of type %q", stateType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(idOrKey)
	if is == nil {
		return fmt.Errorf("linearfake: no issue %q", idOrKey)
	}
	now := time.Now().UTC()
	is.from = map[string]any{"stateId": stateID(is.teamID, is.State), "updatedAt": stamp(is.updatedAt)}
	if !is.completed.IsZero() || stateType == "completed" {
		is.from["completedAt"] = nullable(is.completed)
	}
	is.State, is.Done, is.updatedAt, is.actor = stateType, stateType == "completed", now, "Pat Example"
	is.completed = time.Time{}
	if is.Done {
		is.completed = now
	}
	return nil
}

// find is the issue named by id, identifier or item key; s.mu is held.
func (s *Server) find(idOrKey string) *issue {
	for _, is := range s.issues {
		if is.ID == idOrKey || strings.EqualFold(is.Identifier, idOrKey) || strings.Contains(is.Body, "`"+idOrKey+"`") {
			return is
		}
	}
	return nil
}

func (s *Server) teamByID(id string) *team {
	for _, t := range s.teams {
		if t.id == id {
			return t
		}
	}
	return nil
}

// newID is a UUID in v4 layout, deterministic per server; s.mu is held.
func (s *Server) newID(kind string) string {
	s.seq++
	return uuid(fmt.Sprintf("%s/%d", kind, s.seq))
}

func uuid(seed string) string {
	sum := sha256.Sum256([]byte("linearfake\x00" + seed))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func stateID(teamID, stateType string) string { return uuid("state/" + teamID + "/" + stateType) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func nullable(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return stamp(t)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(title string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	return s[:min(len(s), 60)]
}
