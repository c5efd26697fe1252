package pager

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redact"
)

// MaxSummary is the longest summary PagerDuty accepts, in characters.
const MaxSummary = 1024

// DedupKey is the Events API dedup_key for inc's page to service: the
// incident's id ("INC-42") for the default service, and "INC-42/checkout"
// for a named one, so every service paged gets its own alert and a resolve
// reaches each of them.
func DedupKey(inc incident.Incident, service string) string {
	if service == "" {
		return inc.ID()
	}
	return inc.ID() + "/" + service
}

// ParseDedupKey reverses DedupKey: it returns the incident number and
// service of a key this package made. ok is false for anyone else's key, so
// a webhook about our own page can be told from an outside alert.
func ParseDedupKey(key string) (n int64, service string, ok bool) {
	id, service, _ := strings.Cut(key, "/")
	num, found := strings.CutPrefix(id, "INC-")
	if !found || num == "" || num[0] < '1' || num[0] > '9' {
		return 0, "", false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, service, true
}

// dedupKey is DedupKey with this deployment's instance prefix, if any.
func (c *Client) dedupKey(inc incident.Incident, service string) string {
	if c.cfg.Instance == "" {
		return DedupKey(inc, service)
	}
	return c.cfg.Instance + ":" + DedupKey(inc, service)
}

// ownKey reports whether key is a dedup key this deployment made, and for
// which incident. With an instance set, only keys carrying it are ours.
func (c *Client) ownKey(key string) (int64, bool) {
	if c.cfg.Instance != "" {
		rest, found := strings.CutPrefix(key, c.cfg.Instance+":")
		if !found {
			return 0, false
		}
		key = rest
	}
	n, _, ok := ParseDedupKey(key)
	return n, ok
}

// severity maps incident severities onto the Events API's four levels.
func severity(s incident.Severity) string {
	switch s {
	case incident.P1:
		return "critical"
	case incident.P2:
		return "error"
	case incident.P3:
		return "warning"
	case incident.P4:
		return "info"
	}
	return "error" // unknown: loud enough to be seen, not a wake-everyone
}

// Trigger pages service ("" for the default) about inc with an Events API v2
// trigger, retrying temporary failures with backoff until the attempts run
// out or ctx ends. Repeating a trigger is harmless: PagerDuty folds events
// with the same dedup key into one alert.
func (c *Client) Trigger(ctx context.Context, inc incident.Incident, service, link string) (incident.PageResult, error) {
	service = normalService(service)
	key, err := c.routingKey(service)
	if err != nil {
		return incident.PageResult{}, fmt.Errorf("pager: trigger %s: %w", inc.ID(), err)
	}
	ev := c.triggerEvent(inc, service, key, link)
	resp, err := c.send(ctx, "trigger "+ev.DedupKey, ev)
	if err != nil {
		return incident.PageResult{}, c.userError(err, "page "+serviceName(service), routingHint(service))
	}
	dedup := resp.DedupKey
	if dedup == "" {
		dedup = ev.DedupKey
	}
	return incident.PageResult{Service: service, DedupKey: dedup, Message: resp.Message}, nil
}

// Resolve sends a resolve event for each of services ("" = the default) that
// inc paged. An empty list resolves nothing. Every service is tried; the
// failures are joined.
func (c *Client) Resolve(ctx context.Context, inc incident.Incident, services []string) error {
	var errs []error
	seen := map[string]bool{}
	for _, service := range services {
		service = normalService(service)
		if seen[service] {
			continue
		}
		seen[service] = true
		key, err := c.routingKey(service)
		if err != nil {
			errs = append(errs, fmt.Errorf("pager: resolve %s: %w", inc.ID(), err))
			continue
		}
		ev := &pagerduty.V2Event{RoutingKey: key, Action: "resolve", DedupKey: c.dedupKey(inc, service)}
		if _, err := c.send(ctx, "resolve "+ev.DedupKey, ev); err != nil {
			errs = append(errs, c.userError(err, "resolve the page to "+serviceName(service), routingHint(service)))
		}
	}
	return errors.Join(errs...)
}

// triggerEvent builds the Events API v2 trigger for inc.
func (c *Client) triggerEvent(inc incident.Incident, service, key, link string) *pagerduty.V2Event {
	details := map[string]string{
		"incident":    inc.ID(),
		"severity":    inc.Severity.String(),
		"status":      string(inc.Status),
		"declared_by": inc.DeclaredBy,
		"channel":     channelLabel(inc),
	}
	if inc.Description != "" {
		details["description"] = redact.String(inc.Description)
	}
	if !inc.DeclaredAt.IsZero() {
		details["declared_at"] = inc.DeclaredAt.UTC().Format(time.RFC3339)
	}
	ev := &pagerduty.V2Event{
		RoutingKey: key,
		Action:     "trigger",
		DedupKey:   c.dedupKey(inc, service),
		Client:     c.cfg.Source,
		ClientURL:  link,
		Payload: &pagerduty.V2Payload{
			// People paste secrets into titles too; PagerDuty is a third party.
			Summary:   incident.Truncate(inc.ID()+": "+redact.String(inc.Title), MaxSummary),
			Source:    c.cfg.Source,
			Severity:  severity(inc.Severity),
			Timestamp: c.cfg.Now().UTC().Format(time.RFC3339),
			Component: service,
			Class:     "incident",
			Details:   details,
		},
	}
	if link != "" {
		ev.Links = []any{map[string]string{"href": link, "text": "Slack channel"}}
	}
	return ev
}

// send posts ev to the Events API through the client method, which honours
// the configured endpoint (the package-level function does not).
func (c *Client) send(ctx context.Context, op string, ev *pagerduty.V2Event) (*pagerduty.V2EventResponse, error) {
	var resp *pagerduty.V2EventResponse
	err := c.call(ctx, op, func(ctx context.Context) error {
		r, err := c.events.ManageEventWithContext(ctx, ev)
		resp = r
		return err
	})
	if err != nil {
		return nil, err
	}
	c.log.Info("pagerduty event sent", "op", op, "message", resp.Message)
	return resp, nil
}

// userError puts a sentence for the person in front of a failed call; hint
// says what to check when PagerDuty refused the request outright.
func (c *Client) userError(err error, what, hint string) error {
	var ce *CallError
	if errors.As(err, &ce) && !ce.Retryable && ce.Status >= 400 && ce.Status < 500 {
		return fmt.Errorf("%w: %w", incident.Errorf(incident.EUnavailable,
			"PagerDuty refused to %s (HTTP %d). %s; the log has the details.", what, ce.Status, hint), err)
	}
	if errors.As(err, &ce) && !ce.Retryable && ce.Status >= 500 {
		return fmt.Errorf("%w: %w", incident.Errorf(incident.EUnavailable,
			"PagerDuty could not %s (HTTP %d, an error that retrying does not fix). Try again later; the log has the details.", what, ce.Status), err)
	}
	return fmt.Errorf("%w: %w", incident.Errorf(incident.EUnavailable,
		"Could not reach PagerDuty to %s; it was retried and gave up. Try again in a moment.", what), err)
}

func normalService(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func serviceName(service string) string {
	if service == "" {
		return "the default service"
	}
	return service
}

// routingHint names the setting that holds service's routing key.
func routingHint(service string) string {
	if service == "" {
		return "Check " + EnvRoutingKey
	}
	return "Check the routing key of " + service + " in " + EnvServices
}

func channelLabel(inc incident.Incident) string {
	if inc.ChannelName != "" {
		return "#" + inc.ChannelName
	}
	return inc.ChannelID
}
