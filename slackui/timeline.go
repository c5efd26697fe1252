package slackui

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

var markEmoji = map[incident.Mark]string{
	incident.MarkKeyEvent: ":pushpin:", incident.MarkHypothesis: ":bulb:",
	incident.MarkAction: ":white_check_mark:", incident.MarkImpact: ":rotating_light:",
	incident.MarkDecision: ":rewind:",
}

// Timeline renders the timeline for Slack, where each reader sees times in
// their own zone. who names an actor.
func Timeline(inc incident.Incident, entries []incident.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s timeline* — %s (%s, %s)\n", inc.ID(), Escape(inc.Title), inc.Severity, inc.Status)
	if len(entries) == 0 {
		b.WriteString("_Nothing recorded yet._")
		return b.String()
	}
	for _, e := range entries {
		fmt.Fprintf(&b, "<!date^%d^{time}|%s> ", e.At.Unix(), e.At.UTC().Format("15:04 UTC"))
		b.WriteString(entryLine(e, true, Mention))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// TimelineFile renders the timeline as a Markdown document, for reading
// outside Slack: people by name, times in loc with the zone shown.
func TimelineFile(inc incident.Incident, entries []incident.Entry, name func(string) string, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s timeline: %s\n\n", inc.ID(), inc.Title)
	fmt.Fprintf(&b, "- Severity: %s\n- Status: %s\n- Declared: %s by %s\n", inc.Severity, inc.Status,
		Clock(inc.DeclaredAt, loc, true), name(inc.DeclaredBy))
	if !inc.ResolvedAt.IsZero() {
		fmt.Fprintf(&b, "- Resolved: %s (after %s)\n", Clock(inc.ResolvedAt, loc, true), incident.FormatDuration(inc.Duration(inc.ResolvedAt)))
	}
	fmt.Fprintf(&b, "\nTimes are %s.\n\n", zoneName(loc, inc.DeclaredAt))
	multiDay := len(entries) > 1 && entries[0].At.In(loc).YearDay() != entries[len(entries)-1].At.In(loc).YearDay()
	for _, e := range entries {
		fmt.Fprintf(&b, "- **%s** ", Clock(e.At, loc, multiDay))
		b.WriteString(entryLine(e, false, name))
		b.WriteByte('\n')
	}
	return b.String()
}

// zoneName names a zone for a reader: its IANA name and abbreviation.
func zoneName(loc *time.Location, at time.Time) string {
	abbr, _ := at.In(loc).Zone()
	if loc.String() == abbr || loc == time.UTC {
		return abbr
	}
	return fmt.Sprintf("%s (%s)", loc, abbr)
}

// entryLine renders one entry. inSlack picks Slack mrkdwn, where people
// are mentioned, over Markdown, where they are named.
func entryLine(e incident.Entry, inSlack bool, who func(string) string) string {
	var b strings.Builder
	if e.ThreadTS != "" {
		b.WriteString("↳ ")
	}
	if e.Kind != incident.KindMessage {
		fmt.Fprintf(&b, ":gear: %s", e.DescribeAs(who))
		if e.Actor != "" {
			fmt.Fprintf(&b, " (%s)", who(e.Actor))
		}
		return b.String()
	}
	text := strings.ReplaceAll(strings.TrimSpace(e.Text), "\n", " ")
	if inSlack {
		text = Safe(text)
	} else {
		text = plainText(text, who)
	}
	fmt.Fprintf(&b, "%s: %s", who(e.Actor), text)
	if len(e.Files) > 0 {
		fmt.Fprintf(&b, " [files: %s]", strings.Join(e.Files, ", "))
	}
	if e.Edited {
		b.WriteString(" _(edited)_")
	}
	for _, m := range e.Marks {
		fmt.Fprintf(&b, " %s *%s*", markEmoji[m], m.Label())
	}
	return b.String()
}
