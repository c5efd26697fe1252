// Package linear exports postmortem follow-ups to Linear as issues and
// hears when they are done, over Linear's GraphQL API with a personal API
// key. Linear lets the client choose an issue's id, so each issue's id is
// derived from its item's key (issueID): a create whose answer was lost
// is found again by id, at once and exactly, and a second create of the
// same item is refused by Linear instead of making a twin.
package linear

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// The environment variables the wiring reads; error sentences name them.
const (
	EnvAPIKey        = "LINEAR_API_KEY"        // a personal API key (lin_api_…)
	EnvAPIURL        = "LINEAR_API_URL"        // optional: the GraphQL endpoint, for tests
	EnvWebhookSecret = "LINEAR_WEBHOOK_SECRET" // the webhook's signing secret
)

// DefaultURL is Linear's GraphQL endpoint
// (https://linear.app/developers/graphql).
const DefaultURL = "https://api.linear.app/graphql"

// DefaultPolicy retries reads (Find, State, team and label lookups) on
// temporary failures.
var DefaultPolicy = retry.Policy{MaxRetries: 3, Base: 500 * time.Millisecond, Max: 5 * time.Second}

// Config says where Linear is and which key to use.
type Config struct {
	APIKey string // LINEAR_API_KEY
	URL    string // LINEAR_API_URL; "" means DefaultURL
	// HTTP nil means a client with a 10 s timeout.
	HTTP *http.Client
	// Policy retries reads; the zero value means DefaultPolicy. Creates use
	// a copy with RejectedOnly set: only a rate limit is repeated.
	Policy retry.Policy
}

// Client talks to one Linear workspace. It is safe for concurrent use.
type Client struct {
	key, url       string
	hc             *http.Client
	reads, creates retry.Policy

	mu     sync.Mutex
	teams  map[string]team   // by team key
	labels map[string]string // label id by teamID + "\x00" + lower-case name
}

// New returns a client; it fails only when the key is missing.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("linear: %s is not set", EnvAPIKey)
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if p := cfg.Policy; p.MaxRetries == 0 && p.Base == 0 && p.Max == 0 && p.Sleep == nil && p.Jitter == nil && p.OnRetry == nil {
		cfg.Policy = DefaultPolicy
	}
	creates := cfg.Policy
	creates.RejectedOnly = true
	return &Client{key: strings.TrimSpace(cfg.APIKey), url: cfg.URL, hc: cfg.HTTP, reads: cfg.Policy, creates: creates,
		teams: map[string]team{}, labels: map[string]string{}}, nil
}

// issue is the part of a Linear issue the client reads.
type issue struct {
	ID         string `json:"id"`
	Identifier string `json:"identifier"`
	URL        string `json:"url"`
	Team       struct {
		Key string `json:"key"`
	} `json:"team"`
	State struct {
		Type string `json:"type"`
	} `json:"state"`
}

// issueFields is what every query asks of an issue. WorkflowState.type is
// one of "triage", "backlog", "unstarted", "started", "completed",
// "canceled", "duplicate" (schema.graphql, linear/linear packages/sdk).
const issueFields = `id identifier url team { key } state { type }`

// https://linear.app/developers/graphql: Query.issue(id: String!): Issue!,
// which takes the UUID or the identifier (ENG-4).
const issueQuery = `query IncidentbotIssue($id: String!) { issue(id: $id) { ` + issueFields + ` } }`

// Mutation.issueCreate(input: IssueCreateInput!): IssuePayload! (schema.graphql).
const createMutation = `mutation IncidentbotIssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ` + issueFields + ` } }
}`

