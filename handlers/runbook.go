package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// runbookResults is how many sections /incident runbook shows.
const runbookResults = 3

// shareSep separates the parts of a Share button's value; it cannot occur in
// a query typed in Slack or in a file name.
const shareSep = "\x1f"

func init() {
	register("runbook", subcommand{usage: "runbook <keywords>", summary: "find runbook sections, e.g. `db connections`",
		run: (*Handler).runbookCommand})
}

var errNoRunbooks = incident.Errorf(incident.EUnavailable, "No runbooks are loaded. Set RUNBOOKS_DIR to a folder of Markdown runbooks, or use the built-in starter library.")

func (h *Handler) runbookCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	if h.runbooks == nil {
		return errNoRunbooks
	}
	query := incident.CleanText(args)
	if query == "" {
		return incident.Errorf(incident.EInvalid, "Tell me what to look for, for example `/incident runbook db connections` or `/incident runbook tls expired`.")
	}
	hits := h.runbooks.Search(query, runbookResults)
	if len(hits) == 0 {
		msg := fmt.Sprintf("No runbook section matches “%s”. Try fewer or broader words (a service, a symptom such as `5xx` or `disk full`, a technology such as `postgres` or `dns`).", incident.Truncate(query, 100))
		if cl, ok := h.runbooks.(interface{ Closest(string) []string }); ok {
			if terms := cl.Closest(query); len(terms) > 0 {
				msg += " Closest words I know: " + escape(strings.Join(terms, ", ")) + "."
			}
		}
		msg += " To browse every runbook, run `incidentbot runbooks search <words>` in a terminal or open the runbooks folder."
		h.reply(ctx, r, Message{Text: msg})
		return nil
	}
	_, inIncident, err := h.channelIncident(ctx, c.ChannelID)
	if err != nil {
		return fmt.Errorf("look up channel %s: %w", c.ChannelID, err)
	}
	h.reply(ctx, r, runbookMessage(query, hits, inIncident))
	return nil
}

// runbookMessage renders hits within Block Kit limits; each gets a Share
// button when asked in an incident channel.
func runbookMessage(query string, hits []incident.RunbookHit, share bool) Message {
	blocks := []slack.Block{section(fmt.Sprintf(":books: *Runbooks for “%s”*", incident.Truncate(query, 100)))}
	perHit := (maxBlocks - 2) / max(len(hits), 1)
	for _, hit := range hits {
		blocks = append(blocks, slack.NewDividerBlock(),
			contextBlock(fmt.Sprintf("*%s* · `%s`", escape(hit.Path), escape(hit.File))))
		body := sections(runbookMrkdwn(hit.Text))
		if len(body) > perHit-3 {
			body = body[:max(perHit-3, 1)]
		}
		blocks = append(blocks, body...)
		if share {
			value := incident.Truncate(strings.Join([]string{query, hit.File, hit.Path}, shareSep), 1900)
			blocks = append(blocks, slack.NewActionBlock("", slack.NewButtonBlockElement(ActionShareRunbook, value, plain("Share in channel"))))
		}
	}
	return Message{Text: fmt.Sprintf("Runbooks for %s", query), Blocks: blocks}
}

func (h *Handler) shareRunbook(ctx context.Context, a BlockAction, r Responder) error {
	if h.runbooks == nil {
		return errNoRunbooks
	}
	parts := strings.Split(a.Value, shareSep)
	if len(parts) != 3 {
		return incident.Errorf(incident.EInvalid, "That button is out of date. Search again with `/incident runbook`.")
	}
	query, file, path := parts[0], parts[1], parts[2]
	var hit *incident.RunbookHit
	for _, h := range h.runbooks.Search(query, 20) {
		if h.File == file && h.Path == path {
			hit = &h
			break
		}
	}
	if hit == nil {
		return incident.Errorf(incident.ENotFound, "That runbook section has changed since you searched. Search again with `/incident runbook %s`.", query)
	}
	inc, err := h.incidentFor(ctx, a.ChannelID)
	if err != nil {
		return err
	}
	msg := textMessage(fmt.Sprintf(":books: %s shared *%s* (`%s`)\n%s", user(a.UserID), escape(hit.Path), escape(hit.File), runbookMrkdwn(hit.Text)))
	if !fits(msg.Blocks) {
		msg.Blocks = append(msg.Blocks[:maxBlocks-1], contextBlock("…the section continues in "+hit.File))
	}
	if _, err := h.slack.Post(ctx, inc.ChannelID, msg); err != nil {
		return fmt.Errorf("share runbook in %s: %w", inc.ID(), err)
	}
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindRunbookShared, Actor: a.UserID, Text: hit.Path,
		Data: map[string]string{"file": hit.File, "path": hit.Path, "query": query}})
	return nil
}
