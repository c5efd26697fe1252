package jirafake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var issueTypes = map[string]bool{"Task": true, "Bug": true, "Story": true}

type createBody struct {
	Fields struct {
		Project *struct {
			Key string `json:"key"`
			ID  string `json:"id"`
		} `json:"project"`
		Summary   *string `json:"summary"`
		IssueType *struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		} `json:"issuetype"`
		Description json.RawMessage `json:"description"`
		Labels      []string        `json:"labels"`
		Due         *string         `json:"duedate"`
		Assignee    *struct {
			AccountID string `json:"accountId"`
			ID        string `json:"id"`
		} `json:"assignee"`
	} `json:"fields"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Unexpected character in the request body: " + err.Error()}, nil)
		return
	}
	s.mu.Lock()
	refused, desc := s.check(b)
	if len(refused) > 0 {
		s.mu.Unlock()
		refuse(w, http.StatusBadRequest, nil, refused)
		return
	}
	f := b.Fields
	s.nextID++
	is := &issue{at: time.Now(), Issue: Issue{ID: strconv.Itoa(s.nextID), Project: f.Project.Key, Type: f.IssueType.Name,
		Summary: *f.Summary, Description: desc, Body: adfText(desc), Labels: slices.Clone(f.Labels), Status: statusToDo}}
	s.numbers[is.Project]++
	is.Key = fmt.Sprintf("%s-%d", is.Project, s.numbers[is.Project])
	if f.Due != nil {
		is.Due = *f.Due
	}
	if f.Assignee != nil {
		is.Assignee = or(f.Assignee.AccountID, f.Assignee.ID)
	}
	s.issues = append(s.issues, is)
	drop := s.drop
	s.drop = false
	out := map[string]any{"id": is.ID, "key": is.Key, "self": s.srv.URL + "/rest/api/3/issue/" + is.ID}
	s.mu.Unlock()
	if drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	answer(w, http.StatusCreated, out)
}

// notOnScreen is what Jira says of a field the create screen lacks.
const notOnScreen = "Field '%s' cannot be set. It is not on the appropriate screen, or unknown."

// check validates the fields as Jira does; refused maps each bad field to
// Jira's message. Call with s.mu held.
func (s *Server) check(b createBody) (refused map[string]string, desc map[string]any) {
	refused = map[string]string{}
	f := b.Fields
	if f.Project == nil || !s.projects[f.Project.Key] {
		refused["project"] = "valid project is required"
	}
	switch {
	case f.Summary == nil || strings.TrimSpace(*f.Summary) == "":
		refused["summary"] = "You must specify a summary of the issue."
	case strings.ContainsAny(*f.Summary, "\r\n"):
		refused["summary"] = "The summary is invalid because it contains newline characters."
	case len([]rune(*f.Summary)) > 255:
		refused["summary"] = "Summary must be less than 255 characters."
	}
	if f.IssueType == nil || !issueTypes[f.IssueType.Name] {
		refused["issuetype"] = "The issue type selected is invalid."
	}
	for _, l := range f.Labels {
		if strings.ContainsAny(l, " \t\n") || l == "" || len(l) > 255 {
			refused["labels"] = fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
		}
	}
	if f.Description != nil {
		if err := json.Unmarshal(f.Description, &desc); err != nil || validADF(desc) != nil {
			refused["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
		}
	}
	if f.Due != nil {
		if _, err := time.Parse("2006-01-02", *f.Due); err != nil {
			refused["duedate"] = "Error parsing date string: " + *f.Due
		}
	}
	if f.Assignee != nil && f.Assignee.AccountID == "" && f.Assignee.ID == "" {
		refused["assignee"] = "Specify a valid value for assignee"
	}
	for field := range s.hidden {
		if set(b, field) {
			refused[field] = fmt.Sprintf(notOnScreen, field)
		}
	}
	return refused, desc
}

func set(b createBody, field string) bool {
	switch field {
	case "duedate":
		return b.Fields.Due != nil
	case "assignee":
		return b.Fields.Assignee != nil
	case "labels":
		return b.Fields.Labels != nil
	case "description":
		return b.Fields.Description != nil
	}
	return false
}

// validADF checks what Jira's ADF validation would refuse of what the
// client writes: the doc node, known node types and no empty text.
func validADF(doc map[string]any) error {
	if doc["type"] != "doc" || doc["version"] != float64(1) {
		return fmt.Errorf("not a version 1 doc")
	}
	var walk func(n map[string]any) error
	walk = func(n map[string]any) error {
		t, _ := n["type"].(string)
		if !adfNodes[t] {
			return fmt.Errorf("unknown node %q", t)
		}
		if t == "text" {
			if s, _ := n["text"].(string); s == "" {
				return fmt.Errorf("empty text node")
			}
		}
		kids, _ := n["content"].([]any)
		for _, k := range kids {
			m, ok := k.(map[string]any)
			if !ok {
				return fmt.Errorf("content holds a non-node")
			}
			if err := walk(m); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(doc)
}

var adfNodes = map[string]bool{"doc": true, "paragraph": true, "text": true, "heading": true, "bulletList": true,
	"orderedList": true, "listItem": true, "codeBlock": true, "hardBreak": true, "mention": true, "blockquote": true, "rule": true}

// adfText is a document's text, a line per block; a mention reads @id.
func adfText(n map[string]any) string {
	var b strings.Builder
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if s, ok := n["text"].(string); ok {
			b.WriteString(s)
		}
		if n["type"] == "mention" {
			attrs, _ := n["attrs"].(map[string]any)
			id, _ := attrs["id"].(string)
			b.WriteString("@" + id)
		}
		kids, _ := n["content"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
		switch n["type"] {
		case "paragraph", "heading", "codeBlock":
			b.WriteString("\n")
		}
	}
	if n != nil {
		walk(n)
	}
	return strings.TrimRight(b.String(), "\n")
}

// keyLabel is the incidentbot- label tracker/jira puts on every issue.
func keyLabel(labels []string) string {
	for _, l := range labels {
		if strings.HasPrefix(l, "incidentbot-") {
			return l
		}
	}
	return ""
}

// The one JQL shape tracker/jira sends, which is all this fake reads.
var jqlShape = regexp.MustCompile(`^(?i:project)\s*=\s*"((?:[^"\\]|\\.)*)"\s+(?i:and)\s+(?i:labels)\s*=\s*"((?:[^"\\]|\\.)*)"(?:\s+(?i:order\s+by\s+created\s+asc))?\s*$`)

func unquote(s string) string { return strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(s) }

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	var b struct {
		JQL        string   `json:"jql"`
		Fields     []string `json:"fields"`
		MaxResults *int     `json:"maxResults"`
		Reconcile  []int64  `json:"reconcileIssues"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		refuse(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	m := jqlShape.FindStringSubmatch(b.JQL)
	if m == nil {
		refuse(w, http.StatusBadRequest, []string{fmt.Sprintf("Error in the JQL Query: jirafake reads only project = \"P\" AND labels = \"L\", not %q", b.JQL)}, nil)
		return
	}
	project, label := unquote(m[1]), unquote(m[2])
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.projects[project] {
		refuse(w, http.StatusBadRequest, []string{fmt.Sprintf("The value '%s' does not exist for the field 'project'.", project)}, nil)
		return
	}
	limit := 50
	if b.MaxResults != nil && *b.MaxResults > 0 {
		limit = min(*b.MaxResults, 5000)
	}
	fields := b.Fields
	if fields == nil {
		fields = []string{"id"} // the enhanced search returns only ids by default
	}
	issues := []map[string]any{}
	for _, is := range s.issues {
		id, _ := strconv.ParseInt(is.ID, 10, 64)
		indexed := time.Since(is.at) >= s.lag || slices.Contains(b.Reconcile, id)
		if is.Project == project && slices.Contains(is.Labels, label) && indexed && len(issues) < limit {
			issues = append(issues, s.view(is, fields))
		}
	}
	answer(w, http.StatusOK, map[string]any{"issues": issues, "isLast": true})
}
