package incident_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// genIncident builds a realistic log of n events for a long incident: mostly
// messages (a fifth of them thread replies), ~5% edits, ~1% deletes, ~3% marks
// and unmarks by several people, ~2% system events, and ~0.5% of events
// redelivered late so the fold has to sort. It is deterministic.
func genIncident(n int) []incident.Event {
	rng := rand.New(rand.NewSource(42))
	users := []string{"U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN", "U06FRANK", "U07GRACE", "U08HEIDI"}
	marks := []incident.Mark{incident.MarkKeyEvent, incident.MarkHypothesis, incident.MarkAction, incident.MarkImpact, incident.MarkDecision}
	words := []string{"checkout", "5xx", "rollback", "deploy", "db", "replica", "lag", "is", "the", "looking", "at",
		"graphs", "p99", "latency", "up", "since", "14:02", "cache", "hit", "rate", "dropped", "I", "think", "it's",
		"DNS", "restarting", "pods", "in", "eu-west-1", "customers", "report", "errors", "on", "payments", "confirmed"}
	text := func() string {
		k := 4 + rng.Intn(20)
		b := make([]byte, 0, k*8)
		for i := range k {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[rng.Intn(len(words))]...)
		}
		return string(b)
	}
	statuses := []string{"investigating", "identified", "monitoring"}

	events := make([]incident.Event, 0, n)
	var tss []string // message ts seen so far
	clock := time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)
	add := func(ev incident.Event) {
		ev.Seq = len(events) + 1
		ev.ID = fmt.Sprintf("1714572000000-%d", ev.Seq)
		events = append(events, ev)
	}
	add(incident.Event{Kind: incident.KindDeclared, At: clock, Actor: users[0],
		Data: map[string]string{"severity": "P1", "title": "Checkout 5xx in eu-west-1"}})
	for len(events) < n {
		clock = clock.Add(time.Duration(200+rng.Intn(3000)) * time.Millisecond)
		at := clock
		if rng.Intn(200) == 0 {
			at = at.Add(-time.Duration(rng.Intn(120)) * time.Second) // late redelivery
		}
		user := users[rng.Intn(len(users))]
		old := func() string { return tss[rng.Intn(len(tss))] }
		switch p := rng.Intn(1000); {
		case p < 50 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindEdit, At: at, Actor: user, TS: old(), Text: text()})
		case p < 60 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindDelete, At: at, Actor: user, TS: old()})
		case p < 85 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindMark, At: at, Actor: user, TS: old(), Mark: marks[rng.Intn(len(marks))], Reaction: "pushpin"})
		case p < 90 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindUnmark, At: at, Actor: user, TS: old(), Mark: marks[rng.Intn(len(marks))], Reaction: "pushpin"})
		case p < 110:
			add(incident.Event{Kind: incident.KindStatus, At: at, Actor: user,
				Data: map[string]string{"from": statuses[rng.Intn(3)], "to": statuses[rng.Intn(3)]}})
		default:
			ts := fmt.Sprintf("%d.%06d", at.Unix(), len(events))
			ev := incident.Event{Kind: incident.KindMessage, At: at, Actor: user, TS: ts, Text: text()}
			if len(tss) > 0 && rng.Intn(5) == 0 {
				ev.ThreadTS = old()
			}
			if rng.Intn(50) == 0 {
				ev.Files = []string{fmt.Sprintf("F%06d", len(events))}
			}
			tss = append(tss, ts)
			add(ev)
		}
	}
	return events
}

func TestGenIncidentIsRealistic(t *testing.T) {
	events := genIncident(100_000)
	counts := map[incident.Kind]int{}
	for _, ev := range events {
		counts[ev.Kind]++
	}
	pct := func(k incident.Kind) float64 { return 100 * float64(counts[k]) / float64(len(events)) }
	if len(events) != 100_000 || pct(incident.KindMessage) < 85 || pct(incident.KindEdit) < 4 || pct(incident.KindEdit) > 6 ||
		pct(incident.KindDelete) < 0.5 || pct(incident.KindDelete) > 1.5 || pct(incident.KindMark)+pct(incident.KindUnmark) < 2.5 {
		t.Errorf("mix is off: %d events, %v", len(events), counts)
	}
	entries := incident.Fold(events)
	if len(entries) < 85_000 || len(entries) > 95_000 {
		t.Errorf("fold kept %d entries", len(entries))
	}
}

// BenchmarkFold100k is the "Fold time for a 100k-event incident" figure.
func BenchmarkFold100k(b *testing.B) {
	events := genIncident(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	var entries []incident.Entry
	for b.Loop() {
		entries = incident.Fold(events)
	}
	b.ReportMetric(float64(len(entries)), "entries")
}
