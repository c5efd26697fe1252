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

// BenchmarkCompute is the report over 10,000 incidents in 365 days
// (report-10k); the baseline is a pass that only filters the window, the
// least any report must do. bench/figures reads both by these names.
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

// BenchmarkDigest reads one incident's log of 200 events: talk, pages and
// twenty drafts through their lifecycle.
func BenchmarkDigest(b *testing.B) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	inc := incident.Incident{Number: 1, Severity: incident.P1, DeclaredAt: at, Source: "pagerduty:PX1",
		Record: incident.Record{Services: []string{"checkout"}}}
	events := []incident.Event{{Kind: incident.KindDeclared, At: at}}
	for i := 0; len(events) < 200; i++ {
		at = at.Add(time.Minute)
		id := fmt.Sprintf("d%d", i)
		events = append(events,
			incident.Event{Kind: incident.KindMessage, At: at, Actor: "U02SAM", Text: "looking"},
			incident.Event{Kind: incident.KindMessage, At: at, Actor: "U01ALI", Text: "rolled back"},
			incident.Event{Kind: incident.KindDraftCreated, At: at, Data: map[string]string{"draft": id, "kind": "update", "source": "llm"}},
			incident.Event{Kind: incident.KindDraftEdited, At: at, Actor: "U01ALI", Data: map[string]string{"draft": id, "change_ratio": "0.125"}},
			incident.Event{Kind: incident.KindDraftApproved, At: at, Actor: "U01ALI",
				Data: map[string]string{"draft": id, "kind": "update", "edited": "true", "source": "llm"}})
		events = append(events, make([]incident.Event, 5)...) // unrelated kinds
		for j := len(events) - 5; j < len(events); j++ {
			events[j] = incident.Event{Kind: incident.KindNote, At: at, Text: "note"}
		}
	}
	events = events[:200]
	b.ReportAllocs()
	for b.Loop() {
		if f := insights.Digest(inc, events); len(f.Drafts) != 20 {
			b.Fatal(len(f.Drafts))
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
