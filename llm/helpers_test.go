package llm_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/llm"
)

var _ handlers.Drafter = (*llm.Drafter)(nil)

var t0 = time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)

// logBuilder writes an incident's event log the way the store would: Seq is
// the 1-based position, each event a minute after the last.
type logBuilder struct {
	events []incident.Event
}

func (b *logBuilder) add(ev incident.Event) int {
	ev.Seq = len(b.events) + 1
	if ev.At.IsZero() {
		ev.At = t0.Add(time.Duration(ev.Seq) * time.Minute)
	}
	b.events = append(b.events, ev)
	return ev.Seq
}

func tsOf(seq int) string { return fmt.Sprintf("1714572000.%06d", seq) }

// msg adds a message and returns its seq (its ts is tsOf(seq)).
func (b *logBuilder) msg(user, text string) int {
	seq := len(b.events) + 1
	return b.add(incident.Event{Kind: incident.KindMessage, Actor: user, TS: tsOf(seq), Text: text})
}

func (b *logBuilder) mark(seq int, user string, m incident.Mark) {
	b.add(incident.Event{Kind: incident.KindMark, Actor: user, TS: tsOf(seq), Mark: m, Reaction: "pushpin"})
}

func (b *logBuilder) system(kind incident.Kind, actor string, data map[string]string) int {
	return b.add(incident.Event{Kind: kind, Actor: actor, Data: data})
}

// scenario is a small, realistic incident: declared P2, raised to P1, paged
// and acknowledged, a lead assigned, a key event, a hypothesis, a fix.
type scenario struct {
	inc    incident.Incident
	log    logBuilder
	keySeq int // the message marked as key event
	sevSeq int // the severity change
}

func newScenario() *scenario {
	s := &scenario{inc: incident.Incident{
		Number: 42, Title: "checkout returns 500", Severity: incident.P1, Status: incident.Identified,
		ChannelID: "C42", DeclaredBy: "UALI0001", DeclaredAt: t0.Add(time.Minute),
		Roles: map[incident.Role]string{incident.Lead: "UALI0001"},
	}}
	l := &s.log
	l.system(incident.KindDeclared, "UALI0001", map[string]string{"severity": "P2", "title": "checkout returns 500"})
	l.system(incident.KindPage, "", map[string]string{"service": "checkout"})
	l.system(incident.KindRole, "UALI0001", map[string]string{"role": "lead", "user": "UALI0001"})
	l.msg("UALI0001", "seeing 500s on /checkout, error rate 35%")
	l.system(incident.KindPageAck, "UBEA0002", nil)
	s.sevSeq = l.system(incident.KindSeverity, "UALI0001", map[string]string{"from": "P2", "to": "P1"})
	l.msg("UBEA0002", "ok")
	s.keySeq = l.msg("UBEA0002", "deploy 1.42 at 13:58 changed the payments client timeout to 100ms")
	l.mark(s.keySeq, "UALI0001", incident.MarkKeyEvent)
	h := l.msg("UALI0001", "hypothesis: the timeout is too short for the payment provider p99")
	l.mark(h, "UALI0001", incident.MarkHypothesis)
	l.system(incident.KindStatus, "UALI0001", map[string]string{"from": "investigating", "to": "identified"})
	a := l.msg("UBEA0002", "rolling back to 1.41 now")
	l.mark(a, "UBEA0002", incident.MarkAction)
	l.msg("UCAR0003", "+1")
	return s
}

// names are the scenario's people as users.info would name them.
var names = map[string]string{"UALI0001": "ali", "UBEA0002": "bea", "UCAR0003": "Cara Díaz"}

func (s *scenario) request(kind incident.DraftKind) incident.DraftRequest {
	return incident.DraftRequest{Kind: kind, Incident: s.inc, Events: s.log.events, Now: t0.Add(30 * time.Minute), Names: names}
}

// newDrafter returns a drafter talking to fake with short test timeouts.
func newDrafter(t *testing.T, fake *openaifake.Server, mod func(*llm.Config)) *llm.Drafter {
	t.Helper()
	cfg := llm.Config{
		APIKey: "sk-test-key-not-a-secret", BaseURL: fake.BaseURL(), Model: "gpt-test",
		Timeout: 2 * time.Second, Clock: func() time.Time { return t0.Add(30 * time.Minute) },
	}
	if mod != nil {
		mod(&cfg)
	}
	return llm.New(cfg, slog.New(slog.DiscardHandler))
}
