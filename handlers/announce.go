package handlers

import (
	"context"
	"log/slog"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Announcer is the one room that writes to the announce channel: what
// stakeholders read there is decided here, in their words (names, not
// mentions).
type Announcer struct {
	channel string // "" disables announcements
	// privateChannel hears only that a private incident was declared: its
	// number and lead, nothing more. "" tells no one.
	privateChannel string
	slack          Poster
	names          Names
	log            *slog.Logger
}

// Changed announces declarations, severity raises, resolutions and
// reopenings.
func (a *Announcer) Changed(ctx context.Context, c Change) {
	inc := c.After
	if inc.Private {
		if c.Trigger == Declared {
			a.announcePrivate(ctx, inc)
		}
		return
	}
	switch c.Trigger {
	case Declared:
		by := ""
		if inc.DeclaredBy != "" {
			by = a.names.Of(ctx, inc.DeclaredBy)
		}
		a.Announce(ctx, inc, slackui.AnnounceDeclared(inc, by))
	case SeverityChanged:
		if inc.Severity < c.Before.Severity {
			a.Announce(ctx, inc, slackui.AnnounceRaised(inc))
		}
	case Resolved:
		a.Announce(ctx, inc, slackui.AnnounceResolved(inc, incident.FormatDuration(inc.Duration(inc.ResolvedAt))))
	case Reopened:
		a.Announce(ctx, inc, slackui.AnnounceReopened(inc))
	}
}

// announcePrivate tells the private announce channel that a private
// incident exists and who leads it, so someone can be asked to join it.
func (a *Announcer) announcePrivate(ctx context.Context, inc incident.Incident) {
	if a.privateChannel == "" {
		return
	}
	lead := ""
	if id := inc.Roles[incident.Lead]; id != "" {
		lead = a.names.Of(ctx, id)
	}
	if _, err := a.slack.Post(ctx, a.privateChannel, slackui.AnnouncePrivate(inc, lead)); err != nil {
		a.log.Warn("announce private incident", "incident", inc.ID(), "channel", a.privateChannel, "err", err)
	}
}

// Announce posts msg about inc to the announce channel. Nothing about a
// private incident is ever announced there.
func (a *Announcer) Announce(ctx context.Context, inc incident.Incident, msg Message) {
	if a.channel == "" || inc.Private {
		return
	}
	if _, err := a.slack.Post(ctx, a.channel, msg); err != nil {
		a.log.Warn("announce", "incident", inc.ID(), "channel", a.channel, "err", err)
	}
}
