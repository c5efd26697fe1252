package githubfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The wire formats below follow
// https://docs.github.com/en/rest/issues/issues (create an issue, list
// repository issues, get an issue) and, for 422 bodies,
// https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#validation-failed.

// repo is the path's repository as the fake spells it, or "" after a 404.
func (s *Server) repo(w http.ResponseWriter, r *http.Request) string {
	full := r.PathValue("owner") + "/" + r.PathValue("repo")
	s.mu.Lock()
	name, ok := s.names[strings.ToLower(full)]
	s.mu.Unlock()
	if !ok {
		refuse(w, http.StatusNotFound, "Not Found")
		return ""
	}
	return name
}

// validation is GitHub's 422 "Validation Failed" with one error.
func validation(w http.ResponseWriter, e map[string]any) {
	answer(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "errors": []map[string]any{e},
		"documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue", "status": "422"})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	repo := s.repo(w, r)
	if repo == "" {
		return
	}
	var in struct {
		Title     *string  `json:"title"`
		Body      *string  `json:"body"`
		Assignee  *string  `json:"assignee"`
		Assignees []string `json:"assignees"`
		Labels    []string `json:"labels"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		refuse(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		validation(w, map[string]any{"resource": "Issue", "code": "missing_field", "field": "title"})
		return
	}
	body := ""
	if in.Body != nil {
		body = *in.Body
	}
	if len([]rune(body)) > 65536 {
		validation(w, map[string]any{"resource": "Issue", "code": "custom", "field": "body",
			"message": "body is too long (maximum is 65536 characters)"})
		return
	}
	assignees := slices.Clone(in.Assignees)
	if in.Assignee != nil && *in.Assignee != "" {
		assignees = append(assignees, *in.Assignee)
	}
	s.mu.Lock()
	for _, a := range assignees {
		if s.assignable != nil && !s.assignable[strings.ToLower(a)] {
			s.mu.Unlock()
			validation(w, map[string]any{"value": a, "resource": "Issue", "field": "assignees", "code": "invalid"})
			return
		}
	}
	now := time.Now().UTC()
	is := &issue{Issue: Issue{Repo: repo, Title: *in.Title, Body: body, Assignees: assignees, Labels: dedupe(in.Labels)},
		createdAt: now, updated: now}
	is.Number = 1
	for _, o := range s.issues {
		if o.Repo == repo {
			is.Number = max(is.Number, o.Number+1)
		}
	}
	is.id = int64(len(s.issues) + 1)
	is.parse()
	s.issues = append(s.issues, is)
	out := s.view(is)
	drop := s.dropNext > 0
	if drop {
		s.dropNext--
	}
	s.mu.Unlock()
	if drop {
		hangUp(w)
		return
	}
	w.Header().Set("Location", out["url"].(string))
	answer(w, http.StatusCreated, out)
}

// hangUp closes the connection with no answer at all.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server drops the connection
}

// dedupe is GitHub's treatment of label names: one label per name,
// whatever its case; a label that does not exist is made.
func dedupe(in []string) []string {
	var out []string
	for _, l := range in {
		if l != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, l) }) {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	repo := s.repo(w, r)
	if repo == "" {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	if state != "open" && state != "closed" && state != "all" {
		validation(w, map[string]any{"resource": "Issue", "field": "state", "code": "invalid"})
		return
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	perPage, page := atoiOr(q.Get("per_page"), 30), atoiOr(q.Get("page"), 1)
	perPage = min(max(perPage, 1), 100)
	page = max(page, 1)

	s.mu.Lock()
	var match []*issue
	for _, is := range s.issues {
		if is.Repo != repo || (state == "open" && is.Done) || (state == "closed" && !is.Done) {
			continue
		}
		if !slices.ContainsFunc(want, func(l string) bool {
			return !slices.ContainsFunc(is.Labels, func(have string) bool { return strings.EqualFold(have, strings.TrimSpace(l)) })
		}) {
			match = append(match, is)
		}
	}
	// Sorted by creation (the only sort the client asks for), newest
	// first unless direction=asc; equal times fall back to the number.
	slices.SortStableFunc(match, func(a, b *issue) int { return a.Number - b.Number })
	if q.Get("direction") != "asc" {
		slices.Reverse(match)
	}
	from := min((page-1)*perPage, len(match))
	to := min(from+perPage, len(match))
	out := make([]map[string]any, 0, to-from)
	for _, is := range match[from:to] {
		out = append(out, s.view(is))
	}
	s.mu.Unlock()
	last := max((len(match)+perPage-1)/perPage, 1)
	if page < last {
		link := func(p int) string {
			u := *r.URL
			v := u.Query()
			v.Set("page", strconv.Itoa(p))
			v.Set("per_page", strconv.Itoa(perPage))
			u.RawQuery = v.Encode()
			return "<" + s.srv.URL + u.RequestURI() + ">"
		}
		w.Header().Set("Link", link(page+1)+`; rel="next", `+link(last)+`; rel="last"`)
	}
	answer(w, http.StatusOK, out)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	repo := s.repo(w, r)
	if repo == "" {
		return
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.issues, func(is *issue) bool { return err == nil && is.Repo == repo && is.Number == n })
	if i < 0 {
		refuse(w, http.StatusNotFound, "Not Found")
		return
	}
	answer(w, http.StatusOK, s.view(s.issues[i]))
}

// view is an issue as GitHub answers it (the fields that matter, and the
// ones a client might lean on). Called with s.mu held.
func (s *Server) view(is *issue) map[string]any {
	api := fmt.Sprintf("%s/repos/%s/issues/%d", s.srv.URL, is.Repo, is.Number)
	labels := make([]map[string]any, 0, len(is.Labels))
	for i, l := range is.Labels {
		labels = append(labels, map[string]any{"id": 5000 + i, "name": l, "color": "ededed", "default": false,
			"url": fmt.Sprintf("%s/repos/%s/labels/%s", s.srv.URL, is.Repo, l)})
	}
	assignees := make([]map[string]any, 0, len(is.Assignees))
	for _, a := range is.Assignees {
		assignees = append(assignees, user(a))
	}
	var assignee any
	if len(assignees) > 0 {
		assignee = assignees[0]
	}
	state, closedAt, reason := "open", any(nil), any(nil)
	if is.Done {
		state, closedAt = "closed", is.closedAt.Format(time.RFC3339)
	}
	if is.stateReason != "" {
		reason = is.stateReason
	}
	return map[string]any{
		"id": is.id, "node_id": fmt.Sprintf("I_fake%d", is.id), "url": api,
		"repository_url": fmt.Sprintf("%s/repos/%s", s.srv.URL, is.Repo),
		"html_url":       fmt.Sprintf("%s/%s/issues/%d", s.srv.URL, is.Repo, is.Number),
		"number":         is.Number, "state": state, "state_reason": reason, "title": is.Title, "body": is.Body,
		"user": user("incidentbot"), "labels": labels, "assignee": assignee, "assignees": assignees,
		"comments": 0, "locked": false, "author_association": "MEMBER",
		"created_at": is.createdAt.Format(time.RFC3339), "updated_at": is.updated.Format(time.RFC3339),
		"closed_at": closedAt,
	}
}

func user(login string) map[string]any {
	return map[string]any{"login": login, "id": len(login) * 7919, "type": "User", "site_admin": false,
		"html_url": "https://github.com/" + login}
}

func atoiOr(s string, d int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return d
}
