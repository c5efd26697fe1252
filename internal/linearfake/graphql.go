package linearfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The input fields Linear's schema defines (schema.graphql in
// linear/linear packages/sdk); anything else is refused as Linear's
// validation would refuse it.
var (
	issueCreateFields = fieldSet("assigneeId", "completedAt", "createAsUser", "createdAt", "cycleId", "delegateId",
		"description", "descriptionData", "displayIconUrl", "dueDate", "estimate", "id", "inheritsSharedAccess", "labelIds",
		"lastAppliedTemplateId", "parentId", "preserveSortOrderOnCreate", "priority", "prioritySortOrder", "projectId",
		"projectMilestoneId", "referenceCommentId", "releaseIds", "slaBreachesAt", "slaStartedAt", "slaType", "sortOrder",
		"sourceCommentId", "sourcePullRequestCommentId", "stateId", "subIssueSortOrder", "subscriberIds", "teamId",
		"templateId", "title")
	labelCreateFields = fieldSet("color", "description", "id", "isGroup", "name", "parentId", "retiredAt", "teamId")
)

func fieldSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// rootField is the first field of the operation's selection: issueCreate
// in "mutation X($input: …) { issueCreate(input: $input) { … } }".
var rootField = regexp.MustCompile(`^[^{]*\{\s*(\w+)`)

