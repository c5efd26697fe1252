package bot_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// BenchmarkDeclareToPage is the time from "/incident declare P1 ..." typed in
// Slack to the trigger reaching the (fake) PagerDuty Events API.
func BenchmarkDeclareToPage(b *testing.B) {
	pd := pdfake.New(b, "pd-token")
	h := newHarness(b, slackemu.Options{}, withPager(b, pd))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.emu.SlashCommand(h.ctx, ali, general, fmt.Sprintf("declare P1 bench %d", i)); err != nil {
			b.Fatal(err)
		}
		want := i + 1
		spin(b, func() bool { return len(triggers(pd, "trigger")) >= want })
	}
}

// BenchmarkWebhookToChannel is the time from a PagerDuty incident.triggered
// webhook to the incident's Slack channel existing.
func BenchmarkWebhookToChannel(b *testing.B) {
	pd := pdfake.New(b, "pd-token")
	h := newHarness(b, slackemu.Options{}, withPager(b, pd))
	url := fmt.Sprintf("http://%s/webhooks/pagerduty", h.bot.HTTPAddr())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := len(h.emu.Channels())
		body := pdfake.WebhookBody(fmt.Sprintf("EVB%d", i), "incident.triggered", time.Now(), pdfake.WebhookIncident{
			ID: fmt.Sprintf("PB%d", i), Title: fmt.Sprintf("bench alert %d", i), Urgency: "high",
			Status: "triggered", ServiceID: "PSVC1", ServiceName: "checkout"})
		req, err := pdfake.WebhookRequest(h.ctx, url, webhookSecret, body)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		spin(b, func() bool { return len(h.emu.Channels()) > before })
	}
}

// BenchmarkUpdateToDraft is the time from "/incident update" to the draft
// with its Approve button on screen, with the model answering at once and
// with it hanging (the template arrives when LLM_TIMEOUT, here 2s, runs out).
func BenchmarkUpdateToDraft(b *testing.B) {
	for _, tc := range []struct {
		name string
		mode openaifake.Mode
	}{{"instant", openaifake.Good}, {"hanging-2s-timeout", openaifake.Hang}} {
		b.Run(tc.name, func(b *testing.B) {
			fake := openaifake.New(b)
			fake.SetMode(tc.mode)
			h := newHarness(b, slackemu.Options{}, withLLM(fake, 2*time.Second))
			ch := h.declare("P1 bench drafts")
			for i := 0; i < 200; i++ {
				h.post(ali, ch.ID, fmt.Sprintf("observation %d: error rate %d%%", i, i%40))
			}
			h.settled()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := h.emu.SlashCommand(h.ctx, ali, ch.ID, "update"); err != nil {
					b.Fatal(err)
				}
				want := i + 1
				spin(b, func() bool { return countButtons(h, ch.ID, handlers.ActionApprove) >= want })
			}
		})
	}
}

// spin waits for cond, polling every 100µs: the emulator's WaitFor polls
// every 5ms, too coarse for figures of a few milliseconds.
func spin(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(100 * time.Microsecond)
	}
}
