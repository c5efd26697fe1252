// Package github exports postmortem follow-ups to GitHub as issues, through
// the REST API (go-github), and hears through the issues webhook when
// one is closed or reopened.
//
// A create whose answer was lost must not make a second issue, so every
// issue carries its item's key in a hidden marker line of its body (see
// Marker) and Find looks for it among the repository's newest issues. The
// list endpoint is used, not search: the search index lags behind a
// create, and Find must see an issue made a moment ago.
package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// DefaultAPIURL is github.com's REST API. GitHub Enterprise Server's is
// https://HOST/api/v3 (the value GitHub Actions puts in GITHUB_API_URL).
const DefaultAPIURL = "https://api.github.com/"

// Defaults for a Config's zero fields.
const (
	// DefaultFindLabel narrows Find's scan: the caller gives every
	// follow-up this label.
	DefaultFindLabel = "incident"
	// DefaultFindPages bounds Find's scan, 100 issues a page.
	DefaultFindPages = 3
)

// DefaultRetry is the policy for reads; creates use a copy with
// RejectedOnly, so only a 429 (or GitHub's 403 rate limit) repeats one.
var DefaultRetry = retry.Policy{MaxRetries: 3, Base: 250 * time.Millisecond, Max: 5 * time.Second}

// Config says how to reach GitHub and as whom.
type Config struct {
	// Token is a personal access token or any other bearer token
	// (GITHUB_TOKEN); ignored when App is set. It needs Issues: read and
	// write on the repositories follow-ups go to.
	Token string
	// App authenticates as a GitHub App installation instead of Token.
	App *App
	// APIURL is the REST API's base (GITHUB_API_URL), taken as it is;
	// "" means DefaultAPIURL.
	APIURL string
	// HTTPClient nil means a client with a 10 s timeout per request.
	HTTPClient *http.Client
	// Retry is the policy for reads (Find, State); its zero MaxRetries,
	// Base and Max take DefaultRetry's (MaxRetries -1: no retries).
	// Creates take a copy with RejectedOnly set.
	Retry retry.Policy
	// FindLabel is the label Find first narrows the list by; ""
	// means DefaultFindLabel.
	FindLabel string
	// FindPages bounds that scan; zero means DefaultFindPages.
	FindPages int
}

// Client opens and reads issues. It is safe for concurrent use.
type Client struct {
	gh           *gh.Client
	read, create retry.Policy
	token        string
	authEnv      string // the settings to check when GitHub refuses us
	label        string
	pages        int
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	base, err := apiURL(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	c := &Client{read: cfg.Retry, label: cfg.FindLabel, pages: cfg.FindPages, authEnv: "GITHUB_TOKEN"}
	if c.read.MaxRetries == 0 {
		c.read.MaxRetries = DefaultRetry.MaxRetries
	}
	if c.read.Base == 0 {
		c.read.Base, c.read.Max = DefaultRetry.Base, cmp.Or(c.read.Max, DefaultRetry.Max)
	}
	c.create = c.read
	c.create.RejectedOnly = true
	if c.label == "" {
		c.label = DefaultFindLabel
	}
	if c.pages <= 0 {
		c.pages = DefaultFindPages
	}
	if cfg.App != nil {
		c.authEnv = "the GitHub App (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PRIVATE_KEY)"
		t, err := newAppTransport(*cfg.App, base, hc.Transport)
		if err != nil {
			return nil, err
		}
		hc2 := *hc
		hc2.Transport = t
		c.gh = gh.NewClient(&hc2)
	} else {
		c.token = cfg.Token
		c.gh = gh.NewClient(hc).WithAuthToken(cfg.Token)
	}
	c.gh.BaseURL = base
	// The retry policy above is the one place that waits; go-github's own
	// rate-limit bookkeeping would answer later calls without asking.
	c.gh.DisableRateLimitCheck = true
	return c, nil
}

func apiURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultAPIURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("github: GITHUB_API_URL %q is not an http(s) URL", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/" // go-github resolves paths against it
	}
	return u, nil
}

// Create opens one issue in project ("owner/repo") for the item; it is one
// attempt at the create (a rate-limited one is retried). When GitHub
// refuses the assignee (422: not someone who can be assigned in that
// repository), the issue is made without one and names the owner in its
// body instead.
//
// Only a token with push access sets labels and assignees; without it
// GitHub drops them silently
// (https://docs.github.com/en/rest/issues/issues#create-an-issue), which
// is why Find does not rely on the label alone. That a label the
// repository lacks is made on the fly is not on that page; public reports
// of "You do not have permission to create labels on this repository"
// (403) show GitHub tries, and refuses a token that may not.
func (c *Client) Create(ctx context.Context, project string, is incident.TrackerIssue) (incident.TrackerRef, error) {
	owner, repo, err := splitRepo(project)
	if err != nil {
		return incident.TrackerRef{}, err
	}
	if strings.TrimSpace(is.Key) == "" || strings.TrimSpace(is.Title) == "" {
		return incident.TrackerRef{}, fmt.Errorf("github: create issue in %s: the item has no key or no title", project)
	}
	out, refused, err := c.open(ctx, owner, repo, is, is.Assignee)
	if refused {
		out, _, err = c.open(ctx, owner, repo, is, "")
	}
	if err != nil {
		return incident.TrackerRef{}, fmt.Errorf("github: create issue in %s: %w", project, err)
	}
	return ref(project, out), nil
}

