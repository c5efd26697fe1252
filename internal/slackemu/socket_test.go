package slackemu_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func TestSlashCommandAckPayloadComesBack(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	b := startBot(t, emu, func(c *socketmode.Client, ev socketmode.Event) {
		if ev.Type != socketmode.EventTypeSlashCommand {
			return
		}
		cmd := ev.Data.(slack.SlashCommand)
		c.Ack(*ev.Request, map[string]any{"text": "got " + cmd.Text + " from " + cmd.UserName + " in " + cmd.ChannelName})
	})
	ack, err := emu.SlashCommand(ctxT(t), "U1", "CANNOUNCE", "declare P1 db down")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Text string }
	if err := json.Unmarshal(ack, &got); err != nil {
		t.Fatalf("ack payload %s: %v", ack, err)
	}
	if want := "got declare P1 db down from ali in incidents"; got.Text != want {
		t.Fatalf("ack text %q, want %q", got.Text, want)
	}
	cmds := b.events(socketmode.EventTypeSlashCommand)
	cmd := cmds[0].Data.(slack.SlashCommand)
	if cmd.Command != "/incident" || cmd.TriggerID == "" || cmd.ResponseURL == "" || cmd.TeamID != "T0001" {
		t.Fatalf("slash command payload incomplete: %+v", cmd)
	}
	if hello := b.events(socketmode.EventTypeHello); len(hello) != 1 || hello[0].Request.NumConnections != 1 {
		t.Fatalf("want one hello with num_connections 1, got %+v", hello)
	}
	acks := emu.Acks()
	if len(acks) != 1 || acks[0].Type != "slash_commands" || acks[0].Latency <= 0 || acks[0].Latency > 3*time.Second {
		t.Fatalf("acks %+v", acks)
	}
}

func TestUnackedEventIsRedeliveredWithRetryAttempt(t *testing.T) {
	emu := newEmu(t, slackemu.Options{RedeliverAfter: 50 * time.Millisecond, MaxRetries: 3})
	var mu sync.Mutex
	var attempts []int
	var eventIDs []string
	b := startBot(t, emu, func(c *socketmode.Client, ev socketmode.Event) {
		if ev.Type != socketmode.EventTypeEventsAPI {
			return
		}
		api := ev.Data.(slackevents.EventsAPIEvent)
		cb := api.Data.(*slackevents.EventsAPICallbackEvent)
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, ev.Request.RetryAttempt)
		eventIDs = append(eventIDs, cb.EventID)
		if ev.Request.RetryAttempt == 2 {
			c.Ack(*ev.Request) // the bot recovers on the third delivery
		}
	})
	ts, err := emu.PostMessage(ctxT(t), "U1", "CANNOUNCE", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.WaitFor(ctxT(t), func() bool { return len(emu.Acks()) == 1 }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond) // long enough for a wrongful fourth delivery
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 3 || attempts[0] != 0 || attempts[1] != 1 || attempts[2] != 2 {
		t.Fatalf("retry attempts %v, want [0 1 2]", attempts)
	}
	if eventIDs[0] != eventIDs[1] || eventIDs[1] != eventIDs[2] {
		t.Fatalf("event ids differ across retries: %v", eventIDs)
	}
	msg := b.events(socketmode.EventTypeEventsAPI)[2].Request
	if msg.RetryReason != "timeout" {
		t.Fatalf("retry_reason %q", msg.RetryReason)
	}
	if u := emu.Unacked(); len(u) != 0 {
		t.Fatalf("unacked after ack: %v", u)
	}
	inner := b.events(socketmode.EventTypeEventsAPI)[0].Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if inner.TimeStamp != ts || inner.Text != "hello" || inner.User != "U1" || inner.Channel != "CANNOUNCE" {
		t.Fatalf("message event %+v", inner)
	}
}

