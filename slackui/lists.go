package slackui

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Action ids of buttons outside the draft flow: a public contract.
const (
	ActionItemDone     = "action_done"
	ActionItemExport   = "action_export" // "Open issue" in the tracker
	ActionItemSnooze   = "action_snooze" // "Snooze 1 week" on an overdue reminder
	ActionShareRunbook = "runbook_share"
)

// ShareSep separates the parts of a Share button's value; it cannot occur
// in a query typed in Slack or in a file name.
const ShareSep = "\x1f"

// Help lists the commands, one line each: usage and summary.
func Help(intro string, lines [][2]string) Message {
	var b strings.Builder
	b.WriteString(intro + "\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "• `/incident %s` — %s\n", Escape(l[0]), l[1])
	}
	b.WriteString("React with :pushpin: (key event), :bulb: (hypothesis), :white_check_mark: (action), :rotating_light: (impact) or :rewind: (decision) to mark a message.")
	return Plain(b.String())
}

// Active lists the active incidents.
func Active(active []incident.Incident, now time.Time) Message {
	if len(active) == 0 {
		return Plain(":sunny: No active incidents. `/incident declare P2 <title>` starts one.")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d active incident(s)*\n", len(active))
	for _, inc := range active {
		fmt.Fprintf(&b, "%s *%s* %s — %s · %s%s · for %s · <#%s>\n", SeverityEmoji[inc.Severity], inc.ID(),
			Escape(inc.Title), inc.Severity, inc.Status, listTags(inc), incident.FormatDuration(inc.Duration(now)), inc.ChannelID)
	}
	return Text(strings.TrimRight(b.String(), "\n"))
}

// maxListed is how many incidents a filtered list shows.
const maxListed = 20

// Filtered lists the incidents a filtered /incident list found, in the
// order given; query is the filters as typed, in plain text.
func Filtered(query string, found []incident.Incident, now time.Time) Message {
	if len(found) == 0 {
		return Plain(fmt.Sprintf("No incident matches `%s`. %s", Escape(query), incident.FilterHelp))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d incident(s) matching* `%s`\n", len(found), Escape(query))
	for _, inc := range found[:min(len(found), maxListed)] {
		when := "for " + incident.FormatDuration(inc.Duration(now))
		if !inc.Active() {
			when = fmt.Sprintf("%s, lasted %s", Date(inc.DeclaredAt), incident.FormatDuration(inc.Duration(now)))
		}
		fmt.Fprintf(&b, "%s *%s* %s — %s · %s%s · %s · <#%s>\n", SeverityEmoji[inc.Severity], inc.ID(),
			Escape(inc.Title), inc.Severity, inc.Status, listTags(inc), when, inc.ChannelID)
	}
	if len(found) > maxListed {
		fmt.Fprintf(&b, "…and %d older; add a filter to narrow it down.", len(found)-maxListed)
	}
	return Text(strings.TrimRight(b.String(), "\n"))
}

// listTags shows an incident's services, AI connection and privacy in a
// list line.
func listTags(inc incident.Incident) string {
	var tags []string
	if len(inc.Services) > 0 {
		tags = append(tags, Escape(strings.Join(inc.Services, ", ")))
	}
	if inc.AI != "" && inc.AI != incident.AINone && inc.AI != incident.AIUnknown {
		tags = append(tags, "AI: "+string(inc.AI))
	}
	if inc.Private {
		tags = append(tags, ":lock: private")
	}
	if len(tags) == 0 {
		return ""
	}
	return " · " + strings.Join(tags, " · ")
}

// SearchHit is a past incident that matched a search.
type SearchHit struct {
	Incident   incident.Incident
	Postmortem bool // the words were found in its postmortem
}

// SearchResults lists matching past incidents, best first; more is how
// many matched beyond those shown.
func SearchResults(query string, hits []SearchHit, more int) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "*Past incidents matching “%s”*\n", Escape(query))
	for _, hit := range hits {
		inc := hit.Incident
		fmt.Fprintf(&b, "%s *%s* %s — %s · %s%s · %s · <#%s>", SeverityEmoji[inc.Severity], inc.ID(), Escape(inc.Title),
			inc.Severity, inc.Status, listTags(inc), Date(inc.DeclaredAt), inc.ChannelID)
		if inc.PostmortemID != "" {
			b.WriteString(" · :page_facing_up: postmortem")
			if hit.Postmortem {
				b.WriteString(" (matches)")
			}
		}
		b.WriteByte('\n')
	}
	if more > 0 {
		fmt.Fprintf(&b, "…and %d more; add a word to narrow it down.", more)
	}
	return Text(strings.TrimRight(b.String(), "\n"))
}

// OnCall lists who is on call now.
func OnCall(people []incident.OnCall) Message {
	var b strings.Builder
	b.WriteString("*On call now*\n")
	for _, p := range people {
		name := Escape(p.Name)
		if p.URL != "" {
			name = fmt.Sprintf("<%s|%s>", p.URL, Escape(p.Name))
		}
		via := p.Schedule
		if via == "" {
			via = p.Policy
		}
		fmt.Fprintf(&b, "• level %d: %s", p.Level, name)
		if via != "" {
			fmt.Fprintf(&b, " — %s", Escape(via))
		}
		if !p.Until.IsZero() {
			fmt.Fprintf(&b, " (until %s)", Date(p.Until))
		}
		b.WriteByte('\n')
	}
	return Text(strings.TrimRight(b.String(), "\n"))
}

