package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// ErrNotFound is returned by a store when the thing asked for does not exist.
var ErrNotFound = incident.ErrNotFound

// Locker takes and releases named locks shared by every replica.
type Locker interface {
	// Lock takes the named lock for ttl and returns the token that releases
	// it; "" means another holder has it.
	Lock(ctx context.Context, name string, ttl time.Duration) (token string, err error)
	// Unlock releases the lock if token still holds it.
	Unlock(ctx context.Context, name, token string) error
}

// Appender adds events to an incident's log.
type Appender interface {
	// Append adds ev to incident n's log unless dedupeKey was seen before
	// (an empty key never dedupes). It returns the event with ID and Seq set
	// and whether it was appended.
	Append(ctx context.Context, n int64, dedupeKey string, ev incident.Event) (incident.Event, bool, error)
}

// EventLog reads an incident's log.
type EventLog interface {
	Events(ctx context.Context, n int64) ([]incident.Event, error)
}

// IncidentStore keeps incidents' current headers.
type IncidentStore interface {
	Incident(ctx context.Context, n int64) (incident.Incident, error)
	// ChannelIncident returns the incident whose channel is channelID; ok is
	// false when the channel is not an incident channel.
	ChannelIncident(ctx context.Context, channelID string) (n int64, ok bool, err error)
	// SaveIncident replaces the header and keeps the active set in step.
	SaveIncident(ctx context.Context, inc incident.Incident) error
}

// Poster posts to channels.
type Poster interface {
	Post(ctx context.Context, channelID string, msg Message) (ts string, err error)
}

// incidentsStore is what Incidents needs of the store.
type incidentsStore interface {
	IncidentStore
	Appender
	EventLog
	Locker
}

// Incidents finds incidents by channel and changes them: every change is
// made under the incident's lock and recorded as events, so concurrent
// commands on any replica never overwrite each other. Every capability that
// touches an incident goes through it.
type Incidents struct {
	store incidentsStore
	slack Poster
	clock Clock
	log   *slog.Logger
	// channels caches channel ID -> incident number. The mapping never
	// changes once made, so every replica may cache it forever; this saves a
	// Redis round trip on every recorded message. Channels that are not
	// incident channels are not cached: one may become one at any moment.
	channels sync.Map
}

// now is the time in UTC.
func (x *Incidents) now() time.Time { return x.clock.Now().UTC() }

// lookup is Store.ChannelIncident behind the cache.
func (x *Incidents) lookup(ctx context.Context, channelID string) (int64, bool, error) {
	if n, ok := x.channels.Load(channelID); ok {
		return n.(int64), true, nil
	}
	n, ok, err := x.store.ChannelIncident(ctx, channelID)
	if err != nil {
		return 0, false, fmt.Errorf("look up channel %s: %w", channelID, err)
	}
	if ok {
		x.channels.Store(channelID, n)
	}
	return n, ok, nil
}

// errNotIncident is the reply to a command that needs an incident channel.
var errNotIncident = incident.Errorf(incident.ENotIncident,
	"This isn't an incident channel. Run this in the incident's channel — `/incident list` shows the active ones.")

// ForChannel returns the incident whose channel is channelID, or a user
// error saying the command needs an incident channel.
func (x *Incidents) ForChannel(ctx context.Context, channelID string) (incident.Incident, error) {
	n, ok, err := x.lookup(ctx, channelID)
	if err != nil {
		return incident.Incident{}, err
	}
	if !ok {
		return incident.Incident{}, errNotIncident
	}
	return x.Get(ctx, n)
}

// Get returns incident n.
func (x *Incidents) Get(ctx context.Context, n int64) (incident.Incident, error) {
	inc, err := x.store.Incident(ctx, n)
	if err != nil {
		return inc, fmt.Errorf("load incident %d: %w", n, err)
	}
	return inc, nil
}

// WithEvents returns the incident of channelID and its whole log.
func (x *Incidents) WithEvents(ctx context.Context, channelID string) (incident.Incident, []incident.Event, error) {
	inc, err := x.ForChannel(ctx, channelID)
	if err != nil {
		return inc, nil, err
	}
	events, err := x.Events(ctx, inc)
	return inc, events, err
}

// Events returns inc's whole log.
func (x *Incidents) Events(ctx context.Context, inc incident.Incident) ([]incident.Event, error) {
	events, err := x.store.Events(ctx, inc.Number)
	if err != nil {
		return nil, fmt.Errorf("load events of %s: %w", inc.ID(), err)
	}
	return events, nil
}

// Mutation changes an incident in place and returns the events that record
// the change.
type Mutation func(inc *incident.Incident) ([]incident.Event, error)

