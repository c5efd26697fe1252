package bot

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/handlers"
)

// eventTimeout bounds recording one event: past it the event is not acked
// and Slack redelivers it.
const eventTimeout = 10 * time.Second

// ackTimeout bounds sending an ack: a dead connection must not block
// routing (Slack's own limit is 3 s).
const ackTimeout = 2 * time.Second

// interactionTimeout bounds the work after acking a command or click.
const interactionTimeout = 2 * time.Minute

func channelOf(evt socketmode.Event) string {
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return ""
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		return e.Channel
	case *slackevents.ReactionAddedEvent:
		return e.Item.Channel
	case *slackevents.ReactionRemovedEvent:
		return e.Item.Channel
	}
	return ""
}

// handleEventsAPI records a message or reaction and acks only once it is
// stored: if the store is down the event stays unacked and Slack redelivers
// it, and the store's dedupe makes the redelivery harmless.
func (b *Bot) handleEventsAPI(ctx context.Context, c *conn, evt socketmode.Event) {
	start := time.Now()
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || evt.Request == nil {
		return
	}
	eventID := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	if b.spooling() {
		// Behind the spooled ones, so the log keeps Slack's order.
		b.spoolOrLeave(ctx, c, evt, eventID, start, nil)
		return
	}
	kind, err := b.dispatchEvent(ctx, eventID, ev.InnerEvent.Data)
	if err != nil {
		if b.cfg.Spool != nil {
			b.spoolOrLeave(ctx, c, evt, eventID, start, err)
			return
		}
		b.metrics.events.WithLabelValues(kind, "error").Inc()
		b.log.Error("event not recorded; leaving it unacked so Slack redelivers",
			"event_id", eventID, "kind", kind, "retry_attempt", evt.Request.RetryAttempt, "err", err)
		return
	}
	if err := c.sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
		b.log.Warn("ack event", "event_id", eventID, "err", err)
		return
	}
	b.metrics.events.WithLabelValues(kind, "ok").Inc()
	b.metrics.ackLatency.WithLabelValues("event").Observe(time.Since(start).Seconds())
}

// spoolOrLeave spools an event and acks it, or, when the spool cannot take
// it either (full, disk failing), leaves it unacked for Slack to redeliver.
// recordErr is why Redis did not take it (nil: it queued behind others).
func (b *Bot) spoolOrLeave(ctx context.Context, c *conn, evt socketmode.Event, eventID string, start time.Time, recordErr error) {
	if err := b.spoolEvent(ctx, eventID, evt.Request.Payload); err != nil {
		b.metrics.events.WithLabelValues("any", "error").Inc()
		b.log.Error("event neither recorded nor spooled; leaving it unacked so Slack redelivers",
			"event_id", eventID, "retry_attempt", evt.Request.RetryAttempt, "record_err", recordErr, "err", err)
		return
	}
	if recordErr != nil {
		b.log.Warn("Redis did not take an event; spooled it to replay later", "event_id", eventID, "err", recordErr)
	}
	if err := c.sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
		b.log.Warn("ack event", "event_id", eventID, "err", err)
		return
	}
	b.metrics.events.WithLabelValues("any", "spooled").Inc()
	b.metrics.ackLatency.WithLabelValues("event").Observe(time.Since(start).Seconds())
}

func (b *Bot) dispatchEvent(ctx context.Context, eventID string, data any) (kind string, err error) {
	h := b.cfg.Recorder
	err = handlers.Recover(b.log, "event", func() error {
		switch e := data.(type) {
		case *slackevents.MessageEvent:
			switch e.SubType {
			case "message_changed":
				kind = "edit"
				if e.Message == nil {
					return nil
				}
				prev := ""
				if e.PreviousMessage != nil {
					prev = e.PreviousMessage.Text
				}
				return h.Edit(ctx, handlers.EditEvent{EventID: eventID, ChannelID: e.Channel, UserID: e.Message.User,
					BotID: e.Message.BotID, TS: e.Message.Timestamp, Text: e.Message.Text, PreviousText: prev,
					Files: fileNames(e.Message.Files), At: eventTime(e.EventTimeStamp)})
			case "message_deleted":
				kind = "delete"
				ts := e.DeletedTimeStamp
				if ts == "" && e.PreviousMessage != nil {
					ts = e.PreviousMessage.Timestamp
				}
				return h.Delete(ctx, handlers.DeleteEvent{EventID: eventID, ChannelID: e.Channel, TS: ts, At: eventTime(e.EventTimeStamp)})
			}
			kind = "message"
			var files []string
			if e.Message != nil {
				files = fileNames(e.Message.Files)
			}
			return h.Message(ctx, handlers.MessageEvent{EventID: eventID, ChannelID: e.Channel, UserID: e.User,
				BotID: e.BotID, Subtype: e.SubType, Text: e.Text, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp,
				Files: files, At: tsTime(e.TimeStamp)})
		case *slackevents.ReactionAddedEvent:
			kind = "reaction"
			return h.Reaction(ctx, handlers.ReactionEvent{EventID: eventID, ChannelID: e.Item.Channel, UserID: e.User,
				ItemTS: e.Item.Timestamp, Reaction: e.Reaction, Added: true, At: eventTime(e.EventTimestamp)})
		case *slackevents.ReactionRemovedEvent:
			kind = "reaction"
			return h.Reaction(ctx, handlers.ReactionEvent{EventID: eventID, ChannelID: e.Item.Channel, UserID: e.User,
				ItemTS: e.Item.Timestamp, Reaction: e.Reaction, Added: false, At: eventTime(e.EventTimestamp)})
		}
		kind = "other"
		return nil
	})
	return kind, err
}

