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
}

// newMetrics uses a registry per bot, not the global one, so several bots in
// one test process do not collide.
func newMetrics() *metrics {
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
	m.reg.MustRegister(m.events, m.commands, m.ackLatency,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
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
	ln, err := net.Listen("tcp", b.cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTP_ADDR %s: %w", b.cfg.HTTPAddr, err)
	}
	b.mu.Lock()
	b.httpAddr = ln.Addr()
	b.mu.Unlock()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("http server", "err", err)
		}
	}()
	return srv, nil
}