type gqlRequest struct {
	Query         string                     `json:"query"`
	Variables     map[string]json.RawMessage `json:"variables"`
	OperationName string                     `json:"operationName"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/graphql" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error", "POST a JSON body to /graphql")
		return
	}
	var req gqlRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "GRAPHQL_PARSE_FAILED", "graphql error", "invalid JSON: "+err.Error())
		return
	}
	field := ""
	if m := rootField.FindStringSubmatch(req.Query); m != nil {
		field = m[1]
	}
	s.mu.Lock()
	s.requests++
	s.calls[field]++
	failing, status := s.failN > 0, s.failStatus
	if failing {
		s.failN--
	}
	limited, reset := !failing && s.rateN > 0, s.rateReset
	if limited {
		s.rateN--
	}
	authorized := s.key != "" && r.Header.Get("Authorization") == s.key
	drop := !failing && !limited && authorized && field == "issueCreate" && s.dropCreate > 0
	if drop {
		s.dropCreate--
	}
	s.mu.Unlock()
	switch {
	case failing:
		failStatus(w, status)
		return
	case limited:
		// https://linear.app/developers/rate-limiting: HTTP 400, code
		// RATELIMITED; resets are UTC epoch milliseconds.
		w.Header().Set("X-RateLimit-Requests-Limit", "2500")
		w.Header().Set("X-RateLimit-Requests-Remaining", "0")
		w.Header().Set("X-RateLimit-Requests-Reset", strconv.FormatInt(time.Now().Add(reset).UnixMilli(), 10))
		failWith(w, http.StatusBadRequest, "Rate limit exceeded. Only 2500 requests are allowed per 1 hour.",
			map[string]any{"code": "RATELIMITED", "type": "ratelimited", "statusCode": 429, "userError": true,
				"userPresentableMessage": "Rate limit exceeded."})
		return
	case !authorized:
		// Linear answers a refused key with HTTP 401 and AUTHENTICATION_ERROR.
		failStatus(w, http.StatusUnauthorized)
		return
	}
	var data any
	var ok bool
	switch field {
	case "teams":
		data, ok = s.teamsQuery(w, req)
	case "issueLabels":
		data, ok = s.labelsQuery(w, req)
	case "issueLabelCreate":
		data, ok = s.labelCreate(w, req)
	case "issueCreate":
		data, ok = s.issueCreate(w, req)
	case "issue":
		data, ok = s.issueQuery(w, req)
	default:
		fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error",
			fmt.Sprintf("Cannot query field %q on type \"Query\" (linearfake knows teams, issueLabels, issueLabelCreate, issueCreate, issue).", field))
		return
	}
	if !ok {
		return
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	answer(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Server) teamsQuery(w http.ResponseWriter, req gqlRequest) (any, bool) {
	var v struct {
		Key struct {
			Eq *string `json:"eq"`
		} `json:"key"`
	}
	if !vars(w, req, &v, "filter") || !strictKeys(w, req.Variables["filter"], "TeamFilter", "key") {
		return nil, false
	}
	nodes := []any{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.teams {
		if v.Key.Eq == nil || *v.Key.Eq == t.key {
			nodes = append(nodes, map[string]any{"id": t.id, "key": t.key, "name": t.name})
		}
	}
	return map[string]any{"teams": map[string]any{"nodes": nodes}}, true
}

func (s *Server) labelsQuery(w http.ResponseWriter, req gqlRequest) (any, bool) {
	var filter map[string]any
	if !vars(w, req, &filter, "filter") {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes := []any{}
	for _, l := range s.labels {
		match, err := s.labelMatches(l, filter)
		if err != nil {
			fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error", err.Error())
			return nil, false
		}
		if match {
			var t any
			if l.Team != "" {
				t = map[string]any{"id": s.teamID(l.Team)}
			}
			nodes = append(nodes, map[string]any{"id": l.ID, "name": l.Name, "isGroup": false, "team": t})
		}
	}
	return map[string]any{"issueLabels": map[string]any{"nodes": nodes}}, true
}

// labelMatches evaluates the part of IssueLabelFilter the fake knows:
// and, or, name {eq, eqIgnoreCase, in}, team {id {eq}, null}.
func (s *Server) labelMatches(l *Label, f map[string]any) (bool, error) {
	for k, v := range f {
		ok := true
		switch k {
		case "and", "or":
			list, _ := v.([]any)
			ok = k == "and"
			for _, sub := range list {
				m, _ := sub.(map[string]any)
				got, err := s.labelMatches(l, m)
				if err != nil {
					return false, err
				}
				if k == "and" {
					ok = ok && got
				} else {
					ok = ok || got
				}
			}
		case "name":
			c, _ := v.(map[string]any)
			for op, want := range c {
				switch op {
				case "eq":
					ok = ok && l.Name == want
				case "eqIgnoreCase":
					w, _ := want.(string)
					ok = ok && strings.EqualFold(l.Name, w)
				case "in":
					list, _ := want.([]any)
					ok = ok && slices.Contains(list, any(l.Name))
				default:
					return false, fmt.Errorf("linearfake: StringComparator.%s is not supported", op)
				}
			}
		case "team":
			c, _ := v.(map[string]any)
			for op, want := range c {
				switch op {
				case "null":
					ok = ok && (l.Team == "") == (want == true)
				case "id":
					id, _ := want.(map[string]any)
					ok = ok && l.Team != "" && s.teamID(l.Team) == id["eq"]
				default:
					return false, fmt.Errorf("linearfake: NullableTeamFilter.%s is not supported", op)
				}
			}
		default:
			return false, fmt.Errorf("Field %q is not defined by type \"IssueLabelFilter\" (or linearfake does not support it).", k)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func (s *Server) teamID(key string) string {
	for _, t := range s.teams {
		if t.key == key {
			return t.id
		}
	}
	return ""
}

func (s *Server) labelCreate(w http.ResponseWriter, req gqlRequest) (any, bool) {
	var in struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		TeamID string `json:"teamId"`
	}
	if !vars(w, req, &in, "input") || !strictKeys(w, req.Variables["input"], "IssueLabelCreateInput", slices.Collect(maps.Keys(labelCreateFields))...) {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	teamKey := ""
	if in.TeamID != "" {
		t := s.teamByID(in.TeamID)
		if t == nil {
			notFound(w, "Team")
			return nil, false
		}
		teamKey = t.key
	}
	switch {
	case strings.TrimSpace(in.Name) == "":
		invalid(w, "Argument Validation Error", "The label needs a name.")
		return nil, false
	case in.ID != "" && !uuidV4.MatchString(in.ID):
		invalid(w, "Argument Validation Error", "id must be a UUID.")
		return nil, false
	}
	for _, l := range s.labels {
		// Linear does not document these two answers; the fake refuses as
		// an INPUT_ERROR, which is what the client must survive.
		if l.ID == in.ID || (l.Team == teamKey || l.Team == "") && strings.EqualFold(l.Name, in.Name) {
			invalid(w, "Duplicate label", "A label with this name or id already exists.")
			return nil, false
		}
	}
	l := &Label{ID: in.ID, Name: in.Name, Team: teamKey}
	if l.ID == "" {
		l.ID = s.newID("label")
	}
	s.labels = append(s.labels, l)
	return map[string]any{"issueLabelCreate": map[string]any{"success": true, "lastSyncId": float64(s.seq),
		"issueLabel": map[string]any{"id": l.ID, "name": l.Name}}}, true
}

func (s *Server) issueCreate(w http.ResponseWriter, req gqlRequest) (any, bool) {
	var in struct {
		ID          string   `json:"id"`
		TeamID      string   `json:"teamId"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		AssigneeID  string   `json:"assigneeId"`
		DueDate     string   `json:"dueDate"`
		LabelIDs    []string `json:"labelIds"`
	}
	if !vars(w, req, &in, "input") || !strictKeys(w, req.Variables["input"], "IssueCreateInput", slices.Collect(maps.Keys(issueCreateFields))...) {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.issues {
		if in.ID != "" && is.ID == in.ID {
			is.Created++
			// Undocumented answer to a taken id; an INPUT_ERROR, as above.
			invalid(w, "Entity already exists", "An issue with this id already exists.")
			return nil, false
		}
	}
	t := s.teamByID(in.TeamID)
	if t == nil {
		notFound(w, "Team")
		return nil, false
	}
	var labels []string
	for _, id := range in.LabelIDs {
		i := slices.IndexFunc(s.labels, func(l *Label) bool { return l.ID == id && (l.Team == "" || l.Team == t.key) })
		if i < 0 {
			notFound(w, "IssueLabel")
			return nil, false
		}
		labels = append(labels, s.labels[i].Name)
	}
	switch {
	case in.ID != "" && !uuidV4.MatchString(in.ID):
		invalid(w, "Argument Validation Error", "id must be a UUID v4.")
		return nil, false
	case strings.TrimSpace(in.Title) == "":
		invalid(w, "Argument Validation Error", "The issue needs a title.")
		return nil, false
	case in.DueDate != "":
		if _, err := time.Parse(time.DateOnly, in.DueDate); err != nil {
			invalid(w, "Argument Validation Error", "dueDate must be a date, YYYY-MM-DD.")
			return nil, false
		}
	}
	if in.ID == "" {
		in.ID = s.newID("issue")
	}
	t.number++
	now := time.Now().UTC()
	ident := fmt.Sprintf("%s-%d", t.key, t.number)
	is := &issue{Issue: Issue{ID: in.ID, Identifier: ident, URL: "https://linear.app/acme/issue/" + ident + "/" + slug(in.Title),
		Team: t.key, Title: in.Title, Body: in.Description, Assignee: in.AssigneeID, Due: in.DueDate, Labels: labels,
		State: "unstarted", Created: 1}, teamID: t.id, createdAt: now, updatedAt: now}
	s.issues = append(s.issues, is)
	return map[string]any{"issueCreate": map[string]any{"success": true, "lastSyncId": float64(s.seq), "issue": s.view(is)}}, true
}

