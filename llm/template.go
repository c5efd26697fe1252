package llm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// Template builds a draft from the timeline alone, without a model: the
// facts, the marked events and the latest status, labelled at the top as a
// template with reason. It is what Draft returns whenever the model cannot
// be used, and it takes milliseconds.
func (d *Drafter) Template(req incident.DraftRequest, reason string) incident.Draft {
	now := d.nowFor(req)
	entries := incident.Fold(req.Events)
	f := ComputeFacts(req.Incident, req.Events, now)
	spec := specFor(req.Kind)
	b := templateBody(req.Kind, f, entries)
	text := d.render(req, f, entries, b)
	cited := map[int]bool{}
	for _, m := range inlineCite.FindAllStringSubmatch(text, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		cited[n] = true
	}
	return incident.Draft{
		Incident: req.Incident.Number, Kind: req.Kind, State: incident.DraftPending,
		Text: text, Source: SourceTemplate, Reason: reason, PromptVersion: spec.version,
		Citations: sortedKeys(cited), ActionItems: b.items, CreatedAt: now,
		ChannelID: req.Incident.ChannelID,
	}
}

// templateBody fills each section from what the timeline holds: marked
// events by their mark, the latest messages, the roles.
func templateBody(kind incident.DraftKind, f Facts, entries []incident.Entry) body {
	b := body{sections: map[string]string{}}
	byMark := func(m incident.Mark, n int) string {
		var out []string
		for i := len(entries) - 1; i >= 0 && len(out) < n; i-- {
			if slices.Contains(entries[i].Marks, m) {
				out = append(out, "• "+quote(entries[i]))
			}
		}
		slices.Reverse(out)
		return strings.Join(out, "\n")
	}
	latest := func(n int) string {
		var out []string
		for i := len(entries) - 1; i >= 0 && len(out) < n; i-- {
			if entries[i].Kind == incident.KindMessage {
				out = append(out, "• "+quote(entries[i]))
			}
		}
		slices.Reverse(out)
		return strings.Join(out, "\n")
	}
	or := func(s, fallback string) string {
		if s == "" {
			return fallback
		}
		return s
	}
	status := fmt.Sprintf("Status: %s", f.Status)
	if n := len(f.Statuses); n > 0 {
		c := f.Statuses[n-1]
		status += fmt.Sprintf(" since %s [E%d]", clock(c.At), c.Seq)
	}
	status += "."
	roles := rolesText(f)
	switch kind {
	case incident.DraftPostmortem:
		b.summary = fmt.Sprintf("%s (%s) %q lasted %s.", f.ID, peakSeverity(f), Redact(f.Title), incident.FormatDuration(f.Duration))
		b.sections[secImpact] = or(byMark(incident.MarkImpact, 10), "No impact was marked on the timeline.")
		b.sections[secDetection] = "To be written: how the problem was noticed."
		b.sections[secRootCause] = or(joinNonEmpty("Hypotheses and decisions recorded:\n",
			byMark(incident.MarkHypothesis, 10), byMark(incident.MarkDecision, 10)), "To be written.")
		for _, t := range []string{secContributing, secWentWell, secWentBadly, secLessons} {
			b.sections[t] = "To be written."
		}
		for i, e := range entries {
			if slices.Contains(e.Marks, incident.MarkAction) {
				b.items = append(b.items, incident.ActionItem{
					ID: fmt.Sprintf("A%d", len(b.items)+1), Text: incident.Truncate(flatten(Redact(e.Text)), 200), Owner: entries[i].Actor,
				})
			}
		}
	case incident.DraftCatchup:
		b.sections[secWhatHappened] = or(byMark(incident.MarkKeyEvent, 5), latest(5))
		b.sections[secWhereItStands] = fmt.Sprintf("%s Severity %s, %s so far.", status, f.Severity, incident.FormatDuration(f.Duration))
		b.sections[secWho] = or(roles, "No roles assigned yet.")
		b.sections[secOpenQuestions] = or(byMark(incident.MarkHypothesis, 5), "No hypotheses were marked.")
	default:
		what := Redact(f.Title)
		b.sections[secHappening] = fmt.Sprintf("%s. %s\n%s", what, status, byMark(incident.MarkKeyEvent, 5))
		b.sections[secImpact] = or(byMark(incident.MarkImpact, 3), fmt.Sprintf("Severity %s; impact not yet described on the timeline.", f.Severity))
		b.sections[secBeingDone] = or(joinNonEmpty("", byMark(incident.MarkAction, 3), byMark(incident.MarkDecision, 3)), latest(3))
	}
	for t, s := range b.sections {
		b.sections[t] = strings.TrimSpace(s)
	}
	return b
}

func rolesText(f Facts) string {
	var parts []string
	for _, h := range f.Roles {
		parts = append(parts, fmt.Sprintf("%s: <@%s>", h.Role.Title(), h.User))
	}
	return strings.Join(parts, ", ")
}

func joinNonEmpty(prefix string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return prefix + strings.Join(out, "\n")
}
