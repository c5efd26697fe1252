package main

import (
	"context"
	"fmt"
	"github.com/incidentbot/incidentbot/alerts"
	"log/slog"
	"maps"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/incidentbot/incidentbot/bot"
	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/pager"
	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/spool"
	"github.com/incidentbot/incidentbot/store"
)

// config is everything read from the environment. The names are a public
// contract: users' deployments depend on them.
type config struct {
	appToken, botToken, apiURL string
	redis                      redisEnv
	announce                   string
	httpAddr                   string
	runbooksDir                string
	configPath                 string
	connections                int
	handlers                   handlers.Config
	llm                        llm.Config
	pager                      pager.Config
	pagerOn                    bool
	status                     statusEnv
	alerts                     alerts.Config
	trackers                   trackers
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		appToken:    strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		botToken:    strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		apiURL:      or(getenv("SLACK_API_URL"), "https://slack.com/api/"),
		announce:    getenv("INCIDENT_ANNOUNCE_CHANNEL"),
		httpAddr:    or(getenv("HTTP_ADDR"), ":8080"),
		runbooksDir: getenv("RUNBOOKS_DIR"),
		configPath:  strings.TrimSpace(getenv("INCIDENTBOT_CONFIG")),
	}
	r, err := loadRedisEnv(getenv)
	if err != nil {
		return c, err
	}
	c.redis = r
	c.handlers = handlers.Config{AnnounceChannel: c.announce,
		PrivateAnnounceChannel: strings.TrimSpace(getenv("INCIDENT_PRIVATE_ANNOUNCE_CHANNEL"))}
	if s := getenv("INCIDENT_TIMEZONE"); s != "" {
		loc, err := time.LoadLocation(strings.TrimSpace(s))
		if err != nil {
			return c, fmt.Errorf("INCIDENT_TIMEZONE: %q is not an IANA time zone such as Europe/Berlin or America/New_York", s)
		}
		c.handlers.Location = loc
	}
	if s := getenv("SLACK_SOCKET_CONNECTIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10 {
			return c, fmt.Errorf("SLACK_SOCKET_CONNECTIONS: %q must be a number from 1 to 10 (Slack's limit per app)", s)
		}
		c.connections = n
	}
	if s := getenv("INCIDENT_MARKS"); s != "" {
		marks, err := incident.ParseMarks(s)
		if err != nil {
			return c, fmt.Errorf("INCIDENT_MARKS: %s", incident.ErrorMessage(err))
		}
		c.handlers.Marks = marks
	}
	if s := getenv("INCIDENT_UPDATE_CADENCE"); s != "" {
		cad, err := parseCadence(s)
		if err != nil {
			return c, fmt.Errorf("INCIDENT_UPDATE_CADENCE: %w", err)
		}
		c.handlers.UpdateCadence = cad
	}
	if s := getenv("POSTMORTEM_REMINDER_AFTER"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("POSTMORTEM_REMINDER_AFTER: %q is not a duration like 48h", s)
		}
		c.handlers.PostmortemDue = d
	}
	// Drafts are told the cadence in force with each request; this is the
	// fallback.
	cadence := incident.DefaultUpdateCadence()
	maps.Copy(cadence, c.handlers.UpdateCadence)
	c.llm = llm.Config{APIKey: getenv("OPENAI_API_KEY"), BaseURL: getenv("OPENAI_BASE_URL"), Model: getenv("OPENAI_MODEL"),
		Cadence: cadence}
	// For every LLM_ number, 0 leaves the field zero and llm.New applies
	// the default, as the README promises.
	if s := getenv("LLM_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return c, fmt.Errorf("LLM_TIMEOUT: %q is not a duration like 20s (0 for the default)", s)
		}
		c.llm.Timeout = d
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"LLM_COST_CAP_USD", &c.llm.CostCapUSD}, {"LLM_PRICE_PER_1K_INPUT", &c.llm.PricePer1KInput}, {"LLM_PRICE_PER_1K_OUTPUT", &c.llm.PricePer1KOutput}} {
		if s := getenv(f.name); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return c, fmt.Errorf("%s: %q is not a number of dollars", f.name, s)
			}
			*f.dst = v
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"LLM_MAX_RETRIES", &c.llm.MaxRetries}, {"LLM_TOKEN_BUDGET", &c.llm.TokenBudget}} {
		if s := getenv(f.name); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				return c, fmt.Errorf("%s: %q is not a whole number", f.name, s)
			}
			*f.dst = v
		}
	}
	pc, err := pager.ConfigFromEnv(getenv)
	if err != nil {
		return c, err
	}
	if c.status, err = loadStatusEnv(getenv); err != nil {
		return c, err
	}
	c.alerts = alerts.Config{Token: getenv("ALERT_WEBHOOK_TOKEN"), Secret: getenv("ALERT_WEBHOOK_SECRET")}
	if c.trackers, err = loadTrackers(getenv); err != nil {
		return c, err
	}
	c.pager = pc
	c.pagerOn = pc.RoutingKey != "" || len(pc.Services) > 0 || pc.APIToken != "" || pc.WebhookSecret != ""
	return c, nil
}

// parseCadence parses "P1=20m,P2=30m,P3=2h,P4=0" into the entries given:
// the others come from the config file, then the defaults.
func parseCadence(s string) (map[incident.Severity]time.Duration, error) {
	out := map[incident.Severity]time.Duration{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		sev, sok := incident.ParseSeverity(k)
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if v == "0" {
			d, err = 0, nil
		}
		if !ok || !sok || err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not like P1=20m (use 0 for no reminders)", pair)
		}
		out[sev] = d
	}
	return out, nil
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}

