// Package pdfake is a local PagerDuty for tests and demos: an httptest
// server speaking the Events API v2 (POST /v2/enqueue) and the REST
// endpoints incidentbot reads (/oncalls, /schedules, /escalation_policies),
// recording every request, plus helpers that build signed webhook v3
// deliveries. Real clients (go-pagerduty) talk to it unchanged.
package pdfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// Event is an Events API v2 event as received.
type Event struct {
	RoutingKey string   `json:"routing_key"`
	Action     string   `json:"event_action"`
	DedupKey   string   `json:"dedup_key,omitempty"`
	Client     string   `json:"client,omitempty"`
	ClientURL  string   `json:"client_url,omitempty"`
	Links      []Link   `json:"links,omitempty"`
	Payload    *Payload `json:"payload,omitempty"`
}

// Payload is a trigger's payload.
type Payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is an event link.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Request is one request the server received, whatever it answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int // what the server answered
}

// MaxSummary is the Events API's summary limit, in characters.
const MaxSummary = 1024

type failure struct {
	status     int
	retryAfter string
}

// Server is the fake. Its zero value is not usable; call New or Start.
type Server struct {
	*httptest.Server
	// Token is the REST API token the server expects
	// ("Authorization: Token token=<Token>").
	Token string

	mu       sync.Mutex
	events   []Event
	requests []Request
	failures []failure
	roster   Roster
	seq      int
}

// Start starts a fake expecting REST token; Close it when done.
func Start(token string) *Server {
	s := &Server{Token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/enqueue", s.enqueue)
	mux.HandleFunc("GET /oncalls", s.rest(s.oncalls))
	mux.HandleFunc("GET /schedules", s.rest(s.schedules))
	mux.HandleFunc("GET /escalation_policies", s.rest(s.policies))
	s.Server = httptest.NewServer(s.record(mux))
	return s
}

// New starts a fake for t, expecting REST token, closed when t ends.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s := Start(token)
	t.Cleanup(s.Close)
	return s
}

// FailNext makes the next n requests, to any endpoint, answer status (with
// a Retry-After header when retryAfter is not empty) instead of being
// served.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status, retryAfter})
	}
}

// Events returns the events accepted so far, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Requests returns every request received so far whose path is path ("" for
// all), in order.
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets recorded events and requests and pending failures.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events, s.requests, s.failures = nil, nil, nil
}

// record captures each request and serves scheduled failures before the
// real handlers.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.mu.Lock()
		var fail *failure
		if len(s.failures) > 0 {
			fail = &s.failures[0]
			s.failures = s.failures[1:]
		}
		s.mu.Unlock()
		if fail != nil {
			if fail.retryAfter != "" {
				w.Header().Set("Retry-After", fail.retryAfter)
			}
			if r.URL.Path == "/v2/enqueue" {
				eventsError(rw, fail.status, http.StatusText(fail.status))
			} else {
				restError(rw, fail.status, http.StatusText(fail.status), 0)
			}
		} else {
			next.ServeHTTP(rw, r)
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
			Header: r.Header.Clone(), Body: body, Status: rw.status,
		})
		s.mu.Unlock()
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client hung up: nothing to do
}

// eventsError answers like the Events API does when it rejects an event.
func eventsError(w http.ResponseWriter, status int, msg string, errs ...string) {
	if errs == nil {
		errs = []string{}
	}
	writeJSON(w, status, map[string]any{"status": "invalid event", "message": msg, "errors": errs})
}

// restError answers like the REST API does on failure.
func restError(w http.ResponseWriter, status int, msg string, code int) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "code": code}})
}

// page reads limit and offset like the REST API: limit defaults to 25 and
// is capped at 100.
func page(q url.Values, n int) (from, to, limit int, more bool) {
	limit = 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 100)
	}
	from, _ = strconv.Atoi(q.Get("offset"))
	from = min(max(from, 0), n)
	to = min(from+limit, n)
	return from, to, limit, to < n
}
