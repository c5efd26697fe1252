// Package pager adapts PagerDuty (through go-pagerduty) to incidentbot: it
// pages services with Events API v2 triggers and resolves them, tells who is
// on call through the REST API, and turns webhook v3 deliveries into
// incident.Alert values for a consumer-declared AlertSink.
package pager

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// Client talks to PagerDuty. It is safe for concurrent use.
type Client struct {
	cfg    Config
	log    *slog.Logger
	events *pagerduty.Client // Events API v2: no token, routing keys per event
	rest   *pagerduty.Client // REST API; nil without an API token
	policy retry.Policy

	mu        sync.Mutex
	oncalls   map[string]cachedOnCall
	directory cachedDirectory

	// services maps service names to routing keys: the environment's
	// PAGERDUTY_SERVICES merged with the config file's catalog, replaced
	// whole when the file reloads.
	servicesMu sync.RWMutex
	services   map[string]string
}

// New builds a Client from cfg, applying defaults to zero fields. A nil
// logger discards logs.
func New(cfg Config, logger *slog.Logger) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("pager: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// One transport for both APIs; per-attempt timeouts come from contexts,
	// so the http.Client itself has none.
	hc := recorder{do: (&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}).Do, now: cfg.Now}

	eventOpts := []pagerduty.ClientOptions{}
	if cfg.EventsURL != "" {
		eventOpts = append(eventOpts, pagerduty.WithV2EventsAPIEndpoint(strings.TrimRight(cfg.EventsURL, "/")))
	}
	c := &Client{
		cfg:      cfg,
		policy:   cfg.policy(),
		log:      logger.With("component", "pager"),
		events:   pagerduty.NewClient("", eventOpts...),
		oncalls:  map[string]cachedOnCall{},
		services: maps.Clone(cfg.Services),
	}
	c.events.HTTPClient = hc
	if cfg.APIToken != "" {
		restOpts := []pagerduty.ClientOptions{}
		if cfg.APIURL != "" {
			restOpts = append(restOpts, pagerduty.WithAPIEndpoint(strings.TrimRight(cfg.APIURL, "/")))
		}
		c.rest = pagerduty.NewClient(cfg.APIToken, restOpts...)
		c.rest.HTTPClient = hc
	}
	if cfg.RoutingKey == "" {
		c.log.Warn("no default routing key: declaring will not page", "env", EnvRoutingKey)
	}
	return c, nil
}

// Pages reports whether declaring at sev pages service ("" = the default):
// sev is one of the page severities and the service has a routing key.
func (c *Client) Pages(sev incident.Severity, service string) bool {
	if _, err := c.routingKey(normalService(service)); err != nil {
		return false
	}
	return slices.Contains(c.cfg.PageSeverities, sev)
}

// Routes reports whether service ("" for the default) has a routing key,
// whatever the severity.
func (c *Client) Routes(service string) bool {
	_, err := c.routingKey(normalService(service))
	return err == nil
}

// Services lists the configured service names, sorted.
func (c *Client) Services() []string {
	c.servicesMu.RLock()
	defer c.servicesMu.RUnlock()
	return slices.Sorted(maps.Keys(c.services))
}

// SetServices sets the config file's service routing keys, replacing the
// file's previous ones when it reloads. PAGERDUTY_SERVICES entries win over
// the file's. Empty keys are dropped.
func (c *Client) SetServices(fileKeys map[string]string) {
	m := make(map[string]string, len(fileKeys)+len(c.cfg.Services))
	for name, key := range fileKeys {
		if name, key = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(key); name != "" && key != "" {
			m[name] = key
		}
	}
	maps.Copy(m, c.cfg.Services)
	c.servicesMu.Lock()
	c.services = m
	c.servicesMu.Unlock()
}

// AutoDeclares reports whether an incident triggered in PagerDuty for
// service (its name or ID, as in incident.Alert.Service / ServiceID) should
// open an incident here. PAGERDUTY_AUTO_DECLARE may list either, so a
// caller asks about both of an alert's.
func (c *Client) AutoDeclares(service string) bool {
	service = strings.TrimSpace(service)
	if service == "" {
		return false
	}
	for _, s := range c.cfg.AutoDeclare {
		if s == "*" || strings.EqualFold(s, service) {
			return true
		}
	}
	return false
}

// routingKey returns the routing key for service ("" = default) or an
// *incident.Error a person can act on.
func (c *Client) routingKey(service string) (string, error) {
	if service == "" {
		if c.cfg.RoutingKey == "" {
			return "", incident.Errorf(incident.EUnavailable,
				"Paging is not set up: ask an admin to set %s.", EnvRoutingKey)
		}
		return c.cfg.RoutingKey, nil
	}
	c.servicesMu.RLock()
	key, ok := c.services[service]
	n := len(c.services)
	c.servicesMu.RUnlock()
	if ok {
		return key, nil
	}
	if n == 0 {
		return "", incident.Errorf(incident.EInvalid,
			"There is no PagerDuty service called %q: no services are configured (%s). Run /incident page without a service to page the default one.",
			service, EnvServices)
	}
	return "", incident.Errorf(incident.EInvalid,
		"There is no PagerDuty service called %q. Configured services: %s.",
		service, strings.Join(c.Services(), ", "))
}
