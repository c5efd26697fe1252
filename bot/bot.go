// Package bot is the Slack transport: the socket-mode loop, envelope routing
// and the ack policy, the Web API adapter the handlers use, the HTTP server
// (health, readiness, metrics, webhooks) and the reminder schedule.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
)

// Pinger reports whether a dependency is reachable, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// AlertSink takes paging-system webhook events; *handlers.Handler is one.
type AlertSink interface {
	Alert(ctx context.Context, a incident.Alert) error
}

// Config configures a Bot.
type Config struct {
	AppToken string // xapp-
	BotToken string // xoxb-
	// APIURL is the Web API base used for every call, apps.connections.open
	// included, so the bot can run against the emulator.
	APIURL string
	// HTTPAddr serves /healthz, /readyz, /metrics and webhooks; "" disables.
	HTTPAddr string
	Handlers handlers.Config

	Store    handlers.Store
	Drafter  handlers.Drafter
	Pager    handlers.Pager
	Runbooks handlers.Runbooks
	Clock    handlers.Clock
	// Ready is checked by /readyz besides the Slack connection (Redis ping).
	Ready Pinger
	// Webhook builds the paging-system webhook handler once the alert sink
	// exists; nil serves no webhook.
	Webhook func(AlertSink) http.Handler
	// ReminderSpec is the cron spec for reminders; "" means every minute,
	// "-" disables them.
	ReminderSpec string
	// DrainTimeout bounds shutdown; default 8s, inside Kubernetes' and
	// systemd's usual 10s grace period.
	DrainTimeout time.Duration
	// Workers is how many event shards run at once; events of one channel
	// always go to the same shard, so they are recorded in order.
	Workers int
	Logger  *slog.Logger
}

// Bot is a running incidentbot.
type Bot struct {
	cfg     Config
	log     *slog.Logger
	api     *slack.Client
	slack   *API
	sm      *socketmode.Client
	handler *handlers.Handler
	metrics *metrics

	work      sync.WaitGroup // acknowledged interactions still being worked on
	connected chan struct{}  // closed on the first socket-mode connection
	connOnce  sync.Once
	mu        sync.Mutex
	isUp      bool
	httpAddr  net.Addr
	shards    []chan socketmode.Event
	// workCtx is the parent of all acknowledged work: it outlives the run
	// context so shutdown can drain, and is cancelled if draining overruns.
	workCtx context.Context
}

// New checks the configuration and the Slack credentials and builds a Bot.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if err := CheckTokens(cfg.AppToken, cfg.BotToken); err != nil {
		return nil, err
	}
	if cfg.Store == nil {
		return nil, errors.New("bot: no store configured")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 8 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	api := slack.New(cfg.BotToken, slack.OptionAPIURL(cfg.APIURL), slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second}), slack.OptionRetryConfig(retry))
	authCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	who, err := api.AuthTestContext(authCtx)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BOT_TOKEN was rejected by %s (auth.test: %w) — check the token and SLACK_API_URL", cfg.APIURL, err)
	}
	cfg.Handlers.BotUserID = who.UserID
	b := &Bot{cfg: cfg, log: cfg.Logger, api: api, slack: NewAPI(api), connected: make(chan struct{}), metrics: newMetrics()}
	b.sm = socketmode.New(api)
	b.handler = handlers.New(cfg.Handlers, handlers.Deps{
		Slack: b.slack, Store: cfg.Store, Drafter: cfg.Drafter, Pager: cfg.Pager,
		Runbooks: cfg.Runbooks, Clock: cfg.Clock, Logger: cfg.Logger,
	})
	b.handler.SetBackground(b.goTracked)
	return b, nil
}

// CheckTokens catches the commonest set-up mistake, swapped or missing
// tokens, with a sentence that says what to fix.
func CheckTokens(app, bot string) error {
	switch {
	case app == "":
		return errors.New("SLACK_APP_TOKEN is not set: create an app-level token with the connections:write scope (it starts with xapp-)")
	case !strings.HasPrefix(app, "xapp-"):
		return errors.New("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)")
	case bot == "":
		return errors.New("SLACK_BOT_TOKEN is not set: install the app and copy the Bot User OAuth Token (it starts with xoxb-)")
	case !strings.HasPrefix(bot, "xoxb-"):
		return errors.New("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)")
	}
	return nil
}

// Handler returns the bot's handlers (for tests and webhooks).
func (b *Bot) Handler() *handlers.Handler { return b.handler }

// Connected is closed once the bot has a socket-mode connection.
func (b *Bot) Connected() <-chan struct{} { return b.connected }

// HTTPAddr is the address the HTTP server listens on, once it does.
func (b *Bot) HTTPAddr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.httpAddr
}

