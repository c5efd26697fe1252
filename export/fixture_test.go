package export_test

import (
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// t0 is 14:02 in Berlin (CET) on 2026-12-03.
var t0 = time.Date(2026, 12, 3, 13, 2, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// seq numbers events as the store does: 1-based log positions.
func seq(events ...incident.Event) []incident.Event {
	for i := range events {
		events[i].Seq = i + 1
	}
	return events
}

func msg(min int, actor, ts, text string) incident.Event {
	return incident.Event{Kind: incident.KindMessage, At: at(min), Actor: actor, TS: ts, Text: text}
}

func field(min int, actor string, f incident.Field, to string) incident.Event {
	return incident.Event{Kind: incident.KindField, At: at(min), Actor: actor,
		Data: map[string]string{"field": string(f), "from": "", "to": to}}
}

// names is what the bot would get from users.info.
func names(id string) string {
	return map[string]string{"U0ALI": "Ali Demir", "U0BO": "Bo Smith", "U0CY": "Cy_Ng"}[id]
}

// fullIncident has every record field set, comms, action items, marks, an
// edit, a deletion and chat that is not a key event.
func fullIncident(t *testing.T) (incident.Incident, []incident.Event) {
	t.Helper()
	inc := incident.Incident{
		Number: 42, Title: "Checkout returns 500 *again*", Description: "payment page fails",
		Severity: incident.P1, Status: incident.Resolved,
		Roles:      map[incident.Role]string{incident.Lead: "U0ALI", incident.Tech: "U0BO"},
		DeclaredBy: "U0ALI", DeclaredAt: at(0), ResolvedAt: at(68), Source: "slack",
		PostmortemID: "d1", Private: true,
		Record: incident.Record{
			Services:  []string{"checkout", "payments"},
			Impact:    "EU customers cannot pay by card; <@U0CY> took the first report &amp; more",
			Customers: 1200, CustomersKnown: true,
			DetectedBy: incident.DetectedAlert, DetectedLink: "https://grafana.example.com/d/abc",
			Hypothesis: "connection pool exhausted",
			RootCause:  "pool created per request in PR 4411",
			Trigger:    "deploy 2026.12.03-2",
			AI:         incident.AICode,
			Comms: map[incident.Comm]incident.CommDone{
				incident.CommCustomers: {By: "U0CY", At: at(30)},
				incident.CommTeam:      {By: "U0ALI", At: at(40)},
			},
			PostmortemOwner: "U0ALI", PostmortemDue: time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC),
			PostmortemDrafted: true,
		},
	}
	events := seq(
		incident.Event{Kind: incident.KindDeclared, At: at(0), Actor: "U0ALI",
			Data: map[string]string{"title": inc.Title, "severity": "P1", "source": "slack"}},
		msg(1, "U0ALI", "1764766980.000100", "checkout p99 is <https://grafana.example.com/d/x|up 10x>, cc <@U0BO>"),
		incident.Event{Kind: incident.KindMark, At: at(2), Actor: "U0BO", TS: "1764766980.000100", Mark: incident.MarkKeyEvent},
		incident.Event{Kind: incident.KindRole, At: at(2), Actor: "U0ALI", Data: map[string]string{"role": "tech", "user": "U0BO"}},
		msg(3, "U0BO", "1764767100.000200", "maybe the pool &lt;draft&gt;"),
		incident.Event{Kind: incident.KindEdit, At: at(4), Actor: "U0BO", TS: "1764767100.000200",
			Text: "I think it's the *connection pool* &amp; the deploy"},
		incident.Event{Kind: incident.KindMark, At: at(4), Actor: "U0ALI", TS: "1764767100.000200", Mark: incident.MarkHypothesis},
		msg(5, "U0CY", "1764767220.000300", "oops, wrong channel: SECRET-PLANS"),
		incident.Event{Kind: incident.KindDelete, At: at(6), Actor: "U0CY", TS: "1764767220.000300"},
		incident.Event{Kind: incident.KindPage, At: at(6), Actor: "U0ALI", Data: map[string]string{"service": "checkout"}},
		incident.Event{Kind: incident.KindPageAck, At: at(9), Text: "Bo Smith",
			Data: map[string]string{"by": "Bo Smith", "time_to_ack": "9m"}},
		field(10, "U0ALI", incident.FieldImpact, inc.Impact),
		field(20, "U0BO", incident.FieldRootCause, inc.RootCause),
		incident.Event{Kind: incident.KindStatus, At: at(21), Actor: "U0ALI", Data: map[string]string{"from": "investigating", "to": "identified"}},
		incident.Event{Kind: incident.KindComms, At: at(30), Actor: "U0CY", Data: map[string]string{"comm": "customers"}},
		msg(31, "U0BO", "1764768720.000400", "just chatting, not a key event"),
		incident.Event{Kind: incident.KindComms, At: at(40), Actor: "U0ALI", Data: map[string]string{"comm": "team"}},
		incident.Event{Kind: incident.KindStatus, At: at(68), Actor: "U0ALI", Data: map[string]string{"from": "identified", "to": "resolved"}},
		incident.Event{Kind: incident.KindResolved, At: at(68), Actor: "U0ALI", Data: map[string]string{"duration": "1h 8m"}},
		incident.Event{Kind: incident.KindDraftApproved, At: at(60 * 24), Actor: "U0ALI", Text: "# Postmortem",
			Data: map[string]string{"draft": "d1", "kind": "postmortem", "edited": "false", "source": "llm"}},
		incident.ActionItemEvent(incident.ActionAdd, incident.ActionItem{ID: "1", Text: "Cap the pool size", Owner: "U0BO",
			Due: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)}, "U0ALI", at(60*24)),
		incident.ActionItemEvent(incident.ActionAdd, incident.ActionItem{ID: "2", Text: "Alert on pool | saturation",
			Owner: "platform team"}, "U0ALI", at(60*24)),
		incident.ActionItemEvent(incident.ActionDone, incident.ActionItem{ID: "1"}, "U0BO", at(60*25)),
	)
	return inc, events
}

// bareIncident was declared by PagerDuty and nothing else has happened.
func bareIncident() (incident.Incident, []incident.Event) {
	inc := incident.Incident{
		Number: 7, Title: "Disk full on db-3", Severity: incident.P3, Status: incident.Investigating,
		DeclaredAt: at(0), Source: "pagerduty:PX1", ExternalID: "PX1",
	}
	return inc, seq(
		incident.Event{Kind: incident.KindDeclared, At: at(0), Data: map[string]string{"title": inc.Title, "severity": "P3", "source": "pagerduty:PX1"}},
		incident.Event{Kind: incident.KindNote, At: at(0), Text: "PagerDuty incident triggered: Disk full"},
	)
}
