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
	body      body
	citations []int
	flags     []string
}

// check validates a model draft against the timeline: citations must exist,
// claims need one, the kind's sections must be there, and postmortems must
// not blame people. It never rejects a draft: it says what it found.
func check(kind incident.DraftKind, md modelDraft, entries []incident.Entry) checked {
	spec := specFor(kind)
	cc := newCiteCheck(entries)
	b := body{sections: map[string]string{}}
	b.summary = cc.section(secSummary, md.Summary, nil, false)
	for _, s := range md.Sections {
		title, ok := canonicalTitle(s.Title, spec.sections)
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
		b.items = append(b.items, actionItem(len(b.items)+1, a))
	}

	flags := cc.flags
	for _, t := range spec.sections {
		if t != secTimeline && strings.TrimSpace(b.sections[t]) == "" {
			flags = append(flags, "missing section: "+t)
		}
	}
	if kind == incident.DraftPostmortem {
		if b.summary == "" {
			flags = append(flags, "missing section: "+secSummary)
		}
		if len(b.items) == 0 {
			flags = append(flags, "missing section: "+secActionItems)
		}
		all := []string{b.summary}
		for _, t := range spec.sections {
			all = append(all, b.sections[t])
		}
		for _, s := range b.extra {
			all = append(all, s.Text)
		}
		for _, it := range b.items {
			all = append(all, it.Text)
		}
		flags = append(flags, blameFlags(strings.Join(all, "\n"))...)
	}
	return checked{body: b, citations: cc.citations(), flags: flags}
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

// actionItem turns a proposed item into a tracked one: owner as a Slack ID
// when it is a mention, due as a date when it parses.
func actionItem(n int, a modelAction) incident.ActionItem {
	it := incident.ActionItem{ID: fmt.Sprintf("A%d", n), Text: Redact(a.Text)}
	owner := strings.TrimSpace(a.Owner)
	if id, ok := incident.ParseUserMention(owner); ok {
		owner = id
	} else if id := strings.TrimPrefix(owner, "@"); slackID.MatchString(id) {
		owner = id
	}
	if !slices.Contains([]string{"", "none", "null", "tbd", "unknown", "n/a"}, strings.ToLower(owner)) {
		it.Owner = owner
	}
	if due, ok := parseDue(a.Due); ok {
		it.Due = due
	} else if d := strings.TrimSpace(a.Due); d != "" && !strings.EqualFold(d, "null") {
		it.Text += " (due: " + d + ")"
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
