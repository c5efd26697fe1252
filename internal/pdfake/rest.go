package pdfake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Roster is the account the REST endpoints serve.
type Roster struct {
	Schedules []Named
	Policies  []Named
	OnCalls   []OnCall
}

// Named is a schedule or escalation policy.
type Named struct{ ID, Name string }

// User is a PagerDuty user.
type User struct{ ID, Name, Email string }

// OnCall is one on-call entry: User is on call at Level of the policy
// PolicyID, through the schedule ScheduleID ("" when directly assigned),
// until End (zero: indefinitely).
type OnCall struct {
	User       User
	ScheduleID string
	PolicyID   string
	Level      int
	Start, End time.Time
}

// SetRoster replaces the account's schedules, policies and on-calls.
func (s *Server) SetRoster(r Roster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roster = r
}

// rest checks the REST API token before serving.
func (s *Server) rest(h func(http.ResponseWriter, *http.Request, Roster)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Token == "" || r.Header.Get("Authorization") != "Token token="+s.Token {
			restError(w, http.StatusUnauthorized, "Unauthorized", 2006)
			return
		}
		s.mu.Lock()
		roster := s.roster
		s.mu.Unlock()
		h(w, r, roster)
	}
}

func (s *Server) reference(kind string, n Named) map[string]any {
	path := map[string]string{"schedule": "schedules", "escalation_policy": "escalation_policies", "user": "users"}[kind]
	return map[string]any{
		"id": n.ID, "type": kind + "_reference", "summary": n.Name,
		"self": s.URL + "/" + path + "/" + n.ID, "html_url": s.URL + "/" + path + "/" + n.ID,
	}
}

// oncalls serves GET /oncalls with schedule_ids[], escalation_policy_ids[]
// (ANDed, as PagerDuty does), include[]=users and limit/offset paging.
func (s *Server) oncalls(w http.ResponseWriter, r *http.Request, roster Roster) {
	q := r.URL.Query()
	schedules, policies := q["schedule_ids[]"], q["escalation_policy_ids[]"]
	withUsers := slices.Contains(q["include[]"], "users")
	var match []OnCall
	for _, oc := range roster.OnCalls {
		if len(schedules) > 0 && !slices.Contains(schedules, oc.ScheduleID) {
			continue
		}
		if len(policies) > 0 && !slices.Contains(policies, oc.PolicyID) {
			continue
		}
		match = append(match, oc)
	}
	from, to, limit, more := page(q, len(match))
	out := make([]map[string]any, 0, to-from)
	for _, oc := range match[from:to] {
		user := s.reference("user", Named{oc.User.ID, oc.User.Name})
		if withUsers {
			user["type"], user["name"], user["email"] = "user", oc.User.Name, oc.User.Email
		}
		entry := map[string]any{
			"user":              user,
			"escalation_policy": s.reference("escalation_policy", find(roster.Policies, oc.PolicyID)),
			"escalation_level":  oc.Level,
			"schedule":          nil,
			"start":             timeOrNil(oc.Start),
			"end":               timeOrNil(oc.End),
		}
		if oc.ScheduleID != "" {
			entry["schedule"] = s.reference("schedule", find(roster.Schedules, oc.ScheduleID))
		}
		out = append(out, entry)
	}
	writeJSON(w, http.StatusOK, map[string]any{"oncalls": out, "limit": limit, "offset": from, "more": more, "total": nil})
}

// schedules serves GET /schedules (with the optional query filter).
func (s *Server) schedules(w http.ResponseWriter, r *http.Request, roster Roster) {
	s.list(w, r.URL.Query(), "schedules", "schedule", roster.Schedules)
}

// policies serves GET /escalation_policies (with the optional query filter).
func (s *Server) policies(w http.ResponseWriter, r *http.Request, roster Roster) {
	s.list(w, r.URL.Query(), "escalation_policies", "escalation_policy", roster.Policies)
}

func (s *Server) list(w http.ResponseWriter, q url.Values, key, kind string, all []Named) {
	var match []Named
	for _, n := range all {
		if query := q.Get("query"); query == "" || strings.Contains(strings.ToLower(n.Name), strings.ToLower(query)) {
			match = append(match, n)
		}
	}
	from, to, limit, more := page(q, len(match))
	out := make([]map[string]any, 0, to-from)
	for _, n := range match[from:to] {
		obj := s.reference(kind, n)
		obj["type"], obj["name"] = kind, n.Name
		out = append(out, obj)
	}
	writeJSON(w, http.StatusOK, map[string]any{key: out, "limit": limit, "offset": from, "more": more, "total": nil})
}

func find(list []Named, id string) Named {
	for _, n := range list {
		if n.ID == id {
			return n
		}
	}
	return Named{ID: id, Name: id}
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
