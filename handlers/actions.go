package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// ActionItems lists postmortem action items with a Done button each; every
// change is an event.
type ActionItems struct {
	incidents *Incidents
	replies
}

func (a *ActionItems) list(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := a.incidents.WithEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	items := incident.ActionItems(events)
	if len(items) == 0 {
		a.send(ctx, r, slackui.Plain(fmt.Sprintf("%s has no action items yet. They come from the approved postmortem (`/incident postmortem`).", inc.ID())))
		return nil
	}
	a.send(ctx, r, slackui.ActionItems(inc, items))
	return nil
}

var errStaleItem = incident.Errorf(incident.EInvalid, "That button is out of date. Run `/incident actions` again.")

func (a *ActionItems) done(ctx context.Context, b BlockAction, r Responder) error {
	parts := strings.SplitN(b.Value, ":", 3)
	if len(parts) != 3 {
		return errStaleItem
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return errStaleItem
	}
	inc, err := a.incidents.Get(ctx, n)
	if err != nil {
		return err
	}
	op := incident.ActionDone
	if parts[2] == "reopen" {
		op = incident.ActionReopen
	}
	events, err := a.incidents.Events(ctx, inc)
	if err != nil {
		return err
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
	if _, err := a.incidents.Record(ctx, n, incident.ActionItemEvent(op, *item, b.UserID, a.incidents.now())); err != nil {
		return err
	}
	verb := "done"
	if op == incident.ActionReopen {
		verb = "reopened"
	}
	a.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":clipboard: %s marked action item “%s” %s.", slackui.Mention(b.UserID), slackui.Escape(incident.Truncate(item.Text, 200)), verb))
	if events, err := a.incidents.Events(ctx, inc); err == nil {
		a.send(ctx, r, slackui.ActionItems(inc, incident.ActionItems(events)))
	}
	return nil
}
