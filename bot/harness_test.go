package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/alerts"
	"github.com/incidentbot/incidentbot/bot"
	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/pager"
	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/status"
	"github.com/incidentbot/incidentbot/store"
	"github.com/incidentbot/incidentbot/tracker/github"
	"github.com/incidentbot/incidentbot/tracker/jira"
	"github.com/incidentbot/incidentbot/tracker/linear"
	"github.com/incidentbot/incidentbot/webhook"
)

func TestMain(m *testing.M) { redistest.Main(m) }

const (
	ali      = "U01ALI"
	sam      = "U02SAM"
	announce = "C0ANNOUNCE"
	general  = "C0GENERAL"
)

// config is what a test bot is assembled from: transport settings and the
// adapters, wired the way cmd/incidentbot wires them.
type config struct {
	bot.Config
	Handlers handlers.Config
	Store    *store.Store
	Drafter  handlers.Drafter
	Pager    *pager.Client
	Runbooks *runbooks.Library
	Clock    handlers.Clock
	Catalog  *configfile.Live
	Getenv   func(string) string // for the config file's env: references
	// Statuspage mirrors customer updates; nil: off.
	Statuspage handlers.Statuspage
	// Insights answers /incident insights; nil: off.
	Insights handlers.InsightsMaker
	// Alerts authenticates the monitors' webhooks; AlertMetrics counts
	// their deliveries (nil: not counted).
	Alerts       alerts.Config
	AlertMetrics *alerts.Metrics
	// Trackers export action items; TrackerSecrets sign their webhooks.
	Trackers       map[incident.TrackerKind]handlers.Tracker
	TrackerSecrets map[incident.TrackerKind]string
}

// assemble signs in to the emulator and wires the bot as cmd/incidentbot
// does.
func assemble(ctx context.Context, emu *slackemu.Emulator, c config) (*bot.Bot, *handlers.App, error) {
	session, err := bot.Connect(ctx, bot.Credentials{AppToken: emu.AppToken(), BotToken: emu.BotToken(), APIURL: emu.URL()})
	if err != nil {
		return nil, nil, err
	}
	hc := c.Handlers
	hc.BotUserID, hc.BotID = session.UserID, session.BotID
	deps := handlers.Deps{Slack: session.API, Store: c.Store, Drafter: c.Drafter, Clock: c.Clock, Logger: c.Logger}
	deps.Webhooks, deps.Getenv = webhook.New(retry.Policy{MaxRetries: 2, Base: 10 * time.Millisecond, Max: 20 * time.Millisecond}), c.Getenv
	if c.Catalog != nil {
		deps.Catalog, deps.Workflows, deps.Checklists, deps.AlertRules, deps.FollowUps = c.Catalog, c.Catalog, c.Catalog, c.Catalog, c.Catalog
		if c.Pager != nil {
			c.Pager.SetServices(c.Catalog.Current().PagerDutyKeys(c.Getenv))
		}
	}
	if c.Runbooks != nil {
		deps.Runbooks = c.Runbooks
	}
	if c.Pager != nil {
		deps.Pager = c.Pager
	}
	settings := statusSettings(c.Catalog)
	hc.StatusPageURL = settings().URL
	deps.PublicCheck, deps.ComponentStates = llm.PublicFlags, func() map[incident.Severity]incident.ComponentState {
		m := incident.DefaultComponentStates()
		if c.Catalog != nil {
			maps.Copy(m, c.Catalog.StatusPage().States)
		}
		return m
	}
	if c.Statuspage != nil {
		deps.Statuspage = c.Statuspage
	}
	if c.Insights != nil {
		deps.Insights = c.Insights
	}
	deps.Trackers = c.Trackers
	app := handlers.New(hc, deps)
	bc := c.Config
	bc.Interactions, bc.Recorder, bc.Remind, bc.Background, bc.Ready = app, app.Recorder(), app.Remind, app, c.Store
	bc.Status = status.New(c.Store, settings, status.Options{Log: c.Logger, TTL: time.Millisecond})
	bc.Webhooks = alerts.Routes(c.Alerts, app, c.Store, c.AlertMetrics, c.Logger)
	bc.Webhooks["POST /webhooks/github"] = github.WebhookHandler(c.TrackerSecrets[incident.TrackerGitHub], app, c.Logger)
	bc.Webhooks["POST /webhooks/jira"] = jira.WebhookHandler(c.TrackerSecrets[incident.TrackerJira], app, c.Logger)
	bc.Webhooks["POST /webhooks/linear"] = linear.WebhookHandler(c.TrackerSecrets[incident.TrackerLinear], app, c.Logger)
	if c.AlertMetrics != nil {
		bc.Collectors = append(bc.Collectors, c.AlertMetrics.Collector())
	}
	if c.Pager != nil {
		bc.Webhooks["POST /webhooks/pagerduty"] = c.Pager.WebhookHandler(app)
	}
	b, err := bot.New(session, bc)
	return b, app, err
}

