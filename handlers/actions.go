package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Postmortem action items: listed with a Done button, each change an event.

func init() {
	register("actions", subcommand{usage: "actions", summary: "list postmortem action items",
		run: (*Handler).actionsCommand})
}

func (h *Handler) actionsCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := h.incidentEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	items := incident.ActionItems(events)
	if len(items) == 0 {
		h.reply(ctx, r, Message{Text: fmt.Sprintf("%s has no action items yet. They come from the approved postmortem (`/incident postmortem`).", inc.ID())})
		return nil
	}
	h.reply(ctx, r, actionsMessage(inc, items))
	return nil
}

func actionsMessage(inc incident.Incident, items []incident.ActionItem) Message {
	blocks := []slack.Block{section(fmt.Sprintf("*Action items for %s*", inc.ID()))}
	for _, it := range items {
		if len(blocks) >= maxBlocks-1 {
			blocks = append(blocks, contextBlock("…more items than fit here; see the postmortem file."))
			break
		}
		line := fmt.Sprintf("%s %s", map[bool]string{true: ":white_check_mark:", false: ":white_large_square:"}[it.Done], safe(it.Text))
		if it.Owner != "" {
			line += " — owner " + ownerText(it.Owner)
		}
		if !it.Due.IsZero() {
			line += " — due " + it.Due.Format("2006-01-02")
		}
		sec := section(incident.Truncate(line, maxSectionText))
		label, value := "Done", fmt.Sprintf("%d:%s:done", inc.Number, it.ID)
		if it.Done {
			label, value = "Reopen", fmt.Sprintf("%d:%s:reopen", inc.Number, it.ID)
		}
		sec.Accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActionItemDone, value, plain(label)))
		blocks = append(blocks, sec)
	}
	return Message{Text: fmt.Sprintf("Action items for %s", inc.ID()), Blocks: blocks}
}

func ownerText(owner string) string {
	if strings.HasPrefix(owner, "U") && !strings.ContainsAny(owner, " ") {
		return user(owner)
	}
	return owner
}

func (h *Handler) actionDone(ctx context.Context, a BlockAction, r Responder) error {
	parts := strings.SplitN(a.Value, ":", 3)
	if len(parts) != 3 {
		return incident.Errorf(incident.EInvalid, "That button is out of date. Run `/incident actions` again.")
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return incident.Errorf(incident.EInvalid, "That button is out of date. Run `/incident actions` again.")
	}
	inc, err := h.store.Incident(ctx, n)
	if err != nil {
		return fmt.Errorf("load incident %d: %w", n, err)
	}
	op := incident.ActionDone
	if parts[2] == "reopen" {
		op = incident.ActionReopen
	}
	events, err := h.store.Events(ctx, n)
	if err != nil {
		return fmt.Errorf("load events of %s: %w", inc.ID(), err)
	}
	var item *incident.ActionItem
	for _, it := range incident.ActionItems(events) {
		if it.ID == parts[1] {
			item = &it
			break
		}
	}
	if item == nil {
		return incident.Errorf(incident.ENotFound, "I can't find that action item any more.")
	}
	if _, err := h.record(ctx, n, incident.ActionItemEvent(op, *item, a.UserID, h.now())); err != nil {
		return err
	}
	verb := "done"
	if op == incident.ActionReopen {
		verb = "reopened"
	}
	h.post(ctx, inc.ChannelID, fmt.Sprintf(":clipboard: %s marked action item “%s” %s.", user(a.UserID), incident.Truncate(item.Text, 200), verb))
	events, err = h.store.Events(ctx, n)
	if err == nil {
		h.reply(ctx, r, actionsMessage(inc, incident.ActionItems(events)))
	}
	return nil
}
