package llm

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// body is a draft's content before rendering: what the model (or the
// template) wrote, already checked.
type body struct {
	summary  string
	sections map[string]string // spec title -> text
	extra    []modelSection    // sections beyond the spec, kept in order
	items    []incident.ActionItem
	// evidence is the ids each section (by title) rests on.
	evidence map[string]map[int]bool
}

// cite records that section rests on entry seq.
func (b *body) cite(section string, seq int) {
	if seq < 1 {
		return
	}
	if b.evidence == nil {
		b.evidence = map[string]map[int]bool{}
	}
	if b.evidence[section] == nil {
		b.evidence[section] = map[int]bool{}
	}
	b.evidence[section][seq] = true
}

// maxKeyEvents caps the code-rendered timeline of key events.
const maxKeyEvents = 40

// render turns a body into the draft's text. Facts, the key-event timeline,
// the next-update time and action items are rendered by code. The text is
// exactly what is published once approved, so what only the approver needs
// (the template notice, what the checks found, the citations, the model and
// prompt stamp) is not in it: it travels in Draft.Source, Reason, Flags,
// Citations, Evidence, Model and PromptVersion, and the bot shows it around
// the draft. People are named and times told in v's way; the last step,
// publish, guarantees no marker or mention survives whoever wrote the body.
func (d *Drafter) render(req incident.DraftRequest, v *voice, f Facts, entries []incident.Entry, b body) string {
	if req.Kind == incident.DraftPublic {
		return renderPublic(v, b)
	}
	spec := specFor(req.Kind)
	md := req.Kind == incident.DraftPostmortem // a Markdown file; the rest are Slack messages, also written in Markdown (the bot converts it with goldmark)
	var w strings.Builder
	heading := func(t string) {
		if md {
			fmt.Fprintf(&w, "\n## %s\n", t)
		} else {
			fmt.Fprintf(&w, "\n**%s**\n", t)
		}
	}
	title := fmt.Sprintf("%s %s: %s", f.ID, spec.name, Redact(f.Title))
	if md {
		fmt.Fprintf(&w, "# %s\n", title)
	} else {
		fmt.Fprintf(&w, "**%s**\n", title)
		dur := "Duration so far"
		if !f.ResolvedAt.IsZero() {
			dur = "Duration"
		}
		fmt.Fprintf(&w, "**Severity:** %s · **Status:** %s · **%s:** %s\n", f.Severity, f.Status, dur, incident.FormatDuration(f.Duration))
	}
	if md {
		heading(secSummary)
	}
	if b.summary != "" {
		w.WriteString(b.summary)
		w.WriteByte('\n')
	} else if md {
		w.WriteString(missing)
	}
	if md {
		heading("Facts (computed from the event log)")
		for _, l := range f.lines(v, false) {
			w.WriteString(l)
			w.WriteByte('\n')
		}
	}
	for _, t := range spec.sections {
		heading(t)
		if md {
			switch t {
			case secImpact:
				fmt.Fprintf(&w, "_Computed: lasted %s; severity %s at its peak._\n", incident.FormatDuration(f.Duration), peakSeverity(f))
			case secDetection:
				fmt.Fprintf(&w, "_Computed: declared %s%s%s._\n", v.stamp(f.DeclaredAt), v.by(f.DeclaredBy), ackPhrase(f, v))
			case secTimeline:
				keyEvents(&w, entries, v)
			}
		}
		text := b.sections[t]
		switch {
		case text != "":
			w.WriteString(text)
			w.WriteByte('\n')
		case t != secTimeline:
			w.WriteString(missing)
		}
		if md && t == secWentBadly {
			heading(secActionItems)
			actionItems(&w, b.items, v)
		}
	}
	for _, s := range b.extra {
		heading(s.Title)
		w.WriteString(s.Text)
		w.WriteByte('\n')
	}
	if req.Kind == incident.DraftUpdate {
		fmt.Fprintf(&w, "\n**Next update:** %s\n", d.nextUpdate(f, req, v))
	}
	return v.publish(w.String())
}

const missing = "_Missing from the draft: to be written._\n"

func peakSeverity(f Facts) incident.Severity {
	peak := f.Severity
	for _, c := range f.Severities {
		for _, s := range []string{c.From, c.To} {
			if v, ok := incident.ParseSeverity(s); ok && (!peak.Valid() || v < peak) {
				peak = v
			}
		}
	}
	return peak
}

