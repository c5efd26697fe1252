package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack/slackevents"
)

// Spooler keeps events Redis could not take, durably, until it can
// (spool.Spool): Append returns only once the record is on disk.
type Spooler interface {
	Append(ctx context.Context, rec []byte) error
	Len() int
	Drain(ctx context.Context, fn func(ctx context.Context, rec []byte) error) (int, error)
}

// spooled is one event on the spool: the events API payload as Slack sent
// it, so a replay goes through the same decoding and dedupe as a delivery.
type spooled struct {
	EventID string          `json:"event_id"`
	Payload json.RawMessage `json:"payload"`
}

// spoolEvent puts an event on the spool and wakes the drainer. The caller
// acks only when it returns nil.
func (b *Bot) spoolEvent(ctx context.Context, eventID string, payload json.RawMessage) error {
	rec, err := json.Marshal(spooled{EventID: eventID, Payload: payload})
	if err != nil {
		return fmt.Errorf("spool event %s: %w", eventID, err)
	}
	if err := b.cfg.Spool.Append(ctx, rec); err != nil {
		return fmt.Errorf("spool event %s: %w", eventID, err)
	}
	b.metrics.spooled.Inc()
	select {
	case b.spoolKick <- struct{}{}:
	default:
	}
	return nil
}

// spooling says whether new events must queue behind spooled ones, so the
// log gets them in the order Slack delivered them.
func (b *Bot) spooling() bool { return b.cfg.Spool != nil && b.cfg.Spool.Len() > 0 }

// replay records one spooled event; an error leaves it first in line.
func (b *Bot) replay(ctx context.Context, rec []byte) error {
	var s spooled
	if err := json.Unmarshal(rec, &s); err != nil {
		// Written by this package and checksummed by the spool: this is
		// not a transient failure, and retrying would block the rest.
		b.log.Error("spooled record unreadable; skipping it", "err", err, "record", string(rec))
		return nil
	}
	ev, err := slackevents.ParseEvent(s.Payload, slackevents.OptionNoVerifyToken())
	if err != nil {
		b.log.Error("spooled event undecodable; skipping it", "event_id", s.EventID, "err", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	kind, err := b.dispatchEvent(ctx, s.EventID, ev.InnerEvent.Data)
	if err != nil {
		return fmt.Errorf("replay %s event %s: %w", kind, s.EventID, err)
	}
	b.metrics.events.WithLabelValues(kind, "replayed").Inc()
	return nil
}

// drainSpool replays the spool into Redis until it is empty or ctx ends,
// backing off while Redis still refuses. A replica that starts with a
// non-empty spool runs it before connecting to Slack.
func (b *Bot) drainSpool(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for b.spooling() {
		n, err := b.cfg.Spool.Drain(ctx, b.replay)
		if n > 0 {
			b.log.Info("spooled events replayed into Redis", "events", n, "left", b.cfg.Spool.Len())
		}
		if err == nil {
			continue // appended to while draining: go again
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.log.Warn("spool replay paused; Redis still refuses", "left", b.cfg.Spool.Len(), "retry_in", backoff, "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// runSpool drains whenever an event is spooled, and every few seconds in
// case a kick was missed.
func (b *Bot) runSpool(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.spoolKick:
		case <-tick.C:
		}
		if err := b.drainSpool(ctx); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Warn("spool drain stopped", "err", err)
		}
	}
}
