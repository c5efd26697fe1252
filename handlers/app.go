package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Button action_ids: a public contract, kept stable for users' scripts.
const (
	ActionApprove       = slackui.ActionApprove
	ActionEdit          = slackui.ActionEdit
	ActionReject        = slackui.ActionReject
	ActionDraftUpdate   = slackui.ActionDraftUpdate
	ActionItemDone      = slackui.ActionItemDone
	ActionItemExport    = slackui.ActionItemExport
	ActionItemSnooze    = slackui.ActionItemSnooze
	ActionShareRunbook  = slackui.ActionShareRunbook
	ActionEditDetails   = slackui.ActionEditDetails
	ActionSetHypothesis = slackui.ActionSetHypothesis
	ActionSetRootCause  = slackui.ActionSetRootCause
	// ActionChecklistToggle is every checklist's checkboxes; the block_id
	// names the list.
	ActionChecklistToggle = slackui.ActionChecklistToggle
	ActionResolveConfirm  = slackui.ActionResolveConfirm
)

// Config holds the handlers' settings.
type Config struct {
	// AnnounceChannel is the channel ID where declarations, updates and
	// resolutions are broadcast; "" disables announcements.
	AnnounceChannel string
	// PrivateAnnounceChannel hears of each private incident's number and
	// lead, and nothing else; "" tells no one.
	PrivateAnnounceChannel string
	// BotUserID is the bot's own Slack user, whose messages are not recorded
	// as conversation and who may never approve a draft.
	BotUserID string
	// BotID is the bot's own bot_id: its messages carry it. Messages from
	// other bots (alerting tools, workflows) are conversation and recorded.
	BotID string
	// Marks maps reaction names to the marks they set (INCIDENT_MARKS);
	// nil defers to the config file, then the defaults.
	Marks map[string]incident.Mark
	// UpdateCadence is how often an approved status update is due, per
	// severity (INCIDENT_UPDATE_CADENCE); a zero entry means no reminders.
	// Its entries override the config file's, which override the defaults.
	UpdateCadence map[incident.Severity]time.Duration
	// PostmortemDue is how long after resolution a postmortem may stay
	// unapproved before the channel is reminded.
	PostmortemDue time.Duration
	// RunbookSuggestions is how many runbook sections the header suggests.
	RunbookSuggestions int
	// Location is the time zone files and drafts show times in
	// (INCIDENT_TIMEZONE); nil means UTC.
	Location *time.Location
	// StatusPageURL is where customers read the status page, for links;
	// "" when unknown.
	StatusPageURL string
	// StatuspageRetries are the waits between pushes to Statuspage that
	// failed; nil means 30 s, 2 min and 10 min.
	StatuspageRetries []time.Duration
}

// Slack is every Web API call the capabilities make, for wiring: each
// capability declares and receives only the few it uses.
type Slack interface {
	ChannelAdmin
	Poster
	Updater
	Ephemeral
	ViewOpener
	Uploader
	Permalinker
	UserNamer
	MessageFetcher
	GroupExpander
	MemberChecker
	DMer
}

