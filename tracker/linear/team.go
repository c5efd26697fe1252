package linear

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// team is a Linear team as the client needs it.
type team struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// Query.teams(filter: TeamFilter, first: Int), TeamFilter.key a
// StringComparator (schema.graphql, linear/linear packages/sdk).
const teamQuery = `query IncidentbotTeam($filter: TeamFilter) { teams(filter: $filter, first: 1) { nodes { id key } } }`

// Query.issueLabels(filter: IssueLabelFilter, first: Int); IssueLabelFilter
// has name (StringComparator, with eqIgnoreCase), team (NullableTeamFilter,
// with id and null), and, or (schema.graphql).
const labelsQuery = `query IncidentbotLabels($filter: IssueLabelFilter) {
  issueLabels(filter: $filter, first: 100) { nodes { id name isGroup team { id } } }
}`

// Mutation.issueLabelCreate(input: IssueLabelCreateInput!): id (UUID v4,
// chosen here too), name, teamId (schema.graphql).
const labelCreateMutation = `mutation IncidentbotLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}`

// team resolves a team key (ENG) to its team, cached: keys rarely change
// and every create and find needs the id.
func (c *Client) team(ctx context.Context, key string) (team, error) {
	key = strings.ToUpper(strings.TrimSpace(key))
	c.mu.Lock()
	t, ok := c.teams[key]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	var out struct {
		Teams struct {
			Nodes []team `json:"nodes"`
		} `json:"teams"`
	}
	vars := map[string]any{"filter": map[string]any{"key": map[string]any{"eq": key}}}
	if err := c.reads.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, "IncidentbotTeam", teamQuery, vars, &out)
	}); err != nil {
		return team{}, fmt.Errorf("look up team %s: %w", key, err)
	}
	if len(out.Teams.Nodes) == 0 || out.Teams.Nodes[0].ID == "" {
		return team{}, fmt.Errorf("look up team %s: %w", key, errors.Join(incident.ErrNotFound, incident.Errorf(incident.ENotFound,
			"Linear has no team with key %s that the key in %s can see: check the service's tracker (linear:TEAM) in the config file", key, EnvAPIKey)))
	}
	t = out.Teams.Nodes[0]
	c.mu.Lock()
	c.teams[key] = t
	c.mu.Unlock()
	return t, nil
}

type label struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	IsGroup bool   `json:"isGroup"`
	Team    *struct {
		ID string `json:"id"`
	} `json:"team"`
}

// labelIDs are the ids of the team's labels named names (case aside),
// team labels before workspace ones; the missing ones are created on the
// team. Ids are cached.
func (c *Client) labelIDs(ctx context.Context, t team, names []string) ([]string, error) {
	var ids, missing []string
	seen := map[string]bool{}
	c.mu.Lock()
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		if id, ok := c.labels[labelKey(t.ID, n)]; ok {
			ids = append(ids, id)
		} else {
			missing = append(missing, n)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return ids, nil
	}
	found, err := c.findLabels(ctx, t, missing)
	if err != nil {
		return nil, err
	}
	for _, n := range missing {
		id, ok := found[strings.ToLower(n)]
		if !ok {
			if id, err = c.createLabel(ctx, t, n); err != nil {
				return nil, err
			}
		}
		c.mu.Lock()
		c.labels[labelKey(t.ID, n)] = id
		c.mu.Unlock()
		ids = append(ids, id)
	}
	return ids, nil
}

// findLabels returns label ids by lower-case name.
func (c *Client) findLabels(ctx context.Context, t team, names []string) (map[string]string, error) {
	byName := make([]any, len(names))
	for i, n := range names {
		byName[i] = map[string]any{"name": map[string]any{"eqIgnoreCase": n}}
	}
	filter := map[string]any{"and": []any{
		map[string]any{"or": byName},
		map[string]any{"or": []any{
			map[string]any{"team": map[string]any{"id": map[string]any{"eq": t.ID}}},
			map[string]any{"team": map[string]any{"null": true}},
		}},
	}}
	var out struct {
		IssueLabels struct {
			Nodes []label `json:"nodes"`
		} `json:"issueLabels"`
	}
	if err := c.reads.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, "IncidentbotLabels", labelsQuery, map[string]any{"filter": filter}, &out)
	}); err != nil {
		return nil, fmt.Errorf("look up labels in %s: %w", t.Key, err)
	}
	found := map[string]string{}
	for _, l := range out.IssueLabels.Nodes {
		// A group label cannot be put on an issue; a team's own label wins
		// over a workspace one of the same name.
		n := strings.ToLower(l.Name)
		if l.IsGroup || l.ID == "" {
			continue
		}
		if _, ok := found[n]; !ok || l.Team != nil {
			found[n] = l.ID
		}
	}
	return found, nil
}

// createLabel makes a team label with an id derived from its name, so a
// create whose answer was lost, or one a replica made first, is found by
// the lookup after a refusal instead of being made twice.
func (c *Client) createLabel(ctx context.Context, t team, name string) (string, error) {
	input := map[string]any{"id": uuid("label", t.ID, strings.ToLower(name)), "name": name, "teamId": t.ID}
	var out struct {
		IssueLabelCreate struct {
			Success    bool   `json:"success"`
			IssueLabel *label `json:"issueLabel"`
		} `json:"issueLabelCreate"`
	}
	err := c.creates.Do(ctx, func(ctx context.Context) error {
		return c.do(ctx, "IncidentbotLabelCreate", labelCreateMutation, map[string]any{"input": input}, &out)
	})
	if err == nil && out.IssueLabelCreate.Success && out.IssueLabelCreate.IssueLabel != nil {
		return out.IssueLabelCreate.IssueLabel.ID, nil
	}
	if found, ferr := c.findLabels(ctx, t, []string{name}); ferr == nil && found[strings.ToLower(name)] != "" {
		return found[strings.ToLower(name)], nil
	}
	if err == nil {
		err = errors.New("Linear answered without the label")
	}
	return "", fmt.Errorf("create label %q in %s: %w", name, t.Key, err)
}

func (c *Client) forgetLabels(teamID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.labels {
		if strings.HasPrefix(k, teamID+"\x00") {
			delete(c.labels, k)
		}
	}
}

func labelKey(teamID, name string) string { return teamID + "\x00" + strings.ToLower(name) }
