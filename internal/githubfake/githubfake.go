// Package githubfake is a local GitHub: the REST endpoints the tracker
// client uses (create, list and get issues; an App's installation token),
// in memory, for tests and the demo, and the signed "issues" webhook
// GitHub would send when a person closes or reopens one. It checks the
// bearer token, answers errors with GitHub's JSON bodies, and can be told
// to fail or to drop an answer.
package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sender is the login the fake's people act as.
const Sender = "monalisa"

// Issue is one issue as a test sees it.
type Issue struct {
	Repo      string // owner/repo
	Number    int
	Title     string
	Body      string
	Assignees []string
	Labels    []string
	Due       string // the body's "Due: YYYY-MM-DD" line, "" for none
	Owner     string // the body's "Owner: @login" line, without the @
	Key       string // the body's incidentbot marker, as written there
	Done      bool   // closed
	// Created is how many issues in Repo carry Key: 1 unless a create
	// was repeated.
	Created int
}

// issue is what the fake holds.
type issue struct {
	Issue
	id                 int64
	stateReason        string
	createdAt, updated time.Time
	closedAt           time.Time
}

// Server is the fake. Close it when done.
type Server struct {
	srv   *httptest.Server
	token string

	mu         sync.Mutex
	repos      map[string]int // lower-case owner/repo → repository id
	names      map[string]string
	issues     []*issue
	assignable map[string]bool // nil: anyone
	requests   int
	failN      int
	failStatus int
	dropNext   int
	app        *app
	deliveries int
}

// New starts a fake holding repos ("owner/repo") that accepts token.
func New(token string, repos ...string) *Server {
	s := &Server{token: token, repos: map[string]int{}, names: map[string]string{}}
	for i, r := range repos {
		s.repos[strings.ToLower(r)] = 1000 + i
		s.names[strings.ToLower(r)] = r
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues", s.create)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues", s.list)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}", s.get)
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.accessToken)
	s.srv = httptest.NewServer(s.guard(mux))
	return s
}

// URL is the API's base URL, for GITHUB_API_URL.
func (s *Server) URL() string { return s.srv.URL + "/" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// FailNext makes the next n requests fail with HTTP status, as GitHub
// words it; a 429 asks for a one-second wait (Retry-After: 1).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// DropNextCreate makes the next create take effect and then close the
// connection without an answer, as a network failure would.
func (s *Server) DropNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext++
}

// SetAssignable limits who can be assigned to the given logins (GitHub's
// collaborators); a create naming anyone else is refused with 422.
func (s *Server) SetAssignable(logins ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assignable = map[string]bool{}
	for _, l := range logins {
		s.assignable[strings.ToLower(l)] = true
	}
}

// Requests is how many requests arrived, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Issues are copies of the issues, in creation order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = is.Issue
		out[i].Assignees = slices.Clone(is.Assignees)
		out[i].Labels = slices.Clone(is.Labels)
		out[i].Created = 0
		for _, o := range s.issues {
			if o.Repo == is.Repo && o.Key != "" && o.Key == is.Key {
				out[i].Created++
			}
		}
	}
	return out
}

// SetDone closes (done) or reopens an issue as a person would. idOrKey is
// "owner/repo#12", a number (in the first repository that has it) or the
// key in the issue's marker.
func (s *Server) SetDone(idOrKey string, done bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(idOrKey)
	if is == nil {
		return fmt.Errorf("githubfake: no issue %q", idOrKey)
	}
	now := time.Now().UTC()
	is.Done, is.updated = done, now
	if done {
		is.stateReason, is.closedAt = "completed", now
	} else {
		is.stateReason, is.closedAt = "reopened", time.Time{}
	}
	return nil
}

func (s *Server) lookup(idOrKey string) *issue {
	repo, num, hasRepo := strings.Cut(idOrKey, "#")
	if !hasRepo {
		num = idOrKey
	}
	n, err := strconv.Atoi(num)
	for _, is := range s.issues {
		if err == nil && is.Number == n && (!hasRepo || strings.EqualFold(is.Repo, repo)) {
			return is
		}
	}
	for _, is := range s.issues {
		if is.Key != "" && is.Key == idOrKey {
			return is
		}
	}
	return nil
}

// guard counts the request, fails it when told to, and checks the bearer
// token ("Bearer" or "token", as GitHub takes either) and User-Agent
// (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#user-agent-required).
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		fail := s.failN > 0
		if fail {
			s.failN--
		}
		status := s.failStatus
		s.mu.Unlock()
		switch {
		case fail:
			s.failure(w, status)
		case r.Header.Get("User-Agent") == "":
			refuse(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header")
		case strings.HasPrefix(r.URL.Path, "/app/"):
			next.ServeHTTP(w, r) // the App's JWT is checked there
		case !s.authorized(r.Header.Get("Authorization")):
			refuse(w, http.StatusUnauthorized, "Bad credentials")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) authorized(h string) bool {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || tok == "" || (!strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "token")) {
		return false
	}
	if s.token != "" && tok == s.token {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.app != nil && s.app.valid(tok, time.Now())
}

// failure is the answer GitHub gives for status.
func (s *Server) failure(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		// A secondary rate limit (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
		w.Header().Set("Retry-After", "1")
		answer(w, status, map[string]string{
			"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
			"status":            strconv.Itoa(status),
		})
	case status >= 500:
		answer(w, status, map[string]string{"message": "Server Error"})
	default:
		refuse(w, status, http.StatusText(status))
	}
}

// refuse answers as GitHub does: {"message", "documentation_url", "status"}.
func refuse(w http.ResponseWriter, status int, message string) {
	answer(w, status, map[string]string{"message": message, "documentation_url": "https://docs.github.com/rest",
		"status": strconv.Itoa(status)})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

var (
	dueLine   = regexp.MustCompile(`(?m)^Due: (\d{4}-\d{2}-\d{2})\s*$`)
	ownerLine = regexp.MustCompile(`(?m)^Owner: @(\S+)\s*$`)
	marker    = regexp.MustCompile(`<!-- incidentbot-item: (.*?) -->`)
)

// parse fills in what a test reads out of the body.
func (is *Issue) parse() {
	is.Due, is.Owner, is.Key = "", "", ""
	if m := dueLine.FindStringSubmatch(is.Body); m != nil {
		is.Due = m[1]
	}
	if m := ownerLine.FindStringSubmatch(is.Body); m != nil {
		is.Owner = m[1]
	}
	if m := marker.FindStringSubmatch(is.Body); m != nil {
		is.Key = m[1]
	}
}
