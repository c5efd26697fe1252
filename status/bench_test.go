package status

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// benchIncidents is the history the page is measured with: 1,000 resolved
// public incidents over the 90-day window, two updates each, and one open.
const benchIncidents = 1000

func benchStore(b *testing.B, now time.Time) *store.Store {
	b.Helper()
	ctx := context.Background()
	s, err := store.New(ctx, redistest.URL(b), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	services := []string{"checkout-api", "payments-gw", "search", "auth", "notifications"}
	for i := range benchIncidents + 1 {
		n := int64(i + 1)
		declared := now.Add(-time.Duration(i) * 89 * 24 * time.Hour / benchIncidents).Add(-time.Hour)
		inc := incident.Incident{Number: n, Title: "internal", Severity: incident.Severity(1 + i%4), Status: incident.Resolved,
			DeclaredAt: declared, ResolvedAt: declared.Add(time.Duration(10+i%90) * time.Minute),
			Record: incident.Record{Services: []string{services[i%len(services)]}}}
		if i == 0 {
			inc.Status, inc.ResolvedAt = incident.Investigating, time.Time{}
		}
		if err := s.CreateIncident(ctx, inc); err != nil {
			b.Fatal(err)
		}
		for j, st := range []incident.Status{incident.Investigating, incident.Resolved} {
			u := incident.PublicUpdate{DraftID: fmt.Sprintf("d%06d%d", n, j), Status: st, Headline: "Card payments are slower than usual",
				Text: "Some customers see card payments take longer than usual. We are working on it and will update this page within 30 minutes.",
				At:   declared.Add(time.Duration(j*5) * time.Minute)}
			if _, err := s.PublishPublic(ctx, n, u); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

func benchSettings() Settings {
	return Settings{Title: "Acme status", Name: "Acme", Catalog: incident.Catalog{
		{Name: "checkout-api", StatusComponent: "Checkout"}, {Name: "payments-gw", StatusComponent: "Payments"},
		{Name: "search", StatusComponent: "Search"}, {Name: "auth", StatusComponent: "Sign-in"},
		{Name: "notifications", StatusComponent: "Notifications"}}}
}

// BenchmarkStatusPage measures GET /status with 1,000 past incidents:
// cold (every request reads Redis and renders), cached (the TTL holds), and
// render-only (the template on facts already loaded: the baseline).
func BenchmarkStatusPage(b *testing.B) {
	now := time.Now()
	s := benchStore(b, now)
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cold", time.Nanosecond}, {"cached", time.Hour}} {
		b.Run(c.name, func(b *testing.B) {
			p := New(s, benchSettings, Options{TTL: c.ttl})
			lat := make([]time.Duration, 0, b.N)
			var size int
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				start := time.Now()
				req := httptest.NewRequest(http.MethodGet, "http://x/status", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				p.ServeHTTP(w, req)
				lat = append(lat, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("GET /status = %d", w.Code)
				}
				size = w.Body.Len()
			}
			report(b, lat, size)
			b.ReportMetric(float64(len(p.cache["/status http://x/status"].body)), "B/page-raw")
		})
	}
	b.Run("render-only", func(b *testing.B) {
		incs, err := s.PublicIncidents(context.Background(), now.AddDate(0, 0, -90))
		if err != nil || len(incs) != benchIncidents+1 {
			b.Fatalf("loaded %d incidents: %v", len(incs), err)
		}
		lat := make([]time.Duration, 0, b.N)
		var size int
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now()
			out, err := renderHTML(build(benchSettings(), now, incs), "")
			lat = append(lat, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			size = len(out)
		}
		report(b, lat, size)
	})
}

func report(b *testing.B, lat []time.Duration, size int) {
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	b.ReportMetric(float64(size), "B/page-sent")
}
