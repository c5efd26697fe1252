package main

import (
	"context"
	"log/slog"
	"maps"
	"time"

	"github.com/incidentbot/incidentbot/alerts"
	"github.com/incidentbot/incidentbot/bot"
	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/pager"
	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/status"
	"github.com/incidentbot/incidentbot/store"
	"github.com/incidentbot/incidentbot/webhook"
)

// parts are what a running bot is assembled from.
type parts struct {
	creds    bot.Credentials
	handlers handlers.Config
	bot      bot.Config // transport settings; the wiring fills the rest
	store    *store.Store
	drafter  handlers.Drafter
	pager    *pager.Client // nil: PagerDuty is off
	runbooks *runbooks.Library
	catalog  *configfile.Live    // nil: no config file
	getenv   func(string) string // for the config file's env: references
	status   statusEnv
	// statuspage mirrors customer updates on Atlassian Statuspage; nil: off.
	statuspage handlers.Statuspage
	// insights answers /incident insights; nil: off.
	insights handlers.InsightsMaker
	// alerts authenticates the monitors' webhooks; alertMetrics counts
	// their deliveries.
	alerts       alerts.Config
	alertMetrics *alerts.Metrics
	// trackers export action items; empty: none set up.
	trackers trackers
	logger   *slog.Logger
}

// webhookRetry is how workflow webhooks are retried: a few times, within
// the step's two minutes.
var webhookRetry = retry.Policy{MaxRetries: 3, Base: 500 * time.Millisecond, Max: 10 * time.Second}

// assemble signs in to Slack and wires the adapters into the capabilities
// and the capabilities into the transport. It is the one place that knows
// every package. It returns the Web API adapter too, for what runs beside
// the bot (reporting a refused config file).
func assemble(ctx context.Context, p parts) (*bot.Bot, *bot.API, error) {
	session, err := bot.Connect(ctx, p.creds)
	if err != nil {
		return nil, nil, err
	}
	cfg := p.handlers
	cfg.BotUserID, cfg.BotID = session.UserID, session.BotID
	deps := handlers.Deps{Slack: session.API, Store: p.store, Drafter: p.drafter, Logger: p.logger}
	if p.runbooks != nil {
		deps.Runbooks = p.runbooks
	}
	if p.pager != nil {
		deps.Pager = p.pager
	}
	deps.Webhooks, deps.Getenv = webhook.New(webhookRetry), p.getenv
	if p.catalog != nil {
		deps.Catalog, deps.Workflows, deps.Checklists, deps.AlertRules, deps.FollowUps = p.catalog, p.catalog, p.catalog, p.catalog, p.catalog
		if p.pager != nil {
			p.pager.SetServices(p.catalog.Current().PagerDutyKeys(p.getenv))
		}
	}
	settings := statusSettings(p.catalog, p.status)
	cfg.StatusPageURL = settings().URL
	deps.PublicCheck, deps.ComponentStates = llm.PublicFlags, componentStates(p.catalog)
	if p.statuspage != nil {
		deps.Statuspage = p.statuspage
	}
	if p.insights != nil {
		deps.Insights = p.insights
	}
	deps.Trackers = p.trackers.clients
	app := handlers.New(cfg, deps)
	bc := p.bot
	bc.Status, bc.StatusAddr = status.New(p.store, settings, status.Options{Log: p.logger}), p.status.addr
	bc.Interactions, bc.Recorder, bc.Remind, bc.Background = app, app.Recorder(), app.Remind, app
	bc.Ready, bc.Logger = p.store, p.logger
	bc.Webhooks = alerts.Routes(p.alerts, app, p.store, p.alertMetrics, p.logger)
	maps.Copy(bc.Webhooks, p.trackers.webhooks(app, p.logger))
	if p.pager != nil {
		bc.Webhooks["POST /webhooks/pagerduty"] = p.pager.WebhookHandler(app)
	}
	b, err := bot.New(session, bc)
	return b, session.API, err
}