// ActionItems lists postmortem action items, each with a Done or Reopen
// button.
// ActionItems lists an incident's action items, each with Done (or
// Reopen) and, when a tracker is set up (tracker names it), an Open issue
// button until the item has its issue, whose link it then shows.
func ActionItems(inc incident.Incident, items []incident.ActionItem, tracker string) Message {
	blocks := []slack.Block{section(fmt.Sprintf("*Action items for %s*", inc.ID()))}
	for _, it := range items {
		if len(blocks) >= MaxBlocks-2 {
			blocks = append(blocks, contextBlock("…more items than fit here; see the postmortem file."))
			break
		}
		blocks = append(blocks, section(incident.Truncate(itemLine(it), MaxSectionText)))
		label, value := "Done", fmt.Sprintf("%d:%s:done", inc.Number, it.ID)
		if it.Done {
			label, value = "Reopen", fmt.Sprintf("%d:%s:reopen", inc.Number, it.ID)
		}
		buttons := []slack.BlockElement{slack.NewButtonBlockElement(ActionItemDone, value, plain(label))}
		if tracker != "" && it.Issue.Kind == "" && !it.Done {
			buttons = append(buttons, slack.NewButtonBlockElement(ActionItemExport, fmt.Sprintf("%d:%s", inc.Number, it.ID), plain("Open issue in "+tracker)))
		}
		blocks = append(blocks, slack.NewActionBlock("item_"+it.ID, buttons...))
	}
	return Message{Text: fmt.Sprintf("Action items for %s", inc.ID()), Blocks: blocks}
}

// itemLine is one item: its state, text, owner, due date and issue.
func itemLine(it incident.ActionItem) string {
	mark := ":white_large_square:"
	if it.Done {
		mark = ":white_check_mark:"
	}
	line := mark + " " + Safe(it.Text)
	if it.Owner != "" {
		line += " — owner " + owner(it.Owner)
	}
	if !it.Due.IsZero() {
		line += " — due " + it.Due.Format("2006-01-02")
	}
	if it.Issue.URL != "" {
		line += fmt.Sprintf(" — <%s|%s>", it.Issue.URL, Escape(it.Issue.Key))
	}
	return line
}

// OverdueItem is the owner's daily reminder of an overdue action item.
func OverdueItem(inc incident.Incident, it incident.ActionItem) Message {
	text := fmt.Sprintf(":alarm_clock: An action item from %s (%s) was due %s and is still open:\n%s",
		inc.ID(), Escape(incident.Truncate(inc.Title, 100)), it.Due.Format("2006-01-02"), itemLine(it))
	ref := fmt.Sprintf("%d:%s", inc.Number, it.ID)
	return Message{Text: fmt.Sprintf("Overdue action item from %s: %s", inc.ID(), incident.Truncate(it.Text, 100)), Blocks: []slack.Block{
		section(incident.Truncate(text, MaxSectionText)),
		slack.NewActionBlock("overdue_"+it.ID,
			slack.NewButtonBlockElement(ActionItemDone, ref+":done", plain("Done")),
			slack.NewButtonBlockElement(ActionItemSnooze, ref, plain("Snooze 1 week"))),
		contextBlock(fmt.Sprintf("Discuss it in <#%s>. I remind you once a day until it is done or snoozed.", inc.ChannelID)),
	}}
}

func owner(o string) string {
	if strings.HasPrefix(o, "U") && !strings.ContainsAny(o, " ") {
		return Mention(o)
	}
	return Escape(o)
}

// Runbook renders a runbook section's Markdown for Slack: runbooks are full
// of "<" and "&" in commands, which the converter escapes.
func Runbook(md string) string { return Mrkdwn(md) }

// RunbookHits renders search hits within Block Kit limits; each gets a
// Share button when asked in an incident channel.
func RunbookHits(query string, hits []incident.RunbookHit, share bool) Message {
	blocks := []slack.Block{section(fmt.Sprintf(":books: *Runbooks for “%s”*", Escape(incident.Truncate(query, 100))))}
	perHit := (MaxBlocks - 2) / max(len(hits), 1)
	for _, hit := range hits {
		blocks = append(blocks, slack.NewDividerBlock(),
			contextBlock(fmt.Sprintf("*%s* · `%s`", Escape(hit.Path), Escape(hit.File))))
		body := sections(Runbook(hit.Text))
		if len(body) > perHit-3 {
			body = body[:max(perHit-3, 1)]
		}
		blocks = append(blocks, body...)
		if share {
			value := incident.Truncate(strings.Join([]string{query, hit.File, hit.Path}, ShareSep), 1900)
			blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionShareRunbook, value, plain("Share in channel"))))
		}
	}
	return Message{Text: fmt.Sprintf("Runbooks for %s", query), Blocks: blocks}
}

// SharedRunbook is a runbook section shared in an incident channel.
func SharedRunbook(by string, hit incident.RunbookHit) Message {
	msg := Text(fmt.Sprintf(":books: %s shared *%s* (`%s`)\n%s", Mention(by), Escape(hit.Path), Escape(hit.File), Runbook(hit.Text)))
	msg.Blocks = capBlocks(msg.Blocks, "…the section continues in "+hit.File)
	return msg
}
