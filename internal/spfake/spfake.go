// Package spfake is a local Atlassian Statuspage: the incident endpoints
// of its REST API (v1), in memory, for tests and the demo. It checks the
// OAuth key and the page id as Statuspage does, and can be told to fail.
package spfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
)

// Incident is one incident as the fake holds it.
type Incident struct {
	ID         string
	Name       string
	Status     string
	Body       string   // the newest update's text
	Updates    []string // every update's text, oldest first
	Components map[string]string
	Key        string // metadata.incidentbot.key
	Created    int    // how many times it was created (1)
	Updated    int    // how many PATCHes it took
}

// Server is the fake. Close it when done.
type Server struct {
	srv        *httptest.Server
	key, page  string
	mu         sync.Mutex
	incidents  []*Incident
	requests   int
	failN      int
	failStatus int
}

// New starts a fake for page pageID that accepts API key apiKey.
func New(apiKey, pageID string) *Server {
	s := &Server{key: apiKey, page: pageID}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/pages/{page}/incidents/unresolved", s.unresolved)
	mux.HandleFunc("POST /v1/pages/{page}/incidents", s.create)
	mux.HandleFunc("PATCH /v1/pages/{page}/incidents/{id}", s.update)
	s.srv = httptest.NewServer(s.guard(mux))
	return s
}

// URL is the API's base URL, for STATUSPAGE_API_URL.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// FailNext makes the next n requests fail with HTTP status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// Requests is how many requests arrived, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Incidents are copies of the incidents, in creation order.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, inc := range s.incidents {
		out[i] = *inc
		out[i].Updates = slices.Clone(inc.Updates)
		out[i].Components = clone(inc.Components)
	}
	return out
}

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
			answer(w, status, map[string]string{"error": http.StatusText(status)})
		case r.Header.Get("Authorization") != "OAuth "+s.key:
			answer(w, http.StatusUnauthorized, map[string]string{"error": "Could not authenticate"})
		default:
			next.ServeHTTP(w, r) // the handlers check the page id: PathValue is set there
		}
	})
}

func (s *Server) pageOK(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("page") != s.page {
		answer(w, http.StatusNotFound, map[string]string{"error": "The requested resource could not be found."})
		return false
	}
	return true
}

type body struct {
	Incident struct {
		Name       *string           `json:"name"`
		Status     *string           `json:"status"`
		Body       *string           `json:"body"`
		Components map[string]string `json:"components"`
		Metadata   struct {
			Incidentbot struct {
				Key string `json:"key"`
			} `json:"incidentbot"`
		} `json:"metadata"`
	} `json:"incident"`
}

var states = map[string]bool{"investigating": true, "identified": true, "monitoring": true, "resolved": true,
	"scheduled": true, "in_progress": true, "verifying": true, "completed": true}

var componentStates = map[string]bool{"operational": true, "degraded_performance": true, "partial_outage": true,
	"major_outage": true, "under_maintenance": true}

func (s *Server) read(w http.ResponseWriter, r *http.Request) (body, bool) {
	var b body
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		answer(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
		return b, false
	}
	if st := b.Incident.Status; st != nil && !states[*st] {
		answer(w, http.StatusUnprocessableEntity, map[string]string{"error": fmt.Sprintf("Status %q is not valid", *st)})
		return b, false
	}
	for id, st := range b.Incident.Components {
		if !componentStates[st] {
			answer(w, http.StatusUnprocessableEntity, map[string]string{"error": fmt.Sprintf("component %s: status %q is not valid", id, st)})
			return b, false
		}
	}
	return b, true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if !s.pageOK(w, r) {
		return
	}
	b, ok := s.read(w, r)
	if !ok {
		return
	}
	if b.Incident.Name == nil || *b.Incident.Name == "" {
		answer(w, http.StatusUnprocessableEntity, map[string]string{"error": "Name can't be blank"})
		return
	}
	s.mu.Lock()
	inc := &Incident{ID: fmt.Sprintf("sp%010d", len(s.incidents)+1), Status: "investigating", Components: map[string]string{},
		Key: b.Incident.Metadata.Incidentbot.Key, Created: 1}
	apply(inc, b)
	s.incidents = append(s.incidents, inc)
	out := view(inc)
	s.mu.Unlock()
	answer(w, http.StatusCreated, out)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	if !s.pageOK(w, r) {
		return
	}
	b, ok := s.read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.incidents, func(inc *Incident) bool { return inc.ID == r.PathValue("id") })
	if i < 0 {
		answer(w, http.StatusNotFound, map[string]string{"error": "The requested resource could not be found."})
		return
	}
	inc := s.incidents[i]
	inc.Updated++
	apply(inc, b)
	answer(w, http.StatusOK, view(inc))
}

func (s *Server) unresolved(w http.ResponseWriter, r *http.Request) {
	if !s.pageOK(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, inc := range s.incidents {
		if inc.Status != "resolved" {
			out = append(out, view(inc))
		}
	}
	answer(w, http.StatusOK, out)
}

func apply(inc *Incident, b body) {
	if b.Incident.Name != nil {
		inc.Name = *b.Incident.Name
	}
	if b.Incident.Status != nil {
		inc.Status = *b.Incident.Status
	}
	if b.Incident.Body != nil {
		inc.Body = *b.Incident.Body
		inc.Updates = append(inc.Updates, *b.Incident.Body)
	}
	for id, st := range b.Incident.Components {
		inc.Components[id] = st
	}
}

// view is an incident as Statuspage answers it (the fields that matter).
func view(inc *Incident) map[string]any {
	updates := make([]map[string]string, 0, len(inc.Updates))
	for _, u := range slices.Backward(inc.Updates) {
		updates = append(updates, map[string]string{"body": u, "status": inc.Status})
	}
	comps := []map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(inc.Components)) {
		comps = append(comps, map[string]string{"id": id, "status": inc.Components[id]})
	}
	return map[string]any{"id": inc.ID, "name": inc.Name, "status": inc.Status, "incident_updates": updates,
		"components": comps, "metadata": map[string]any{"incidentbot": map[string]string{"key": inc.Key}}}
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func clone(m map[string]string) map[string]string { return maps.Clone(m) }