func ackPhrase(f Facts, v *voice) string {
	switch {
	case !f.AckedAt.IsZero():
		return fmt.Sprintf("; the page was acknowledged after %s%s", incident.FormatDuration(f.TimeToAck), v.by(f.AckedBy))
	case !f.PagedAt.IsZero():
		return fmt.Sprintf("; paged at %s, no acknowledgement recorded", v.clock(f.PagedAt))
	}
	return ""
}

// keyEvent reports whether an entry belongs on the timeline of key events.
func keyEvent(e incident.Entry) bool {
	if e.Marked() {
		return true
	}
	switch e.Kind {
	case incident.KindDeclared, incident.KindStatus, incident.KindSeverity, incident.KindRole,
		incident.KindResolved, incident.KindPage, incident.KindPageAck, incident.KindPageFailed:
		return true
	}
	return false
}

// keyEntries is the timeline of key events: the newest maxKeyEvents, and
// how many earlier ones it leaves out.
func keyEntries(entries []incident.Entry) (keys []incident.Entry, left int) {
	for _, e := range entries {
		if keyEvent(e) {
			keys = append(keys, e)
		}
	}
	if len(keys) > maxKeyEvents {
		return keys[len(keys)-maxKeyEvents:], len(keys) - maxKeyEvents
	}
	return keys, 0
}

// citeKeyEvents records the postmortem's key-event timeline, which code
// renders, as that section's evidence.
func citeKeyEvents(kind incident.DraftKind, b *body, entries []incident.Entry) {
	if kind != incident.DraftPostmortem {
		return
	}
	keys, _ := keyEntries(entries)
	for _, e := range keys {
		b.cite(secTimeline, e.Seq)
	}
}

func keyEvents(w *strings.Builder, entries []incident.Entry, v *voice) {
	keys, left := keyEntries(entries)
	if left > 0 {
		fmt.Fprintf(w, "_(%d earlier key events not shown)_\n", left)
	}
	for _, e := range keys {
		fmt.Fprintf(w, "- %s %s\n", v.clock(e.At), v.quote(e))
	}
}

// quote renders an entry for a draft: "@ali (key event): “text”". The entry
// it quotes is the caller's to record as evidence.
func (v *voice) quote(e incident.Entry) string {
	who := "bot"
	if e.Actor != "" {
		who = v.person(e.Actor)
	}
	var marks []string
	for _, m := range e.Marks {
		marks = append(marks, m.Label())
	}
	mk := ""
	if len(marks) > 0 {
		mk = " (" + strings.Join(marks, ", ") + ")"
	}
	text := incident.Truncate(flatten(v.text(Redact(e.Describe()))), 200)
	if e.Kind != incident.KindMessage {
		return fmt.Sprintf("%s%s: %s", who, mk, text)
	}
	return fmt.Sprintf("%s%s: “%s”", who, mk, text)
}

func actionItems(w *strings.Builder, items []incident.ActionItem, v *voice) {
	if len(items) == 0 {
		w.WriteString(missing)
		return
	}
	for _, it := range items {
		owner := "owner to be decided"
		if it.Owner != "" {
			owner = "owner " + ownerName(it.Owner, v)
		}
		due := "due date to be set"
		if !it.Due.IsZero() {
			due = "due " + it.Due.Format(time.DateOnly)
		}
		fmt.Fprintf(w, "- [ ] %s (%s, %s)\n", it.Text, owner, due)
	}
}

// ownerName renders an action item's owner: a Slack ID by name, free text as
// it is.
func ownerName(o string, v *voice) string {
	if slackID.MatchString(o) {
		return v.person(o)
	}
	return o
}

// nextUpdate says when the next status update is due by the severity's
// cadence.
func (d *Drafter) nextUpdate(f Facts, req incident.DraftRequest, v *voice) string {
	if f.Status == incident.Resolved {
		return "none: the incident is resolved"
	}
	now := d.nowFor(req)
	cadence := req.Cadence
	if cadence == nil {
		cadence = d.cfg.Cadence
	}
	every := cadence[f.Severity]
	if every <= 0 {
		return fmt.Sprintf("none scheduled (%s has no update cadence)", f.Severity)
	}
	return fmt.Sprintf("by %s (%s updates every %s)", v.clock(now.Add(every)), f.Severity, incident.FormatDuration(every))
}
