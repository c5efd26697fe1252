package llm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
)

// Template builds a draft from the timeline alone, without a model: the
// facts, the marked events and the latest status. Source "template" and
// reason label it beside the text; the text itself is clean to publish like
// any draft, and the entries each section quotes are its Evidence. It is
// what Draft returns whenever the model cannot be used, and it takes
// milliseconds.
func (d *Drafter) Template(req incident.DraftRequest, reason string) incident.Draft {
	now := d.nowFor(req)
	v := newVoice(req)
	entries := incident.Fold(req.Events)
	f := ComputeFacts(req.Incident, req.Events, now)
	spec := specFor(req.Kind)
	var b body
	if req.Kind == incident.DraftPublic {
		pc, _ := publicContext(req)
		b = publicTemplate(req.Incident.Severity, pc)
	} else {
		b = templateBody(req.Kind, f, entries, v)
		citeKeyEvents(req.Kind, &b, entries)
	}
	ev, cites := evidenceOf(req.Kind, b)
	out := incident.Draft{
		Incident: req.Incident.Number, Kind: req.Kind, State: incident.DraftPending,
		Text: d.render(req, v, f, entries, b), Source: SourceTemplate, Reason: reason, PromptVersion: spec.version,
		Citations: cites, Evidence: ev, ActionItems: b.items, CreatedAt: now,
		ChannelID: req.Incident.ChannelID,
	}
	finishPublic(req, &out)
	return out
}

// finishPublic stamps a customer update with the status it announces and
// what the checks found in it; other kinds pass unchanged.
func finishPublic(req incident.DraftRequest, d *incident.Draft) {
	if req.Kind != incident.DraftPublic {
		return
	}
	pc, flags := publicContext(req)
	d.Status = pc.Status
	d.Flags = append(d.Flags, flags...)
	d.Flags = append(d.Flags, PublicFlags(d.Text, pc, req.Names)...)
}