// Create opens one issue in team project for the item; it is one attempt
// at the create (a rate limit is retried). When Linear refuses it because
// the item's issue exists already (its id is taken), that issue is the
// answer.
func (c *Client) Create(ctx context.Context, project string, is incident.TrackerIssue) (incident.TrackerRef, error) {
	wrap := func(err error) error { return fmt.Errorf("linear: create issue in %s: %w", project, err) }
	if is.Key == "" {
		return incident.TrackerRef{}, wrap(errors.New("the item has no key"))
	}
	t, err := c.team(ctx, project)
	if err != nil {
		return incident.TrackerRef{}, wrap(err)
	}
	labelIDs, err := c.labelIDs(ctx, t, is.Labels)
	if err != nil {
		return incident.TrackerRef{}, wrap(err)
	}
	// IssueCreateInput (schema.graphql): id "in UUID v4 format", teamId,
	// title, description "in markdown format", assigneeId, dueDate
	// (TimelessDate, YYYY-MM-DD), labelIds.
	input := map[string]any{"id": issueID(t.ID, is.Key), "teamId": t.ID, "title": title(is.Title), "description": Description(is)}
	if is.Assignee != "" {
		input["assigneeId"] = is.Assignee
	}
	if !is.Due.IsZero() {
		input["dueDate"] = is.Due.Format(time.DateOnly)
	}
	if len(labelIDs) > 0 {
		input["labelIds"] = labelIDs
	}
	var out struct {
		IssueCreate struct {
			Success bool   `json:"success"`
			Issue   *issue `json:"issue"`
		} `json:"issueCreate"`
	}
	err = c.creates.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, "IncidentbotIssueCreate", createMutation, map[string]any{"input": input}, &out)
	})
	if err != nil {
		if refused(err) {
			// Nothing was made by this request; the item's issue may exist
			// from an earlier one (the id is the item's), or a cached label
			// may have been deleted since.
			if iss, found, ferr := c.issue(ctx, input["id"].(string)); ferr == nil && found {
				return c.ref(project, iss), nil
			}
			c.forgetLabels(t.ID)
		}
		return incident.TrackerRef{}, wrap(err)
	}
	if !out.IssueCreate.Success || out.IssueCreate.Issue == nil || out.IssueCreate.Issue.ID == "" {
		return incident.TrackerRef{}, wrap(errors.New("Linear answered without the issue"))
	}
	return c.ref(project, *out.IssueCreate.Issue), nil
}

// Find returns the issue made before for key in team project. It asks for
// the issue by its id, so an issue created a moment ago is seen, and one a
// person moved to another team still is.
func (c *Client) Find(ctx context.Context, project, key string) (incident.TrackerRef, bool, error) {
	t, err := c.team(ctx, project)
	if err != nil {
		return incident.TrackerRef{}, false, fmt.Errorf("linear: find issue for %s in %s: %w", key, project, err)
	}
	iss, found, err := c.issue(ctx, issueID(t.ID, key))
	if err != nil || !found {
		if err != nil {
			err = fmt.Errorf("linear: find issue for %s in %s: %w", key, project, err)
		}
		return incident.TrackerRef{}, false, err
	}
	return c.ref(project, iss), true, nil
}

// State reports whether the issue is done: in a workflow state of type
// "completed". A canceled (or duplicate) issue is not done: the work was
// not finished, so the follow-up stays open here.
func (c *Client) State(ctx context.Context, ref incident.TrackerRef) (bool, error) {
	id := or(ref.ID, ref.Key)
	iss, found, err := c.issue(ctx, id)
	if err != nil {
		return false, fmt.Errorf("linear: state of %s: %w", or(ref.Key, id), err)
	}
	if !found {
		return false, fmt.Errorf("linear: state of %s: %w", or(ref.Key, id), errors.Join(incident.ErrNotFound,
			incident.Errorf(incident.ENotFound, "Linear has no issue %s any more, or the key in %s cannot see it", or(ref.Key, id), EnvAPIKey)))
	}
	return iss.State.Type == "completed", nil
}

// issue reads one issue by UUID or identifier; found is false when Linear
// says it does not exist.
func (c *Client) issue(ctx context.Context, id string) (issue, bool, error) {
	var out struct {
		Issue *issue `json:"issue"`
	}
	err := c.reads.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, "IncidentbotIssue", issueQuery, map[string]any{"id": id}, &out)
	})
	switch {
	case errors.Is(err, errNoEntity):
		return issue{}, false, nil
	case err != nil:
		return issue{}, false, err
	case out.Issue == nil || out.Issue.ID == "":
		return issue{}, false, nil
	}
	return *out.Issue, true, nil
}

func (c *Client) ref(project string, iss issue) incident.TrackerRef {
	return incident.TrackerRef{Kind: incident.TrackerLinear, Project: or(iss.Team.Key, project), ID: iss.ID, Key: iss.Identifier, URL: iss.URL}
}

// issueID is the item's issue id: a UUID in v4 layout from SHA-256 of the
// team's id and the item's key. The team id (a UUID of its own) keeps two
// workspaces whose bots number items alike from claiming the same id;
// Linear's ids are global.
func issueID(teamID, key string) string { return uuid("issue", teamID, key) }

func uuid(parts ...string) string {
	sum := sha256.Sum256([]byte("incidentbot/linear\x00" + strings.Join(parts, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Marker is the line that ends every issue's description: people see
// which item it came from. Find does not need it (the id carries the key).
func Marker(key string) string { return "_incidentbot follow-up · key `" + key + "`_" }

// Description is the issue's Markdown body: the item's body, then Marker.
// Linear takes Markdown as it is.
func Description(is incident.TrackerIssue) string {
	body := strings.TrimSpace(is.Body)
	if body == "" {
		return Marker(is.Key)
	}
	return body + "\n\n" + Marker(is.Key)
}

func title(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "Postmortem follow-up"
	}
	return s
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
