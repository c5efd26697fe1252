package slackemu_test

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// BenchmarkEventDeliveryAndAck measures how fast the emulator can feed a real
// slack-go socket-mode client: one events_api envelope out, one ack back.
// It bounds what an end-to-end ingest benchmark through the emulator can show.
func BenchmarkEventDeliveryAndAck(b *testing.B) {
	emu := slackemu.New(slackemu.Options{RedeliverAfter: -1})
	defer emu.Close()
	emu.AddUser("U1", "ali")
	emu.AddChannel("C1", "incidents")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	startBot(b, emu, ackAll)
	inner := map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": "x", "ts": "1700000000.000100"}
	b.ResetTimer()
	for i := range b.N {
		if err := emu.SendEvent(ctx, "Ev"+string(rune('A'+i%26)), inner, 0); err != nil {
			b.Fatal(err)
		}
	}
	if err := emu.WaitFor(ctx, func() bool { return len(emu.Acks()) >= b.N }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWebAPIPostMessage measures chat.postMessage through slack-go.
func BenchmarkWebAPIPostMessage(b *testing.B) {
	emu := slackemu.New(slackemu.Options{SuppressBotEvents: true})
	defer emu.Close()
	emu.AddChannel("C1", "incidents")
	c := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()))
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, _, err := c.PostMessageContext(ctx, "C1", slack.MsgOptionText("hello", false)); err != nil {
			b.Fatal(err)
		}
	}
}
