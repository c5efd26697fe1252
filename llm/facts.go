package llm

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Change is one step in a severity or status history.
type Change struct {
	At       time.Time
	From, To string
	By       string // Slack user ID, "" for the bot
	Seq      int
}

// Holding is one person holding one role from a time on.
type Holding struct {
	Role incident.Role
	User string
	From time.Time
	Seq  int
}

// Facts are what the drafter computes from the event log rather than asking
// the model: they go into the prompt as ground truth and into every draft
// verbatim, so a model can phrase them but never invent them.
type Facts struct {
	ID         string
	Title      string
	Severity   incident.Severity
	Status     incident.Status
	DeclaredAt time.Time
	DeclaredBy string
	ResolvedAt time.Time // zero while active
	Duration   time.Duration
	Severities []Change
	Statuses   []Change
	Roles      []Holding
	// PagedAt and AckedAt are the first page and its first acknowledgement;
	// TimeToAck is set only when both are known.
	PagedAt   time.Time
	AckedAt   time.Time
	AckedBy   string
	TimeToAck time.Duration
	Messages  int
	People    int
	// Record is what people recorded about the incident (service, impact,
	// cause…): a confirmed root cause is a fact, a hypothesis is not.
	Record incident.Record
}

// ComputeFacts derives an incident's facts from its header and log at now.
func ComputeFacts(inc incident.Incident, events []incident.Event, now time.Time) Facts {
	f := Facts{
		ID: inc.ID(), Title: inc.Title, Severity: inc.Severity, Status: inc.Status,
		DeclaredAt: inc.DeclaredAt, DeclaredBy: inc.DeclaredBy, ResolvedAt: inc.ResolvedAt,
		Duration: inc.Duration(now), Record: inc.Record,
	}
	people := map[string]struct{}{}
	for _, ev := range events {
		switch ev.Kind {
		case incident.KindMessage:
			f.Messages++
			if ev.Actor != "" {
				people[ev.Actor] = struct{}{}
			}
		case incident.KindSeverity:
			f.Severities = append(f.Severities, Change{At: ev.At, From: ev.Get("from"), To: ev.Get("to"), By: ev.Actor, Seq: ev.Seq})
		case incident.KindStatus:
			f.Statuses = append(f.Statuses, Change{At: ev.At, From: ev.Get("from"), To: ev.Get("to"), By: ev.Actor, Seq: ev.Seq})
		case incident.KindRole:
			f.Roles = append(f.Roles, Holding{Role: incident.Role(ev.Get("role")), User: ev.Get("user"), From: ev.At, Seq: ev.Seq})
		case incident.KindPage:
			if f.PagedAt.IsZero() {
				f.PagedAt = ev.At
			}
		case incident.KindPageAck:
			if f.AckedAt.IsZero() {
				f.AckedAt, f.AckedBy = ev.At, ev.Actor
			}
		}
	}
	f.People = len(people)
	if !f.AckedAt.IsZero() {
		start := f.PagedAt
		if start.IsZero() {
			start = f.DeclaredAt
		}
		if !f.AckedAt.Before(start) {
			f.TimeToAck = f.AckedAt.Sub(start)
		}
	}
	// The header knows the current holders even when the log predates role
	// events (a role set at declaration, say).
	for _, r := range incident.Roles {
		u := inc.Roles[r]
		if u == "" || holds(f.Roles, r, u) {
			continue
		}
		f.Roles = append(f.Roles, Holding{Role: r, User: u, From: inc.DeclaredAt})
	}
	return f
}

func holds(hs []Holding, r incident.Role, u string) bool {
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Role == r {
			return hs[i].User == u
		}
	}
	return false
}

// lines renders the facts as short "- label: value" lines, people by name
// and times in the voice's zone. cite adds the [E..] ids of the changes, for
// the prompt: a draft's text carries none.
func (f Facts) lines(v *voice, cite bool) []string {
	var out []string
	add := func(label, format string, args ...any) {
		out = append(out, fmt.Sprintf("- %s: %s", label, fmt.Sprintf(format, args...)))
	}
	// The title is the one fact people typed: keep it on its line and
	// free of secrets like every other piece of timeline text.
	add("Incident", "%s %s", f.ID, flatten(v.text(Redact(f.Title))))
	add("Severity", "%s%s", f.Severity, history(f.Severities, v, cite))
	add("Status", "%s%s", f.Status, history(f.Statuses, v, cite))
	add("Declared", "%s%s", v.stamp(f.DeclaredAt), v.by(f.DeclaredBy))
	if !f.ResolvedAt.IsZero() {
		add("Resolved", "%s", v.stamp(f.ResolvedAt))
		add("Duration", "%s", incident.FormatDuration(f.Duration))
	} else {
		add("Duration so far", "%s", incident.FormatDuration(f.Duration))
	}
	if len(f.Roles) > 0 {
		parts := make([]string, 0, len(f.Roles))
		for _, h := range f.Roles {
			parts = append(parts, fmt.Sprintf("%s %s from %s", h.Role.Title(), v.person(h.User), v.clock(h.From)))
		}
		add("Roles", "%s", strings.Join(parts, "; "))
	}
	switch {
	case f.TimeToAck > 0 || !f.AckedAt.IsZero():
		add("Time to acknowledge", "%s%s", incident.FormatDuration(f.TimeToAck), v.by(f.AckedBy))
	case !f.PagedAt.IsZero():
		add("Paged", "%s, not acknowledged yet", v.stamp(f.PagedAt))
	}
	add("Conversation", "%d messages from %d people", f.Messages, f.People)
	return append(out, f.recordLines(v, cite)...)
}

// recordLines are the fields people set. For the model (prompt) the labels
// also say how to treat each one; in a published draft they just name it.
func (f Facts) recordLines(v *voice, prompt bool) []string {
	r := f.Record
	var out []string
	add := func(label, hint, value string) {
		if value == "" {
			return
		}
		if prompt && hint != "" {
			label += " (" + hint + ")"
		}
		out = append(out, fmt.Sprintf("- %s: %s", label, flatten(v.text(Redact(value)))))
	}
	add("Services", "", strings.Join(r.Services, ", "))
	impact := r.Impact
	if r.CustomersKnown {
		impact = strings.TrimSpace(fmt.Sprintf("%s (%d customers affected)", impact, r.Customers))
	}
	add("Impact", "recorded by the responders", impact)
	add("Detected by", "", string(r.DetectedBy))
	add("Trigger", "recorded by the responders", r.Trigger)
	if prompt {
		add("Root cause", "confirmed by the responders: state it as fact", r.RootCause)
		add("Hypothesis", "NOT confirmed: present it as a hypothesis, never as the cause", r.Hypothesis)
	} else {
		add("Root cause (confirmed)", "", r.RootCause)
		if r.RootCause == "" {
			add("Hypothesis (unconfirmed)", "", r.Hypothesis)
		}
	}
	if r.AI != "" {
		add("AI connection", "", fmt.Sprintf("%s (%s)", r.AI, r.AI.Describe()))
	}
	return out
}

func history(cs []Change, v *voice, cite bool) string {
	if len(cs) == 0 {
		return ""
	}
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		p := fmt.Sprintf("%s → %s at %s", c.From, c.To, v.clock(c.At))
		if cite {
			p += fmt.Sprintf(" [E%d]", c.Seq)
		}
		parts = append(parts, p)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
