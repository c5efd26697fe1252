package export_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

// longIncident is a resolved P1 with every record field set and a log of n
// events in the mix a long incident has: about two thirds messages (a fifth
// in threads, some with mentions, links and escaped characters), 12%
// edits, 10% marks and a few unmarks, 3% deletions, 4% field sets, 3%
// pages and acknowledgements, and status, severity, role, comms, draft,
// runbook and action item events. It is deterministic.
func longIncident(n int) (incident.Incident, []incident.Event) {
	rng := rand.New(rand.NewPCG(42, 9))
	users := []string{"U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN", "U06FRANK", "U07GRACE", "U08HEIDI"}
	marks := []incident.Mark{incident.MarkKeyEvent, incident.MarkHypothesis, incident.MarkAction, incident.MarkImpact, incident.MarkDecision}
	words := []string{"checkout", "5xx", "rollback", "deploy", "db", "replica", "lag", "is", "the", "looking", "at",
		"graphs", "p99", "latency", "up", "since", "14:02", "cache", "hit", "rate", "dropped", "I", "think", "it's",
		"DNS", "restarting", "pods", "in", "eu-west-1", "customers", "report", "errors", "on", "payments", "*confirmed*",
		"<@U02BOB>", "<https://grafana.example.com/d/abc|dashboard>", "&lt;500ms", "a_b", "`kubectl`"}
	text := func() string {
		k := 4 + rng.IntN(24)
		parts := make([]string, k)
		for i := range parts {
			parts[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(parts, " ")
	}
	fields := []incident.Field{incident.FieldImpact, incident.FieldHypothesis, incident.FieldTrigger, incident.FieldCustomers, incident.FieldAI}
	declared := time.Date(2026, 12, 3, 13, 2, 0, 0, time.UTC)
	clock := declared
	events := make([]incident.Event, 0, n)
	var tss []string
	add := func(ev incident.Event) {
		ev.Seq = len(events) + 1
		events = append(events, ev)
	}
	add(incident.Event{Kind: incident.KindDeclared, At: clock, Actor: users[0],
		Data: map[string]string{"severity": "P1", "title": "Checkout 5xx in eu-west-1", "source": "slack"}})
	for len(events) < n-2 {
		clock = clock.Add(time.Duration(200+rng.IntN(3000)) * time.Millisecond)
		user := users[rng.IntN(len(users))]
		old := func() string { return tss[rng.IntN(len(tss))] }
		switch p := rng.IntN(1000); {
		case p < 120 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindEdit, At: clock, Actor: user, TS: old(), Text: text()})
		case p < 220 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindMark, At: clock, Actor: user, TS: old(), Mark: marks[rng.IntN(len(marks))]})
		case p < 230 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindUnmark, At: clock, Actor: user, TS: old(), Mark: marks[rng.IntN(len(marks))]})
		case p < 260 && len(tss) > 0:
			add(incident.Event{Kind: incident.KindDelete, At: clock, Actor: user, TS: old()})
		case p < 300:
			f := fields[rng.IntN(len(fields))]
			to := text()
			switch f {
			case incident.FieldCustomers:
				to = fmt.Sprint(rng.IntN(5000))
			case incident.FieldAI:
				to = string(incident.AIConnections[rng.IntN(len(incident.AIConnections))])
			}
			add(incident.Event{Kind: incident.KindField, At: clock, Actor: user, Data: map[string]string{"field": string(f), "from": "", "to": to}})
		case p < 315:
			add(incident.Event{Kind: incident.KindPage, At: clock, Actor: user, Data: map[string]string{"service": "checkout"}})
		case p < 330:
			add(incident.Event{Kind: incident.KindPageAck, At: clock, Text: "Bob", Data: map[string]string{"by": "Bob", "time_to_ack": "3m"}})
		case p < 340:
			add(incident.Event{Kind: incident.KindStatus, At: clock, Actor: user, Data: map[string]string{"from": "investigating", "to": "identified"}})
		case p < 345:
			add(incident.Event{Kind: incident.KindSeverity, At: clock, Actor: user, Data: map[string]string{"from": "P2", "to": "P1"}})
		case p < 355:
			add(incident.Event{Kind: incident.KindRole, At: clock, Actor: user, Data: map[string]string{"role": "tech", "user": users[rng.IntN(len(users))]}})
		case p < 365:
			add(incident.Event{Kind: incident.KindDraftCreated, At: clock, Actor: user, Data: map[string]string{"kind": "update", "source": "llm"}})
		case p < 372:
			add(incident.Event{Kind: incident.KindDraftApproved, At: clock, Actor: user, Data: map[string]string{"kind": "update", "draft": "d"}})
		case p < 376:
			add(incident.Event{Kind: incident.KindRunbookShared, At: clock, Actor: user, Text: "Postgres > Connection exhaustion"})
		case p < 380:
			add(incident.ActionItemEvent(incident.ActionAdd, incident.ActionItem{ID: fmt.Sprint(len(events)), Text: text(),
				Owner: user, Due: declared.AddDate(0, 0, 7)}, user, clock))
		default:
			ts := fmt.Sprintf("%d.%06d", clock.Unix(), len(events))
			ev := incident.Event{Kind: incident.KindMessage, At: clock, Actor: user, TS: ts, Text: text()}
			if len(tss) > 0 && rng.IntN(5) == 0 {
				ev.ThreadTS = old()
			}
			tss = append(tss, ts)
			add(ev)
		}
	}
	resolved := clock.Add(time.Minute)
	add(incident.Event{Kind: incident.KindStatus, At: resolved, Actor: users[0], Data: map[string]string{"from": "identified", "to": "resolved"}})
	add(incident.Event{Kind: incident.KindResolved, At: resolved, Actor: users[0], Data: map[string]string{"duration": "6h"}})
	inc := incident.Incident{
		Number: 4242, Title: "Checkout 5xx in eu-west-1", Severity: incident.P1, Status: incident.Resolved,
		Roles:      map[incident.Role]string{incident.Lead: users[0], incident.Comms: users[1], incident.Tech: users[2], incident.Scribe: users[3]},
		DeclaredBy: users[0], DeclaredAt: declared, ResolvedAt: resolved, Source: "slack",
		Record: incident.Record{
			Services: []string{"checkout", "payments"}, Impact: "EU customers cannot pay by card",
			Customers: 1200, CustomersKnown: true, DetectedBy: incident.DetectedAlert, DetectedLink: "https://grafana.example.com/d/abc",
			Hypothesis: "pool exhausted", RootCause: "pool created per request in PR 4411", Trigger: "deploy 2026.12.03-2",
			AI: incident.AICode, PostmortemOwner: users[0],
			Comms: map[incident.Comm]incident.CommDone{incident.CommTeam: {By: users[1], At: declared.Add(time.Hour)}},
		},
	}
	return inc, events
}

