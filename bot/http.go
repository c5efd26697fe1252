package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	reg        *prometheus.Registry
	events     *prometheus.CounterVec
	commands   *prometheus.CounterVec
	ackLatency *prometheus.HistogramVec
	spooled    prometheus.Counter
}

// newMetrics uses a registry per bot, not the global one, so several bots in
// one test process do not collide.
func newMetrics(extra ...prometheus.Collector) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "incidentbot_events_total", Help: "Slack events handled, by kind and outcome."}, []string{"kind", "outcome"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "incidentbot_commands_total", Help: "Slash commands received, by subcommand."}, []string{"command"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "incidentbot_ack_seconds", Help: "Time from receiving an envelope to acking it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"type"}),
	}
	m.spooled = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "incidentbot_spooled_events_total", Help: "Events written to the local spool because Redis could not take them."})
	m.reg.MustRegister(m.events, m.commands, m.ackLatency, m.spooled,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	m.reg.MustRegister(extra...)
	return m
}

// startHTTP serves health, readiness, metrics and webhooks.
func (b *Bot) startHTTP(ctx context.Context) (*http.Server, error) {
	if b.cfg.HTTPAddr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !b.up() {
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
			return
		}
		if b.cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := b.cfg.Ready.Ping(ctx); err != nil {
				http.Error(w, "store unreachable", http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.reg, promhttp.HandlerOpts{}))
	for pattern, h := range b.cfg.Webhooks {
		mux.Handle(pattern, h)
	}
	if b.cfg.Status != nil && b.cfg.StatusAddr == "" {
		mountStatus(mux, b.cfg.Status)
	}
	addr, srv, err := b.serve(ctx, "HTTP_ADDR", b.cfg.HTTPAddr, mux)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.httpAddr = addr
	b.mu.Unlock()
	return srv, nil
}

// startStatus serves the status page alone on StatusAddr, when both are
// set: nothing else of the bot is reachable there.
func (b *Bot) startStatus(ctx context.Context) (*http.Server, error) {
	if b.cfg.Status == nil || b.cfg.StatusAddr == "" {
		return nil, nil
	}
	mux := http.NewServeMux()
	mountStatus(mux, b.cfg.Status)
	addr, srv, err := b.serve(ctx, "STATUS_ADDR", b.cfg.StatusAddr, mux)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.statusAddr = addr
	b.mu.Unlock()
	return srv, nil
}

// mountStatus routes the status page's three paths, and nothing else, to h.
func mountStatus(mux *http.ServeMux, h http.Handler) {
	for _, p := range []string{"GET /status", "GET /status.json", "GET /status/feed.atom"} {
		mux.Handle(p, h)
	}
}

// serve listens on addr (named by env in errors) and serves h until
// shutdown.
func (b *Bot) serve(ctx context.Context, env, addr string, h http.Handler) (net.Addr, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", env, addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("http server", "addr", addr, "err", err)
		}
	}()
	return ln.Addr(), srv, nil
}
