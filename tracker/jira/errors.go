package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// collection is Jira's error body, {"errorMessages": [...], "errors":
// {field: message}}: ErrorCollection in
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
// (the 400 answer of "Create issue").
type collection struct {
	Messages []string          `json:"errorMessages"`
	Fields   map[string]string `json:"errors"`
}

// detail is the collection as one line, fields sorted: "assignee: ...;
// duedate: ...".
func (c collection) detail() string {
	parts := slices.Clone(c.Messages)
	for _, f := range slices.Sorted(maps.Keys(c.Fields)) {
		parts = append(parts, f+": "+c.Fields[f])
	}
	return strings.Join(parts, "; ")
}

// answer is a refusal: the sentence for a person, what Jira said, and a
// snippet of the raw answer for the log.
type answer struct {
	kind    *incident.Error
	said    collection
	status  int
	snippet string
}

func (a *answer) Error() string {
	return fmt.Sprintf("%s (HTTP %d: %s)", a.kind.Message, a.status, a.snippet)
}

func (a *answer) Unwrap() error { return a.kind }

// refusedFields are the fields a 400 named, nil for anything else.
func refusedFields(err error) map[string]string {
	if a, ok := errors.AsType[*answer](err); ok && a.status == http.StatusBadRequest {
		return a.said.Fields
	}
	return nil
}

// answerError says what a refusal means, naming what to check.
func answerError(status int, body []byte) error {
	var said collection
	_ = json.Unmarshal(body, &said) // a 401 may be plain text; the status still speaks
	snippet := strings.TrimSpace(strings.ToValidUTF8(string(body[:min(len(body), 300)]), ""))
	code, msg := incident.EUnavailable, ""
	switch {
	case status == http.StatusUnauthorized:
		msg = fmt.Sprintf("Jira refused the credentials: check %s and %s (a scoped API token also needs %s=https://api.atlassian.com/ex/jira/<cloud id>)",
			EnvEmail, EnvToken, EnvAPIURL)
	case status == http.StatusForbidden:
		msg = fmt.Sprintf("Jira does not let the account in %s do this: it needs Browse projects and Create issues in the project", EnvEmail)
	case status == http.StatusNotFound:
		msg = fmt.Sprintf("Jira has no such issue or project, or the account in %s cannot see it: check %s and the project key", EnvEmail, EnvBaseURL)
	case status == http.StatusTooManyRequests:
		msg = "Jira is rate-limiting us"
	case status >= 500:
		msg = fmt.Sprintf("Jira is having trouble (HTTP %d)", status)
	case status == http.StatusBadRequest:
		code, msg = incident.EInvalid, "Jira refused it"
		if d := said.detail(); d != "" {
			msg += ": " + d
		}
		if _, ok := said.Fields["project"]; ok {
			msg += fmt.Sprintf(" (check the project key, and that the account in %s can create issues there)", EnvEmail)
		}
	default:
		msg = fmt.Sprintf("Jira refused the request (HTTP %d)", status)
		if d := said.detail(); d != "" {
			msg += ": " + d
		}
	}
	return &answer{kind: incident.Errorf(code, "%s", msg), said: said, status: status, snippet: snippet}
}
