package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/runbooks"
)

func withRunbooks(t testing.TB) option {
	return withConfig(func(c *bot.Config) {
		lib, err := runbooks.Open(context.Background(), "", testLogger())
		if err != nil {
			t.Fatal(err)
		}
		c.Runbooks = lib
	})
}

func TestRunbookSearchShareAndSuggestions(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withRunbooks(t))
	ch := h.declare("P1 postgres too many connections")
	inc := h.incident(ch.ID)
	if len(inc.Runbooks) == 0 || !strings.Contains(strings.ToLower(strings.Join(inc.Runbooks, " ")), "connection") {
		t.Errorf("header suggestions = %q", inc.Runbooks)
	}
	if !strings.Contains(h.channelText(ch.ID), "Suggested runbooks") {
		t.Error("header does not show the suggestions")
	}

	h.command(ali, ch.ID, "runbook db connections")
	h.waitReply(ali, "Runbooks for “db connections”")
	var msg slackemu.Message
	var value string
	for _, m := range h.emu.Ephemerals(ali) {
		if v := m.ButtonValue(handlers.ActionShareRunbook); v != "" {
			msg, value = m, v
			break
		}
	}
	if value == "" {
		t.Fatal("no Share in channel button")
	}
	h.click(ali, ch.ID, msg, handlers.ActionShareRunbook, value)
	h.waitFor("shared in channel", func() bool { return strings.Contains(h.channelText(ch.ID), "shared *") })
	if k := kindsOf(h.events(ch.ID)); k[incident.KindRunbookShared] != 1 {
		t.Errorf("events = %v", k)
	}

	h.command(sam, general, "runbook zzqx frobulator")
	h.waitReply(sam, "No runbook section matches")
	h.command(sam, general, "runbook")
	h.waitReply(sam, "Tell me what to look for")
	// Outside an incident channel there is nothing to share into.
	h.command(sam, general, "runbook tls certificate expired")
	h.waitReply(sam, "Runbooks for")
	for _, m := range h.emu.Ephemerals(sam) {
		if m.ButtonValue(handlers.ActionShareRunbook) != "" {
			t.Error("Share button offered outside an incident channel")
		}
	}
}
