package pager

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/incidentbot/incidentbot/incident"
)

// pageLimit is the largest page the REST API serves.
const pageLimit = 100

type cachedOnCall struct {
	at   time.Time
	list []incident.OnCall
}

// named is a schedule or escalation policy: what a query can match.
type named struct{ ID, Name string }

type cachedDirectory struct {
	at        time.Time
	schedules []named
	policies  []named
}

// OnCall lists who is on call now for the schedule or escalation policy
// named or identified by query ("" for everyone on call), first responders
// first. A query matches IDs exactly and names case-insensitively, whole or
// in part. Answers are cached for Config.OnCallTTL.
func (c *Client) OnCall(ctx context.Context, query string) ([]incident.OnCall, error) {
	if c.rest == nil {
		return nil, incident.Errorf(incident.EUnavailable,
			"On-call lookup is not set up: ask an admin to set %s.", EnvAPIToken)
	}
	query = strings.TrimSpace(query)
	key := strings.ToLower(query)
	now := c.cfg.Now()
	c.mu.Lock()
	hit, ok := c.oncalls[key]
	c.mu.Unlock()
	if ok && now.Sub(hit.at) < c.cfg.OnCallTTL {
		return slices.Clone(hit.list), nil
	}

	opts := pagerduty.ListOnCallOptions{Includes: []string{"users"}, Limit: pageLimit}
	if query != "" {
		dir, err := c.directoryAt(ctx, now)
		if err != nil {
			return nil, err
		}
		opts.ScheduleIDs, opts.EscalationPolicyIDs = dir.match(query)
		if len(opts.ScheduleIDs) == 0 && len(opts.EscalationPolicyIDs) == 0 {
			return nil, incident.Errorf(incident.ENotFound,
				"No PagerDuty schedule or escalation policy matches %q. Schedules: %s. Escalation policies: %s.",
				query, nameList(dir.schedules), nameList(dir.policies))
		}
	}
	raw, err := collect(ctx, c, "list on-calls", func(ctx context.Context, offset uint) ([]pagerduty.OnCall, bool, error) {
		o := opts
		o.Offset = offset
		resp, err := c.rest.ListOnCallsWithContext(ctx, o)
		if err != nil {
			return nil, false, err
		}
		return resp.OnCalls, resp.More, nil
	})
	if err != nil {
		return nil, c.restError(err, "look up who is on call")
	}
	list := onCalls(raw)
	c.mu.Lock()
	// Queries are free text: drop stale answers so the cache stays small.
	maps.DeleteFunc(c.oncalls, func(_ string, v cachedOnCall) bool { return now.Sub(v.at) >= c.cfg.OnCallTTL })
	c.oncalls[key] = cachedOnCall{at: now, list: list}
	c.mu.Unlock()
	return slices.Clone(list), nil
}

// onCalls converts and orders PagerDuty's entries: by escalation level, then
// policy, schedule and name; exact repeats are dropped.
func onCalls(raw []pagerduty.OnCall) []incident.OnCall {
	out := make([]incident.OnCall, 0, len(raw))
	for _, oc := range raw {
		o := incident.OnCall{
			Name:     cmp.Or(oc.User.Name, oc.User.Summary),
			Email:    oc.User.Email,
			URL:      oc.User.HTMLURL,
			Schedule: cmp.Or(oc.Schedule.Name, oc.Schedule.Summary),
			Policy:   cmp.Or(oc.EscalationPolicy.Name, oc.EscalationPolicy.Summary),
			Level:    int(oc.EscalationLevel),
		}
		if t, err := time.Parse(time.RFC3339, oc.End); err == nil {
			o.Until = t
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b incident.OnCall) int {
		return cmp.Or(cmp.Compare(a.Level, b.Level), cmp.Compare(a.Policy, b.Policy),
			cmp.Compare(a.Schedule, b.Schedule), cmp.Compare(a.Name, b.Name))
	})
	return slices.CompactFunc(out, func(a, b incident.OnCall) bool { return a == b })
}

