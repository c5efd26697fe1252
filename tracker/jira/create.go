package jira

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// Create opens one issue in project for the item: one attempt at the
// create, repeated only when Jira answers 429. When Jira refuses nothing
// but the assignee or the due date (common: the field is not on the
// project's create screen), it creates the issue once more without them
// and writes the owner and the due date into the description instead:
// the first create was refused, so nothing was made twice.
//
// POST /rest/api/3/issue with fields project{key}, summary,
// issuetype{name}, description (ADF), labels, duedate "YYYY-MM-DD" and
// assignee{accountId}; Jira answers 201 {"id", "key", "self"}
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post;
// users are named by accountId since
// https://developer.atlassian.com/cloud/jira/platform/deprecation-notice-user-privacy-api-migration-guide/).
func (c *Client) Create(ctx context.Context, project string, is incident.TrackerIssue) (incident.TrackerRef, error) {
	if is.Key == "" {
		return incident.TrackerRef{}, errors.New("jira: create issue: the item has no key, so a lost answer could not be found again")
	}
	c.remember(is.Key, "") // unknown until Jira answers
	ref, err := c.create(ctx, project, is, true, true)
	if drop := refusedFields(err); dropOnly(drop, is) {
		_, noOwner := drop["assignee"]
		_, noDue := drop["duedate"]
		var again error
		ref, again = c.create(ctx, project, is, !noOwner, !noDue)
		if again != nil {
			// The second try's failure is what happened last: its status
			// decides whether an issue may exist, its sentence is shown.
			again = fmt.Errorf("%w (tried without %s, which Jira refused at first: %v)",
				again, strings.Join(slices.Sorted(maps.Keys(drop)), " and "), err)
		}
		err = again
	}
	switch status := retry.StatusOf(err); {
	case err == nil:
		c.remember(is.Key, ref.ID)
	case status >= 400 && status < 500:
		c.forget(is.Key) // refused: nothing was made
	}
	if err != nil {
		return incident.TrackerRef{}, fmt.Errorf("jira: create issue in %s: %w", project, err)
	}
	return ref, nil
}

// dropOnly reports whether Jira refused only fields the item can do
// without, and sent.
func dropOnly(refused map[string]string, is incident.TrackerIssue) bool {
	if len(refused) == 0 {
		return false
	}
	for f := range refused {
		switch {
		case f == "assignee" && is.Assignee != "":
		case f == "duedate" && !is.Due.IsZero():
		default:
			return false
		}
	}
	return true
}

func (c *Client) create(ctx context.Context, project string, is incident.TrackerIssue, withOwner, withDue bool) (incident.TrackerRef, error) {
	fields := map[string]any{
		"project":     map[string]string{"key": project},
		"summary":     summary(is.Title),
		"issuetype":   map[string]string{"name": c.issueType},
		"description": description(is, !withOwner, !withDue),
		"labels":      labels(is),
	}
	if withOwner && is.Assignee != "" {
		fields["assignee"] = map[string]string{"accountId": is.Assignee}
	}
	if withDue && !is.Due.IsZero() {
		fields["duedate"] = is.Due.Format(dateLayout)
	}
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	err := c.creates.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, http.MethodPost, "/issue", map[string]any{"fields": fields}, &out)
	})
	if err != nil {
		return incident.TrackerRef{}, err
	}
	if out.ID == "" || out.Key == "" {
		return incident.TrackerRef{}, errors.New("the answer has no issue id or key")
	}
	return c.ref(project, out.ID, out.Key), nil
}

// Find returns the issue made before for key: the oldest in project with
// its KeyLabel. Jira's search is eventually consistent, so it passes the
// id of an issue this client created for key lately in reconcileIssues,
// which makes the search include it; and after a create whose answer was
// lost (id unknown) it keeps looking for up to Config.Settle.
//
// POST /rest/api/3/search/jql {jql, fields, maxResults, reconcileIssues},
// answered {"issues": [{id, key, fields}], "isLast"}
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post;
// the old /rest/api/3/search is removed, CHANGE-2046 in
// https://developer.atlassian.com/changelog/).
func (c *Client) Find(ctx context.Context, project, key string) (incident.TrackerRef, bool, error) {
	label := KeyLabel(key)
	jql := "project = " + jqlString(project) + " AND labels = " + jqlString(label) + " ORDER BY created ASC"
	s, known := c.lookup(key)
	for attempt := 0; ; attempt++ {
		ref, found, err := c.search(ctx, project, jql, label, s.id)
		if err != nil {
			return incident.TrackerRef{}, false, fmt.Errorf("jira: find the issue for %s in %s: %w", key, project, err)
		}
		left := c.settle - time.Since(s.at)
		if found || !known || s.id != "" || left <= 0 {
			return ref, found, nil
		}
		t := time.NewTimer(min(250*time.Millisecond<<min(attempt, 3), left))
		select {
		case <-ctx.Done():
			t.Stop()
			return incident.TrackerRef{}, false, fmt.Errorf("jira: find the issue for %s in %s: %w", key, project, context.Cause(ctx))
		case <-t.C:
		}
	}
}

func (c *Client) search(ctx context.Context, project, jql, label, id string) (incident.TrackerRef, bool, error) {
	in := map[string]any{"jql": jql, "fields": []string{"labels"}, "maxResults": 10}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		in["reconcileIssues"] = []int64{n}
	}
	var out struct {
		Issues []struct {
			ID     string `json:"id"`
			Key    string `json:"key"`
			Fields struct {
				Labels []string `json:"labels"`
			} `json:"fields"`
		} `json:"issues"`
	}
	err := c.reads.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, http.MethodPost, "/search/jql", in, &out)
	})
	if err != nil {
		return incident.TrackerRef{}, false, err
	}
	for _, is := range out.Issues {
		// The JQL matched already; the check keeps a loose match out.
		if slices.Contains(is.Fields.Labels, label) && is.ID != "" && is.Key != "" {
			return c.ref(project, is.ID, is.Key), true, nil
		}
	}
	return incident.TrackerRef{}, false, nil
}

// jqlString quotes s as a JQL string: in double quotes, with '"' and '\'
// escaped by a backslash
// (https://support.atlassian.com/jira-software-cloud/docs/use-advanced-search-with-jira-query-language-jql/).
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// remember notes a create for key: id "" while its outcome is unknown.
// Entries older than the settle window are of no use; they are dropped
// once per window, so a busy client does not scan the map on every create.
func (c *Client) remember(key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if keep := max(c.settle, time.Minute); now.Sub(c.pruned) > keep {
		for k, s := range c.recent {
			if now.Sub(s.at) > keep {
				delete(c.recent, k)
			}
		}
		c.pruned = now
	}
	at := now
	if s, ok := c.recent[key]; ok && id != "" {
		at = s.at // the window runs from when the create was sent
	}
	c.recent[key] = sent{id: id, at: at}
}

func (c *Client) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.recent, key)
}

func (c *Client) lookup(key string) (sent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.recent[key]
	return s, ok
}
