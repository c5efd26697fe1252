// Package bot is the Slack transport: the socket-mode loop, envelope routing
// and the ack policy, the Web API adapter the handlers use, the HTTP server
// (health, readiness, metrics, webhooks) and the reminder schedule.
package bot

import (
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/handlers"
)

// Pinger reports whether a dependency is reachable, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Interactions carries out what people do in Slack: slash commands, button
// clicks and modal submissions. The bot acks them; these do the work.
type Interactions interface {
	// AckText is the short reply sent with a command's ack, or "".
	AckText(c handlers.SlashCommand) string
	// CommandLabel names a command for metrics, "other" when unknown.
	CommandLabel(text string) string
	Command(ctx context.Context, c handlers.SlashCommand, r handlers.Responder)
	Action(ctx context.Context, a handlers.BlockAction, r handlers.Responder)
	// ValidateView runs before a submission is acked; its errors go back in
	// the ack.
	ValidateView(ctx context.Context, v handlers.ViewSubmission) map[string]string
	// ViewChannel is where to answer a submission, which has no response_url.
	ViewChannel(v handlers.ViewSubmission) string
	SubmitView(ctx context.Context, v handlers.ViewSubmission, r handlers.Responder)
}

// Recorder records channel events; each is acked only once it returns nil.
type Recorder interface {
	Message(ctx context.Context, m handlers.MessageEvent) error
	Edit(ctx context.Context, e handlers.EditEvent) error
	Delete(ctx context.Context, d handlers.DeleteEvent) error
	Reaction(ctx context.Context, r handlers.ReactionEvent) error
}

// Background is work that outlives the interaction that started it, which
// shutdown waits for and, past its deadline, cancels.
type Background interface {
	Wait()
	Cancel()
}

// Config configures a Bot.
type Config struct {
	// HTTPAddr serves /healthz, /readyz, /metrics and webhooks; "" disables.
	HTTPAddr     string
	Interactions Interactions
	Recorder     Recorder
	// Remind sends due reminders; cron calls it. Nil disables reminders.
	Remind func(ctx context.Context) error
	// Background is drained on shutdown; nil when there is none.
	Background Background
	// Ready is checked by /readyz besides the Slack connection (Redis ping).
	Ready Pinger
	// Spool, when set, takes the events Redis cannot, so they are acked and
	// replayed later instead of left to Slack's few redeliveries.
	Spool Spooler
	// Webhooks are extra HTTP handlers by pattern, such as
	// "POST /webhooks/pagerduty".
	Webhooks map[string]http.Handler
	// Status serves the public status page (/status, /status.json,
	// /status/feed.atom): on StatusAddr when set, so it can be exposed
	// alone, else beside the rest on HTTPAddr. Nil: no status page.
	Status     http.Handler
	StatusAddr string
	// Collectors are extra Prometheus collectors for /metrics.
	Collectors []prometheus.Collector
	// ReminderSpec is the cron spec for reminders; "" means every minute,
	// "-" disables them.
	ReminderSpec string
	// DrainTimeout bounds shutdown; default 8s, inside Kubernetes' and
	// systemd's usual 10s grace period.
	DrainTimeout time.Duration
	// Workers is how many event shards run at once; events of one channel
	// always go to the same shard, so they are recorded in order.
	Workers int
	// Connections is how many socket-mode connections to keep open (Slack
	// allows up to 10 per app). Slack spreads envelopes over them, so
	// decoding runs in parallel, and when Slack refreshes one connection
	// (it does, about hourly) the others keep delivering. Default 2.
	Connections int
	Logger      *slog.Logger
}

// Bot is a running incidentbot: the Slack transport.
type Bot struct {
	cfg     Config
	log     *slog.Logger
	session *Session
	conns   []*conn
	metrics *metrics

	work       sync.WaitGroup // acknowledged interactions still being worked on
	connected  chan struct{}  // closed on the first socket-mode connection
	connOnce   sync.Once
	mu         sync.Mutex
	httpAddr   net.Addr
	statusAddr net.Addr
	shards     []chan item
	spoolKick  chan struct{}
	// workCtx is the parent of all acknowledged work: it outlives the run
	// context so shutdown can drain, and is cancelled if draining overruns.
	workCtx context.Context
}

// Credentials are what the bot signs in to Slack with.
type Credentials struct {
	AppToken string // xapp-
	BotToken string // xoxb-
	// APIURL is the Web API base used for every call, apps.connections.open
	// included, so the bot can run against the emulator.
	APIURL string
}

// Session is a signed-in Slack app: the Web API adapter and who the bot is.
type Session struct {
	// API is the Web API adapter the handlers use.
	API *API
	// UserID and BotID are the bot's own user and bot ids.
	UserID, BotID string
	url           string
	client        *slack.Client
}

