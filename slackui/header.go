package slackui

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// SeverityEmoji is the colour dot shown beside each severity.
var SeverityEmoji = map[incident.Severity]string{
	incident.P1: ":red_circle:", incident.P2: ":large_orange_circle:",
	incident.P3: ":large_yellow_circle:", incident.P4: ":white_circle:",
}

// StatusEmoji is the emoji shown beside each status.
var StatusEmoji = map[incident.Status]string{
	incident.Investigating: ":mag:", incident.Identified: ":bulb:",
	incident.Monitoring: ":eyes:", incident.Resolved: ":white_check_mark:",
}

// Header renders the pinned header of an incident channel. People are
// mentioned: this is their incident's own channel.
func Header(inc incident.Incident, info HeaderInfo) Message {
	title := incident.Truncate(fmt.Sprintf("%s: %s", inc.ID(), inc.Title), maxHeaderText)
	fields := []*slack.TextBlockObject{
		mrkdwn(fmt.Sprintf("*Severity*\n%s %s", SeverityEmoji[inc.Severity], inc.Severity)),
		mrkdwn(fmt.Sprintf("*Status*\n%s %s", StatusEmoji[inc.Status], inc.Status)),
	}
	for _, role := range incident.Roles {
		who := "_unassigned_"
		if id := inc.Roles[role]; id != "" {
			who = Mention(id)
		}
		fields = append(fields, mrkdwn(fmt.Sprintf("*%s*\n%s", role.Title(), who)))
	}
	fields = append(fields,
		mrkdwn(fmt.Sprintf("*Declared*\n%s by %s", Date(inc.DeclaredAt), Mention(inc.DeclaredBy))))
	if !inc.ResolvedAt.IsZero() {
		fields = append(fields, mrkdwn(fmt.Sprintf("*Resolved*\n%s after %s", Date(inc.ResolvedAt), incident.FormatDuration(inc.Duration(inc.ResolvedAt)))))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(title)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if inc.Description != "" {
		blocks = append(blocks, section(incident.Truncate(Escape(inc.Description), MaxSectionText)))
	}
	blocks = append(blocks, recordBlocks(inc, info)...)
	if inc.ExternalURL != "" {
		blocks = append(blocks, contextBlock(fmt.Sprintf(":pager: <%s|Paging-system incident %s>", inc.ExternalURL, Escape(inc.ExternalID))))
	}
	if len(inc.Links) > 0 {
		links := make([]string, len(inc.Links))
		for i, l := range inc.Links {
			links[i] = fmt.Sprintf("<%s|%s>", l.URL, Escape(l.Name))
		}
		blocks = append(blocks, contextBlock(":link: "+strings.Join(links, " · ")))
	}
	if len(inc.Runbooks) > 0 {
		var b strings.Builder
		b.WriteString(":books: *Suggested runbooks* (`/incident runbook <keywords>` for more)")
		for _, rb := range inc.Runbooks {
			b.WriteString("\n• " + Escape(rb))
		}
		blocks = append(blocks, section(incident.Truncate(b.String(), MaxSectionText)))
	}
	blocks = append(blocks, headerActions(inc)...)
	blocks = append(blocks, contextBlock("Everything said here is recorded on the timeline. React with :pushpin: to mark a key event. `/incident help` for commands."))
	return Message{Text: incident.Truncate(fmt.Sprintf("%s %s [%s, %s]", inc.ID(), inc.Title, inc.Severity, inc.Status), maxFallback), Blocks: blocks}
}

// Topic is the incident channel's topic.
func Topic(inc incident.Incident) string {
	return incident.Truncate(fmt.Sprintf("%s · %s · %s · %s", inc.ID(), inc.Severity, inc.Status, inc.Title), 250)
}

// The announce channel is read by stakeholders: people are named, never
// mentioned, so an announcement pings nobody.

// AnnounceDeclared is the announcement of a new incident; declaredBy is the
// declarer's display name ("" when the paging system opened it).
func AnnounceDeclared(inc incident.Incident, declaredBy string) Message {
	by := ""
	if declaredBy != "" {
		by = " · declared by " + Escape(declaredBy)
	}
	what := inc.Severity.String()
	if len(inc.Services) > 0 {
		what += " · " + Escape(strings.Join(inc.Services, ", "))
	}
	return Text(fmt.Sprintf("%s *%s declared* (%s): %s\nJoin <#%s>%s",
		SeverityEmoji[inc.Severity], inc.ID(), what, Escape(inc.Title), inc.ChannelID, by))
}

// AnnouncePrivate is the one line a private incident gets outside its
// channel: the number and the lead, so people know whom to ask.
func AnnouncePrivate(inc incident.Incident, lead string) Message {
	who := "no lead yet"
	if lead != "" {
		who = "lead: " + Escape(lead)
	}
	return Text(fmt.Sprintf(":lock: *%s* (private incident) declared · %s", inc.ID(), who))
}

// AnnounceReopened is the announcement of a reopened incident.
func AnnounceReopened(inc incident.Incident) Message {
	return Text(fmt.Sprintf(":arrows_counterclockwise: *%s reopened*: %s — <#%s>", inc.ID(), Escape(inc.Title), inc.ChannelID))
}

// AnnounceRaised is the announcement of a severity raise.
func AnnounceRaised(inc incident.Incident) Message {
	return Text(fmt.Sprintf("%s *%s raised to %s*: %s — <#%s>", SeverityEmoji[inc.Severity], inc.ID(), inc.Severity, Escape(inc.Title), inc.ChannelID))
}

// AnnounceResolved is the announcement of a resolution.
func AnnounceResolved(inc incident.Incident, duration string) Message {
	return Text(fmt.Sprintf(":white_check_mark: *%s resolved* after %s: %s — <#%s>", inc.ID(), duration, Escape(inc.Title), inc.ChannelID))
}

// AnnouncePostmortem is the announcement of a published postmortem.
func AnnouncePostmortem(inc incident.Incident) Message {
	return Text(fmt.Sprintf(":page_facing_up: The postmortem for *%s* (%s) is published in <#%s>.", inc.ID(), Escape(inc.Title), inc.ChannelID))
}

// StatusUpdate is an approved status update as published; text is the
// draft's approved text in Markdown. inChannel adds nothing: the same
// words go to the channel and, with a link to it, to the announce channel.
func StatusUpdate(inc incident.Incident, text string, link bool) Message {
	body := fmt.Sprintf(":mega: *Status update — %s* (%s, %s)\n%s", inc.ID(), inc.Severity, inc.Status, Safe(Mrkdwn(text)))
	if link {
		body += fmt.Sprintf("\n<#%s>", inc.ChannelID)
	}
	return Text(body)
}
