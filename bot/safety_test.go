package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// TestTitlesNeverPingChannels declares with the text Slack sends for
// "/incident declare P1 @here checkout & co" (should_escape is on).
func TestTitlesNeverPingChannels(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P1 <!here> checkout &amp; co <https://evil.example|click>")
	if got := h.incident(ch.ID).Title; got != "@here checkout & co click" {
		t.Errorf("stored title = %q, want plain text", got)
	}
	h.waitFor("announcement", func() bool { return strings.Contains(h.channelText(announce), "declared") })
	for _, c := range []string{announce, ch.ID} {
		text := h.channelText(c)
		if strings.Contains(text, "<!here>") || strings.Contains(text, "<https://evil") {
			t.Errorf("channel %s carries live markup from the title:\n%s", c, text)
		}
	}
	if !strings.Contains(h.channelText(announce), "checkout &amp; co") {
		t.Errorf("title not escaped in the announcement: %s", h.channelText(announce))
	}
}

func TestOtherBotsAreRecordedButNotOurOwn(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 alerts in channel")
	alert := map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "BDATADOG", "channel": ch.ID,
		"text": "[Datadog] checkout p99 > 2s", "ts": "1795415000.000100"}
	must(t, h.emu.SendEvent(h.ctx, "EvBot1", alert, 0))
	h.settled()
	if got := messagesOf(h.timeline(ch.ID)); len(got) != 1 || got[0] != "[Datadog] checkout p99 > 2s" {
		t.Errorf("integration alert not recorded: %q", got)
	}
	plain := map[string]any{"type": "message", "bot_id": "BGRAFANA", "channel": ch.ID,
		"text": "Grafana: error budget burn 14x", "ts": "1795415000.000200"}
	must(t, h.emu.SendEvent(h.ctx, "EvBot2", plain, 0))
	h.settled()
	found := false
	for _, e := range h.timeline(ch.ID) {
		if e.Text == "Grafana: error budget burn 14x" {
			found = true
		}
		if e.Kind == incident.KindMessage && strings.Contains(e.Text, "INC-1") {
			t.Errorf("the bot's own message was recorded: %q", e.Text)
		}
	}
	if !found {
		t.Error("another bot's message was not recorded")
	}
}

func TestUnfurlIsNotAnEdit(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P3 unfurl")
	ts := h.post(ali, ch.ID, "see https://status.example.com")
	unfurl := map[string]any{"type": "message", "subtype": "message_changed", "channel": ch.ID,
		"message":          map[string]any{"type": "message", "user": ali, "text": "see https://status.example.com", "ts": ts},
		"previous_message": map[string]any{"type": "message", "user": ali, "text": "see https://status.example.com", "ts": ts},
		"ts":               "1795416000.000001", "event_ts": "1795416000.000001"}
	must(t, h.emu.SendEvent(h.ctx, "EvUnfurl", unfurl, 0))
	h.settled()
	for _, e := range h.timeline(ch.ID) {
		if e.Text == "see https://status.example.com" && e.Edited {
			t.Error("a link unfurl marked the message edited")
		}
	}
}

// TestFailedPublishReopensTheDraft makes Slack refuse the update: nothing is
// marked approved, the approver is told, and a second click publishes.
func TestFailedPublishReopensTheDraft(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P2 publish fails")
	h.command(ali, ch.ID, "update")
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	h.emu.FailNext("chat.postMessage", "channel_not_found", 1)
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitReply(sam, "still open")
	if strings.Contains(h.channelText(announce), "Status update") {
		t.Fatal("published despite the failure")
	}
	if k := kindsOf(h.events(ch.ID)); k[incident.KindDraftApproved] != 0 {
		t.Fatalf("approval recorded for an unpublished draft: %v", k)
	}
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("published on retry", func() bool { return strings.Contains(h.channelText(announce), "Status update — INC-1") })
}

// TestEditAfterSomeoneElseApproved keeps the editor's modal open with an
// explanation instead of dropping their text.
func TestEditAfterSomeoneElseApproved(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P2 edit race")
	h.command(ali, ch.ID, "update")
	msg, id := h.draftButton(ch.ID, handlers.ActionEdit)
	h.click(sam, ch.ID, msg, handlers.ActionEdit, id)
	h.waitFor("edit modal", func() bool { return len(h.emu.Views()) == 1 })
	h.click(ali, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("approved", func() bool { return strings.Contains(h.channelText(announce), "Status update") })
	ack, err := h.emu.SubmitView(h.ctx, sam, h.emu.Views()[0].ID, map[string]map[string]string{"draft_text_0": {"draft_text_0": "my better text"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), "already approved") {
		t.Errorf("ack = %s, want a field error saying it was already approved", ack)
	}
	if strings.Contains(h.channelText(announce), "my better text") {
		t.Error("the late edit was published")
	}
}

// TestShutdownIsBoundedWhileWorkHangs stops the bot while a draft waits on a
// hanging model: shutdown cancels the work at the drain deadline instead of
// waiting for the model's own timeout.
func TestShutdownIsBoundedWhileWorkHangs(t *testing.T) {
	fake := openaifake.New(t)
	fake.SetMode(openaifake.Hang)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, time.Minute), withConfig(func(c *config) {
		c.DrainTimeout = 300 * time.Millisecond
	}))
	ch := h.declare("P2 hanging model")
	h.command(ali, ch.ID, "update")
	h.waitFor("the model to be asked", func() bool { return fake.Count() > 0 })
	start := time.Now()
	h.stop()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %s with a 300ms drain timeout", took)
	}
}