// Connect checks the credentials and asks Slack who the bot is.
func Connect(ctx context.Context, c Credentials) (*Session, error) {
	if err := CheckTokens(c.AppToken, c.BotToken); err != nil {
		return nil, err
	}
	if c.APIURL == "" {
		c.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	// Two clients: every call retries 429s (Slack rejected it, so a retry
	// cannot duplicate anything); only idempotent calls also retry 5xx and
	// connection errors, where the first attempt may have taken effect.
	// Eight retries outlast a burst of rate limits (each waits Slack's
	// Retry-After), so a draft or header asked for during one still lands;
	// every call's context bounds the whole.
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 8
	client := func(handlers []slack.RetryHandler) *slack.Client {
		r := retry
		r.Handlers = handlers
		return slack.New(c.BotToken, slack.OptionAPIURL(c.APIURL), slack.OptionAppLevelToken(c.AppToken),
			slack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second}), slack.OptionRetryConfig(r))
	}
	api := client(slack.DefaultRetryHandlers(retry))
	idempotent := client(append(slack.AllBuiltinRetryHandlers(retry), slack.NewServerErrorRetryHandler(retry)))
	authCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	who, err := api.AuthTestContext(authCtx)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BOT_TOKEN was rejected by %s (auth.test: %w) — check the token and SLACK_API_URL", c.APIURL, err)
	}
	return &Session{API: NewAPI(api, idempotent), UserID: who.UserID, BotID: who.BotID, url: c.APIURL, client: api}, nil
}

// New builds a Bot on a signed-in session.
func New(s *Session, cfg Config) (*Bot, error) {
	if cfg.Interactions == nil || cfg.Recorder == nil {
		return nil, errors.New("bot: no interactions or recorder configured")
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
	if cfg.Connections <= 0 {
		cfg.Connections = 2
	}
	if cfg.Connections > 10 {
		return nil, errors.New("at most 10 socket-mode connections are allowed per Slack app")
	}
	if cfg.Spool != nil {
		sp := cfg.Spool
		cfg.Collectors = append(cfg.Collectors, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "incidentbot_spool_events", Help: "Events on the local spool waiting for Redis."},
			func() float64 { return float64(sp.Len()) }))
	}
	b := &Bot{cfg: cfg, log: cfg.Logger, session: s, connected: make(chan struct{}), metrics: newMetrics(cfg.Collectors...),
		spoolKick: make(chan struct{}, 1)}
	for i := range cfg.Connections {
		b.conns = append(b.conns, &conn{id: i, sm: socketmode.New(s.client)})
	}
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

// Connected is closed once the bot has a socket-mode connection.
func (b *Bot) Connected() <-chan struct{} { return b.connected }

// HTTPAddr is the address the HTTP server listens on, once it does.
func (b *Bot) HTTPAddr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.httpAddr
}

// StatusAddr is the address the separate status page server listens on,
// once it does; nil when the page is served on HTTPAddr.
func (b *Bot) StatusAddr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.statusAddr
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
	statusSrv, err := b.startStatus(workCtx)
	if err != nil {
		if srv != nil {
			srv.Close()
		}
		return err
	}
	sched := b.startCron(workCtx)

	b.shards = make([]chan item, b.cfg.Workers)
	var shardsDone sync.WaitGroup
	for i := range b.shards {
		b.shards[i] = make(chan item, 256)
		shardsDone.Add(1)
		go func(ch chan item) {
			defer shardsDone.Done()
			for it := range ch {
				if time.Since(it.queued) > staleAfter {
					b.metrics.events.WithLabelValues("queue", "stale").Inc()
					b.log.Warn("event waited too long behind others; leaving it unacked for Slack to redeliver",
						"waited", time.Since(it.queued).Round(time.Millisecond))
					continue
				}
				b.handleEventsAPI(workCtx, it.c, it.evt)
			}
		}(b.shards[i])
	}

	if b.cfg.Spool != nil {
		if b.spooling() {
			// Events spooled before a restart go to Redis before any new
			// one, within a bound: a Redis still down must not keep the
			// bot off Slack, where new events queue behind them anyway.
			b.log.Info("replaying the spool before connecting", "events", b.cfg.Spool.Len())
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			if err := b.drainSpool(dctx); err != nil {
				b.log.Warn("spool not empty at start; replaying in the background", "left", b.cfg.Spool.Len(), "err", err)
			}
			cancel()
		}
		go b.runSpool(workCtx)
	}

	sockCtx, stopSock := context.WithCancel(ctx)
	defer stopSock()
	var sockets, pumps sync.WaitGroup
	for _, c := range b.conns {
		sockets.Go(func() { b.runSocket(sockCtx, c) })
		pumps.Go(func() { b.pump(ctx, c) })
	}

	b.log.Info("incidentbot running", "api", b.session.url, "bot_user", b.session.UserID, "connections", len(b.conns))
	<-ctx.Done()
	pumps.Wait() // nothing is routed to the shards after this

	// Shutdown: stop taking work, finish what was acknowledged, all within
	// one deadline: webhooks in flight, handlers, background work and the
	// reminder job share DrainTimeout.
	deadline := time.Now().Add(b.cfg.DrainTimeout)
	b.log.Info("shutting down: draining in-flight work", "timeout", b.cfg.DrainTimeout)
	stopSock()
	for _, ch := range b.shards {
		close(ch)
	}
	if srv != nil {
		// Stop taking webhooks first; Shutdown lets in-flight ones finish.
		shutCtx, cancel := context.WithDeadline(context.Background(), deadline)
		srv.Shutdown(shutCtx)
		cancel()
	}
	if statusSrv != nil {
		shutCtx, cancel := context.WithDeadline(context.Background(), deadline)
		statusSrv.Shutdown(shutCtx)
		cancel()
	}
	drained := make(chan struct{})
	go func() {
		shardsDone.Wait()
		b.work.Wait()
		if b.cfg.Background != nil {
			b.cfg.Background.Wait()
		}
		if sched != nil {
			<-sched.Stop().Done()
		}
		close(drained)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		b.log.Warn("drain timed out; cancelling remaining work")
		cancelWork()
		if b.cfg.Background != nil {
			b.cfg.Background.Cancel()
		}
		// Cancelled work returns promptly; never wait past a short grace.
		select {
		case <-drained:
		case <-time.After(time.Second):
			b.log.Warn("some work did not stop after cancellation; exiting anyway")
		}
	}
	sockets.Wait()
	b.log.Info("stopped")
	return nil
}