// statusSettings are the status page's settings from the config file, as
// cmd/incidentbot reads them (without the environment's overrides).
func statusSettings(live *configfile.Live) func() status.Settings {
	return func() status.Settings {
		if live == nil {
			return status.Settings{}
		}
		sp := live.StatusPage()
		return status.Settings{Title: sp.Title, Name: sp.Name, LogoURL: sp.LogoURL, URL: sp.URL, Brand: sp.Brand,
			States: sp.States, HistoryDays: sp.HistoryDays, Catalog: live.Services()}
	}
}

// harness is the whole bot running against the Slack emulator and a real
// Redis, the way it runs in production but for the endpoints.
type harness struct {
	t         testing.TB
	ctx       context.Context
	emu       *slackemu.Emulator
	store     *store.Store
	redisURL  string
	redis     redistest.Target
	storeOpts store.Options
	timeout   time.Duration // the whole test's, 90 s unless withTimeout
	ownRedis  bool
	bot       *bot.Bot
	app       *handlers.App
	stop      func()
	cfg       config
}

type option func(*harness)

func withConfig(f func(*config)) option { return func(h *harness) { f(&h.cfg) } }

func withRedisURL(url string) option { return func(h *harness) { h.redisURL = url } }

// withTimeout gives a long test (a two-minute outage) more than 90 s.
func withTimeout(d time.Duration) option { return func(h *harness) { h.timeout = d } }

// withRedis runs the bot on tg (a Sentinel or Cluster a test started) with
// opts, as REDIS_ADDRS and REDIS_WAIT_REPLICAS would.
func withRedis(tg redistest.Target, opts store.Options) option {
	return func(h *harness) { h.redis, h.storeOpts, h.ownRedis = tg, opts, true }
}

func testLogger() *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newHarness(t testing.TB, emuOpts slackemu.Options, opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, timeout: 90 * time.Second}
	for _, o := range opts {
		o(h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	t.Cleanup(cancel)
	h.ctx = ctx
	h.emu = slackemu.New(emuOpts)
	t.Cleanup(h.emu.Close)
	h.emu.AddUser(ali, "ali")
	h.emu.AddUser(sam, "sam")
	h.emu.AddChannel(announce, "incidents")
	h.emu.AddChannel(general, "general")
	// The Redis the suite runs against (one node, Sentinel or Cluster),
	// unless the test brought its own server.
	tg := redistest.Target{Conn: store.Conn{URL: h.redisURL}}
	switch {
	case h.ownRedis:
		tg = h.redis
	case h.redisURL == "":
		tg = redistest.For(t)
	}
	h.redis = tg
	st := tg.Store(t, h.storeOpts)
	h.store = st
	h.cfg = config{
		Config:   bot.Config{Logger: testLogger(), ReminderSpec: "-", HTTPAddr: "127.0.0.1:0"},
		Handlers: handlers.Config{AnnounceChannel: announce},
		Store:    st,
	}
	for _, o := range opts {
		o(h)
	}
	h.startBot()
	return h
}

// startBot starts (or restarts) the bot process.
func (h *harness) startBot() {
	h.t.Helper()
	b, app, err := assemble(h.ctx, h.emu, h.cfg)
	if err != nil {
		h.t.Fatalf("assemble the bot: %v", err)
	}
	runCtx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("bot.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			h.t.Errorf("bot did not stop within 10s of its context ending")
		}
	}
	h.t.Cleanup(h.stop)
	select {
	case <-b.Connected():
	case <-h.ctx.Done():
		h.t.Fatal("bot never connected to the emulator")
	}
	h.bot, h.app = b, app
}

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	h.waitForLong(what, 20*time.Second, cond)
}