func eventTime(ts string) time.Time {
	if ts == "" {
		return time.Now().UTC()
	}
	return tsTime(ts)
}

// handleSlash acks at once, with a short note for slow commands, then works
// in the background where shutdown can wait for it.
func (b *Bot) handleSlash(c *conn, evt socketmode.Event) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || evt.Request == nil {
		return
	}
	start := time.Now()
	sc := handlers.SlashCommand{UserID: cmd.UserID, ChannelID: cmd.ChannelID, Text: cmd.Text, TriggerID: cmd.TriggerID}
	var payload any
	if text := b.cfg.Interactions.AckText(sc); text != "" {
		payload = map[string]string{"response_type": "ephemeral", "text": text}
	}
	actx, cancel := context.WithTimeout(b.workCtx, ackTimeout)
	defer cancel()
	if err := c.sm.AckCtx(actx, evt.Request.EnvelopeID, payload); err != nil {
		b.log.Warn("ack slash command", "err", err)
	}
	b.metrics.ackLatency.WithLabelValues("command").Observe(time.Since(start).Seconds())
	b.metrics.commands.WithLabelValues(b.cfg.Interactions.CommandLabel(cmd.Text)).Inc()
	r := urlResponder{url: cmd.ResponseURL, client: &http.Client{Timeout: 10 * time.Second}}
	b.goTracked(func() {
		ctx, cancel := context.WithTimeout(b.workCtx, interactionTimeout)
		defer cancel()
		b.cfg.Interactions.Command(ctx, sc, r)
	})
}

// handleInteractive acks button clicks at once; modal submissions are
// validated first so field errors go back in the ack.
func (b *Bot) handleInteractive(c *conn, evt socketmode.Event) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || evt.Request == nil {
		return
	}
	ack := func(payload any) {
		ctx, cancel := context.WithTimeout(b.workCtx, ackTimeout)
		defer cancel()
		if err := c.sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
			b.log.Warn("ack interaction", "err", err)
		}
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		ack(nil)
		r := urlResponder{url: cb.ResponseURL, client: &http.Client{Timeout: 10 * time.Second}}
		for _, act := range cb.ActionCallback.BlockActions {
			a := handlers.BlockAction{UserID: cb.User.ID, ChannelID: cb.Channel.ID, MessageTS: cb.Container.MessageTs,
				BlockID: act.BlockID, ActionID: act.ActionID, Value: act.Value, Selected: optionValues(act.SelectedOptions),
				TriggerID: cb.TriggerID}
			b.goTracked(func() {
				ctx, cancel := context.WithTimeout(b.workCtx, interactionTimeout)
				defer cancel()
				b.cfg.Interactions.Action(ctx, a, r)
			})
		}
	case slack.InteractionTypeViewSubmission:
		v := handlers.ViewSubmission{UserID: cb.User.ID, CallbackID: cb.View.CallbackID,
			PrivateMetadata: cb.View.PrivateMetadata, Values: viewValues(cb.View.State)}
		vctx, cancel := context.WithTimeout(b.workCtx, ackTimeout)
		errs := b.cfg.Interactions.ValidateView(vctx, v)
		cancel()
		if len(errs) > 0 {
			ack(slack.NewErrorsViewSubmissionResponse(errs))
			return
		}
		ack(nil)
		r := ephemeralResponder{api: b.session.API, channel: b.cfg.Interactions.ViewChannel(v), user: v.UserID}
		b.goTracked(func() {
			ctx, cancel := context.WithTimeout(b.workCtx, interactionTimeout)
			defer cancel()
			b.cfg.Interactions.SubmitView(ctx, v, r)
		})
	default:
		ack(nil)
	}
}

// optionValues are the values of selected options.
func optionValues(opts []slack.OptionBlockObject) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

// viewValues flattens a view's state to block_id -> action_id -> value:
// a text, the selected option, user or date, or several selected options
// joined by commas (option values never contain one here).
func viewValues(state *slack.ViewState) map[string]map[string]string {
	out := map[string]map[string]string{}
	if state == nil {
		return out
	}
	for block, actions := range state.Values {
		out[block] = map[string]string{}
		for action, v := range actions {
			val := v.Value
			switch {
			case v.SelectedOption.Value != "":
				val = v.SelectedOption.Value
			case v.SelectedUser != "":
				val = v.SelectedUser
			case v.SelectedDate != "":
				val = v.SelectedDate
			case len(v.SelectedOptions) > 0:
				val = strings.Join(optionValues(v.SelectedOptions), ",")
			}
			out[block][action] = val
		}
	}
	return out
}