// templateBody fills each section from what the timeline holds: marked
// events by their mark, the latest messages, the roles. Every entry a
// section quotes is recorded as its evidence.
func templateBody(kind incident.DraftKind, f Facts, entries []incident.Entry, v *voice) body {
	b := body{sections: map[string]string{}}
	// list quotes es as bullets of section sec.
	list := func(sec string, es []incident.Entry) string {
		out := make([]string, 0, len(es))
		for _, e := range es {
			out = append(out, "• "+v.quote(e))
			b.cite(sec, e.Seq)
		}
		return strings.Join(out, "\n")
	}
	// latestWhere is the newest n entries that satisfy ok, oldest first.
	latestWhere := func(n int, ok func(incident.Entry) bool) []incident.Entry {
		var out []incident.Entry
		for i := len(entries) - 1; i >= 0 && len(out) < n; i-- {
			if ok(entries[i]) {
				out = append(out, entries[i])
			}
		}
		slices.Reverse(out)
		return out
	}
	byMark := func(sec string, m incident.Mark, n int) string {
		return list(sec, latestWhere(n, func(e incident.Entry) bool { return slices.Contains(e.Marks, m) }))
	}
	latest := func(sec string, n int) string {
		return list(sec, latestWhere(n, func(e incident.Entry) bool { return e.Kind == incident.KindMessage }))
	}
	or := func(s, fallback string) string {
		if s == "" {
			return fallback
		}
		return s
	}
	// orLatest falls back to the latest messages, quoted (and cited) only
	// when they are used.
	orLatest := func(s, sec string, n int) string {
		if s == "" {
			return latest(sec, n)
		}
		return s
	}
	status := func(sec string) string {
		st := fmt.Sprintf("Status: %s", f.Status)
		if n := len(f.Statuses); n > 0 {
			c := f.Statuses[n-1]
			st += " since " + v.clock(c.At)
			b.cite(sec, c.Seq)
		}
		return st + "."
	}
	switch kind {
	case incident.DraftPostmortem:
		b.summary = fmt.Sprintf("%s (%s) %q lasted %s.", f.ID, peakSeverity(f), Redact(f.Title), incident.FormatDuration(f.Duration))
		b.sections[secImpact] = or(joinNonEmpty("", recordedImpact(f.Record), byMark(secImpact, incident.MarkImpact, 10)), "No impact was marked on the timeline.")
		b.sections[secDetection] = "To be written: how the problem was noticed."
		if d := f.Record.DetectedBy; d != "" {
			b.sections[secDetection] = fmt.Sprintf("Detected by: %s.", d)
		}
		b.sections[secRootCause] = or(joinNonEmpty("", recordedCause(f.Record), joinNonEmpty("Hypotheses and decisions recorded:\n",
			byMark(secRootCause, incident.MarkHypothesis, 10), byMark(secRootCause, incident.MarkDecision, 10))), "To be written.")
		for _, t := range []string{secContributing, secWentWell, secWentBadly, secLessons} {
			b.sections[t] = "To be written."
		}
		for _, e := range entries {
			if slices.Contains(e.Marks, incident.MarkAction) {
				b.items = append(b.items, incident.ActionItem{
					ID: fmt.Sprintf("A%d", len(b.items)+1), Text: incident.Truncate(flatten(v.publish(Redact(e.Text))), 200), Owner: e.Actor,
				})
				b.cite(secActionItems, e.Seq)
			}
		}
	case incident.DraftCatchup:
		b.sections[secWhatHappened] = orLatest(byMark(secWhatHappened, incident.MarkKeyEvent, 5), secWhatHappened, 5)
		b.sections[secWhereItStands] = fmt.Sprintf("%s Severity %s, %s so far.", status(secWhereItStands), f.Severity, incident.FormatDuration(f.Duration))
		b.sections[secWho] = or(rolesText(f, v, &b), "No roles assigned yet.")
		b.sections[secOpenQuestions] = or(byMark(secOpenQuestions, incident.MarkHypothesis, 5), "No hypotheses were marked.")
	default:
		what := Redact(f.Title)
		b.sections[secHappening] = fmt.Sprintf("%s. %s\n%s", what, status(secHappening), byMark(secHappening, incident.MarkKeyEvent, 5))
		b.sections[secImpact] = or(joinNonEmpty("", recordedImpact(f.Record), byMark(secImpact, incident.MarkImpact, 3)), fmt.Sprintf("Severity %s; impact not yet described on the timeline.", f.Severity))
		b.sections[secBeingDone] = orLatest(joinNonEmpty("", byMark(secBeingDone, incident.MarkAction, 3), byMark(secBeingDone, incident.MarkDecision, 3)), secBeingDone, 3)
	}
	for t, s := range b.sections {
		b.sections[t] = strings.TrimSpace(s)
	}
	return b
}

// recordedImpact is the impact the responders recorded, as a sentence.
func recordedImpact(r incident.Record) string {
	switch {
	case r.Impact != "" && r.CustomersKnown:
		return fmt.Sprintf("%s (%s customers affected).", sentence(r.Impact), thousands(r.Customers))
	case r.Impact != "":
		return sentence(r.Impact) + "."
	case r.CustomersKnown:
		return fmt.Sprintf("%s customers affected.", thousands(r.Customers))
	}
	return ""
}

// sentence is recorded text as the start of a sentence: redacted,
// capitalised, without a closing full stop (the caller adds one).
func sentence(s string) string {
	s = strings.TrimRight(Redact(s), ". ")
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// thousands renders 4200 as "4,200".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// recordedCause states a confirmed root cause as fact and a hypothesis as
// a hypothesis, with the trigger.
func recordedCause(r incident.Record) string {
	var parts []string
	switch {
	case r.RootCause != "":
		parts = append(parts, "Root cause: "+sentence(r.RootCause)+".")
	case r.Hypothesis != "":
		parts = append(parts, "Hypothesis (not yet confirmed): "+sentence(r.Hypothesis)+".")
	}
	if r.Trigger != "" {
		parts = append(parts, "Trigger: "+sentence(r.Trigger)+".")
	}
	return strings.Join(parts, " ")
}

// rolesText lists who holds which role, citing the role changes.
func rolesText(f Facts, v *voice, b *body) string {
	var parts []string
	for _, h := range f.Roles {
		parts = append(parts, fmt.Sprintf("%s: %s", h.Role.Title(), v.person(h.User)))
		b.cite(secWho, h.Seq)
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
