package handlers

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Block Kit limits that Slack enforces with an error.
const (
	maxSectionText = 3000
	maxBlocks      = 50
	maxHeaderText  = 150
	maxFallback    = 3000
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

func contextBlock(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(incident.Truncate(s, maxSectionText)))
}

// sections splits long mrkdwn text into section blocks within Slack's
// per-section limit, breaking at line ends where it can so code spans and
// lines stay whole.
func sections(text string) []slack.Block {
	var out []slack.Block
	for _, chunk := range splitText(text, maxSectionText) {
		out = append(out, section(chunk))
	}
	return out
}

// splitText cuts text into pieces of at most max runes for display,
// preferring line breaks, then spaces: cutText's pieces with the breaks
// trimmed away and blank pieces dropped.
func splitText(text string, max int) []string {
	var out []string
	for _, piece := range cutText(text, max) {
		if piece = strings.Trim(piece, "\n "); piece != "" {
			out = append(out, piece)
		}
	}
	if len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// cutText cuts text into pieces of at most max runes that join back to
// exactly text, cutting after a newline or space where it can.
func cutText(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		cut := string([]rune(text)[:max])
		i := strings.LastIndexByte(cut, '\n') + 1
		if i < len(cut)/2 {
			i = strings.LastIndexByte(cut, ' ') + 1
		}
		if i < len(cut)/2 {
			i = len(cut)
		}
		out = append(out, text[:i])
		text = text[i:]
	}
	return append(out, text)
}

// fits reports whether blocks can go in one message.
func fits(blocks []slack.Block) bool { return len(blocks) <= maxBlocks }

func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

func user(id string) string {
	if id == "" {
		return "incidentbot"
	}
	if strings.HasPrefix(id, "B") {
		return "an integration (" + id + ")" // bot ids cannot be mentioned
	}
	return "<@" + id + ">"
}

var severityEmoji = map[incident.Severity]string{
	incident.P1: ":red_circle:", incident.P2: ":large_orange_circle:",
	incident.P3: ":large_yellow_circle:", incident.P4: ":white_circle:",
}

var statusEmoji = map[incident.Status]string{
	incident.Investigating: ":mag:", incident.Identified: ":bulb:",
	incident.Monitoring: ":eyes:", incident.Resolved: ":white_check_mark:",
}

// headerMessage renders the pinned header.
func headerMessage(inc incident.Incident) Message {
	title := incident.Truncate(fmt.Sprintf("%s: %s", inc.ID(), inc.Title), maxHeaderText)
	fields := []*slack.TextBlockObject{
		mrkdwn(fmt.Sprintf("*Severity*\n%s %s", severityEmoji[inc.Severity], inc.Severity)),
		mrkdwn(fmt.Sprintf("*Status*\n%s %s", statusEmoji[inc.Status], inc.Status)),
	}
	for _, role := range incident.Roles {
		who := "_unassigned_"
		if id := inc.Roles[role]; id != "" {
			who = user(id)
		}
		fields = append(fields, mrkdwn(fmt.Sprintf("*%s*\n%s", role.Title(), who)))
	}
	fields = append(fields,
		mrkdwn(fmt.Sprintf("*Declared*\n%s by %s", when(inc.DeclaredAt), user(inc.DeclaredBy))))
	if !inc.ResolvedAt.IsZero() {
		fields = append(fields, mrkdwn(fmt.Sprintf("*Resolved*\n%s after %s", when(inc.ResolvedAt), incident.FormatDuration(inc.Duration(inc.ResolvedAt)))))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(title)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if inc.Description != "" {
		blocks = append(blocks, section(incident.Truncate(escape(inc.Description), maxSectionText)))
	}
	if inc.ExternalURL != "" {
		blocks = append(blocks, contextBlock(fmt.Sprintf(":pager: <%s|Paging-system incident %s>", inc.ExternalURL, inc.ExternalID)))
	}
	if len(inc.Runbooks) > 0 {
		var b strings.Builder
		b.WriteString(":books: *Suggested runbooks* (`/incident runbook <keywords>` for more)")
		for _, rb := range inc.Runbooks {
			b.WriteString("\n• " + escape(rb))
		}
		blocks = append(blocks, section(incident.Truncate(b.String(), maxSectionText)))
	}
	blocks = append(blocks, contextBlock("Everything said here is recorded on the timeline. React with :pushpin: to mark a key event. `/incident help` for commands."))
	return Message{Text: incident.Truncate(fmt.Sprintf("%s %s [%s, %s]", inc.ID(), inc.Title, inc.Severity, inc.Status), maxFallback), Blocks: blocks}
}

func announceDeclared(inc incident.Incident) Message {
	text := fmt.Sprintf("%s *%s declared* (%s): %s\nJoin <#%s> · declared by %s",
		severityEmoji[inc.Severity], inc.ID(), inc.Severity, escape(inc.Title), inc.ChannelID, user(inc.DeclaredBy))
	return Message{Text: incident.Truncate(text, maxFallback), Blocks: []slack.Block{section(incident.Truncate(text, maxSectionText))}}
}

// textMessage is a message with one or more sections of mrkdwn.
func textMessage(text string) Message {
	return Message{Text: incident.Truncate(text, maxFallback), Blocks: sections(text)}
}
