// Package status serves the public status page: /status (HTML),
// /status.json and /status/feed.atom. It shows only what people approved
// for customers (incident.PublicUpdate) and the component states that the
// bot derives from the open public incidents' severities; private
// incidents never reach it. Pages are rendered on the server without
// JavaScript, and cached for a few seconds so that a burst of customers
// during an outage costs one Redis round trip.
package status

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Source lists the incidents customers may see.
type Source interface {
	// PublicIncidents are the incidents with approved customer updates
	// that were open at or after since.
	PublicIncidents(ctx context.Context, since time.Time) ([]incident.PublicIncident, error)
}

// Settings is how the page looks and what it lists. Empty fields take
// defaults.
type Settings struct {
	Title   string // the heading; default "<Name> status", or "Status"
	Name    string // the team or company, the logo's alt text
	LogoURL string
	URL     string // where customers reach the page; a bare host means its /status
	Brand   string // the accent colour, #rgb or #rrggbb
	// States maps a severity to the state its open incidents put their
	// components in; missing severities take incident.DefaultComponentStates.
	States      map[incident.Severity]incident.ComponentState
	HistoryDays int // default 90
	// Catalog maps an incident's services to components (status_component);
	// the page lists the components in catalog order.
	Catalog incident.Catalog
}

// DefaultHistoryDays is how much history the page shows by default.
const DefaultHistoryDays = 90

// maxPast bounds how many resolved incidents the HTML lists, so the page
// stays light however busy the quarter was; the JSON and the feed carry
// the rest.
const maxPast = 25

func (s Settings) days() int {
	if s.HistoryDays > 0 {
		return s.HistoryDays
	}
	return DefaultHistoryDays
}

func (s Settings) title() string {
	switch {
	case s.Title != "":
		return s.Title
	case s.Name != "":
		return s.Name + " status"
	}
	return "Status"
}

func (s Settings) state(sev incident.Severity) incident.ComponentState {
	if st, ok := s.States[sev]; ok {
		return st
	}
	if st, ok := incident.DefaultComponentStates()[sev]; ok {
		return st
	}
	return incident.Degraded
}

// componentNames are the catalog's status components, each once, in
// catalog order.
func (s Settings) componentNames() []string {
	var out []string
	for _, svc := range s.Catalog {
		if svc.StatusComponent != "" && !slices.Contains(out, svc.StatusComponent) {
			out = append(out, svc.StatusComponent)
		}
	}
	return out
}

// components maps an incident's services to the components they show as.
func (s Settings) components(services []string) []string {
	var out []string
	for _, name := range services {
		if svc, ok := s.Catalog.Lookup(name); ok && svc.StatusComponent != "" && !slices.Contains(out, svc.StatusComponent) {
			out = append(out, svc.StatusComponent)
		}
	}
	return out
}

// Page serves the status page.
type Page struct {
	src      Source
	settings func() Settings // read on each refresh: config reloads apply
	ttl      time.Duration
	clock    func() time.Time
	log      *slog.Logger

	mu    sync.Mutex
	cache map[string]rendered // by format and base URL
}

type rendered struct {
	at    time.Time
	body  []byte
	gz    []byte // body gzipped: a phone on a bad network gets a tenth
	etag  string
	stale bool // served from before a failed refresh
}

// Options tune a Page; zero values take defaults.
type Options struct {
	TTL   time.Duration // how long a rendering is served (default 5 s)
	Clock func() time.Time
	Log   *slog.Logger
}

// New serves the page from src with the settings settings returns.
func New(src Source, settings func() Settings, o Options) *Page {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Page{src: src, settings: settings, ttl: o.TTL, clock: o.Clock, log: o.Log, cache: map[string]rendered{}}
}

// format is one of the page's three renderings.
type format struct {
	contentType string
	render      func(v view, base string) ([]byte, error)
}

var formats = map[string]format{
	"/status":           {"text/html; charset=utf-8", renderHTML},
	"/status/":          {"text/html; charset=utf-8", renderHTML},
	"/status.json":      {"application/json", renderJSON},
	"/status/feed.atom": {"application/atom+xml; charset=utf-8", renderAtom},
}

// ServeHTTP answers the three paths. A refresh that fails serves the last
// good rendering: the page matters most when things are failing.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := formats[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	base := p.base(r)
	out, err := p.get(r.Context(), r.URL.Path+" "+base, f, base)
	if err != nil {
		p.log.Error("status page", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "The status page can't be shown right now. Please try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(p.ttl.Seconds())))
	h.Set("ETag", out.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; frame-ancestors 'none'")
	if strings.Contains(r.Header.Get("If-None-Match"), out.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Vary", "Accept-Encoding")
	body := out.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = out.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// get returns a rendering no older than the TTL, refreshing it under the
// lock so concurrent visitors share one refresh.
func (p *Page) get(ctx context.Context, key string, f format, base string) (rendered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	if c, ok := p.cache[key]; ok && now.Sub(c.at) < p.ttl {
		return c, nil
	}
	body, err := p.render(ctx, now, f, base)
	if err != nil {
		if c, ok := p.cache[key]; ok {
			// Keep serving it, and try again after another TTL.
			c.at, c.stale = now, true
			p.cache[key] = c
			p.log.Warn("status page: serving the last rendering", "err", err)
			return c, nil
		}
		return rendered{}, err
	}
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(body)
	zw.Close()
	c := rendered{at: now, body: body, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	p.cache[key] = c
	return c, nil
}

func (p *Page) render(ctx context.Context, now time.Time, f format, base string) ([]byte, error) {
	s := p.settings()
	since := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(s.days() - 1))
	incs, err := p.src.PublicIncidents(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("status: load public incidents: %w", err)
	}
	body, err := f.render(build(s, now, incs), base)
	if err != nil {
		return nil, fmt.Errorf("status: render: %w", err)
	}
	return body, nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if name, q, _ := strings.Cut(strings.TrimSpace(part), ";"); strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(q, " ", "") != "q=0"
		}
	}
	return false
}

// base is the page's absolute URL for links in the feed: the configured
// one, else what the request came to.
func (p *Page) base(r *http.Request) string {
	if u := strings.TrimSuffix(p.settings().URL, "/"); u != "" {
		// A bare host means the bot's own paths behind it.
		if pu, err := url.Parse(u); err == nil && pu.Path == "" {
			u += "/status"
		}
		return u
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/status"
}

// Render writes the page as a visitor would get it, for the demo and the
// CLI: path is /status, /status.json or /status/feed.atom.
func (p *Page) Render(ctx context.Context, path, base string) ([]byte, error) {
	f, ok := formats[path]
	if !ok {
		return nil, fmt.Errorf("status: no page at %s", path)
	}
	return p.render(ctx, p.clock(), f, base)
}
