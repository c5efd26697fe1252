package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// inlineTimelineMax is the most entries shown inline before the timeline is
// uploaded as a file instead: past it, a message is unreadable anyway.
const inlineTimelineMax = 40

// ActiveLister lists the incidents that are not resolved, oldest first.
type ActiveLister interface {
	Active(ctx context.Context) ([]incident.Incident, error)
}

// Timeline shows an incident's timeline and lists active incidents.
type Timeline struct {
	incidents *Incidents
	store     ActiveLister
	slack     Uploader
	names     Names
	location  *time.Location
	replies
}

func (t *Timeline) show(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := t.incidents.WithEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	entries := incident.Fold(events)
	msg := slackui.Text(slackui.Timeline(inc, entries))
	if len(entries) <= inlineTimelineMax && len(msg.Blocks) <= slackui.MaxBlocks {
		t.send(ctx, r, msg)
		return nil
	}
	md := slackui.TimelineFile(inc, entries, t.names.Func(ctx), t.location)
	name := fmt.Sprintf("%s-timeline.md", inc.ID())
	if err := t.slack.Upload(ctx, inc.ChannelID, name, inc.ID()+" timeline", md); err != nil {
		return fmt.Errorf("upload timeline of %s: %w", inc.ID(), err)
	}
	t.send(ctx, r, slackui.Plain(fmt.Sprintf("The timeline has %d entries, so I've shared it in the channel as `%s`.", len(entries), name)))
	return nil
}

func (t *Timeline) list(ctx context.Context, _ SlashCommand, _ string, r Responder) error {
	active, err := t.store.Active(ctx)
	if err != nil {
		return fmt.Errorf("list active incidents: %w", err)
	}
	t.send(ctx, r, slackui.Active(active, t.incidents.now()))
	return nil
}