// Store is everything the capabilities keep, for wiring; each capability
// declares and receives only the part it uses.
type Store interface {
	incidentsStore
	Numberer
	MessageLog
	DraftStore
	ExternalLinks
	History
	ActiveLister
	Scheduler
	PublicStore
	FollowUpIndex
	FirstTime(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// Deps are the adapters App wires into the capabilities. Drafter, Pager and
// Runbooks are optional: nil disables the commands that need them, with a
// clear reply.
type Deps struct {
	Slack    Slack
	Store    Store
	Drafter  Drafter
	Pager    Pager
	Runbooks interface {
		RunbookSearcher
		Suggester
	}
	// Catalog and Workflows are the config file as it stands; nil means
	// none.
	Catalog   Catalog
	Workflows WorkflowSource
	// Trackers export action items, by kind; missing kinds are not set up.
	// FollowUps is the file's tracker, auto_export and users; nil: none.
	Trackers  map[incident.TrackerKind]Tracker
	FollowUps FollowUpSource
	// AlertRules are the file's alerts: rules; nil means none, and every
	// monitor alert is acknowledged without declaring.
	AlertRules AlertRuleSource
	// Checklists are the file's named checklists; nil means none, and the
	// built-in comms list is there either way.
	Checklists ChecklistSource
	// Webhooks delivers workflow webhooks; nil makes webhook steps fail
	// with a reason. Getenv reads their signing secrets.
	Webhooks WebhookPoster
	Getenv   func(string) string
	// Statuspage mirrors approved customer updates on Atlassian
	// Statuspage; nil: not set up.
	Statuspage Statuspage
	// PublicCheck re-checks a person's edit of a customer update; nil:
	// no check.
	PublicCheck PublicChecker
	// ComponentStates maps a severity to the state it puts components in
	// (the file's status_page states); nil or missing entries: defaults.
	ComponentStates func() map[incident.Severity]incident.ComponentState
	// Insights works out /incident insights; nil: not set up.
	Insights InsightsMaker
	Clock    Clock
	Logger   *slog.Logger
}

// App is incidentbot's capabilities wired together, behind the routing
// table. It is safe for concurrent use.
type App struct {
	routes     *Routes
	checklists *Checklists
	recorder   *Recorder
	paging     *Paging
	monitors   *Monitors
	actions    *ActionItems
	reminders  *Reminders
	workflows  *Workflows
	background *Background
	replies
	log *slog.Logger
}

// New wires the capabilities and builds the routing table.
func New(cfg Config, d Deps) *App {
	if d.Catalog == nil {
		d.Catalog = noCatalog{}
	}
	if d.Workflows == nil {
		d.Workflows = noWorkflows{}
	}
	// The environment wins over the file, which wins over the defaults;
	// the file may reload, so they are read each time.
	defaultMarks, defaultCadence := incident.DefaultMarks(), incident.DefaultUpdateCadence()
	marks := func() map[string]incident.Mark {
		if cfg.Marks != nil {
			return cfg.Marks
		}
		if m := d.Catalog.Marks(); m != nil {
			return m
		}
		return defaultMarks
	}
	// Cadences merge entry by entry: defaults, then the file's, then the
	// environment's.
	cadence := func() map[incident.Severity]time.Duration {
		out := maps.Clone(defaultCadence)
		maps.Copy(out, d.Catalog.Cadence())
		maps.Copy(out, cfg.UpdateCadence)
		return out
	}
	if cfg.PostmortemDue == 0 {
		cfg.PostmortemDue = 48 * time.Hour
	}
	if cfg.RunbookSuggestions == 0 {
		cfg.RunbookSuggestions = 3
	}
	if d.Clock == nil {
		d.Clock = systemClock{}
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	rep := replies{log: log}
	names := Names{api: d.Slack}
	incidents := &Incidents{store: d.Store, slack: d.Slack, clock: d.Clock, log: log}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	headers := Headers{slack: d.Slack, catalog: d.Catalog, postmortemDue: cfg.PostmortemDue, location: cfg.Location, log: log,
		serial: &sync.Map{}}
	if d.Store != nil {
		headers.current = d.Store.Incident
	}
	evidence := Evidence{slack: d.Slack}
	background := NewBackground(log)
	visibility := Visibility{slack: d.Slack, log: log}
	owners := Owners{catalog: d.Catalog, slack: d.Slack, incidents: incidents, log: log}
	announcer := &Announcer{channel: cfg.AnnounceChannel, privateChannel: cfg.PrivateAnnounceChannel, slack: d.Slack, names: names, log: log}
	var searcher RunbookSearcher
	var suggester Suggester
	if d.Runbooks != nil {
		searcher, suggester = d.Runbooks, d.Runbooks
	}
	paging := &Paging{incidents: incidents, pager: d.Pager, store: d.Store, slack: d.Slack, headers: headers,
		background: background, replies: rep, log: log}
	lists := checklistCatalog{file: d.Checklists}
	checklists := &Checklists{incidents: incidents, source: lists, slack: d.Slack, log: log}
	workflows := &Workflows{incidents: incidents, source: d.Workflows, lists: lists, catalog: d.Catalog, store: d.Store, slack: d.Slack,
		owners: owners, paging: paging, checklists: checklists, headers: headers, webhooks: d.Webhooks, getenv: d.Getenv,
		location: cfg.Location, background: background, log: log}
	if d.ComponentStates == nil {
		d.ComponentStates = incident.DefaultComponentStates
	}
	drafts := &Drafts{incidents: incidents, drafter: d.Drafter, store: d.Store, slack: d.Slack, headers: headers, cadence: cadence, evidence: evidence,
		names: names, location: cfg.Location, replies: rep, log: log}
	public := &Public{incidents: incidents, drafts: drafts, store: d.Store, catalog: d.Catalog, states: d.ComponentStates,
		statuspage: d.Statuspage, check: d.PublicCheck, pageURL: cfg.StatusPageURL, names: names, headers: headers,
		background: background, retries: statuspageRetries, log: log}
	if cfg.StatuspageRetries != nil {
		public.retries = cfg.StatuspageRetries
	}
	// Listeners run in this order after each change: stakeholders hear of
	// it, the on-call is paged, checklists show what was skipped, customers
	// are offered a "resolved" update, then the team's workflows run.
	actionItems := &ActionItems{incidents: incidents, store: d.Store, slack: d.Slack, catalog: d.Catalog, policy: d.FollowUps,
		trackers: d.Trackers, background: background, names: names, replies: rep, log: log}
	changed := listeners{list: []Listener{announcer, paging, checklists, public, actionItems, workflows}, log: log}
	public.listeners = changed
	declarer := &Declarer{incidents: incidents, store: d.Store, slack: d.Slack, runbooks: suggester,
		suggestions: cfg.RunbookSuggestions, botUserID: cfg.BotUserID, listeners: changed,
		headers: headers, catalog: d.Catalog, owners: owners, replies: rep, log: log}
	paging.declarer = declarer
	monitors := &Monitors{incidents: incidents, store: d.Store, declarer: declarer, paging: paging, headers: headers,
		rules: d.AlertRules, log: log, wait: 20 * time.Second}
	details := &Details{incidents: incidents, catalog: d.Catalog, slack: d.Slack, owners: owners, headers: headers,
		listeners: changed, background: background, location: cfg.Location, replies: rep, log: log}
	a := &App{
		recorder: &Recorder{incidents: incidents, log: d.Store, slack: d.Slack, marks: marks, marked: []MarkListener{details, workflows},
			botUserID: cfg.BotUserID, botID: cfg.BotID, logger: log},
		paging:     paging,
		monitors:   monitors,
		actions:    actionItems,
		checklists: checklists,
		reminders: &Reminders{incidents: incidents, store: d.Store, slack: d.Slack,
			cadence: cadence, postmortemDue: cfg.PostmortemDue, log: log},
		workflows:  workflows,
		background: background,
		replies:    rep,
		log:        log,
	}
	a.routes = routes(
		declarer,
		&Lifecycle{incidents: incidents, slack: d.Slack, headers: headers, listeners: changed, log: log},
		&Timeline{incidents: incidents, store: d.Store, slack: d.Slack, names: names, visibility: visibility,
			catalog: d.Catalog, location: cfg.Location, replies: rep},
		drafts,
		&Approvals{incidents: incidents, store: d.Store, slack: d.Slack, headers: headers, listeners: changed,
			evidence: evidence, announcer: announcer, public: public, botUserID: cfg.BotUserID, log: log},
		actionItems,
		&Runbooks{incidents: incidents, runbooks: searcher, slack: d.Slack, replies: rep},
		&Search{store: d.Store, visibility: visibility, catalog: d.Catalog, clock: d.Clock, location: cfg.Location, replies: rep},
		paging,
		details,
		&Exports{incidents: incidents, slack: d.Slack, names: names, location: cfg.Location, postmortemDue: cfg.PostmortemDue, replies: rep},
		checklists,
		public,
		&Insights{maker: d.Insights, slack: d.Slack, catalog: d.Catalog, clock: d.Clock, replies: rep},
	)
	return a
}

// Routes is the routing table.
func (a *App) Routes() *Routes { return a.routes }

// Command carries out a slash command. Call it after acknowledging.
func (a *App) Command(ctx context.Context, c SlashCommand, r Responder) {
	cmd := incident.ParseCommand(c.Text)
	err := Recover(a.log, "command "+cmd.Name, func() error {
		route, ok := a.routes.command(cmd.Name)
		if !ok {
			a.send(ctx, r, a.routes.help(cmd.Name))
			return nil
		}
		return route.Run(ctx, c, cmd.Args, r)
	})
	if err != nil {
		a.fail(ctx, r, "command "+cmd.Name, err, "user", c.UserID, "channel", c.ChannelID)
	}
}

// AckText is the short reply to send with the acknowledgement of c, or ""
// for none.
func (a *App) AckText(c SlashCommand) string {
	cmd := incident.ParseCommand(c.Text)
	route, ok := a.routes.command(cmd.Name)
	if !ok || (cmd.Name == "declare" && cmd.Args == "") { // the modal opens instead
		return ""
	}
	return route.Ack
}

// CommandLabel is the subcommand for metrics: "other" for anything unknown,
// so a typo cannot grow a metric's cardinality.
func (a *App) CommandLabel(text string) string {
	name := incident.ParseCommand(text).Name
	if _, ok := a.routes.command(name); name != "" && !ok {
		return "other"
	}
	return name
}

// Action carries out a button click. Call it after acknowledging.
func (a *App) Action(ctx context.Context, b BlockAction, r Responder) {
	err := Recover(a.log, "action "+b.ActionID, func() error {
		run, ok := a.routes.Actions[b.ActionID]
		if !ok {
			return incident.Errorf(incident.EInvalid, "That button is no longer supported. Run the command again.")
		}
		return run(ctx, b, r)
	})
	if err != nil {
		a.fail(ctx, r, "action "+b.ActionID, err, "user", b.UserID, "value", b.Value)
	}
}

// ValidateView checks a submission before it is acknowledged; the errors it
// returns (block_id -> message) go back in the ack's response_action so the
// person can fix the field in place, and nothing they typed is lost.
func (a *App) ValidateView(ctx context.Context, v ViewSubmission) map[string]string {
	view, ok := a.routes.Views[v.CallbackID]
	if !ok || view.Validate == nil {
		return nil
	}
	return view.Validate(ctx, v)
}

// ViewChannel is the channel to answer a modal's submitter in: the channel
// the modal was opened from.
func (a *App) ViewChannel(v ViewSubmission) string {
	if view, ok := a.routes.Views[v.CallbackID]; ok {
		return view.Channel(v)
	}
	return ""
}

// SubmitView carries out a validated submission. Call it after acknowledging.
func (a *App) SubmitView(ctx context.Context, v ViewSubmission, r Responder) {
	err := Recover(a.log, "view "+v.CallbackID, func() error {
		view, ok := a.routes.Views[v.CallbackID]
		if !ok {
			return fmt.Errorf("unknown view callback %q", v.CallbackID)
		}
		return view.Submit(ctx, v, r)
	})
	if err != nil {
		a.fail(ctx, r, "view "+v.CallbackID, err, "user", v.UserID)
	}
}

// Checklists attaches checklists, for workflows.
func (a *App) Checklists() *Checklists { return a.checklists }

// Recorder records what is said in incident channels.
func (a *App) Recorder() *Recorder { return a.recorder }

// MonitorAlert takes a monitor's notification (Alertmanager, Grafana, the
// generic webhook), already authenticated.
func (a *App) MonitorAlert(ctx context.Context, al incident.MonitorAlert) (incident.AlertResult, error) {
	return a.monitors.MonitorAlert(ctx, al)
}

// Alert takes an event from the paging system's webhook.
func (a *App) Alert(ctx context.Context, al incident.Alert) error { return a.paging.Alert(ctx, al) }

// Remind sends the reminders that are due and runs the workflows' due
// reminders; cron calls it on every replica.
func (a *App) Remind(ctx context.Context) error {
	return errors.Join(a.reminders.Remind(ctx), a.workflows.Tick(ctx), a.actions.Poll(ctx), a.actions.RemindOverdue(ctx))
}

// TrackerUpdate takes a tracker's webhook news about an exported issue.
func (a *App) TrackerUpdate(ctx context.Context, u incident.TrackerUpdate) error {
	return a.actions.TrackerUpdate(ctx, u)
}

// Wait blocks until background work (paging with retries) has finished.
func (a *App) Wait() { a.background.Wait() }

// Cancel cancels background work, for a shutdown that overran its drain.
func (a *App) Cancel() { a.background.Cancel() }
