package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Inviter adds people to channels.
type Inviter interface {
	Invite(ctx context.Context, channelID string, userIDs ...string) error
}

// Lifecycle changes an incident's status, severity and roles, and
// resolves it. Each change is recorded, told in the channel, shown in the
// header, and then passed to the listeners.
type Lifecycle struct {
	incidents *Incidents
	slack     Inviter
	headers   Headers
	listeners Listener
	log       *slog.Logger
}

func (l *Lifecycle) status(ctx context.Context, c SlashCommand, args string, r Responder) error {
	to, ok := incident.ParseStatus(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Status must be one of investigating, identified, monitoring or resolved — for example `/incident status identified`.")
	}
	if to == incident.Resolved {
		return l.resolve(ctx, c, "", r)
	}
	changed, err := l.incidents.ChangeLogged(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if err := incident.CanTransition(inc.Status, to); err != nil {
			return nil, err
		}
		ev := incident.Event{Kind: incident.KindStatus, Actor: c.UserID,
			Data: map[string]string{"from": string(inc.Status), "to": string(to)}}
		if inc.Status == incident.Resolved {
			inc.ResolvedAt = time.Time{}
		}
		inc.Status = to
		return []incident.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	before, inc := changed.Before, changed.After
	l.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf("%s Status changed from *%s* to *%s* by %s.", slackui.StatusEmoji[to], before.Status, to, slackui.Mention(c.UserID)))
	l.headers.Refresh(ctx, inc)
	trigger := StatusChanged
	if before.Status == incident.Resolved {
		trigger = Reopened
	}
	l.listeners.Changed(ctx, changedBy(trigger, changed, c.UserID))
	return nil
}

func (l *Lifecycle) severity(ctx context.Context, c SlashCommand, args string, _ Responder) error {
	to, ok := incident.ParseSeverity(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Severity must be P1, P2, P3 or P4 — for example `/incident severity P2`.")
	}
	changed, err := l.incidents.ChangeLogged(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if inc.Severity == to {
			return nil, incident.Errorf(incident.ENoop, "The incident is already %s.", to)
		}
		ev := incident.Event{Kind: incident.KindSeverity, Actor: c.UserID,
			Data: map[string]string{"from": inc.Severity.String(), "to": to.String()}}
		inc.Severity = to
		return []incident.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	before, inc := changed.Before, changed.After
	verb := "lowered"
	if to < before.Severity {
		verb = "raised"
	}
	l.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf("%s Severity %s from *%s* to *%s* by %s.", slackui.SeverityEmoji[to], verb, before.Severity, to, slackui.Mention(c.UserID)))
	l.headers.Refresh(ctx, inc)
	l.listeners.Changed(ctx, changedBy(SeverityChanged, changed, c.UserID))
	return nil
}

func (l *Lifecycle) role(ctx context.Context, c SlashCommand, args string, _ Responder) error {
	fields := strings.Fields(args)
	usage := "Use `/incident role lead|comms|tech|scribe @person`, for example `/incident role comms @ali`."
	if len(fields) != 2 {
		return incident.Errorf(incident.EInvalid, "%s", usage)
	}
	role, ok := incident.ParseRole(fields[0])
	if !ok {
		return incident.Errorf(incident.EInvalid, "I don't know the role `%s`. %s", slackui.Escape(incident.Truncate(fields[0], 30)), usage)
	}
	who, ok := incident.ParseUserMention(fields[1])
	if !ok {
		return incident.Errorf(incident.EInvalid, "Mention the person with @, so Slack links them. %s", usage)
	}
	changed, err := l.incidents.ChangeLogged(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if inc.Roles[role] == who {
			return nil, incident.Errorf(incident.ENoop, "%s is already the %s.", slackui.Mention(who), strings.ToLower(role.Title()))
		}
		ev := incident.Event{Kind: incident.KindRole, Actor: c.UserID,
			Data: map[string]string{"role": string(role), "user": who, "previous": inc.Roles[role]}}
		if inc.Roles == nil {
			inc.Roles = map[incident.Role]string{}
		}
		inc.Roles[role] = who
		return []incident.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	inc := changed.After
	if err := l.slack.Invite(ctx, inc.ChannelID, who); err != nil {
		l.log.Warn("invite role holder", "incident", inc.ID(), "user", who, "err", err)
	}
	l.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":busts_in_silhouette: %s is now the *%s* (set by %s).", slackui.Mention(who), strings.ToLower(role.Title()), slackui.Mention(c.UserID)))
	l.headers.Refresh(ctx, inc)
	l.listeners.Changed(ctx, changedBy(RoleAssigned, changed, c.UserID))
	return nil
}

func (l *Lifecycle) resolve(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	return l.resolveAs(ctx, c.ChannelID, c.UserID, false, r)
}

// resolveAnyway is the Resolve anyway button of the question resolve asks
// while required checklist items are open; its value is the incident.
func (l *Lifecycle) resolveAnyway(ctx context.Context, a BlockAction, r Responder) error {
	inc, err := l.incidents.ForChannel(ctx, a.ChannelID)
	if err != nil {
		return err
	}
	if strconv.FormatInt(inc.Number, 10) != a.Value {
		return incident.Errorf(incident.EInvalid, "That button belongs to another incident. Run `/incident resolve` again here.")
	}
	return l.resolveAs(ctx, a.ChannelID, a.UserID, true, r)
}

// errAskFirst stops a resolution to ask about open required items.
var errAskFirst = errors.New("resolve: required checklist items are open")

// resolveAs resolves the incident of channelID for by. While required
// checklist items are open it asks by privately instead, unless skipOpen:
// then each open item is recorded as skipped, by them, before resolving.
func (l *Lifecycle) resolveAs(ctx context.Context, channelID, by string, skipOpen bool, r Responder) error {
	var dur string
	var open []slackui.OpenItem
	var asked incident.Incident
	changed, err := l.incidents.ChangeLogged(ctx, channelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if !inc.Active() {
			return nil, incident.Errorf(incident.ENoop, "%s is already resolved. To reopen it, `/incident status investigating`.", inc.ID())
		}
		log, err := l.incidents.Events(ctx, *inc)
		if err != nil {
			return nil, err
		}
		if open = openRequired(log); len(open) > 0 && !skipOpen {
			asked = *inc
			return nil, errAskFirst
		}
		now := l.incidents.now()
		dur = incident.FormatDuration(inc.Duration(now))
		// The status event comes first: it names the change for listeners.
		events := append([]incident.Event{
			{Kind: incident.KindStatus, Actor: by, At: now, Data: map[string]string{"from": string(inc.Status), "to": string(incident.Resolved)}},
			{Kind: incident.KindResolved, Actor: by, At: now, Data: map[string]string{"duration": dur}},
		}, skipEvents(open, by, now)...)
		inc.Status, inc.ResolvedAt = incident.Resolved, now
		return events, nil
	})
	if errors.Is(err, errAskFirst) {
		if r == nil {
			return incident.Errorf(incident.EConflict, "%s has required checklist items open: tick them, or run `/incident resolve` to resolve anyway.", asked.ID())
		}
		return r.Reply(ctx, slackui.ResolveConfirm(asked, open))
	}
	if err != nil {
		return err
	}
	inc := changed.After
	l.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":white_check_mark: *%s resolved* by %s after %s. Next: `/incident postmortem` drafts the postmortem from this timeline.", inc.ID(), slackui.Mention(by), dur)+
		slackui.SkippedOnResolve(open))
	l.headers.Refresh(ctx, inc)
	l.listeners.Changed(ctx, changedBy(Resolved, changed, by))
	return nil
}
