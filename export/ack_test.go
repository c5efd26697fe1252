package export_test

import (
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

func TestAcknowledgedAt(t *testing.T) {
	slack := incident.Incident{Number: 1, DeclaredBy: "U0ALI", DeclaredAt: at(0), Source: "slack"}
	paged := incident.Incident{Number: 2, DeclaredAt: at(0), Source: "pagerduty:PX1"}
	ack := func(min int) incident.Event {
		return incident.Event{Kind: incident.KindPageAck, At: at(min), Text: "Bo", Data: map[string]string{"by": "Bo"}}
	}
	// What happens in a paged incident before anyone speaks: the alert,
	// an integration's message (a bot id), a reaction.
	noise := []incident.Event{
		{Kind: incident.KindDeclared, At: at(0)},
		{Kind: incident.KindNote, At: at(0), Text: "PagerDuty incident triggered"},
		msg(1, "B0GRAFANA", "1.1", "alert firing"),
		{Kind: incident.KindMark, At: at(2), Actor: "U0BO", TS: "1.1", Mark: incident.MarkKeyEvent},
	}
	tests := []struct {
		name   string
		inc    incident.Incident
		events []incident.Event
		want   time.Time
	}{
		{"the first page acknowledgement, by time, over the declaration", slack,
			[]incident.Event{ack(12), ack(7)}, at(7)},
		{"the first page acknowledgement in a paged incident, over earlier messages", paged,
			append(append([]incident.Event{}, noise...), msg(3, "U0BO", "1.2", "on it"), ack(5)), at(5)},
		{"declared by a person in Slack: the declaration", slack,
			[]incident.Event{msg(4, "U0BO", "1.2", "looking")}, at(0)},
		{"declared by the paging system: the first message or command by a person", paged,
			append(append([]incident.Event{}, noise...),
				// A role command logged before a message that happened earlier.
				incident.Event{Kind: incident.KindRole, At: at(6), Actor: "U0ALI", Data: map[string]string{"role": "lead", "user": "U0ALI"}},
				msg(4, "U0ALI", "1.3", "I have it")), at(4)},
		{"declared by the paging system: a command counts", paged,
			append(append([]incident.Event{}, noise...),
				incident.Event{Kind: incident.KindStatus, At: at(8), Actor: "U0ALI", Data: map[string]string{"from": "investigating", "to": "identified"}}), at(8)},
		{"declared by the paging system, nobody yet", paged, noise, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := export.AcknowledgedAt(tt.inc, seq(tt.events...)); !got.Equal(tt.want) {
				t.Errorf("AcknowledgedAt = %v, want %v", got, tt.want)
			}
		})
	}
}
