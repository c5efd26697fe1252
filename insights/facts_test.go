package insights_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
)

var d0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func ev(kind incident.Kind, after time.Duration, actor string, data ...string) incident.Event {
	e := incident.Event{Kind: kind, At: d0.Add(after), Actor: actor, Data: map[string]string{}}
	for i := 0; i+1 < len(data); i += 2 {
		e.Data[data[i]] = data[i+1]
	}
	return e
}

func TestDigestReadsTheHeaderAndTheLog(t *testing.T) {
	inc := incident.Incident{Number: 7, Severity: incident.P2, DeclaredAt: d0, ResolvedAt: d0.Add(2 * time.Hour),
		DeclaredBy: "", Source: "pagerduty:PX1", Private: true,
		Record: incident.Record{Services: []string{"checkout"}, AI: incident.AIModel}}
	events := []incident.Event{
		ev(incident.KindDeclared, 0, ""),
		ev(incident.KindPageAck, 4*time.Minute+10*time.Second, ""),
		// d1: an AI update, edited by a quarter, then approved.
		ev(incident.KindDraftCreated, 5*time.Minute, "U01ALI", "draft", "d1", "kind", "update", "source", "llm"),
		ev(incident.KindDraftEdited, 6*time.Minute, "U02SAM", "draft", "d1", "change_ratio", "0.250"),
		ev(incident.KindDraftApproved, 6*time.Minute, "U02SAM", "draft", "d1", "kind", "update", "edited", "true", "source", "llm"),
		// d2: a template update approved as written.
		ev(incident.KindDraftCreated, 7*time.Minute, "U01ALI", "draft", "d2", "kind", "update", "source", "template"),
		ev(incident.KindDraftApproved, 8*time.Minute, "U02SAM", "draft", "d2", "kind", "update", "edited", "false", "source", "template"),
		// d3: an AI postmortem, rejected.
		ev(incident.KindDraftCreated, 9*time.Minute, "U01ALI", "draft", "d3", "kind", "postmortem", "source", "llm"),
		ev(incident.KindDraftRejected, 10*time.Minute, "U02SAM", "draft", "d3", "kind", "postmortem", "source", "llm"),
		// d4: a catch-up nobody decided.
		ev(incident.KindDraftCreated, 11*time.Minute, "U01ALI", "draft", "d4", "kind", "catchup", "source", "llm"),
		// d5: a public draft edited but never approved: still pending,
		// and its ratio means nothing yet.
		ev(incident.KindDraftCreated, 12*time.Minute, "U01ALI", "draft", "d5", "kind", "public", "source", "template"),
		ev(incident.KindDraftEdited, 13*time.Minute, "U02SAM", "draft", "d5", "change_ratio", "0.4"),
		// d6: its created event was lost; an out-of-range ratio is
		// clamped.
		ev(incident.KindDraftEdited, 14*time.Minute, "U02SAM", "draft", "d6", "change_ratio", "1.7"),
		ev(incident.KindDraftApproved, 14*time.Minute, "U02SAM", "draft", "d6", "kind", "public", "edited", "true", "source", "llm"),
		// Not drafts: another kind naming a draft, and a draft event with
		// no id.
		ev(incident.KindNote, 15*time.Minute, "", "draft", "d9", "kind", "update"),
		ev(incident.KindDraftCreated, 16*time.Minute, "U01ALI", "kind", "update", "source", "llm"),
		ev(incident.KindResolved, 2*time.Hour, "U01ALI"),
	}
	got := insights.Digest(inc, events)
	want := insights.Facts{Number: 7, Severity: incident.P2, Services: []string{"checkout"}, AI: incident.AIModel, Private: true,
		DeclaredAt: d0, AcknowledgedAt: d0.Add(4*time.Minute + 10*time.Second), ResolvedAt: d0.Add(2 * time.Hour),
		Drafts: []insights.Draft{
			{Kind: incident.DraftUpdate, Source: "llm", Outcome: insights.Edited, ChangeRatio: 0.25},
			{Kind: incident.DraftUpdate, Source: "template", Outcome: insights.Approved},
			{Kind: incident.DraftPostmortem, Source: "llm", Outcome: insights.Rejected},
			{Kind: incident.DraftCatchup, Source: "llm", Outcome: insights.Pending},
			{Kind: incident.DraftPublic, Source: "template", Outcome: insights.Pending},
			{Kind: incident.DraftPublic, Source: "llm", Outcome: insights.Edited, ChangeRatio: 1},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Digest =\n%+v\nwant\n%+v", got, want)
	}

	// The digest is cached as JSON: it must come back the same.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back insights.Facts
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, got) {
		t.Errorf("round trip =\n%+v\nwant\n%+v\n(%s)", back, got, b)
	}
}

func TestDigestAcknowledgement(t *testing.T) {
	for _, c := range []struct {
		name   string
		inc    incident.Incident
		events []incident.Event
		want   time.Time
	}{
		{"declared in Slack by a person: acknowledged then",
			incident.Incident{Number: 1, DeclaredAt: d0, DeclaredBy: "U01ALI", Source: "slack"},
			[]incident.Event{ev(incident.KindDeclared, 0, "U01ALI")}, d0},
		{"paged in: the first person to speak",
			incident.Incident{Number: 2, DeclaredAt: d0, Source: "pagerduty:PX1"},
			[]incident.Event{ev(incident.KindDeclared, 0, ""), ev(incident.KindMessage, 3*time.Minute, "U02SAM")}, d0.Add(3 * time.Minute)},
		{"paged in, nobody yet",
			incident.Incident{Number: 3, DeclaredAt: d0, Source: "pagerduty:PX1"},
			[]incident.Event{ev(incident.KindDeclared, 0, ""), ev(incident.KindMessage, time.Minute, "")}, time.Time{}},
	} {
		f := insights.Digest(c.inc, c.events)
		if !f.AcknowledgedAt.Equal(c.want) || len(f.Drafts) != 0 {
			t.Errorf("%s: acknowledged %v (drafts %v), want %v", c.name, f.AcknowledgedAt, f.Drafts, c.want)
		}
	}
	if f := insights.Digest(incident.Incident{Number: 4, DeclaredAt: d0}, nil); f.Number != 4 || !f.ResolvedAt.IsZero() || f.Drafts != nil {
		t.Errorf("no events: %+v", f)
	}
}