// Change applies f to the incident of channelID under its lock: reload, f,
// record the events f returns, save. Slack calls belong after it returns,
// outside the lock, so a rate-limited Slack never holds it.
func (x *Incidents) Change(ctx context.Context, channelID string, f Mutation) (before, after incident.Incident, err error) {
	c, err := x.ChangeLogged(ctx, channelID, f)
	return c.Before, c.After, err
}

// ChangeNumber is Change for incident n.
func (x *Incidents) ChangeNumber(ctx context.Context, n int64, f Mutation) (before, after incident.Incident, err error) {
	c, err := x.changeNumber(ctx, n, f)
	return c.Before, c.After, err
}

// Changed is a change made under the lock: the incident before and after,
// and the events that recorded it, as logged (Seq set).
type Changed struct {
	Before, After incident.Incident
	Events        []incident.Event
}

// ChangeLogged is Change returning the recorded events too, so listeners
// can tell one triggering event from another.
func (x *Incidents) ChangeLogged(ctx context.Context, channelID string, f Mutation) (Changed, error) {
	n, ok, err := x.lookup(ctx, channelID)
	if err != nil {
		return Changed{}, err
	}
	if !ok {
		return Changed{}, errNotIncident
	}
	return x.changeNumber(ctx, n, f)
}

func (x *Incidents) changeNumber(ctx context.Context, n int64, f Mutation) (Changed, error) {
	var c Changed
	err := x.locked(ctx, n, func() error {
		cur, err := x.store.Incident(ctx, n)
		if err != nil {
			return fmt.Errorf("reload incident %d: %w", n, err)
		}
		c.Before = cur.Clone()
		events, err := f(&cur)
		if err != nil {
			return err
		}
		for _, ev := range events {
			saved, err := x.Record(ctx, cur.Number, ev)
			if err != nil {
				return err
			}
			c.Events = append(c.Events, saved)
		}
		if err := x.store.SaveIncident(ctx, cur); err != nil {
			return fmt.Errorf("save incident %d: %w", cur.Number, err)
		}
		c.After = cur
		return nil
	})
	return c, err
}

// locked runs f holding incident n's lock.
func (x *Incidents) locked(ctx context.Context, n int64, f func() error) error {
	name := fmt.Sprintf("incident:%d", n)
	deadline := time.Now().Add(5 * time.Second)
	// Changes under the lock take a few milliseconds, so the wait starts
	// short and doubles: a fixed long poll would serialise a burst (ten
	// workflows' steps at once) at its period.
	wait := time.Millisecond
	var token string
	for {
		// The TTL only matters if this replica dies holding the lock; it is
		// generous because the work under it may wait out Slack rate limits.
		var err error
		if token, err = x.store.Lock(ctx, name, 2*time.Minute); err != nil {
			return fmt.Errorf("lock incident %d: %w", n, err)
		}
		if token != "" {
			break
		}
		if time.Now().After(deadline) {
			return incident.Errorf(incident.EConflict, "Someone else is changing this incident right now. Please try again in a moment.")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait/2 + rand.N(wait/2+1)):
		}
		wait = min(2*wait, 25*time.Millisecond)
	}
	defer func() {
		if err := x.store.Unlock(context.WithoutCancel(ctx), name, token); err != nil {
			x.log.Warn("unlock incident", "incident", n, "err", err)
		}
	}()
	return f()
}

// Record appends a system event to incident n's log.
func (x *Incidents) Record(ctx context.Context, n int64, ev incident.Event) (incident.Event, error) {
	if ev.At.IsZero() {
		ev.At = x.now()
	}
	out, _, err := x.store.Append(ctx, n, "", ev)
	if err != nil {
		return out, fmt.Errorf("record %s on incident %d: %w", ev.Kind, n, err)
	}
	return out, nil
}

// Note records ev and logs a failure instead of returning it, for events
// that follow something already done (a post, a page).
func (x *Incidents) Note(ctx context.Context, inc incident.Incident, ev incident.Event) {
	if _, err := x.Record(ctx, inc.Number, ev); err != nil {
		x.log.Error("record", "incident", inc.ID(), "kind", ev.Kind, "err", err)
	}
}

// Say posts a line of mrkdwn to a channel, logging failures: the event is
// already on the log, so a failed post loses nothing.
func (x *Incidents) Say(ctx context.Context, channelID, text string) {
	x.Post(ctx, channelID, slackui.Text(text))
}

// Post is Say for a rendered message.
func (x *Incidents) Post(ctx context.Context, channelID string, msg Message) {
	if _, err := x.slack.Post(ctx, channelID, msg); err != nil {
		x.log.Warn("post", "channel", channelID, "err", err)
	}
}

// isNotFound reports whether err means a missing record.
func isNotFound(err error) bool { return errors.Is(err, incident.ErrNotFound) }
