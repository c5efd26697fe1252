package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/runbooks"
)

func withRunbooks(t testing.TB) option {
	return withConfig(func(c *config) {
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
	h.waitFor("runbook_shared on the timeline", func() bool { return kindsOf(h.events(ch.ID))[incident.KindRunbookShared] == 1 })

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

func TestSearchPastIncidentsAndPostmortems(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	stripe := h.declare("P2 Stripe webhooks failing")
	h.declare("P3 dashboard slow")
	db := h.declare("P1 database failover")
	h.command(ali, db.ID, "resolve")
	h.waitFor("resolved", func() bool { return !h.incident(db.ID).Active() })
	fake.SetReply(`{"summary":"The primary lost its disk; Stripe retries piled up behind it.","sections":[],"action_items":[]}`)
	h.command(ali, db.ID, "postmortem")
	msg, id := h.draftButton(db.ID, handlers.ActionApprove)
	h.click(sam, db.ID, msg, handlers.ActionApprove, id)
	h.waitFor("postmortem", func() bool { return h.incident(db.ID).PostmortemID == id })

	h.command(sam, general, "search stripe")
	h.waitReply(sam, "Past incidents matching")
	r := h.replies(sam)
	first, second := strings.Index(r, "INC-1"), strings.Index(r, "INC-3")
	if first < 0 || second < 0 || first > second {
		t.Errorf("want INC-1 (title match) before INC-3 (postmortem match):\n%s", r)
	}
	if strings.Contains(r, "INC-2") {
		t.Errorf("unrelated incident listed:\n%s", r)
	}
	if !strings.Contains(r, "postmortem (matches)") || !strings.Contains(r, "<#"+stripe.ID+">") {
		t.Errorf("reply lacks the postmortem match or the channel link:\n%s", r)
	}
	h.command(sam, general, "search kubernetes")
	h.waitReply(sam, "No incident among")
	h.command(sam, general, "search")
	h.waitReply(sam, "Tell me what to look for")
}
