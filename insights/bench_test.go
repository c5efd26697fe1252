package insights_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
)

// benchFacts is a year of 10,000 incidents.
func benchFacts(n int) []insights.Facts {
	start := time.Date(2025, 12, 7, 0, 0, 0, 0, time.UTC)
	services := []string{"checkout", "search", "payments", "auth", "notifications", "ledger", "api", "web", "mobile", "batch"}
	out := make([]insights.Facts, n)
	for i := range out {
		at := start.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n)))
		out[i] = insights.Facts{Number: int64(i + 1), Severity: incident.Severity(1 + i%4), Services: []string{services[i%len(services)]},
			AI: incident.AIConnections[i%len(incident.AIConnections)], Private: i%17 == 0, DeclaredAt: at,
			AcknowledgedAt: at.Add(time.Duration(1+i%30) * time.Minute), ResolvedAt: at.Add(time.Duration(10+i%600) * time.Minute),
			Drafts: []insights.Draft{{Kind: incident.DraftUpdate, Source: "llm", Outcome: []string{"approved", "edited", "rejected", "pending"}[i%4], ChangeRatio: 0.3}}}
	}
	return out
}

// BenchmarkCompute is the report over 10,000 incidents; the baseline is a
// pass that only filters the window, the least any report must do.
func BenchmarkCompute(b *testing.B) {
	facts := benchFacts(10000)
	since, until := facts[0].DeclaredAt, facts[len(facts)-1].DeclaredAt.Add(time.Hour)
	b.Run("report-10k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := insights.Compute(facts, since, until, ""); r.Incidents != 10000 {
				b.Fatal(r.Incidents)
			}
		}
	})
	b.Run("baseline-filter-10k", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for _, f := range facts {
				if !f.DeclaredAt.Before(since) && !f.DeclaredAt.After(until) {
					n++
				}
			}
			if n != 10000 {
				b.Fatal(n)
			}
		}
	})
}

// BenchmarkChart draws the year's chart.
func BenchmarkChart(b *testing.B) {
	facts := benchFacts(10000)
	r := insights.Compute(facts, facts[0].DeclaredAt, facts[len(facts)-1].DeclaredAt, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := insights.Chart(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad reads 10,000 incidents from Redis: cold (every digest
// made from its log) and cached (headers and digests only).
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	start := time.Date(2025, 12, 7, 0, 0, 0, 0, time.UTC)
	const n = 10000
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour)
		declare(b, s, int64(i+1), incident.Severity(1+i%4), at, "svc")
		draft(b, s, int64(i+1), fmt.Sprintf("d%d", i), "llm", at.Add(time.Minute), "approved", "")
	}
	since := start.Add(-time.Hour)
	b.Run("cold-10k", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := s.SaveDigests(ctx, staleAll(n)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if f, err := insights.NewLoader(s).Load(ctx, since); err != nil || len(f) != n {
				b.Fatal(len(f), err)
			}
		}
	})
	b.Run("cached-10k", func(b *testing.B) {
		l := insights.NewLoader(s)
		if _, err := l.Load(ctx, since); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if f, err := l.Load(ctx, since); err != nil || len(f) != n {
				b.Fatal(len(f), err)
			}
		}
	})
}

// staleAll overwrites every digest with one of another version.
func staleAll(n int) map[int64]string {
	m := make(map[int64]string, n)
	for i := range n {
		m[int64(i+1)] = `{"v":0}`
	}
	return m
}
