// Package jirafake is a local Jira Cloud: the issue endpoints of REST API
// v3 the tracker/jira client uses (create, get, JQL search), in memory,
// for tests and the demo. It checks basic auth and the fields as Jira
// does, answers with Jira's error collections, models the search index's
// lag (and reconcileIssues, which defeats it), and can be told to fail or
// to drop a create's answer.
package jirafake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Issue is one issue as the fake holds it.
type Issue struct {
	ID, Key, Project string
	Type             string // the issue type's name
	Summary          string
	Body             string         // the description's text, a line per block
	Description      map[string]any // the description's ADF as sent
	Assignee         string         // accountId
	Due              string         // YYYY-MM-DD
	Labels           []string
	Status           string // "To Do" or "Done"
	Done             bool   // the status is in the done category
	// Created is how many issues carry this one's incidentbot- key label:
	// 1 unless a create was repeated.
	Created int
}

type issue struct {
	Issue
	at         time.Time // created; searchable once the lag has passed
	prevStatus string    // before the last SetDone, for the webhook's changelog
}

// Server is the fake. Close it when done.
type Server struct {
	srv        *httptest.Server
	auth       string
	mu         sync.Mutex
	projects   map[string]bool
	issues     []*issue
	requests   int
	creates    int
	failN      int
	failStatus int
	drop       bool
	lag        time.Duration
	hidden     map[string]bool
	nextID     int
	numbers    map[string]int // the last issue number per project
	deliveries int
}

// New starts a fake site with the given projects that accepts the
// account email with API token.
func New(email, token string, projects ...string) *Server {
	s := &Server{auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token)),
		projects: map[string]bool{}, hidden: map[string]bool{}, numbers: map[string]int{}, nextID: 10000}
	for _, p := range projects {
		s.projects[p] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/api/3/issue", s.create)
	mux.HandleFunc("GET /rest/api/3/issue/{idOrKey}", s.get)
	mux.HandleFunc("POST /rest/api/3/search/jql", s.search)
	mux.HandleFunc("/rest/api/3/search", s.removed)
	s.srv = httptest.NewServer(s.guard(mux))
	return s
}

// URL is the site's address, for JIRA_BASE_URL (or JIRA_API_URL).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// FailNext makes the next n requests fail with HTTP status, before they
// take effect. A 429 carries Retry-After: 1, as Jira's do.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// DropNextCreate makes the next create succeed and then cut the
// connection before the answer: the client cannot know it worked.
func (s *Server) DropNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = true
}

// SetSearchLag makes new issues invisible to JQL search for d, as Jira's
// eventually consistent index is, unless a search names them in
// reconcileIssues.
func (s *Server) SetSearchLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lag = d
}

// HideField takes field off the project's create screen: a create that
// sets it is refused, as Jira refuses it.
func (s *Server) HideField(field string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidden[field] = true
}

// Requests is how many requests arrived, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// CreateRequests is how many create requests arrived, failed ones included.
func (s *Server) CreateRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Issues are copies of the issues, in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = is.Issue
		out[i].Labels = slices.Clone(is.Labels)
		out[i].Created = 0
		for _, other := range s.issues {
			if keyLabel(other.Labels) != "" && keyLabel(other.Labels) == keyLabel(is.Labels) {
				out[i].Created++
			}
		}
		if out[i].Created == 0 {
			out[i].Created = 1
		}
	}
	return out
}

// SetDone moves the issue to Done or back to To Do, as a person would.
func (s *Server) SetDone(idOrKey string, done bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(idOrKey)
	if is == nil {
		return fmt.Errorf("jirafake: no issue %s", idOrKey)
	}
	is.prevStatus = is.Status
	is.Done, is.Status = done, statusToDo
	if done {
		is.Status = statusDone
	}
	return nil
}

const statusToDo, statusDone = "To Do", "Done"

func (s *Server) find(idOrKey string) *issue {
	for _, is := range s.issues {
		if is.ID == idOrKey || is.Key == idOrKey {
			return is
		}
	}
	return nil
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		if r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue" {
			s.creates++
		}
		fail := s.failN > 0
		if fail {
			s.failN--
		}
		status := s.failStatus
		s.mu.Unlock()
		switch {
		case fail:
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			refuse(w, status, []string{http.StatusText(status)}, nil)
		case r.Header.Get("Authorization") != s.auth:
			// Jira's 401 for bad basic credentials is plain text.
			w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, "Client must be authenticated to access this resource.")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// removed is what Jira answers on the search endpoint it retired.
func (s *Server) removed(w http.ResponseWriter, _ *http.Request) {
	refuse(w, http.StatusGone, []string{"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. " +
		"A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"}, nil)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(r.PathValue("idOrKey"))
	if is == nil {
		refuse(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	answer(w, http.StatusOK, s.view(is, fieldList(r.URL.Query().Get("fields"))))
}

// view is an issue as Jira answers it, with the fields asked for (all the
// fake keeps when none are named).
func (s *Server) view(is *issue, fields []string) map[string]any {
	all := map[string]any{
		"summary":   is.Summary,
		"labels":    slices.Clone(is.Labels),
		"project":   map[string]any{"key": is.Project},
		"issuetype": map[string]any{"name": is.Type},
		"status":    status(is.Status),
		"duedate":   nilIfEmpty(is.Due),
	}
	if is.Assignee != "" {
		all["assignee"] = map[string]any{"accountId": is.Assignee}
	}
	out := all
	if len(fields) > 0 && !slices.Contains(fields, "*all") {
		out = map[string]any{}
		for _, f := range fields {
			if v, ok := all[f]; ok {
				out[f] = v
			}
		}
	}
	return map[string]any{"id": is.ID, "key": is.Key, "self": s.srv.URL + "/rest/api/3/issue/" + is.ID, "fields": out}
}

// status is a status with its category, keyed "new" or "done".
func status(name string) map[string]any {
	cat := map[string]any{"key": "new", "name": "To Do", "id": 2}
	id := "10000"
	if name == statusDone {
		cat = map[string]any{"key": "done", "name": "Done", "id": 3}
		id = "10001"
	}
	return map[string]any{"name": name, "id": id, "statusCategory": cat}
}

func fieldList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// refuse writes Jira's error collection.
func refuse(w http.ResponseWriter, status int, messages []string, fields map[string]string) {
	if messages == nil {
		messages = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	answer(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