func TestRedeliveryStopsAfterMaxRetries(t *testing.T) {
	emu := newEmu(t, slackemu.Options{RedeliverAfter: 20 * time.Millisecond, MaxRetries: 2})
	b := startBot(t, emu, nil)
	if _, err := emu.PostMessage(ctxT(t), "U1", "CANNOUNCE", "never acked"); err != nil {
		t.Fatal(err)
	}
	if err := emu.WaitFor(ctxT(t), func() bool { return len(b.events(socketmode.EventTypeEventsAPI)) == 3 }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(b.events(socketmode.EventTypeEventsAPI)); n != 3 {
		t.Fatalf("%d deliveries, want 1 + 2 retries", n)
	}
	if u := emu.Unacked(); len(u) != 1 {
		t.Fatalf("unacked %v, want the last delivery", u)
	}
}

func TestDisconnectMakesClientReconnect(t *testing.T) {
	tests := []struct {
		name string
		do   func(*slackemu.Emulator)
	}{
		{"refresh_requested", func(e *slackemu.Emulator) { e.Disconnect("refresh_requested") }},
		{"warning", func(e *slackemu.Emulator) { e.Disconnect("warning") }},
		{"network failure", func(e *slackemu.Emulator) { e.DropConnections() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newEmu(t, slackemu.Options{})
			b := startBot(t, emu, ackAll)
			tt.do(emu)
			if err := emu.WaitFor(ctxT(t), func() bool {
				return len(b.events(socketmode.EventTypeHello)) == 2 && emu.Connections() == 1
			}); err != nil {
				t.Fatalf("no reconnect: %v", err)
			}
			// The new connection works.
			if _, err := emu.SlashCommand(ctxT(t), "U1", "CANNOUNCE", "help"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClientAnswersPings(t *testing.T) {
	emu := newEmu(t, slackemu.Options{PingInterval: 20 * time.Millisecond})
	startBot(t, emu, ackAll)
	if err := emu.WaitFor(ctxT(t), func() bool { return emu.Pongs() >= 3 }); err != nil {
		t.Fatal(err)
	}
}

func TestEnvelopesSpreadOverConnections(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	b1 := startBot(t, emu, ackAll)
	b2 := startBot(t, emu, ackAll)
	if err := emu.WaitFor(ctxT(t), func() bool { return emu.Connections() == 2 }); err != nil {
		t.Fatal(err)
	}
	// Each envelope goes to a connection picked at random, as Slack does:
	// of 200, each side gets 100 on average, and fewer than 50 with a
	// probability below 1e-12.
	for range 200 {
		if _, err := emu.SlashCommand(ctxT(t), "U1", "CANNOUNCE", "list"); err != nil {
			t.Fatal(err)
		}
	}
	n1, n2 := len(b1.events(socketmode.EventTypeSlashCommand)), len(b2.events(socketmode.EventTypeSlashCommand))
	if n1+n2 != 200 || n1 < 50 || n2 < 50 {
		t.Fatalf("connections got %d and %d of 200 envelopes, want about 100 each", n1, n2)
	}
}

func TestSendEventWithChosenIDAndRetry(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	b := startBot(t, emu, ackAll)
	inner := map[string]any{"type": "message", "channel": "CANNOUNCE", "user": "U1", "text": "dup", "ts": "1700000000.000100"}
	for attempt := range 2 {
		if err := emu.SendEvent(ctxT(t), "EvDUP1", inner, attempt); err != nil {
			t.Fatal(err)
		}
	}
	if err := emu.WaitFor(ctxT(t), func() bool { return len(emu.Acks()) == 2 }); err != nil {
		t.Fatal(err)
	}
	evs := b.events(socketmode.EventTypeEventsAPI)
	for i, ev := range evs {
		cb := ev.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent)
		if cb.EventID != "EvDUP1" || ev.Request.RetryAttempt != i {
			t.Fatalf("delivery %d: event %s attempt %d", i, cb.EventID, ev.Request.RetryAttempt)
		}
	}
}

func TestPersonActionWaitsForConnection(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := emu.SlashCommand(ctx, "U1", "CANNOUNCE", "help"); err == nil {
		t.Fatal("slash command with no bot connected succeeded")
	}
	if ts := emu.PostMessageSilently("U1", "CANNOUNCE", "while down"); ts == "" {
		t.Fatal("silent post failed")
	}
}

func TestWrongAppTokenIsRefused(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	tests := []struct {
		name, token, want string
	}{
		{"missing", "", "not_authed"},
		{"wrong", "xapp-1-nope", "invalid_auth"},
		{"bot token", emu.BotToken(), "not_allowed_token_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()), slack.OptionAppLevelToken(tt.token))
			_, _, err := c.StartSocketModeContext(ctxT(t))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err %v, want %s", err, tt.want)
			}
		})
	}
}