// open sends the create; refused reports that GitHub would not take the
// assignee, so the caller can send it again without one (a 422 is a
// refusal before anything was made).
func (c *Client) open(ctx context.Context, owner, repo string, is incident.TrackerIssue, assignee string) (out *gh.Issue, refused bool, err error) {
	ownerLine := ""
	if assignee == "" {
		ownerLine = is.Assignee
	}
	req := &gh.IssueRequest{
		Title:  gh.Ptr(strings.TrimSpace(is.Title)),
		Body:   gh.Ptr(body(is, ownerLine)),
		Labels: gh.Ptr(labels(is.Labels)),
	}
	if assignee != "" {
		req.Assignees = &[]string{strings.TrimPrefix(assignee, "@")}
	}
	err = c.create.Do(ctx, func(ctx context.Context) error {
		var err error
		out, _, err = c.gh.Issues.Create(ctx, owner, repo, req)
		refused = assignee != "" && unassignable(err)
		return c.mark(err, "repository "+owner+"/"+repo)
	})
	if err == nil && out.GetNumber() == 0 {
		err = errors.New("the answer has no issue number")
	}
	return out, refused, err
}

// Find returns the issue made before for key in project, found == false
// when there is none. It scans the newest issues carrying the follow-up
// label, then the newest issues of all, since GitHub drops the labels of
// a create made without push access.
//
// The list endpoint (GET /repos/{owner}/{repo}/issues, state=all,
// sort=created, direction=desc, labels, per_page, page;
// https://docs.github.com/en/rest/issues/issues#list-repository-issues)
// reads the issues themselves. Search is an index, limited to 30 requests
// a minute and allowed to answer incomplete_results
// (https://docs.github.com/en/rest/search/search#about-search), and is
// not promised to show a create at once.
func (c *Client) Find(ctx context.Context, project, key string) (incident.TrackerRef, bool, error) {
	owner, repo, err := splitRepo(project)
	if err != nil {
		return incident.TrackerRef{}, false, err
	}
	marker := Marker(key)
	found, err := c.scan(ctx, owner, repo, []string{c.label}, c.pages, marker)
	if found == nil && err == nil {
		found, err = c.scan(ctx, owner, repo, nil, 1, marker)
	}
	if err != nil {
		return incident.TrackerRef{}, false, fmt.Errorf("github: find the issue for %s in %s: %w", key, project, err)
	}
	if found == nil {
		return incident.TrackerRef{}, false, nil
	}
	return ref(project, found), true, nil
}

// scan lists up to pages pages of issues, newest first, and returns the
// first whose body holds marker.
func (c *Client) scan(ctx context.Context, owner, repo string, labels []string, pages int, marker string) (*gh.Issue, error) {
	opts := &gh.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "desc", Labels: labels}
	opts.ListOptions = gh.ListOptions{PerPage: 100, Page: 1}
	for range pages {
		var list []*gh.Issue
		var res *gh.Response
		err := c.read.Do(ctx, func(ctx context.Context) error {
			var err error
			list, res, err = c.gh.Issues.ListByRepo(ctx, owner, repo, opts)
			return c.mark(err, "repository "+owner+"/"+repo)
		})
		if err != nil {
			return nil, err
		}
		for _, is := range list {
			if !is.IsPullRequest() && strings.Contains(is.GetBody(), marker) {
				return is, nil
			}
		}
		if res == nil || res.NextPage == 0 {
			break
		}
		opts.ListOptions.Page = res.NextPage
	}
	return nil, nil
}

// State reports whether the issue is closed. GitHub has one closed state,
// whatever its state_reason (completed, not_planned): either way the
// follow-up is no longer open.
func (c *Client) State(ctx context.Context, r incident.TrackerRef) (bool, error) {
	owner, repo, err := splitRepo(r.Project)
	if err != nil {
		return false, err
	}
	n, err := strconv.Atoi(r.ID)
	if err != nil || n <= 0 {
		return false, fmt.Errorf("github: %q is not an issue number", r.ID)
	}
	what := fmt.Sprintf("issue %s#%d", r.Project, n)
	var is *gh.Issue
	err = c.read.Do(ctx, func(ctx context.Context) error {
		var err error
		is, _, err = c.gh.Issues.Get(ctx, owner, repo, n)
		return c.mark(err, what)
	})
	if err != nil {
		return false, fmt.Errorf("github: read %s: %w", what, err)
	}
	return is.GetState() == "closed", nil
}

func splitRepo(project string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(project, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return "", "", fmt.Errorf("github: %q is not a repository: write org/repo", project)
	}
	return owner, repo, nil
}

func ref(project string, is *gh.Issue) incident.TrackerRef {
	n := strconv.Itoa(is.GetNumber())
	return incident.TrackerRef{Kind: incident.TrackerGitHub, Project: project, ID: n,
		Key: project + "#" + n, URL: is.GetHTMLURL()}
}
