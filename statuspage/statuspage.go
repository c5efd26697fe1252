// Package statuspage mirrors approved customer updates on Atlassian
// Statuspage (api.statuspage.io/v1). One incident there follows one
// incident here: the first push creates it, later pushes update it. A
// create whose answer was lost must not create a second incident, so each
// carries the bot's key in its metadata, and a push that does not yet know
// the id looks for that key among the unresolved incidents first.
package statuspage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// DefaultBaseURL is Statuspage's REST API.
const DefaultBaseURL = "https://api.statuspage.io/v1"

// Client talks to one Statuspage page. It is safe for concurrent use.
type Client struct {
	key, page, base string
	hc              *http.Client
}

// New returns a client for page pageID with API key apiKey. baseURL ""
// means DefaultBaseURL; hc nil, a client with a 10 s timeout.
func New(apiKey, pageID, baseURL string, hc *http.Client) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{key: apiKey, page: pageID, base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// remote is the part of a Statuspage incident the client reads.
type remote struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Updates []struct {
		Body   string `json:"body"`
		Status string `json:"status"`
	} `json:"incident_updates"` // newest first
	Components []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"components"`
	Metadata struct {
		Incidentbot struct {
			Key string `json:"key"`
		} `json:"incidentbot"`
	} `json:"metadata"`
}

// Push creates or updates the Statuspage incident for key and returns its
// id. knownID is the id an earlier push returned, "" for none.
func (c *Client) Push(ctx context.Context, key, knownID string, u incident.StatuspageUpdate) (string, error) {
	if knownID == "" {
		found, err := c.find(ctx, key)
		if err != nil {
			return "", err
		}
		if found != nil && holds(found, u) {
			// The create went through and only its answer was lost: a
			// PATCH would post the same text to customers a second time.
			return found.ID, nil
		}
		if found != nil {
			knownID = found.ID
		}
	}
	body := map[string]any{"incident": c.incident(key, u)}
	if knownID != "" {
		var out remote
		if err := c.do(ctx, http.MethodPatch, "/incidents/"+url.PathEscape(knownID), body, &out); err != nil {
			return "", fmt.Errorf("statuspage: update incident %s: %w", knownID, err)
		}
		return or(out.ID, knownID), nil
	}
	var out remote
	if err := c.do(ctx, http.MethodPost, "/incidents", body, &out); err != nil {
		return "", fmt.Errorf("statuspage: create incident: %w", err)
	}
	if out.ID == "" {
		return "", fmt.Errorf("statuspage: create incident: the answer has no incident id")
	}
	return out.ID, nil
}

func (c *Client) incident(key string, u incident.StatuspageUpdate) map[string]any {
	ids := make([]string, 0, len(u.Components))
	states := make(map[string]string, len(u.Components))
	for id, st := range u.Components {
		ids = append(ids, id)
		states[id] = componentState(st)
	}
	slices.Sort(ids)
	return map[string]any{
		"name": u.Name, "status": string(u.Status), "body": u.Body,
		"components": states, "component_ids": ids,
		"metadata": map[string]any{"incidentbot": map[string]string{"key": key}},
	}
}

// find returns the unresolved incident created for key, nil for none.
func (c *Client) find(ctx context.Context, key string) (*remote, error) {
	var list []remote
	if err := c.do(ctx, http.MethodGet, "/incidents/unresolved", nil, &list); err != nil {
		return nil, fmt.Errorf("statuspage: list unresolved incidents: %w", err)
	}
	for i := range list {
		if list[i].Metadata.Incidentbot.Key == key && list[i].ID != "" {
			return &list[i], nil
		}
	}
	return nil, nil
}

// holds reports whether r already shows u: its newest update has u's text
// and status, and every component of u is in u's state.
func holds(r *remote, u incident.StatuspageUpdate) bool {
	if len(r.Updates) == 0 || r.Name != u.Name || r.Status != string(u.Status) ||
		r.Updates[0].Body != u.Body || r.Updates[0].Status != string(u.Status) {
		return false
	}
	have := make(map[string]string, len(r.Components))
	for _, cmp := range r.Components {
		have[cmp.ID] = cmp.Status
	}
	for id, st := range u.Components {
		if have[id] != componentState(st) {
			return false
		}
	}
	return true
}

// do sends one request. Failures carry the HTTP status for retry.Classify
// and a message a person can act on; never the key.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/pages/"+url.PathEscape(c.page)+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+c.key)
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
		// A server that echoes the request must not put the key in a log.
		if c.key != "" {
			data = bytes.ReplaceAll(data, []byte(c.key), []byte("[redacted]"))
		}
		return retry.WithStatus(answerError(res.StatusCode, data), res.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

// answerError says what a refusal means, for the channel.
func answerError(status int, body []byte) error {
	snippet := strings.TrimSpace(strings.ToValidUTF8(string(body[:min(len(body), 200)]), ""))
	var msg string
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		msg = "Statuspage refused the API key: check STATUSPAGE_API_KEY"
	case status == http.StatusNotFound:
		msg = "Statuspage has no such page or incident: check STATUSPAGE_PAGE_ID"
	case status == http.StatusTooManyRequests:
		msg = "Statuspage is rate-limiting us"
	case status >= 500:
		msg = fmt.Sprintf("Statuspage is having trouble (HTTP %d)", status)
	default:
		msg = fmt.Sprintf("Statuspage refused the update (HTTP %d)", status)
	}
	return fmt.Errorf("%w (HTTP %d: %s)", incident.Errorf(incident.EUnavailable, "%s", msg), status, snippet)
}

// componentState is a state as Statuspage names it.
func componentState(s incident.ComponentState) string {
	switch s {
	case incident.Degraded:
		return "degraded_performance"
	case "":
		return string(incident.Operational)
	}
	return string(s)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
