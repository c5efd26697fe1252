package handlers

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// change applies f to the incident of channelID under the incident's lock:
// reload, f, record the events f returns, save. Slack calls belong after it
// returns, outside the lock, so a rate-limited Slack never holds it.
func (h *Handler) change(ctx context.Context, channelID string, f func(inc *incident.Incident) ([]incident.Event, error)) (before, after incident.Incident, err error) {
	inc, err := h.incidentFor(ctx, channelID)
	if err != nil {
		return inc, inc, err
	}
	return h.changeIncident(ctx, inc.Number, f)
}

// changeIncident is change for incident n.
func (h *Handler) changeIncident(ctx context.Context, n int64, f func(inc *incident.Incident) ([]incident.Event, error)) (before, after incident.Incident, err error) {
	err = h.withIncident(ctx, n, func() error {
		cur, err := h.store.Incident(ctx, n)
		if err != nil {
			return fmt.Errorf("reload incident %d: %w", n, err)
		}
		before = cur
		before.Roles = maps.Clone(cur.Roles)
		events, err := f(&cur)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if _, err := h.record(ctx, cur.Number, ev); err != nil {
				return err
			}
		}
		if err := h.store.SaveIncident(ctx, cur); err != nil {
			return fmt.Errorf("save incident %d: %w", cur.Number, err)
		}
		after = cur
		return nil
	})
	return before, after, err
}

func (h *Handler) statusCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	to, ok := incident.ParseStatus(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Status must be one of investigating, identified, monitoring or resolved — for example `/incident status identified`.")
	}
	if to == incident.Resolved {
		return h.resolveCommand(ctx, c, "", r)
	}
	before, inc, err := h.change(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
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
	h.post(ctx, inc.ChannelID, fmt.Sprintf("%s Status changed from *%s* to *%s* by %s.", statusEmoji[to], before.Status, to, user(c.UserID)))
	h.refreshHeader(ctx, inc)
	if before.Status == incident.Resolved {
		h.announce(ctx, textMessage(fmt.Sprintf(":arrows_counterclockwise: *%s reopened*: %s — <#%s>", inc.ID(), escape(inc.Title), inc.ChannelID)))
	}
	return nil
}

func (h *Handler) severityCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	to, ok := incident.ParseSeverity(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Severity must be P1, P2, P3 or P4 — for example `/incident severity P2`.")
	}
	before, inc, err := h.change(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
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
	from := before.Severity
	verb := "lowered"
	if to < from {
		verb = "raised"
	}
	h.post(ctx, inc.ChannelID, fmt.Sprintf("%s Severity %s from *%s* to *%s* by %s.", severityEmoji[to], verb, from, to, user(c.UserID)))
	h.refreshHeader(ctx, inc)
	if to < from {
		h.announce(ctx, textMessage(fmt.Sprintf("%s *%s raised to %s*: %s — <#%s>", severityEmoji[to], inc.ID(), to, escape(inc.Title), inc.ChannelID)))
		if inc.Active() && h.pager != nil && h.pager.Pages(to) && !h.pager.Pages(from) {
			h.pageInBackground(ctx, inc, "", c.UserID)
		}
	}
	return nil
}

func (h *Handler) roleCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	fields := strings.Fields(args)
	usage := "Use `/incident role lead|comms|tech|scribe @person`, for example `/incident role comms @ali`."
	if len(fields) != 2 {
		return incident.Errorf(incident.EInvalid, "%s", usage)
	}
	role, ok := incident.ParseRole(fields[0])
	if !ok {
		return incident.Errorf(incident.EInvalid, "I don't know the role `%s`. %s", escape(incident.Truncate(fields[0], 30)), usage)
	}
	who, ok := incident.ParseUserMention(fields[1])
	if !ok {
		return incident.Errorf(incident.EInvalid, "Mention the person with @, so Slack links them. %s", usage)
	}
	_, inc, err := h.change(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if inc.Roles[role] == who {
			return nil, incident.Errorf(incident.ENoop, "%s is already the %s.", user(who), strings.ToLower(role.Title()))
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
	if err := h.slack.Invite(ctx, inc.ChannelID, who); err != nil {
		h.log.Warn("invite role holder", "incident", inc.ID(), "user", who, "err", err)
	}
	h.post(ctx, inc.ChannelID, fmt.Sprintf(":busts_in_silhouette: %s is now the *%s* (set by %s).", user(who), strings.ToLower(role.Title()), user(c.UserID)))
	h.refreshHeader(ctx, inc)
	return nil
}

func (h *Handler) resolveCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	var dur string
	_, inc, err := h.change(ctx, c.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		if !inc.Active() {
			return nil, incident.Errorf(incident.ENoop, "%s is already resolved. To reopen it, `/incident status investigating`.", inc.ID())
		}
		now := h.now()
		dur = incident.FormatDuration(inc.Duration(now))
		events := []incident.Event{
			{Kind: incident.KindStatus, Actor: c.UserID, At: now, Data: map[string]string{"from": string(inc.Status), "to": string(incident.Resolved)}},
			{Kind: incident.KindResolved, Actor: c.UserID, At: now, Data: map[string]string{"duration": dur}},
		}
		inc.Status, inc.ResolvedAt = incident.Resolved, now
		return events, nil
	})
	if err != nil {
		return err
	}
	h.post(ctx, inc.ChannelID, fmt.Sprintf(":white_check_mark: *%s resolved* by %s after %s. Next: `/incident postmortem` drafts the postmortem from this timeline.", inc.ID(), user(c.UserID), dur))
	h.refreshHeader(ctx, inc)
	h.announce(ctx, textMessage(fmt.Sprintf(":white_check_mark: *%s resolved* after %s: %s — <#%s>", inc.ID(), dur, escape(inc.Title), inc.ChannelID)))
	h.resolvePages(ctx, inc, c.UserID)
	return nil
}

// post sends a line to a channel, logging failures: the event is already on
// the log, so a failed post loses nothing.
func (h *Handler) post(ctx context.Context, channelID, text string) {
	if _, err := h.slack.Post(ctx, channelID, textMessage(text)); err != nil {
		h.log.Warn("post", "channel", channelID, "err", err)
	}
}
