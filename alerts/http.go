package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/incidentbot/incidentbot/incident"
)

// Outcomes of deliveries that never reach the Sink, for the metric; the
// Sink's are incident.AlertDeclared and the rest.
const (
	Refused   = "refused"   // not authenticated
	Malformed = "malformed" // not a body the endpoint takes
	Failed    = "failed"    // could not be handled; the monitor retries
)

// Sink decides what a notification means.
type Sink interface {
	MonitorAlert(ctx context.Context, a incident.MonitorAlert) (incident.AlertResult, error)
}

// Endpoint is one webhook: its source, how its body decodes and how its
// deliveries are authenticated.
type Endpoint struct {
	Source string
	Decode func(body []byte) (incident.MonitorAlert, error)
	Auth   func(r *http.Request, body []byte) error
}

// maxBody bounds a delivery. Alertmanager's biggest groups stay well
// under it; past it the sender is told, and nothing is recorded.
const maxBody = 1 << 20

// Metrics counts deliveries by source and outcome. Each delivery reaches
// one replica, so a dashboard sums over instances.
type Metrics struct{ deliveries *prometheus.CounterVec }

// NewMetrics makes the counter; register Collector with the registry.
func NewMetrics() *Metrics {
	return &Metrics{deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "incidentbot_alerts_total", Help: "Monitor alert deliveries, by source and outcome."}, []string{"source", "outcome"})}
}

// Collector is what to register.
func (m *Metrics) Collector() prometheus.Collector { return m.deliveries }

// Handler serves one endpoint.
func Handler(e Endpoint, sink Sink, m *Metrics, log *slog.Logger) http.Handler {
	count := func(outcome string) {
		if m != nil {
			m.deliveries.WithLabelValues(e.Source, outcome).Inc()
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			count(Malformed)
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			http.Error(w, "could not read the body: "+err.Error(), status)
			return
		}
		if err := e.Auth(r, body); err != nil {
			if !authFailure(err) {
				count(Failed)
				log.Error("alert webhook: check the signature", "source", e.Source, "err", err)
				http.Error(w, "could not check the delivery; retry", http.StatusInternalServerError)
				return
			}
			count(Refused)
			log.Warn("alert webhook refused", "source", e.Source, "remote", r.RemoteAddr, "why", err.Error())
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a, err := e.Decode(body)
		if err != nil {
			count(Malformed)
			log.Warn("alert webhook: malformed body", "source", e.Source, "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := sink.MonitorAlert(r.Context(), a)
		if err != nil {
			count(Failed)
			log.Error("alert webhook", "source", e.Source, "err", err)
			http.Error(w, "could not handle the alert; retry", http.StatusInternalServerError)
			return
		}
		count(res.Outcome)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(res)
	})
}

// Config is how the endpoints authenticate, from the environment.
type Config struct {
	// Token is ALERT_WEBHOOK_TOKEN, for Alertmanager and Grafana.
	Token string
	// Secret is ALERT_WEBHOOK_SECRET, for the generic endpoint.
	Secret string
	// Now is the clock for the generic endpoint's timestamps; nil: time.Now.
	Now func() time.Time
}

// Paths are the three endpoints' routes.
const (
	PathAlertmanager = "POST /webhooks/alertmanager"
	PathGrafana      = "POST /webhooks/grafana"
	PathGeneric      = "POST /webhooks/alert"
)

// Routes are the three endpoints, for the bot's HTTP server. An endpoint
// whose credential is not set refuses every delivery.
func Routes(cfg Config, sink Sink, seen Seen, m *Metrics, log *slog.Logger) map[string]http.Handler {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return map[string]http.Handler{
		PathAlertmanager: Handler(Endpoint{Source: incident.SourceAlertmanager, Decode: Alertmanager, Auth: Token(cfg.Token)}, sink, m, log),
		PathGrafana:      Handler(Endpoint{Source: incident.SourceGrafana, Decode: Grafana, Auth: Token(cfg.Token)}, sink, m, log),
		PathGeneric:      Handler(Endpoint{Source: incident.SourceGeneric, Decode: Generic, Auth: Signature(cfg.Secret, seen, now)}, sink, m, log),
	}
}