// waitForLong is waitFor with a longer limit, for failovers and outages.
func (h *harness) waitForLong(what string, limit time.Duration, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, limit)
	defer cancel()
	if err := h.emu.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("timed out waiting for %s", what)
	}
}

func (h *harness) command(user, channel, text string) json.RawMessage {
	h.t.Helper()
	ack, err := h.emu.SlashCommand(h.ctx, user, channel, text)
	if err != nil {
		h.t.Fatalf("/incident %s: %v", text, err)
	}
	return ack
}

// replies returns the texts shown privately to user, joined.
func (h *harness) replies(user string) string { return textOf(h.emu.Ephemerals(user)) }

// waitReply waits for a private reply to user containing want.
func (h *harness) waitReply(user, want string) {
	h.t.Helper()
	h.waitFor("a reply containing "+want, func() bool { return strings.Contains(h.replies(user), want) })
}

// declare declares an incident and returns its channel.
func (h *harness) declare(text string) slackemu.Channel {
	h.t.Helper()
	before := len(h.emu.Channels())
	h.command(ali, general, "declare "+text)
	var ch slackemu.Channel
	h.waitFor("the incident channel", func() bool {
		chans := h.emu.Channels()
		if len(chans) <= before {
			return false
		}
		ch = chans[len(chans)-1]
		return true
	})
	h.waitFor("the header to be pinned", func() bool {
		for _, m := range h.emu.Messages(ch.ID) {
			if m.Pinned {
				return true
			}
		}
		return false
	})
	h.waitReply(ali, "Declared")
	return ch
}

// incident returns the incident whose channel is channelID.
func (h *harness) incident(channelID string) incident.Incident {
	h.t.Helper()
	n, ok, err := h.store.ChannelIncident(h.ctx, channelID)
	if err != nil || !ok {
		h.t.Fatalf("channel %s is not an incident channel (err %v)", channelID, err)
	}
	inc, err := h.store.Incident(h.ctx, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) timeline(channelID string) []incident.Entry {
	h.t.Helper()
	events, err := h.store.Events(h.ctx, h.incident(channelID).Number)
	if err != nil {
		h.t.Fatal(err)
	}
	return incident.Fold(events)
}

func (h *harness) events(channelID string) []incident.Event {
	h.t.Helper()
	events, err := h.store.Events(h.ctx, h.incident(channelID).Number)
	if err != nil {
		h.t.Fatal(err)
	}
	return events
}

// messages returns the conversation entries' texts.
func messagesOf(entries []incident.Entry) []string {
	var out []string
	for _, e := range entries {
		if e.Kind == incident.KindMessage {
			out = append(out, e.Text)
		}
	}
	return out
}

func (h *harness) settled() {
	h.t.Helper()
	h.waitFor("every event to be acked", func() bool { return len(h.emu.Unacked()) == 0 })
}

func (h *harness) post(user, channel, text string) string {
	h.t.Helper()
	ts, err := h.emu.PostMessage(h.ctx, user, channel, text)
	if err != nil {
		h.t.Fatalf("post %q: %v", text, err)
	}
	return ts
}

// channelText is everything visible in a channel, for assertions.
func (h *harness) channelText(channelID string) string { return textOf(h.emu.Messages(channelID)) }

// textOf joins messages' texts and blocks, for assertions.
func textOf(msgs []slackemu.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Text)
		b.WriteString(unescape(m.Blocks))
		b.WriteString("\n")
	}
	return b.String()
}

// unescape undoes encoding/json's HTML escaping so assertions can look for
// Slack's <@U123> and <#C123> markup.
var unescape = func(raw json.RawMessage) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw))
}
