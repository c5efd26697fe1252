package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// inlineTimelineMax is the most entries shown inline before the timeline is
// uploaded as a file instead: past it, a message is unreadable anyway.
const inlineTimelineMax = 40

var markEmoji = map[incident.Mark]string{
	incident.MarkKeyEvent: ":pushpin:", incident.MarkHypothesis: ":bulb:",
	incident.MarkAction: ":white_check_mark:", incident.MarkImpact: ":rotating_light:",
	incident.MarkDecision: ":rewind:",
}

// incidentEvents returns the incident of channelID and its whole log.
func (h *Handler) incidentEvents(ctx context.Context, channelID string) (incident.Incident, []incident.Event, error) {
	inc, err := h.incidentFor(ctx, channelID)
	if err != nil {
		return inc, nil, err
	}
	events, err := h.store.Events(ctx, inc.Number)
	if err != nil {
		return inc, nil, fmt.Errorf("load events of %s: %w", inc.ID(), err)
	}
	return inc, events, nil
}

func (h *Handler) timelineCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := h.incidentEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	entries := incident.Fold(events)
	text := TimelineMrkdwn(inc, entries)
	blocks := sections(text)
	if len(entries) <= inlineTimelineMax && fits(blocks) {
		h.reply(ctx, r, Message{Text: incident.Truncate(text, maxFallback), Blocks: blocks})
		return nil
	}
	md := h.TimelineMarkdown(ctx, inc, entries)
	name := fmt.Sprintf("%s-timeline.md", inc.ID())
	if err := h.slack.Upload(ctx, inc.ChannelID, name, inc.ID()+" timeline", md); err != nil {
		return fmt.Errorf("upload timeline of %s: %w", inc.ID(), err)
	}
	h.reply(ctx, r, Message{Text: fmt.Sprintf("The timeline has %d entries, so I've shared it in the channel as `%s`.", len(entries), name)})
	return nil
}

// timeFormat shows dates only when the incident spans more than one day.
func timeFormat(entries []incident.Entry) string {
	if len(entries) > 1 && entries[0].At.UTC().YearDay() != entries[len(entries)-1].At.UTC().YearDay() {
		return "Jan 02 15:04"
	}
	return "15:04"
}

// TimelineMrkdwn renders the timeline for Slack.
func TimelineMrkdwn(inc incident.Incident, entries []incident.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s timeline* — %s (%s, %s)\n", inc.ID(), escape(inc.Title), inc.Severity, inc.Status)
	if len(entries) == 0 {
		b.WriteString("_Nothing recorded yet._")
		return b.String()
	}
	layout := timeFormat(entries)
	for _, e := range entries {
		b.WriteString(entryLine(e, layout, true, user))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// TimelineMarkdown renders the timeline as a Markdown document, with user IDs
// resolved to names where Slack knows them.
func (h *Handler) TimelineMarkdown(ctx context.Context, inc incident.Incident, entries []incident.Entry) string {
	names := map[string]string{}
	name := func(id string) string {
		if id == "" {
			return "incidentbot"
		}
		if n, ok := names[id]; ok {
			return n
		}
		n, err := h.slack.UserName(ctx, id)
		if err != nil || n == "" {
			n = id
		}
		names[id] = "@" + n
		return names[id]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s timeline: %s\n\n", inc.ID(), inc.Title)
	fmt.Fprintf(&b, "- Severity: %s\n- Status: %s\n- Declared: %s by %s\n", inc.Severity, inc.Status,
		inc.DeclaredAt.UTC().Format(time.RFC3339), name(inc.DeclaredBy))
	if !inc.ResolvedAt.IsZero() {
		fmt.Fprintf(&b, "- Resolved: %s (after %s)\n", inc.ResolvedAt.UTC().Format(time.RFC3339), incident.FormatDuration(inc.Duration(inc.ResolvedAt)))
	}
	b.WriteString("\nTimes are UTC. `[E12]` is the event's number on the log.\n\n")
	layout := timeFormat(entries)
	for _, e := range entries {
		b.WriteString("- ")
		b.WriteString(entryLine(e, layout, false, name))
		b.WriteByte('\n')
	}
	return b.String()
}

// entryLine renders one entry. slackFmt picks Slack mrkdwn over Markdown.
func entryLine(e incident.Entry, layout string, slackFmt bool, who func(string) string) string {
	var b strings.Builder
	ts := e.At.UTC().Format(layout)
	if slackFmt {
		fmt.Fprintf(&b, "`%s` ", ts)
	} else {
		fmt.Fprintf(&b, "**%s** `%s` ", ts, e.Ref())
	}
	if e.ThreadTS != "" {
		b.WriteString("↳ ")
	}
	if e.Kind != incident.KindMessage {
		fmt.Fprintf(&b, ":gear: %s", e.Describe())
		if e.Actor != "" {
			fmt.Fprintf(&b, " (%s)", who(e.Actor))
		}
		return b.String()
	}
	text := strings.ReplaceAll(strings.TrimSpace(e.Text), "\n", " ")
	if slackFmt {
		text = safe(text)
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

func (h *Handler) listCommand(ctx context.Context, _ SlashCommand, _ string, r Responder) error {
	active, err := h.store.Active(ctx)
	if err != nil {
		return fmt.Errorf("list active incidents: %w", err)
	}
	if len(active) == 0 {
		h.reply(ctx, r, Message{Text: ":sunny: No active incidents. `/incident declare P2 <title>` starts one."})
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d active incident(s)*\n", len(active))
	now := h.now()
	for _, inc := range active {
		fmt.Fprintf(&b, "%s *%s* %s — %s · %s · for %s · <#%s>\n", severityEmoji[inc.Severity], inc.ID(),
			escape(inc.Title), inc.Severity, inc.Status, incident.FormatDuration(inc.Duration(now)), inc.ChannelID)
	}
	h.reply(ctx, r, textMessage(strings.TrimRight(b.String(), "\n")))
	return nil
}
