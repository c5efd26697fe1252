package insights

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector serves the numbers on /metrics. They are derived from Redis on
// scrape (at most every TTL), not counted as things happen, so every
// replica reports the same totals: dashboards take max over instances,
// never sum.
type Collector struct {
	loader *Loader
	ttl    time.Duration
	log    *slog.Logger

	mu     sync.Mutex
	at     time.Time
	facts  []Facts
	loaded bool
}

// MetricsTTL is how old the numbers on /metrics may be.
const MetricsTTL = 30 * time.Second

var (
	declaredDesc = prometheus.NewDesc("incidentbot_incidents_declared_total",
		"Incidents declared, by severity and service (none: no service; private: a private incident's).", []string{"severity", "service"}, nil)
	ttaDesc = prometheus.NewDesc("incidentbot_incident_time_to_acknowledge_seconds",
		"Time from declaring an incident to its first acknowledgement, by severity.", []string{"severity"}, nil)
	ttrDesc = prometheus.NewDesc("incidentbot_incident_time_to_resolve_seconds",
		"Time from declaring an incident to resolving it, by severity.", []string{"severity"}, nil)
	draftsDesc = prometheus.NewDesc("incidentbot_drafts_total",
		"Drafts the bot wrote, by kind, source (llm or template) and outcome (approved, edited, rejected, pending).", []string{"kind", "source", "outcome"}, nil)
	editDesc = prometheus.NewDesc("incidentbot_draft_edit_ratio",
		"How much of each published draft a person changed first: 0 as written, 1 rewritten.", []string{"source"}, nil)
)

// Bucket bounds: a minute to three days, and edit ratios.
var (
	timeBuckets = []float64{60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200}
	editBuckets = []float64{0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1}
)

// NewCollector reads from s; log nil means slog.Default.
func NewCollector(s Store, log *slog.Logger) *Collector {
	if log == nil {
		log = slog.Default()
	}
	return &Collector{loader: NewLoader(s), ttl: MetricsTTL, log: log}
}

// Describe sends the metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{declaredDesc, ttaDesc, ttrDesc, draftsDesc, editDesc} {
		ch <- d
	}
}

// Collect sends the metrics from facts at most TTL old. When Redis fails
// it serves the last load rather than none, and logs why.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	facts := c.current()
	declared := map[[2]string]float64{}
	tta, ttr := newHists(), newHists()
	drafts := map[[3]string]float64{}
	edits := map[string]*hist{}
	for _, f := range facts {
		sev := f.Severity.String()
		services := f.Services
		switch {
		case f.Private:
			services = []string{PrivateService}
		case len(services) == 0:
			services = []string{"none"}
		}
		for _, s := range services {
			declared[[2]string{sev, s}]++
		}
		if !f.AcknowledgedAt.IsZero() && !f.AcknowledgedAt.Before(f.DeclaredAt) {
			tta.get(sev, timeBuckets).observe(f.AcknowledgedAt.Sub(f.DeclaredAt).Seconds())
		}
		if !f.ResolvedAt.IsZero() && !f.ResolvedAt.Before(f.DeclaredAt) {
			ttr.get(sev, timeBuckets).observe(f.ResolvedAt.Sub(f.DeclaredAt).Seconds())
		}
		for _, d := range f.Drafts {
			drafts[[3]string{string(d.Kind), d.Source, d.Outcome}]++
			if d.Outcome == Approved || d.Outcome == Edited {
				h, ok := edits[d.Source]
				if !ok {
					h = newHist(editBuckets)
					edits[d.Source] = h
				}
				h.observe(d.ChangeRatio)
			}
		}
	}
	for k, v := range declared {
		ch <- prometheus.MustNewConstMetric(declaredDesc, prometheus.CounterValue, v, k[0], k[1])
	}
	tta.send(ch, ttaDesc)
	ttr.send(ch, ttrDesc)
	for k, v := range drafts {
		ch <- prometheus.MustNewConstMetric(draftsDesc, prometheus.CounterValue, v, k[0], k[1], k[2])
	}
	for src, h := range edits {
		ch <- prometheus.MustNewConstHistogram(editDesc, h.count, h.sum, h.cumulative(), src)
	}
}

func (c *Collector) current() []Facts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && time.Since(c.at) < c.ttl {
		return c.facts
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	facts, err := c.loader.Load(ctx, time.Time{})
	if err != nil {
		c.log.Error("insights metrics: load incidents", "err", err)
		return c.facts
	}
	c.facts, c.at, c.loaded = facts, time.Now(), true
	return facts
}

// hist is one histogram's observations.
type hist struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

func newHist(bounds []float64) *hist {
	return &hist{bounds: bounds, counts: make([]uint64, len(bounds))}
}

func (h *hist) observe(v float64) {
	h.count++
	h.sum += v
	if i, _ := slices.BinarySearch(h.bounds, v); i < len(h.bounds) {
		h.counts[i]++
	}
}

func (h *hist) cumulative() map[float64]uint64 {
	out := make(map[float64]uint64, len(h.bounds))
	var n uint64
	for i, b := range h.bounds {
		n += h.counts[i]
		out[b] = n
	}
	return out
}

type hists map[string]*hist

func newHists() hists { return hists{} }

func (hs hists) get(label string, bounds []float64) *hist {
	h, ok := hs[label]
	if !ok {
		h = newHist(bounds)
		hs[label] = h
	}
	return h
}

func (hs hists) send(ch chan<- prometheus.Metric, d *prometheus.Desc) {
	for label, h := range hs {
		ch <- prometheus.MustNewConstHistogram(d, h.count, h.sum, h.cumulative(), label)
	}
}
