package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/tracker/github"
	"github.com/incidentbot/incidentbot/tracker/jira"
	"github.com/incidentbot/incidentbot/tracker/linear"
)

// trackers are the follow-up trackers the environment sets up, and their
// webhooks' secrets.
type trackers struct {
	clients map[incident.TrackerKind]handlers.Tracker
	secrets map[incident.TrackerKind]string
}

// loadTrackers builds a client for each tracker whose credentials are set.
// A half-set tracker (a URL without its token) is refused at start, so a
// team hears of it before an export fails at 3 a.m.
func loadTrackers(getenv func(string) string) (trackers, error) {
	t := trackers{clients: map[incident.TrackerKind]handlers.Tracker{}, secrets: map[incident.TrackerKind]string{}}
	gh := github.Config{Token: getenv("GITHUB_TOKEN"), APIURL: getenv("GITHUB_API_URL")}
	if id := getenv("GITHUB_APP_ID"); id != "" || getenv("GITHUB_APP_PRIVATE_KEY") != "" {
		app, err := githubApp(getenv)
		if err != nil {
			return t, err
		}
		gh.App = app
	}
	if gh.Token != "" || gh.App != nil {
		c, err := github.New(gh)
		if err != nil {
			return t, fmt.Errorf("GitHub: %w", err)
		}
		t.clients[incident.TrackerGitHub] = c
	}
	t.secrets[incident.TrackerGitHub] = getenv("GITHUB_WEBHOOK_SECRET")
	if getenv(jira.EnvBaseURL) != "" || getenv(jira.EnvAPIURL) != "" || getenv(jira.EnvToken) != "" {
		c, err := jira.New(jira.Config{BaseURL: getenv(jira.EnvBaseURL), APIURL: getenv(jira.EnvAPIURL), Email: getenv(jira.EnvEmail),
			Token: getenv(jira.EnvToken), IssueType: getenv(jira.EnvIssueType)})
		if err != nil {
			return t, fmt.Errorf("Jira: %w", err)
		}
		t.clients[incident.TrackerJira] = c
	}
	t.secrets[incident.TrackerJira] = getenv(jira.EnvWebhookSecret)
	if key := getenv(linear.EnvAPIKey); key != "" {
		c, err := linear.New(linear.Config{APIKey: key, URL: getenv(linear.EnvAPIURL)})
		if err != nil {
			return t, fmt.Errorf("Linear: %w", err)
		}
		t.clients[incident.TrackerLinear] = c
	}
	t.secrets[incident.TrackerLinear] = getenv(linear.EnvWebhookSecret)
	return t, nil
}

func githubApp(getenv func(string) string) (*github.App, error) {
	id, err1 := strconv.ParseInt(getenv("GITHUB_APP_ID"), 10, 64)
	inst, err2 := strconv.ParseInt(getenv("GITHUB_APP_INSTALLATION_ID"), 10, 64)
	key := getenv("GITHUB_APP_PRIVATE_KEY")
	if err1 != nil || err2 != nil || key == "" {
		return nil, fmt.Errorf("GitHub App: set GITHUB_APP_ID and GITHUB_APP_INSTALLATION_ID (numbers) and GITHUB_APP_PRIVATE_KEY (the PEM) together")
	}
	return &github.App{ID: id, InstallationID: inst, PrivateKey: []byte(key)}, nil
}

// webhooks are the trackers' webhook routes. Each refuses every delivery
// while its secret is unset.
func (t trackers) webhooks(sink interface {
	github.Sink
	jira.Sink
	linear.Sink
}, log *slog.Logger) map[string]http.Handler {
	return map[string]http.Handler{
		"POST /webhooks/github": github.WebhookHandler(t.secrets[incident.TrackerGitHub], sink, log),
		"POST /webhooks/jira":   jira.WebhookHandler(t.secrets[incident.TrackerJira], sink, log),
		"POST /webhooks/linear": linear.WebhookHandler(t.secrets[incident.TrackerLinear], sink, log),
	}
}