// conn is one socket-mode connection. Envelopes are acked on the
// connection that delivered them.
type conn struct {
	id int
	sm *socketmode.Client
	up atomic.Bool
}

// item is an events_api envelope queued for a shard.
type item struct {
	c      *conn
	evt    socketmode.Event
	queued time.Time
}

// staleAfter is how long an event may wait in its shard before it is left
// for Slack to redeliver instead of recorded. Slack wants an ack within 3 s;
// one that would come later is worth less than the queue space, and a
// backlog (a slow Redis, a flood in one channel) must not make every ack
// late.
const staleAfter = 2 * time.Second

// runSocket keeps a socket-mode connection up until ctx ends. slack-go
// reconnects by itself on disconnect messages; this loop also covers dial
// failures and dropped networks, with capped backoff.
func (b *Bot) runSocket(ctx context.Context, c *conn) {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		err := c.sm.RunContext(ctx)
		if ctx.Err() != nil {
			return
		}
		c.up.Store(false)
		b.log.Warn("socket mode connection ended; reconnecting", "conn", c.id, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// up reports whether any connection is up.
func (b *Bot) up() bool {
	for _, c := range b.conns {
		if c.up.Load() {
			return true
		}
	}
	return false
}

// pump routes one connection's events until ctx ends.
func (b *Bot) pump(ctx context.Context, c *conn) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-c.sm.Events:
			if !ok {
				return
			}
			b.route(c, evt)
		}
	}
}

func (b *Bot) route(c *conn, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		c.up.Store(true)
		b.connOnce.Do(func() { close(b.connected) })
		b.log.Info("connected to Slack in socket mode", "conn", c.id)
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
		b.log.Warn("socket mode error", "conn", c.id, "data", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack rejected SLACK_APP_TOKEN (invalid_auth): check it has the connections:write scope")
	case socketmode.EventTypeDisconnect:
		c.up.Store(false)
		b.log.Info("Slack asked to reconnect", "conn", c.id, "data", evt.Data)
	case socketmode.EventTypeEventsAPI:
		// Never block routing on a busy shard (a slow Redis, a flood in one
		// channel): commands and clicks must still be acked within 3 s. An
		// event that finds its shard full stays unacked; Slack redelivers it.
		select {
		case b.shard(evt) <- item{c, evt, time.Now()}:
		default:
			b.metrics.events.WithLabelValues("queue", "full").Inc()
			b.log.Warn("event queue full; leaving the event unacked for Slack to redeliver")
		}
	case socketmode.EventTypeSlashCommand:
		b.handleSlash(c, evt)
	case socketmode.EventTypeInteractive:
		b.handleInteractive(c, evt)
	}
}

// shard picks the worker for an event: by channel, so one channel's events
// are recorded in the order Slack sent them.
func (b *Bot) shard(evt socketmode.Event) chan item {
	key := channelOf(evt)
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return b.shards[h%uint32(len(b.shards))]
}

func (b *Bot) startCron(ctx context.Context) *cron.Cron {
	if b.cfg.ReminderSpec == "-" || b.cfg.Remind == nil {
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
		if err := b.cfg.Remind(tctx); err != nil {
			b.log.Error("reminders", "err", err)
		}
	}); err != nil {
		b.log.Error("bad reminder schedule; reminders are off", "spec", spec, "err", err)
		return nil
	}
	c.Start()
	return c
}
