package pager

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Environment variables read by ConfigFromEnv.
const (
	EnvRoutingKey     = "PAGERDUTY_ROUTING_KEY"
	EnvServices       = "PAGERDUTY_SERVICES"
	EnvPageSeverities = "PAGERDUTY_PAGE_SEVERITIES"
	EnvAPIToken       = "PAGERDUTY_API_TOKEN"
	EnvEventsURL      = "PAGERDUTY_EVENTS_URL"
	EnvAPIURL         = "PAGERDUTY_API_URL"
	EnvWebhookSecret  = "PAGERDUTY_WEBHOOK_SECRET"
	EnvAutoDeclare    = "PAGERDUTY_AUTO_DECLARE"
	EnvInstance       = "PAGERDUTY_INSTANCE"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultSource       = "incidentbot"
	DefaultTimeout      = 10 * time.Second
	DefaultAttempts     = 5
	DefaultBackoff      = 500 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultOnCallTTL    = 60 * time.Second
	DefaultDirectoryTTL = 10 * time.Minute
	// DefaultMaxWebhookBody caps webhook bodies; PagerDuty's are a few KiB.
	DefaultMaxWebhookBody = 1 << 20
)

// DefaultPageSeverities are the severities that page when none are configured.
var DefaultPageSeverities = []incident.Severity{incident.P1, incident.P2}

// Config configures a Client. Zero fields take the defaults above.
type Config struct {
	// RoutingKey is the Events API v2 integration key of the default service
	// (PAGERDUTY_ROUTING_KEY). Without it, nothing pages by default.
	RoutingKey string
	// Services maps service names, as people type them in "/incident page
	// <service>", to their routing keys (PAGERDUTY_SERVICES, see
	// ParseServices).
	Services map[string]string
	// PageSeverities are the severities whose declaration pages the default
	// service (PAGERDUTY_PAGE_SEVERITIES, see ParseSeverities).
	PageSeverities []incident.Severity
	// APIToken is a REST API token, needed for on-call lookups
	// (PAGERDUTY_API_TOKEN).
	APIToken string
	// EventsURL and APIURL override PagerDuty's endpoints, for tests and
	// proxies (PAGERDUTY_EVENTS_URL, PAGERDUTY_API_URL). EventsURL is the base
	// URL: "/v2/enqueue" is appended.
	EventsURL string
	APIURL    string
	// WebhookSecret verifies webhook v3 signatures (PAGERDUTY_WEBHOOK_SECRET).
	// Without it every webhook is refused.
	WebhookSecret string
	// AutoDeclare lists the PagerDuty service names (or IDs) whose triggered
	// incidents open an incident here; "*" means every service
	// (PAGERDUTY_AUTO_DECLARE, comma separated).
	AutoDeclare []string
	// Instance names this deployment in dedup keys ("prod:INC-42"), so two
	// deployments sharing a PagerDuty account (staging and production)
	// never take each other's pages for their own (PAGERDUTY_INSTANCE).
	// Empty keeps plain "INC-42" keys.
	Instance string
	// Source is the event's source field, the system that raised it.
	Source string
	// Timeout bounds each HTTP call to PagerDuty (one attempt).
	Timeout time.Duration
	// Retry governs retries of failed calls.
	Retry Retry
	// OnCallTTL is how long an on-call answer is reused; DirectoryTTL how
	// long schedule and escalation policy names are.
	OnCallTTL    time.Duration
	DirectoryTTL time.Duration
	// MaxWebhookBody caps a webhook request body, in bytes.
	MaxWebhookBody int64
	// Now and Sleep are the clock; tests inject controllable ones. Sleep
	// must return early with ctx's error when ctx ends; nil means the
	// retry policy's own timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Retry says how often and how patiently failed calls are retried.
type Retry struct {
	// Attempts is the total number of tries, the first included.
	Attempts int
	// Backoff is the wait before the second try; it doubles per try, with
	// jitter, up to MaxBackoff. A Retry-After header takes precedence, up
	// to retry.MaxWait.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// ConfigFromEnv reads the PAGERDUTY_* variables through getenv (os.Getenv
// when nil).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	services, err := ParseServices(getenv(EnvServices))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvServices, err)
	}
	sevs, err := ParseSeverities(getenv(EnvPageSeverities))
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvPageSeverities, err)
	}
	return Config{
		RoutingKey:     strings.TrimSpace(getenv(EnvRoutingKey)),
		Services:       services,
		PageSeverities: sevs,
		APIToken:       strings.TrimSpace(getenv(EnvAPIToken)),
		EventsURL:      strings.TrimSpace(getenv(EnvEventsURL)),
		APIURL:         strings.TrimSpace(getenv(EnvAPIURL)),
		// Secrets mounted from files often end in a newline.
		WebhookSecret: strings.TrimSpace(getenv(EnvWebhookSecret)),
		AutoDeclare:   ParseList(getenv(EnvAutoDeclare)),
		Instance:      strings.TrimSpace(getenv(EnvInstance)),
	}, nil
}

// ParseServices parses "checkout=KEY,payments=KEY2" into a map from service
// name (lowercased) to routing key. Empty input gives an empty map.
func ParseServices(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range ParseList(s) {
		name, key, ok := strings.Cut(item, "=")
		name, key = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(key)
		if !ok || name == "" || key == "" {
			return nil, fmt.Errorf("%q is not name=routing_key", item)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("service %q is listed twice", name)
		}
		out[name] = key
	}
	return out, nil
}

// ParseSeverities parses "P1,P2" (any form incident.ParseSeverity accepts).
// Empty input gives nil, which New turns into DefaultPageSeverities; "none"
// gives an empty, non-nil list: nothing pages on declare.
func ParseSeverities(s string) ([]incident.Severity, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return []incident.Severity{}, nil
	}
	var out []incident.Severity
	for _, item := range ParseList(s) {
		sev, ok := incident.ParseSeverity(item)
		if !ok {
			return nil, fmt.Errorf("%q is not a severity (P1 to P4)", item)
		}
		if !slices.Contains(out, sev) {
			out = append(out, sev)
		}
	}
	return out, nil
}

// ParseList splits a comma-separated list, trimming items and dropping
// empty ones.
func ParseList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// withDefaults fills the zero fields of cfg.
func (cfg Config) withDefaults() Config {
	if cfg.PageSeverities == nil {
		cfg.PageSeverities = DefaultPageSeverities
	}
	if cfg.Source == "" {
		cfg.Source = DefaultSource
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retry.Attempts <= 0 {
		cfg.Retry.Attempts = DefaultAttempts
	}
	if cfg.Retry.Backoff <= 0 {
		cfg.Retry.Backoff = DefaultBackoff
	}
	if cfg.Retry.MaxBackoff <= 0 {
		cfg.Retry.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.OnCallTTL <= 0 {
		cfg.OnCallTTL = DefaultOnCallTTL
	}
	if cfg.DirectoryTTL <= 0 {
		cfg.DirectoryTTL = DefaultDirectoryTTL
	}
	if cfg.MaxWebhookBody <= 0 {
		cfg.MaxWebhookBody = DefaultMaxWebhookBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validate rejects configurations that cannot work.
func (cfg Config) validate() error {
	for name, key := range cfg.Services {
		if name == "" || key == "" {
			return fmt.Errorf("service %q has an empty name or routing key", name)
		}
		if name != strings.ToLower(name) {
			return fmt.Errorf("service name %q must be lowercase", name)
		}
	}
	for _, sev := range cfg.PageSeverities {
		if !sev.Valid() {
			return fmt.Errorf("page severity %d is not P1 to P4", int(sev))
		}
	}
	return nil
}
