package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// reminderLockTTL keeps one replica per tick: ticks are a minute apart, so a
// lock held slightly under that covers one tick on every replica.
const reminderLockTTL = 50 * time.Second

// Remind nudges active incidents whose status update is overdue and resolved
// incidents whose postmortem is still not approved. It is called by cron on
// every replica; a lock per tick makes one replica send each reminder.
func (h *Handler) Remind(ctx context.Context) error {
	now := h.now()
	// Never unlocked: the lock belongs to the tick and expires with it.
	token, err := h.store.Lock(ctx, "reminders:"+now.Truncate(time.Minute).Format("200601021504"), reminderLockTTL)
	if err != nil || token == "" {
		return err
	}
	recent, err := h.store.Recent(ctx, 500)
	if err != nil {
		return fmt.Errorf("list incidents for reminders: %w", err)
	}
	for _, inc := range recent {
		if err := h.remindOne(ctx, inc, now); err != nil {
			h.log.Error("reminder", "incident", inc.ID(), "err", err)
		}
	}
	return nil
}

func (h *Handler) remindOne(ctx context.Context, inc incident.Incident, now time.Time) error {
	if inc.Active() {
		cadence := h.cfg.UpdateCadence[inc.Severity]
		if cadence <= 0 {
			return nil
		}
		last := inc.DeclaredAt
		if inc.LastUpdateAt.After(last) {
			last = inc.LastUpdateAt
		}
		if now.Sub(last) < cadence || now.Sub(inc.NudgedAt) < cadence {
			return nil
		}
		btn := slack.NewButtonBlockElement(ActionDraftUpdate, fmt.Sprint(inc.Number), plain("Draft update"))
		btn.Style = slack.StylePrimary
		text := fmt.Sprintf(":alarm_clock: No status update for %s — %s incidents get one every %s. Stakeholders are waiting.",
			incident.FormatDuration(now.Sub(last)), inc.Severity, incident.FormatDuration(cadence))
		msg := Message{Text: text, Blocks: []slack.Block{section(text), slack.NewActionBlock("", btn)}}
		return h.nudge(ctx, inc, msg, now)
	}
	if inc.PostmortemID != "" || inc.ResolvedAt.IsZero() || now.Sub(inc.ResolvedAt) < h.cfg.PostmortemDue || inc.NudgedAt.After(inc.ResolvedAt) {
		return nil
	}
	text := fmt.Sprintf(":memo: %s was resolved %s ago and its postmortem is still pending. `/incident postmortem` drafts it from the timeline.",
		inc.ID(), incident.FormatDuration(now.Sub(inc.ResolvedAt)))
	return h.nudge(ctx, inc, textMessage(text), now)
}

// errNudged says another replica or tick nudged first.
var errNudged = errors.New("already nudged")

// nudge claims the reminder under the incident's lock, then posts it.
func (h *Handler) nudge(ctx context.Context, inc incident.Incident, msg Message, now time.Time) error {
	_, cur, err := h.changeIncident(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
		if !cur.NudgedAt.Equal(inc.NudgedAt) {
			return nil, errNudged
		}
		cur.NudgedAt = now
		return nil, nil
	})
	if errors.Is(err, errNudged) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := h.slack.Post(ctx, cur.ChannelID, msg); err != nil {
		return fmt.Errorf("post reminder: %w", err)
	}
	return nil
}