// BenchmarkExport10k renders a 10,000-event incident in each format, names
// and zone as the bot passes them; bytes/doc is the document's size.
func BenchmarkExport10k(b *testing.B) {
	inc, events := longIncident(10_000)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	names := map[string]string{}
	for _, id := range []string{"U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN", "U06FRANK", "U07GRACE", "U08HEIDI"} {
		names[id] = strings.ToLower(id[3:])
	}
	opts := export.Options{Location: berlin, Names: func(id string) string { return names[id] }}
	for _, f := range []struct {
		name   string
		render func() ([]byte, error)
	}{
		// The baseline: folding the log into a timeline, which every
		// rendering of it starts with.
		{"fold", func() ([]byte, error) { return nil, foldOnly(events) }},
		{"json", func() ([]byte, error) { return export.JSON(inc, events, opts) }},
		{"md", func() ([]byte, error) { return export.Markdown(inc, events, opts), nil }},
	} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				doc, err := f.render()
				if err != nil {
					b.Fatal(err)
				}
				size = len(doc)
			}
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}
}

// TestLongIncidentIsRealistic keeps the benchmark's log what its comment
// says it is.
func TestLongIncidentIsRealistic(t *testing.T) {
	_, events := longIncident(10_000)
	kinds := map[incident.Kind]int{}
	for _, ev := range events {
		kinds[ev.Kind]++
	}
	if len(events) != 10_000 {
		t.Fatalf("%d events, want 10,000", len(events))
	}
	for kind, min := range map[incident.Kind]int{incident.KindMessage: 5500, incident.KindEdit: 900, incident.KindMark: 800,
		incident.KindDelete: 200, incident.KindField: 300, incident.KindPage: 100, incident.KindPageAck: 100, incident.KindUnmark: 50} {
		if kinds[kind] < min {
			t.Errorf("%d %s events, want at least %d (all: %v)", kinds[kind], kind, min, kinds)
		}
	}
}

// foldOnly folds events, failing if the fold lost the timeline.
func foldOnly(events []incident.Event) error {
	if len(incident.Fold(events)) == 0 {
		return fmt.Errorf("empty fold of %d events", len(events))
	}
	return nil
}
