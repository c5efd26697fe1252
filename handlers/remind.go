package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"log/slog"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// RecentLister lists up to limit incidents, newest first.
type RecentLister interface {
	Recent(ctx context.Context, limit int) ([]incident.Incident, error)
}

type reminderStore interface {
	RecentLister
	Locker
}

// Reminders nudges incidents whose status update is overdue and resolved
// incidents whose postmortem is still not approved.
type Reminders struct {
	incidents *Incidents
	store     reminderStore
	slack     Poster
	// cadence is how often an approved status update is due, per
	// severity; a missing or zero entry means no reminders.
	cadence func() map[incident.Severity]time.Duration
	// postmortemDue is how long after resolution a postmortem may stay
	// unapproved before the channel is reminded.
	postmortemDue time.Duration
	log           *slog.Logger
}

// reminderLockTTL keeps one replica per tick: ticks are a minute apart, so a
// lock held slightly under that covers one tick on every replica.
const reminderLockTTL = 50 * time.Second

// Remind nudges active incidents whose status update is overdue and resolved
// incidents whose postmortem is still not approved. It is called by cron on
// every replica; a lock per tick makes one replica send each reminder.
func (h *Reminders) Remind(ctx context.Context) error {
	now := h.incidents.now()
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

func (h *Reminders) remindOne(ctx context.Context, inc incident.Incident, now time.Time) error {
	if inc.Active() {
		cadence := inc.UpdateCadence(h.cadence())
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
		msg := slackui.UpdateReminder(inc, incident.FormatDuration(now.Sub(last)), incident.FormatDuration(cadence))
		return h.nudge(ctx, inc, msg, now)
	}
	due := inc.PostmortemDueAt(h.postmortemDue)
	if inc.PostmortemID != "" || inc.ResolvedAt.IsZero() || due.IsZero() || now.Before(due) || inc.NudgedAt.After(due) {
		return nil
	}
	return h.nudge(ctx, inc, slackui.PostmortemReminder(inc, now), now)
}

// errNudged says another replica or tick nudged first.
var errNudged = errors.New("already nudged")

// nudge claims the reminder under the incident's lock, then posts it.
func (h *Reminders) nudge(ctx context.Context, inc incident.Incident, msg Message, now time.Time) error {
	_, cur, err := h.incidents.ChangeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
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
