package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// MessageLog appends to incidents' logs and tells which messages it holds.
type MessageLog interface {
	Appender
	// HasMessage reports whether a message with Slack ts is on n's log.
	HasMessage(ctx context.Context, n int64, ts string) (bool, error)
}

// MessageFetcher fetches a message the bot never saw.
type MessageFetcher interface {
	// FetchMessage returns the message at ts, for reactions on messages the
	// bot never saw; incident.ErrNotFound when Slack no longer has it.
	FetchMessage(ctx context.Context, channelID, ts string) (incident.Event, error)
}

// Recorder puts everything said in incident channels on the timeline:
// messages, edits, deletions, thread replies and reaction marks. A nil error
// means the event is safely on the log (or is not to be recorded) and may
// be acknowledged; an error means it must not be, so Slack redelivers.
type Recorder struct {
	incidents *Incidents
	log       MessageLog
	slack     MessageFetcher
	marks     func() map[string]incident.Mark
	// marked hears of each new mark once it is on the log; it must not
	// block, since the event is acknowledged after Reaction returns.
	marked    []MarkListener
	botUserID string
	botID     string
	logger    *slog.Logger
}

// MessageEvent is a message posted in a channel the bot is in.
type MessageEvent struct {
	EventID   string
	ChannelID string
	UserID    string
	BotID     string
	Subtype   string
	Text      string
	TS        string
	ThreadTS  string
	Files     []string
	At        time.Time
}

// EditEvent is a message_changed event.
type EditEvent struct {
	EventID   string
	ChannelID string
	UserID    string
	BotID     string
	TS        string // the edited message's ts
	Text      string
	Files     []string
	// PreviousText is the text before the change, when Slack sends it.
	PreviousText string
	At           time.Time
}

// DeleteEvent is a message_deleted event.
type DeleteEvent struct {
	EventID   string
	ChannelID string
	TS        string // the deleted message's ts
	At        time.Time
}

// ReactionEvent is a reaction added to or removed from a message.
type ReactionEvent struct {
	EventID   string
	ChannelID string
	UserID    string
	ItemTS    string
	Reaction  string
	Added     bool
	At        time.Time
}

// conversational lists the message subtypes that are people talking; joins,
// leaves, topic changes and the like are not conversation.
// bot_message is another integration posting (an alert from a webhook).
var conversational = map[string]bool{"": true, "thread_broadcast": true, "file_share": true, "me_message": true, "bot_message": true}

// messageKey dedupes a message by its ts: a message has one ts whichever way
// it reached us (an event, a redelivery, or a fetch for a reaction).
func messageKey(ts string) string { return "msg:" + ts }

func eventKey(id, fallback string) string {
	if id != "" {
		return "ev:" + id
	}
	return fallback
}

// Message records a message in an incident channel. A nil error means the
// message is safely on the log (or is not to be recorded) and the event may
// be acknowledged; an error means it must not be, so Slack redelivers.
func (rec *Recorder) Message(ctx context.Context, m MessageEvent) error {
	if !conversational[m.Subtype] || rec.fromBot(m.UserID, m.BotID) || m.TS == "" {
		return nil
	}
	n, ok, err := rec.incidents.lookup(ctx, m.ChannelID)
	if err != nil || !ok {
		return err
	}
	actor := m.UserID
	if actor == "" {
		actor = m.BotID // an integration's message: its bot id stands in
	}
	ev := incident.Event{Kind: incident.KindMessage, At: rec.orNow(m.At), Actor: actor,
		TS: m.TS, ThreadTS: threadOf(m.ThreadTS, m.TS), Text: m.Text, Files: m.Files}
	if _, _, err := rec.log.Append(ctx, n, messageKey(m.TS), ev); err != nil {
		return fmt.Errorf("record message %s in incident %d: %w", m.TS, n, err)
	}
	return nil
}

// Edit records a message edit as a new event; the original stays on the log.
func (rec *Recorder) Edit(ctx context.Context, e EditEvent) error {
	if rec.fromBot(e.UserID, e.BotID) || e.TS == "" {
		return nil
	}
	// Slack also sends message_changed when it unfurls a link: same text,
	// no edit. Recording it would mark the message "(edited)".
	if e.PreviousText != "" && e.PreviousText == e.Text {
		return nil
	}
	n, ok, err := rec.incidents.lookup(ctx, e.ChannelID)
	if err != nil || !ok {
		return err
	}
	ev := incident.Event{Kind: incident.KindEdit, At: rec.orNow(e.At), Actor: e.UserID, TS: e.TS, Text: e.Text, Files: e.Files}
	if _, _, err := rec.log.Append(ctx, n, eventKey(e.EventID, "edit:"+e.TS+":"+e.Text), ev); err != nil {
		return fmt.Errorf("record edit of %s in incident %d: %w", e.TS, n, err)
	}
	return nil
}