// directoryAt returns the schedules and escalation policies, refreshed when
// older than Config.DirectoryTTL.
func (c *Client) directoryAt(ctx context.Context, now time.Time) (cachedDirectory, error) {
	c.mu.Lock()
	dir := c.directory
	c.mu.Unlock()
	if !dir.at.IsZero() && now.Sub(dir.at) < c.cfg.DirectoryTTL {
		return dir, nil
	}
	schedules, err := collect(ctx, c, "list schedules", func(ctx context.Context, offset uint) ([]named, bool, error) {
		resp, err := c.rest.ListSchedulesWithContext(ctx, pagerduty.ListSchedulesOptions{Limit: pageLimit, Offset: offset})
		if err != nil {
			return nil, false, err
		}
		out := make([]named, 0, len(resp.Schedules))
		for _, s := range resp.Schedules {
			out = append(out, named{s.ID, cmp.Or(s.Name, s.Summary)})
		}
		return out, resp.More, nil
	})
	if err != nil {
		return dir, c.restError(err, "list schedules")
	}
	policies, err := collect(ctx, c, "list escalation policies", func(ctx context.Context, offset uint) ([]named, bool, error) {
		resp, err := c.rest.ListEscalationPoliciesWithContext(ctx, pagerduty.ListEscalationPoliciesOptions{Limit: pageLimit, Offset: offset})
		if err != nil {
			return nil, false, err
		}
		out := make([]named, 0, len(resp.EscalationPolicies))
		for _, p := range resp.EscalationPolicies {
			out = append(out, named{p.ID, cmp.Or(p.Name, p.Summary)})
		}
		return out, resp.More, nil
	})
	if err != nil {
		return dir, c.restError(err, "list escalation policies")
	}
	dir = cachedDirectory{at: now, schedules: schedules, policies: policies}
	c.mu.Lock()
	c.directory = dir
	c.mu.Unlock()
	return dir, nil
}

// collect gathers every page of a REST listing, retrying as one call: a
// failed page restarts the listing so no page is counted twice.
func collect[T any](ctx context.Context, c *Client, op string, fetch func(ctx context.Context, offset uint) ([]T, bool, error)) ([]T, error) {
	var all []T
	err := c.call(ctx, op, func(ctx context.Context) error {
		all = all[:0]
		for offset := uint(0); ; offset += pageLimit {
			items, more, err := fetch(ctx, offset)
			if err != nil {
				return err
			}
			all = append(all, items...)
			if !more || len(items) == 0 {
				return nil
			}
		}
	})
	return all, err
}

// match finds the schedules and policies query names. An exact ID or name
// wins; failing that, every name containing query matches. Only one kind is
// returned, schedules first: PagerDuty ANDs the two filters.
func (d cachedDirectory) match(query string) (schedules, policies []string) {
	find := func(list []named, exact bool) []string {
		var ids []string
		q := strings.ToLower(query)
		for _, n := range list {
			name := strings.ToLower(n.Name)
			if (exact && (n.ID == query || name == q)) || (!exact && strings.Contains(name, q)) {
				ids = append(ids, n.ID)
			}
		}
		return ids
	}
	for _, exact := range []bool{true, false} {
		if s := find(d.schedules, exact); len(s) > 0 {
			return s, nil
		}
		if p := find(d.policies, exact); len(p) > 0 {
			return nil, p
		}
	}
	return nil, nil
}

// nameList renders up to ten names for a person, "none" when empty.
func nameList(list []named) string {
	if len(list) == 0 {
		return "none"
	}
	names := make([]string, 0, min(len(list), 10))
	for _, n := range list[:min(len(list), 10)] {
		names = append(names, n.Name)
	}
	s := strings.Join(names, ", ")
	if len(list) > 10 {
		s += fmt.Sprintf(" and %d more", len(list)-10)
	}
	return s
}

// restError puts a sentence for the person in front of a failed REST call.
func (c *Client) restError(err error, what string) error {
	var ce *CallError
	if errors.As(err, &ce) && (ce.Status == 401 || ce.Status == 403) {
		return fmt.Errorf("%w: %w", incident.Errorf(incident.EUnavailable,
			"PagerDuty rejected the API token, so I could not %s: ask an admin to check %s.", what, EnvAPIToken), err)
	}
	return c.userError(err, what, "Check "+EnvAPIURL+" and the token's permissions")
}
