package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// slackID matches a bare Slack user ID.
var slackID = regexp.MustCompile(`^[UW][A-Z0-9]{6,}$`)

// checked is a model draft after every check.
type checked struct {
	body  body
	flags []string
}

// check validates a model draft against the timeline: citations must exist,
// claims need one, the kind's sections must be there, and postmortems must
// not blame people. It never rejects a draft: it says what it found, in
// flags that name the section, and returns the text fit to publish.
func check(kind incident.DraftKind, md modelDraft, entries []incident.Entry, v *voice) checked {
	spec := specFor(kind)
	cc := newCiteCheck(entries, v)
	b := body{sections: map[string]string{}}
	b.summary = cc.section(secSummary, md.Summary, nil, false)
	for _, s := range md.Sections {
		title, ok := canonicalTitle(s.Title, spec.sections)
		if !ok {
			title = strings.TrimSpace(flatten(v.publish(title)))
		}
		text := cc.section(title, s.Text, s.Citations, needsCitation(title))
		switch {
		case !ok:
			b.extra = append(b.extra, modelSection{Title: title, Text: text})
		case b.sections[title] != "":
			b.sections[title] += "\n" + text
		default:
			b.sections[title] = text
		}
	}
	for _, a := range md.ActionItems {
		b.items = append(b.items, actionItem(len(b.items)+1, a, cc))
	}
	b.evidence = cc.evidence

	flags := cc.flags
	missing := func(t string) { flags = append(flags, t+": section missing") }
	if kind == incident.DraftPostmortem && b.summary == "" {
		missing(secSummary)
	}
	for _, t := range spec.sections {
		if t != secTimeline && b.sections[t] == "" {
			missing(t)
		}
	}
	if kind == incident.DraftPostmortem {
		if len(b.items) == 0 {
			missing(secActionItems)
		}
		// Checked section by section, so each flag says where to look, and
		// with the names written back as mentions, so a person is found
		// however the model named them.
		asMentions := v.mentioner()
		blame := func(title, text string) {
			for _, m := range blameFlags(asMentions(text)) {
				flags = append(flags, fmt.Sprintf("%s: blaming language %q (a blameless postmortem names what allowed it, not who)", title, v.text(m)))
			}
		}
		blame(secSummary, b.summary)
		for _, t := range spec.sections {
			blame(t, b.sections[t])
		}
		for _, s := range b.extra {
			blame(s.Title, s.Text)
		}
		for _, it := range b.items {
			blame(secActionItems, it.Text)
		}
	}
	return checked{body: b, flags: flags}
}

// needsCitation: claims about what happened need evidence; lessons and open
// questions are judgement and look forward.
func needsCitation(title string) bool {
	switch title {
	case secLessons, secOpenQuestions, secWentWell, secWentBadly:
		return false
	}
	return true
}

// actionItem turns a proposed item into a tracked one: the owner as a Slack
// ID when it names someone known, the due date as a date when it parses, the
// text checked like a section and fit to publish.
func actionItem(n int, a modelAction, cc *citeCheck) incident.ActionItem {
	it := incident.ActionItem{ID: fmt.Sprintf("A%d", n), Text: cc.section(secActionItems, Redact(a.Text), nil, false)}
	owner := strings.TrimSpace(a.Owner)
	if id := cc.v.idOf(owner); id != "" {
		owner = id
	} else {
		owner = strings.TrimSpace(flatten(cc.v.publish(Redact(owner))))
	}
	if !slices.Contains([]string{"", "none", "null", "tbd", "unknown", "n/a"}, strings.ToLower(owner)) {
		it.Owner = owner
	}
	if due, ok := parseDue(a.Due); ok {
		it.Due = due
	} else if d := strings.TrimSpace(a.Due); d != "" && !strings.EqualFold(d, "null") {
		it.Text += " (due: " + strings.TrimSpace(flatten(cc.v.publish(Redact(d)))) + ")"
	}
	return it
}

var dueLayouts = []string{
	time.DateOnly, time.RFC3339, "2006/01/02", "Jan 2, 2006", "January 2, 2006",
	"2 Jan 2006", "2 January 2006", "02.01.2006",
}

func parseDue(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dueLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