// Delete records a deletion; the fold drops the message from the timeline
// but the log keeps what was said.
func (rec *Recorder) Delete(ctx context.Context, d DeleteEvent) error {
	if d.TS == "" {
		return nil
	}
	n, ok, err := rec.incidents.lookup(ctx, d.ChannelID)
	if err != nil || !ok {
		return err
	}
	ev := incident.Event{Kind: incident.KindDelete, At: rec.orNow(d.At), TS: d.TS}
	if _, _, err := rec.log.Append(ctx, n, eventKey(d.EventID, "delete:"+d.TS), ev); err != nil {
		return fmt.Errorf("record deletion of %s in incident %d: %w", d.TS, n, err)
	}
	return nil
}

// Reaction marks or unmarks a message when the reaction is a mapped one. A
// reaction on a message the log never saw (sent before the bot joined, or
// while it was down) fetches the message from Slack and records it first.
func (rec *Recorder) Reaction(ctx context.Context, r ReactionEvent) error {
	mark, ok := rec.marks()[r.Reaction]
	if !ok || r.ItemTS == "" || r.UserID == rec.botUserID {
		return nil
	}
	n, ok, err := rec.incidents.lookup(ctx, r.ChannelID)
	if err != nil || !ok {
		return err
	}
	if r.Added {
		seen, err := rec.log.HasMessage(ctx, n, r.ItemTS)
		if err != nil {
			return fmt.Errorf("check message %s in incident %d: %w", r.ItemTS, n, err)
		}
		if !seen {
			recorded, err := rec.backfill(ctx, n, r.ChannelID, r.ItemTS)
			if err != nil {
				return err
			}
			if !recorded {
				return nil // gone, or the bot's own message: nothing to mark
			}
		}
	}
	kind := incident.KindUnmark
	if r.Added {
		kind = incident.KindMark
	}
	ev := incident.Event{Kind: kind, At: rec.orNow(r.At), Actor: r.UserID, TS: r.ItemTS, Mark: mark, Reaction: r.Reaction}
	key := eventKey(r.EventID, fmt.Sprintf("%s:%s:%s:%s:%d", kind, r.ItemTS, r.UserID, r.Reaction, ev.At.UnixNano()))
	saved, added, err := rec.log.Append(ctx, n, key, ev)
	if err != nil {
		return fmt.Errorf("record %s of %s in incident %d: %w", kind, r.ItemTS, n, err)
	}
	if added && kind == incident.KindMark {
		for _, l := range rec.marked {
			l.Marked(ctx, r.ChannelID, saved)
		}
	}
	return nil
}

// MarkListener hears of new reaction marks.
type MarkListener interface {
	Marked(ctx context.Context, channelID string, ev incident.Event)
}

// backfill fetches a message the log never saw and records it.
func (rec *Recorder) backfill(ctx context.Context, n int64, channelID, ts string) (bool, error) {
	ev, err := rec.slack.FetchMessage(ctx, channelID, ts)
	if errors.Is(err, incident.ErrNotFound) {
		rec.logger.Info("reaction on a message Slack no longer has", "incident", n, "ts", ts)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("fetch message %s for incident %d: %w", ts, n, err)
	}
	if rec.fromBot(ev.Actor, ev.Get("bot_id")) {
		return false, nil
	}
	ev.Kind = incident.KindMessage
	ev.ThreadTS = threadOf(ev.ThreadTS, ev.TS)
	if ev.At.IsZero() {
		ev.At = rec.incidents.now()
	}
	ev.Data = map[string]string{"backfilled": "true"}
	// A key of its own: if the message's own event is merely late (it came
	// on another connection), it is still recorded when it arrives, so the
	// log keeps the text as first posted; the fold shows the message once.
	if _, _, err := rec.log.Append(ctx, n, "fetch:"+ts, ev); err != nil {
		return false, fmt.Errorf("record fetched message %s in incident %d: %w", ts, n, err)
	}
	return true, nil
}

// fromBot reports whether a message is the bot's own. Other bots' messages
// (an alert posted by a monitoring tool) are part of the record.
func (rec *Recorder) fromBot(userID, botID string) bool {
	return (botID != "" && botID == rec.botID) || (userID != "" && userID == rec.botUserID)
}

// threadOf keeps a thread ts only for replies: Slack sets thread_ts on a
// thread's parent too, where it equals the message's own ts.
func threadOf(threadTS, ts string) string {
	if threadTS == ts {
		return ""
	}
	return threadTS
}

func (rec *Recorder) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return rec.incidents.now()
	}
	return t.UTC()
}