// run starts the bot and blocks until ctx ends.
func run(ctx context.Context, getenv func(string) string, logger *slog.Logger) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// Token mistakes are the commonest; say so before dialling anything.
	if err := bot.CheckTokens(cfg.appToken, cfg.botToken); err != nil {
		return err
	}
	var catalog *configfile.Live
	if cfg.configPath != "" {
		file, err := loadConfigFile(cfg.configPath, getenv)
		if err != nil {
			return err
		}
		catalog = configfile.NewLive(file)
		cfg.pagerOn = cfg.pagerOn || len(file.PagerDuty) > 0
		logger.Info("config file loaded", "path", cfg.configPath, "services", len(file.Catalog))
	}
	st, err := store.Open(ctx, cfg.redis.conn, cfg.redis.opts)
	if err != nil {
		return err
	}
	logger.Info("Redis", "using", cfg.redis.conn.Describe(), "wait_replicas", cfg.redis.opts.WaitReplicas)
	if cfg.redis.urlIgnored {
		logger.Info("REDIS_URL is set too and ignored: REDIS_ADDRS wins")
	}
	defer st.Close()
	warnDurability(ctx, st, logger)

	sp, err := openSpool(cfg.redis, logger)
	if err != nil {
		return err
	}
	if sp != nil {
		defer sp.Close()
	}

	rb, err := runbooks.Open(ctx, cfg.runbooksDir, logger)
	if err != nil {
		return fmt.Errorf("RUNBOOKS_DIR %q: %w", cfg.runbooksDir, err)
	}
	go rb.Watch(ctx, 5*time.Second)
	configHUP := make(chan struct{}, 1)
	go reloadOnHUP(ctx, rb, configHUP, logger)

	p := parts{
		creds:    bot.Credentials{AppToken: cfg.appToken, BotToken: cfg.botToken, APIURL: cfg.apiURL},
		handlers: cfg.handlers, store: st, runbooks: rb, logger: logger,
		bot: bot.Config{HTTPAddr: cfg.httpAddr, Connections: cfg.connections,
			Collectors: []prometheus.Collector{insights.NewCollector(st, logger)}},
		insights: insights.NewMaker(st, nil),
		drafter:  llm.New(cfg.llm, logger),
		catalog:  catalog, getenv: getenv, status: cfg.status, statuspage: newStatuspage(cfg.status),
		alerts: cfg.alerts, alertMetrics: alerts.NewMetrics(), trackers: cfg.trackers,
	}
	p.bot.Collectors = append(p.bot.Collectors, p.alertMetrics.Collector())
	if sp != nil {
		p.bot.Spool = sp
	}
	if cfg.pagerOn {
		pc, err := pager.New(cfg.pager, logger)
		if err != nil {
			return fmt.Errorf("PagerDuty: %w", err)
		}
		p.pager = pc
	}
	b, api, err := assemble(ctx, p)
	if err != nil {
		return err
	}
	if catalog != nil {
		r := &reloader{path: cfg.configPath, live: catalog, getenv: getenv, announce: cfg.announce, poster: api, log: logger}
		if p.pager != nil {
			r.pager = p.pager
		}
		go r.watch(ctx, configHUP)
	}
	return b.Run(ctx)
}

// openSpool opens SPOOL_DIR, or says that a Redis outage longer than
// Slack's redeliveries would lose events.
func openSpool(r redisEnv, logger *slog.Logger) (*spool.Spool, error) {
	if r.spoolDir == "" {
		logger.Info("no SPOOL_DIR: events Redis cannot take are left to Slack's redeliveries (a few, over about five minutes)")
		return nil, nil
	}
	sp, err := spool.Open(r.spoolDir, spool.Options{MaxBytes: r.spoolMax})
	if err != nil {
		return nil, fmt.Errorf("SPOOL_DIR %q: %w (each replica needs a directory of its own)", r.spoolDir, err)
	}
	limit := r.spoolMax
	if limit == 0 {
		limit = spool.DefaultMaxBytes
	}
	logger.Info("spool open", "dir", r.spoolDir, "max_bytes", limit, "waiting", sp.Len())
	return sp, nil
}

// warnDurability warns when Redis keeps nothing on disk: the timeline is the
// record of the incident, and a restart would erase it.
func warnDurability(ctx context.Context, st *store.Store, logger *slog.Logger) {
	aof, rdb, err := st.Durability(ctx)
	if err != nil {
		logger.Info("could not check Redis persistence (CONFIG GET is disabled?)", "err", err)
		return
	}
	if !aof && !rdb {
		logger.Warn("Redis keeps nothing on disk (appendonly no, no save points): a Redis restart would erase every timeline. Run Redis with --appendonly yes (see README, Running Redis durably).")
	}
}

// reloadOnHUP re-reads the runbooks and the config file on SIGHUP.
func reloadOnHUP(ctx context.Context, rb *runbooks.Library, config chan<- struct{}, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			select {
			case config <- struct{}{}:
			default: // a reload is already pending
			}
			if err := rb.Reload(ctx); err != nil {
				logger.Error("runbooks reload", "err", err)
			} else {
				files, sections := rb.Count()
				logger.Info("runbooks reloaded", "files", files, "sections", sections)
			}
		}
	}
}
