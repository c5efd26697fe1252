package handlers

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	store     interface {
		ActiveLister
		RecentLister
	}
	slack      Uploader
	names      Names
	visibility Visibility
	catalog    Catalog
	location   *time.Location
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

// list shows the active incidents, or with a date or status filter the
// recent ones, that the person may see.
func (t *Timeline) list(ctx context.Context, c SlashCommand, args string, r Responder) error {
	now := t.incidents.now()
	f, words, err := incident.ParseFilter(slackui.PlainText(args), t.catalog.Services(), now, t.location)
	if err != nil {
		return err
	}
	if len(words) > 0 {
		return incident.Errorf(incident.EInvalid, "`/incident list` takes filters only; to look for words use `/incident search %s`. %s",
			slackui.Escape(incident.Truncate(strings.Join(words, " "), 60)), incident.FilterHelp)
	}
	var found []incident.Incident
	if f.Historical() {
		found, err = t.store.Recent(ctx, searchScope)
	} else {
		found, err = t.store.Active(ctx)
	}
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	shown := found[:0]
	for _, inc := range found {
		if f.Match(inc) && t.visibility.Visible(ctx, inc, c.UserID) {
			shown = append(shown, inc)
		}
	}
	if f.Empty() {
		t.send(ctx, r, slackui.Active(shown, now))
		return nil
	}
	slices.SortFunc(shown, func(a, b incident.Incident) int { return cmp.Compare(b.Number, a.Number) })
	t.send(ctx, r, slackui.Filtered(slackui.PlainText(args), shown, now))
	return nil
}

// MemberChecker tells whether someone is in a channel.
type MemberChecker interface {
	IsMember(ctx context.Context, channelID, userID string) (bool, error)
}

// Visibility decides who sees a private incident outside its channel:
// only the members of its channel.
type Visibility struct {
	slack MemberChecker
	log   *slog.Logger
}

// Visible reports whether userID may see inc in a list or search. When
// Slack cannot say, the answer is no: a private incident must not leak.
func (v Visibility) Visible(ctx context.Context, inc incident.Incident, userID string) bool {
	if !inc.Private {
		return true
	}
	ok, err := v.slack.IsMember(ctx, inc.ChannelID, userID)
	if err != nil {
		v.log.Warn("check membership of private incident", "incident", inc.ID(), "user", userID, "err", err)
		return false
	}
	return ok
}
