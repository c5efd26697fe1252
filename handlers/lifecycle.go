package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

func (h *Handler) statusCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	to, ok := incident.ParseStatus(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Status must be one of investigating, identified, monitoring or resolved — for example `/incident status identified`.")
	}
	if to == incident.Resolved {
		return h.resolveCommand(ctx, c, "", r)
	}
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	return h.withIncident(ctx, inc.Number, func() error {
		inc, err := h.store.Incident(ctx, inc.Number)
		if err != nil {
			return fmt.Errorf("reload incident: %w", err)
		}
		if err := incident.CanTransition(inc.Status, to); err != nil {
			return err
		}
		from := inc.Status
		if _, err := h.record(ctx, inc.Number, incident.Event{Kind: incident.KindStatus, Actor: c.UserID,
			Data: map[string]string{"from": string(from), "to": string(to)}}); err != nil {
			return err
		}
		inc.Status = to
		if from == incident.Resolved {
			inc.ResolvedAt = time.Time{}
		}
		if err := h.store.SaveIncident(ctx, inc); err != nil {
			return fmt.Errorf("save incident %d: %w", inc.Number, err)
		}
		h.post(ctx, inc.ChannelID, fmt.Sprintf("%s Status changed from *%s* to *%s* by %s.", statusEmoji[to], from, to, user(c.UserID)))
		h.refreshHeader(ctx, inc)
		if from == incident.Resolved {
			h.announce(ctx, textMessage(fmt.Sprintf(":arrows_counterclockwise: *%s reopened*: %s — <#%s>", inc.ID(), escape(inc.Title), inc.ChannelID)))
		}
		return nil
	})
}

func (h *Handler) severityCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	to, ok := incident.ParseSeverity(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Severity must be P1, P2, P3 or P4 — for example `/incident severity P2`.")
	}
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	return h.withIncident(ctx, inc.Number, func() error {
		inc, err := h.store.Incident(ctx, inc.Number)
		if err != nil {
			return fmt.Errorf("reload incident: %w", err)
		}
		if inc.Severity == to {
			return incident.Errorf(incident.ENoop, "The incident is already %s.", to)
		}
		from := inc.Severity
		if _, err := h.record(ctx, inc.Number, incident.Event{Kind: incident.KindSeverity, Actor: c.UserID,
			Data: map[string]string{"from": from.String(), "to": to.String()}}); err != nil {
			return err
		}
		inc.Severity = to
		if err := h.store.SaveIncident(ctx, inc); err != nil {
			return fmt.Errorf("save incident %d: %w", inc.Number, err)
		}
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
	})
}

func (h *Handler) roleCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	fields := strings.Fields(args)
	usage := "Use `/incident role lead|comms|tech|scribe @person`, for example `/incident role comms @ali`."
	if len(fields) != 2 {
		return incident.Errorf(incident.EInvalid, "%s", usage)
	}
	role, ok := incident.ParseRole(fields[0])
	if !ok {
		return incident.Errorf(incident.EInvalid, "I don't know the role `%s`. %s", incident.Truncate(fields[0], 30), usage)
	}
	who, ok := incident.ParseUserMention(fields[1])
	if !ok {
		return incident.Errorf(incident.EInvalid, "Mention the person with @, so Slack links them. %s", usage)
	}
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	return h.withIncident(ctx, inc.Number, func() error {
		inc, err := h.store.Incident(ctx, inc.Number)
		if err != nil {
			return fmt.Errorf("reload incident: %w", err)
		}
		if inc.Roles[role] == who {
			return incident.Errorf(incident.ENoop, "%s is already the %s.", user(who), strings.ToLower(role.Title()))
		}
		prev := inc.Roles[role]
		if _, err := h.record(ctx, inc.Number, incident.Event{Kind: incident.KindRole, Actor: c.UserID,
			Data: map[string]string{"role": string(role), "user": who, "previous": prev}}); err != nil {
			return err
		}
		if inc.Roles == nil {
			inc.Roles = map[incident.Role]string{}
		}
		inc.Roles[role] = who
		if err := h.store.SaveIncident(ctx, inc); err != nil {
			return fmt.Errorf("save incident %d: %w", inc.Number, err)
		}
		if err := h.slack.Invite(ctx, inc.ChannelID, who); err != nil {
			h.log.Warn("invite role holder", "incident", inc.ID(), "user", who, "err", err)
		}
		h.post(ctx, inc.ChannelID, fmt.Sprintf(":busts_in_silhouette: %s is now the *%s* (set by %s).", user(who), strings.ToLower(role.Title()), user(c.UserID)))
		h.refreshHeader(ctx, inc)
		return nil
	})
}

func (h *Handler) resolveCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	return h.withIncident(ctx, inc.Number, func() error {
		inc, err := h.store.Incident(ctx, inc.Number)
		if err != nil {
			return fmt.Errorf("reload incident: %w", err)
		}
		if !inc.Active() {
			return incident.Errorf(incident.ENoop, "%s is already resolved. To reopen it, `/incident status investigating`.", inc.ID())
		}
		from := inc.Status
		now := h.now()
		dur := incident.FormatDuration(inc.Duration(now))
		if _, err := h.record(ctx, inc.Number, incident.Event{Kind: incident.KindStatus, Actor: c.UserID, At: now,
			Data: map[string]string{"from": string(from), "to": string(incident.Resolved)}}); err != nil {
			return err
		}
		if _, err := h.record(ctx, inc.Number, incident.Event{Kind: incident.KindResolved, Actor: c.UserID, At: now,
			Data: map[string]string{"duration": dur}}); err != nil {
			return err
		}
		inc.Status, inc.ResolvedAt = incident.Resolved, now
		if err := h.store.SaveIncident(ctx, inc); err != nil {
			return fmt.Errorf("save incident %d: %w", inc.Number, err)
		}
		h.post(ctx, inc.ChannelID, fmt.Sprintf(":white_check_mark: *%s resolved* by %s after %s. Next: `/incident postmortem` drafts the postmortem from this timeline.", inc.ID(), user(c.UserID), dur))
		h.refreshHeader(ctx, inc)
		h.announce(ctx, textMessage(fmt.Sprintf(":white_check_mark: *%s resolved* after %s: %s — <#%s>", inc.ID(), dur, escape(inc.Title), inc.ChannelID)))
		h.resolvePages(ctx, inc, c.UserID)
		return nil
	})
}

// post sends a line to a channel, logging failures: the event is already on
// the log, so a failed post loses nothing.
func (h *Handler) post(ctx context.Context, channelID, text string) {
	if _, err := h.slack.Post(ctx, channelID, textMessage(text)); err != nil {
		h.log.Warn("post", "channel", channelID, "err", err)
	}
}