// Run runs the bot until ctx ends, then drains in-flight work within the
// drain timeout and returns.
func Run(ctx context.Context, cfg Config) error {
	b, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// goTracked runs f in a goroutine that shutdown waits for.
func (b *Bot) goTracked(f func()) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("panic in background work", "panic", r)
			}
		}()
		f()
	}()
}

// Run runs the bot until ctx ends.
func (b *Bot) Run(ctx context.Context) error {
	// work outlives ctx for the drain: handlers get their own context,
	// cancelled only if draining takes too long.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.workCtx = workCtx

	srv, err := b.startHTTP(workCtx)
	if err != nil {
		return err
	}
	sched := b.startCron(workCtx)

	b.shards = make([]chan socketmode.Event, b.cfg.Workers)
	var shardsDone sync.WaitGroup
	for i := range b.shards {
		b.shards[i] = make(chan socketmode.Event, 256)
		shardsDone.Add(1)
		go func(ch chan socketmode.Event) {
			defer shardsDone.Done()
			for evt := range ch {
				b.handleEventsAPI(workCtx, evt)
			}
		}(b.shards[i])
	}

	sockCtx, stopSock := context.WithCancel(ctx)
	defer stopSock()
	sockDone := make(chan struct{})
	go func() {
		defer close(sockDone)
		b.runSocket(sockCtx)
	}()

	b.log.Info("incidentbot running", "api", b.cfg.APIURL, "bot_user", b.cfg.Handlers.BotUserID)
	b.loop(ctx)

	// Shutdown: stop taking work, finish what was acknowledged.
	b.log.Info("shutting down: draining in-flight work", "timeout", b.cfg.DrainTimeout)
	stopSock()
	for _, ch := range b.shards {
		close(ch)
	}
	drained := make(chan struct{})
	go func() {
		shardsDone.Wait()
		b.work.Wait()
		close(drained)
	}()
	timer := time.NewTimer(b.cfg.DrainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		b.log.Warn("drain timed out; cancelling remaining work")
		cancelWork()
		<-drained
	}
	if sched != nil {
		<-sched.Stop().Done()
	}
	if srv != nil {
		shutCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(shutCtx)
	}
	<-sockDone
	b.log.Info("stopped")
	return nil
}

// runSocket keeps a socket-mode connection up until ctx ends. slack-go
// reconnects by itself on disconnect messages; this loop also covers dial
// failures and dropped networks, with capped backoff.
func (b *Bot) runSocket(ctx context.Context) {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		err := b.sm.RunContext(ctx)
		if ctx.Err() != nil {
			return
		}
		b.setUp(false)
		b.log.Warn("socket mode connection ended; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (b *Bot) setUp(up bool) {
	b.mu.Lock()
	b.isUp = up
	b.mu.Unlock()
	if up {
		b.connOnce.Do(func() { close(b.connected) })
	}
}

func (b *Bot) up() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.isUp
}

// loop routes socket-mode events until ctx ends.
func (b *Bot) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-b.sm.Events:
			if !ok {
				return
			}
			b.route(ctx, evt)
		}
	}
}

func (b *Bot) route(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.setUp(true)
		b.log.Info("connected to Slack in socket mode")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
		b.log.Warn("socket mode error", "data", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack rejected SLACK_APP_TOKEN (invalid_auth): check it has the connections:write scope")
	case socketmode.EventTypeDisconnect:
		b.setUp(false)
		b.log.Info("Slack asked to reconnect", "data", evt.Data)
	case socketmode.EventTypeEventsAPI:
		b.shard(evt) <- evt
	case socketmode.EventTypeSlashCommand:
		b.handleSlash(evt)
	case socketmode.EventTypeInteractive:
		b.handleInteractive(evt)
	}
}

// shard picks the worker for an event: by channel, so one channel's events
// are recorded in the order Slack sent them.
func (b *Bot) shard(evt socketmode.Event) chan socketmode.Event {
	key := channelOf(evt)
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return b.shards[h%uint32(len(b.shards))]
}

func (b *Bot) startCron(ctx context.Context) *cron.Cron {
	if b.cfg.ReminderSpec == "-" {
		return nil
	}
	spec := b.cfg.ReminderSpec
	if spec == "" {
		spec = "@every 1m"
	}
	logger := cron.VerbosePrintfLogger(slog.NewLogLogger(b.log.Handler(), slog.LevelDebug))
	// Recover is innermost so a panicking reminder is logged, and the
	// skip keeps a slow tick from piling up behind itself.
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	if _, err := c.AddFunc(spec, func() {
		tctx, cancel := context.WithTimeout(ctx, 50*time.Second)
		defer cancel()
		if err := b.handler.Remind(tctx); err != nil {
			b.log.Error("reminders", "err", err)
		}
	}); err != nil {
		b.log.Error("bad reminder schedule; reminders are off", "spec", spec, "err", err)
		return nil
	}
	c.Start()
	return c
}