func (s *Server) issueQuery(w http.ResponseWriter, req gqlRequest) (any, bool) {
	var id string
	if !vars(w, req, &id, "id") {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.issues {
		if is.ID == id || strings.EqualFold(is.Identifier, id) {
			return map[string]any{"issue": s.view(is)}, true
		}
	}
	notFound(w, "Issue")
	return nil, false
}

// view is an issue as the API answers it (the fields the client selects,
// and a few more); s.mu is held.
func (s *Server) view(is *issue) map[string]any {
	t := s.teamByID(is.teamID)
	return map[string]any{"id": is.ID, "identifier": is.Identifier, "url": is.URL, "title": is.Title,
		"description": is.Body, "dueDate": nilIfEmpty(is.Due),
		"team":  map[string]any{"id": t.id, "key": t.key, "name": t.name},
		"state": map[string]any{"id": stateID(t.id, is.State), "name": stateNames[is.State], "type": is.State}}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// vars decodes variable name into v, answering a validation error when it
// is missing or of the wrong shape.
func vars(w http.ResponseWriter, req gqlRequest, v any, name string) bool {
	raw, ok := req.Variables[name]
	if !ok {
		fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error", fmt.Sprintf("Variable \"$%s\" of required type was not provided.", name))
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error", fmt.Sprintf("Variable \"$%s\" got invalid value: %v", name, err))
		return false
	}
	return true
}

// strictKeys refuses an input object with a field its type lacks.
func strictKeys(w http.ResponseWriter, raw json.RawMessage, typ string, allowed ...string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return true // vars has answered already
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			fail(w, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED", "graphql error",
				fmt.Sprintf("Variable \"$input\" got invalid value; Field %q is not defined by type %q.", k, typ))
			return false
		}
	}
	return true
}

// notFound is Linear's answer for an id that names nothing: HTTP 200,
// "Entity not found: Issue", INPUT_ERROR.
func notFound(w http.ResponseWriter, entity string) {
	failWith(w, http.StatusOK, "Entity not found: "+entity, map[string]any{"code": "INPUT_ERROR", "type": "invalid input",
		"userError": true, "userPresentableMessage": "Could not find referenced " + entity + "."})
}

func invalid(w http.ResponseWriter, msg, user string) {
	failWith(w, http.StatusOK, msg, map[string]any{"code": "INPUT_ERROR", "type": "invalid input", "userError": true,
		"userPresentableMessage": user})
}

func fail(w http.ResponseWriter, status int, code, typ, msg string) {
	failWith(w, status, msg, map[string]any{"code": code, "type": typ, "userError": true})
}

// failStatus is a failure with HTTP status as Linear would word it.
func failStatus(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusUnauthorized:
		failWith(w, status, "Authentication required, not authenticated", map[string]any{"code": "AUTHENTICATION_ERROR",
			"type": "authentication error", "statusCode": 401, "userError": true,
			"userPresentableMessage": "You need to authenticate to access this operation."})
	case status == http.StatusForbidden:
		failWith(w, status, "Forbidden", map[string]any{"code": "FORBIDDEN", "type": "forbidden", "statusCode": 403,
			"userError": true, "userPresentableMessage": "You don't have permission to do this."})
	case status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		failWith(w, status, "Rate limit exceeded.", map[string]any{"code": "RATELIMITED", "type": "ratelimited", "statusCode": 429})
	case status >= 500:
		failWith(w, status, "Internal server error", map[string]any{"code": "INTERNAL_SERVER_ERROR", "type": "internal error", "statusCode": status})
	default:
		failWith(w, status, http.StatusText(status), map[string]any{"code": "INPUT_ERROR", "type": "invalid input", "statusCode": status})
	}
}

func failWith(w http.ResponseWriter, status int, msg string, ext map[string]any) {
	answer(w, status, map[string]any{"data": nil, "errors": []any{map[string]any{"message": msg, "extensions": ext}}})
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
