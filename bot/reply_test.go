package bot_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// Public channels the bot was never added to, as most of a workspace is:
// people type /incident wherever they are.
const (
	random = "C0RANDOM"
	news   = "C0NEWS"
)

// TestSlashCommandRepliesWhereTheBotIsNotAMember: a slash command's reply
// goes through its response_url, which works in any channel, and the
// announcement reaches an announce channel the bot never joined
// (chat:write.public).
func TestSlashCommandRepliesWhereTheBotIsNotAMember(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withConfig(func(c *config) { c.Handlers.AnnounceChannel = news }))
	h.emu.AddForeignChannel(random, "random", ali)
	h.emu.AddForeignChannel(news, "news", sam)

	h.command(ali, random, "declare P3 checkout is slow")
	h.waitReply(ali, "Declared")
	for _, m := range h.emu.Ephemerals(ali) {
		if strings.Contains(m.Text, "Declared") && m.Channel != random {
			t.Errorf("reply shown in %s, want %s where the command was typed", m.Channel, random)
		}
	}
	h.waitFor("the announcement", func() bool { return strings.Contains(h.channelText(news), "checkout is slow") })
}

// TestDeclareModalRepliesWhereTheBotIsNotAMember: a modal has no
// response_url and chat.postEphemeral fails in a channel the bot is not in,
// so a failed declaration is told to the person in their DM with the app.
func TestDeclareModalRepliesWhereTheBotIsNotAMember(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	h.emu.AddForeignChannel(random, "random", ali)
	submit := func(title string) {
		t.Helper()
		before := len(h.emu.Views())
		h.command(ali, random, "declare")
		h.waitFor("the declare modal", func() bool { return len(h.emu.Views()) == before+1 })
		v := h.emu.Views()[before]
		if _, err := h.emu.SubmitView(h.ctx, ali, v.ID, map[string]map[string]string{
			"title": {"title": title}, "severity": {"severity": "P3"}}); err != nil {
			t.Fatal(err)
		}
	}

	// Declared: the confirmation is shown in the new incident channel.
	submit("search is down")
	h.waitReply(ali, "You declared")

	// Failed: the only place left to tell ali is the DM.
	h.emu.FailNext("conversations.create", "restricted_action", 1)
	submit("payments are down")
	h.waitFor("the failure in ali's DM", func() bool {
		return strings.Contains(textOf(h.emu.DirectMessages(ali)), "something went wrong")
	})
	if strings.Contains(h.replies(ali), "something went wrong") {
		t.Error("the failure was also shown ephemerally, so the DM was not a fallback")
	}
	refused := false
	for _, c := range h.emu.Calls("chat.postEphemeral") {
		if c.Params.Get("channel") == random && strings.Contains(string(c.Response), "not_in_channel") {
			refused = true
		}
	}
	if !refused {
		t.Error("the bot did not try chat.postEphemeral in the channel first")
	}
}
