// Package jira exports postmortem follow-ups to Jira Cloud as issues and
// hears when they are done, over the REST API v3 with an Atlassian
// account's email and API token. Each issue carries its item's key as a
// label (KeyLabel), so a create whose answer was lost is found again with
// JQL instead of being made twice.
package jira

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// The environment variables the wiring reads; error sentences name them.
const (
	EnvBaseURL       = "JIRA_BASE_URL"       // the site, https://acme.atlassian.net
	EnvAPIURL        = "JIRA_API_URL"        // optional: where API calls go instead
	EnvEmail         = "JIRA_EMAIL"          // the Atlassian account the token belongs to
	EnvToken         = "JIRA_API_TOKEN"      // its API token
	EnvIssueType     = "JIRA_ISSUE_TYPE"     // optional, default DefaultIssueType
	EnvWebhookSecret = "JIRA_WEBHOOK_SECRET" // the admin webhook's secret
)

// DefaultIssueType is the issue type follow-ups are created as.
const DefaultIssueType = "Task"

// DefaultSettle is how long Find keeps looking for an issue whose create
// went unanswered: Jira's search is eventually consistent, "the majority
// of modifications are shown within seconds"
// (https://developer.atlassian.com/cloud/jira/platform/search-and-reconcile/).
const DefaultSettle = 10 * time.Second

// DefaultPolicy retries reads (Find, State) on temporary failures.
var DefaultPolicy = retry.Policy{MaxRetries: 3, Base: 500 * time.Millisecond, Max: 5 * time.Second}

// Config says which site to talk to and as whom.
type Config struct {
	// BaseURL is the site (JIRA_BASE_URL): issue links are BaseURL/browse/KEY
	// and API calls go to BaseURL/rest/api/3 unless APIURL is set.
	BaseURL string
	// APIURL (JIRA_API_URL) replaces BaseURL for API calls only: the
	// gateway https://api.atlassian.com/ex/jira/<cloudId> that scoped API
	// tokens require
	// (https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/),
	// or a fake in tests. Links still use BaseURL, or APIURL when BaseURL
	// is empty.
	APIURL       string
	Email, Token string
	// IssueType is the issue type's name; "" means DefaultIssueType.
	IssueType string
	// HTTP nil means a client with a 10 s timeout.
	HTTP *http.Client
	// Policy retries reads; the zero value means DefaultPolicy. Creates
	// use a copy with RejectedOnly set: only a 429 is repeated.
	Policy retry.Policy
	// Settle is how long after an unanswered create Find keeps looking;
	// zero means DefaultSettle, negative not at all.
	Settle time.Duration
}

// Client talks to one Jira site. It is safe for concurrent use.
type Client struct {
	api, site, issueType string
	auth, token          string
	hc                   *http.Client
	reads, creates       retry.Policy
	settle               time.Duration

	mu     sync.Mutex
	recent map[string]sent // by item key: creates sent lately
	pruned time.Time
}

// sent is a create this client sent: id is Jira's issue id once it
// answered, "" while the outcome is unknown.
type sent struct {
	id string
	at time.Time
}

// New checks cfg and returns a client; its errors are sentences for the
// person configuring the bot.
func New(cfg Config) (*Client, error) {
	site := strings.TrimSuffix(cfg.BaseURL, "/")
	api := strings.TrimSuffix(cfg.APIURL, "/")
	if api == "" {
		api = site
	}
	if site == "" {
		site = api
	}
	if u, err := url.Parse(api); api == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jira: %s must be the site's address, like https://acme.atlassian.net (got %q)", EnvBaseURL, api)
	}
	if cfg.Email == "" || cfg.Token == "" {
		return nil, fmt.Errorf("jira: set %s and %s: the Atlassian account and its API token", EnvEmail, EnvToken)
	}
	c := &Client{api: api + "/rest/api/3", site: site, issueType: cfg.IssueType, token: cfg.Token, hc: cfg.HTTP,
		reads: cfg.Policy, settle: cfg.Settle, recent: map[string]sent{},
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Email+":"+cfg.Token))}
	if c.issueType == "" {
		c.issueType = DefaultIssueType
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if c.reads.MaxRetries == 0 && c.reads.Base == 0 && c.reads.Sleep == nil {
		c.reads = DefaultPolicy
	}
	c.creates = c.reads
	c.creates.RejectedOnly = true
	if c.settle == 0 {
		c.settle = DefaultSettle
	}
	return c, nil
}

// ref is the TrackerRef of one issue.
func (c *Client) ref(project, id, key string) incident.TrackerRef {
	return incident.TrackerRef{Kind: incident.TrackerJira, Project: project, ID: id, Key: key,
		URL: c.site + "/browse/" + url.PathEscape(key)}
}

// State reports whether the issue is in a done status category:
// GET /rest/api/3/issue/{idOrKey}?fields=status, whose
// fields.status.statusCategory.key is "new", "indeterminate" or "done"
// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get).
func (c *Client) State(ctx context.Context, ref incident.TrackerRef) (bool, error) {
	idOrKey := ref.ID
	if idOrKey == "" {
		idOrKey = ref.Key
	}
	if idOrKey == "" {
		return false, errors.New("jira: issue state: the reference has neither id nor key")
	}
	var out struct {
		Fields struct {
			Status struct {
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	}
	err := c.reads.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, http.MethodGet, "/issue/"+url.PathEscape(idOrKey)+"?fields=status", nil, &out)
	})
	if err != nil {
		return false, fmt.Errorf("jira: read issue %s: %w", or(ref.Key, idOrKey), err)
	}
	return out.Fields.Status.StatusCategory.Key == "done", nil
}

// do sends one request. Failures carry the HTTP status (retry.WithStatus),
// the wait a 429 asked for (retry.After) and a sentence a person can act
// on; never the token.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.api+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return retry.WithStatus(fmt.Errorf("read the answer: %w", err), res.StatusCode)
	}
	if res.StatusCode/100 != 2 {
		// A server that echoes the request must not put the token in a log.
		for _, secret := range []string{c.token, c.auth, strings.TrimPrefix(c.auth, "Basic ")} {
			data = bytes.ReplaceAll(data, []byte(secret), []byte("[redacted]"))
		}
		err := retry.WithStatus(answerError(res.StatusCode, data), res.StatusCode)
		if d, ok := retry.RetryAfter(res.Header, time.Now()); ok && res.StatusCode == http.StatusTooManyRequests {
			// Jira sends Retry-After with its 429s
			// (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
			err = retry.After(err, d)
		}
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
