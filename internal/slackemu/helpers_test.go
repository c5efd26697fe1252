package slackemu_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// newEmu starts an emulator with two people and an announce channel.
func newEmu(t *testing.T, opts slackemu.Options) *slackemu.Emulator {
	t.Helper()
	if testing.Verbose() {
		opts.Logf = t.Logf
	}
	emu := slackemu.New(opts)
	t.Cleanup(emu.Close)
	emu.AddUser("U1", "ali")
	emu.AddUser("U2", "bea")
	emu.AddChannel("CANNOUNCE", "incidents")
	return emu
}

func api(emu *slackemu.Emulator, opts ...slack.Option) *slack.Client {
	base := []slack.Option{slack.OptionAPIURL(emu.URL()), slack.OptionAppLevelToken(emu.AppToken())}
	return slack.New(emu.BotToken(), append(base, opts...)...)
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// bot is a real slack-go socket-mode client; handle decides per event
// whether and how to ack (return ack=false to leave it unacked).
type bot struct {
	client *socketmode.Client
	mu     sync.Mutex
	seen   []socketmode.Event
}

func (b *bot) events(typ socketmode.EventType) []socketmode.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []socketmode.Event
	for _, ev := range b.seen {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func startBot(t testing.TB, emu *slackemu.Emulator, handle func(*socketmode.Client, socketmode.Event)) *bot {
	t.Helper()
	client := socketmode.New(api(emu))
	b := &bot{client: client}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		_ = client.RunContext(ctx)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-client.Events:
				b.mu.Lock()
				b.seen = append(b.seen, ev)
				b.mu.Unlock()
				if handle != nil && ev.Request != nil {
					handle(client, ev)
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
	})
	// Connected means the bot has read its hello, not just dialled.
	if err := emu.WaitFor(ctxT(t), func() bool { return len(b.events(socketmode.EventTypeHello)) > 0 }); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	return b
}

// ackAll acks every envelope with no payload.
func ackAll(c *socketmode.Client, ev socketmode.Event) {
	if ev.Request.EnvelopeID != "" {
		c.Ack(*ev.Request)
	}
}
