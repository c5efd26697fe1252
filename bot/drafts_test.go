package bot_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
)

func withLLM(fake *openaifake.Server, timeout time.Duration) option {
	return withConfig(func(c *config) {
		c.Drafter = llm.New(llm.Config{APIKey: "sk-test-key", BaseURL: fake.BaseURL(), Model: "gpt-test",
			Timeout: timeout, MaxRetries: 1}, testLogger())
	})
}

// draftButton returns the newest message in channelID with a button of
// actionID, and that button's value.
func (h *harness) draftButton(channelID, actionID string) (slackemu.Message, string) {
	h.t.Helper()
	var msg slackemu.Message
	var value string
	h.waitFor("a draft with "+actionID, func() bool {
		msgs := h.emu.Messages(channelID)
		for i := len(msgs) - 1; i >= 0; i-- {
			if v := msgs[i].ButtonValue(actionID); v != "" {
				msg, value = msgs[i], v
				return true
			}
		}
		return false
	})
	return msg, value
}

func (h *harness) click(user, channelID string, msg slackemu.Message, actionID, value string) {
	h.t.Helper()
	if _, err := h.emu.ClickButton(h.ctx, user, channelID, msg.TS, actionID, value); err != nil {
		h.t.Fatalf("click %s: %v", actionID, err)
	}
}

func kindsOf(events []incident.Event) map[incident.Kind]int {
	out := map[incident.Kind]int{}
	for _, e := range events {
		out[e.Kind]++
	}
	return out
}

func TestStatusUpdateIsPublishedOnlyAfterApproval(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P1 checkout errors")
	secrets := []string{"AKIAIOSFODNN7EXAMPLE", "xoxb-1234567890-abcdefghijklmnop", "hunter2secret"}
	ts := h.post(ali, ch.ID, "error rate 40% on checkout")
	h.post(ali, ch.ID, "aws key in the log: AKIAIOSFODNN7EXAMPLE and token xoxb-1234567890-abcdefghijklmnop")
	h.post(ali, ch.ID, "db url postgres://app:hunter2secret@db:5432/app")
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "pushpin"))
	h.settled()

	ack := h.command(ali, ch.ID, "update")
	if !strings.Contains(string(ack), "Drafting") {
		t.Errorf("ack = %s", ack)
	}
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	if !strings.Contains(unescape(msg.Blocks), "AI draft") {
		t.Errorf("draft not labelled as an AI draft: %s", msg.Blocks)
	}
	if strings.Contains(h.channelText(announce), "Status update") {
		t.Fatal("the draft reached the announce channel before approval")
	}
	if fake.Count() == 0 {
		t.Fatal("the LLM was never asked")
	}
	for _, r := range fake.Requests() {
		openaifake.AssertNoSecret(t, r.Body, secrets)
		if !strings.Contains(string(r.Body), "[E") {
			t.Errorf("prompt has no numbered timeline lines")
		}
	}
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("published in the channel", func() bool { return strings.Contains(h.channelText(ch.ID), "Status update — INC-1") })
	h.waitFor("published to announce", func() bool { return strings.Contains(h.channelText(announce), "Status update — INC-1") })
	h.waitFor("draft marked approved", func() bool { return strings.Contains(h.channelText(ch.ID), "Approved by <@"+sam+">") })
	for _, m := range h.emu.Messages(ch.ID) {
		if m.TS == msg.TS && m.ButtonValue(handlers.ActionApprove) != "" {
			t.Error("the approved draft still has its buttons")
		}
	}
	k := kindsOf(h.events(ch.ID))
	if k[incident.KindDraftCreated] != 1 || k[incident.KindDraftApproved] != 1 {
		t.Errorf("draft events = %v", k)
	}
	h.waitFor("LastUpdateAt set on approval", func() bool { return !h.incident(ch.ID).LastUpdateAt.IsZero() })
}

func TestEditAndRejectDrafts(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P2 search slow")
	h.post(ali, ch.ID, "search p95 is 3s")
	h.settled()

	h.command(ali, ch.ID, "update")
	msg, id := h.draftButton(ch.ID, handlers.ActionEdit)
	h.click(sam, ch.ID, msg, handlers.ActionEdit, id)
	h.waitFor("edit modal", func() bool { return len(h.emu.Views()) == 1 })
	view := h.emu.Views()[0]
	if !strings.Contains(string(view.JSON), "draft_text_0") {
		t.Fatalf("edit modal has no text input: %s", view.JSON)
	}
	ack, err := h.emu.SubmitView(h.ctx, sam, view.ID, map[string]map[string]string{"draft_text_0": {"draft_text_0": "   "}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), "errors") {
		t.Errorf("empty edit accepted: %s", ack)
	}
	edited := "Search is slow for all customers. We are adding an index. Next update at 15:30 UTC."
	if _, err := h.emu.SubmitView(h.ctx, sam, view.ID, map[string]map[string]string{"draft_text_0": {"draft_text_0": edited}}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("edited text published", func() bool { return strings.Contains(h.channelText(announce), "We are adding an index") })
	h.waitFor("draft marked approved", func() bool { return countButtons(h, ch.ID, handlers.ActionApprove) == 0 })
	var editEv incident.Event
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindDraftEdited {
			editEv = ev
		}
	}
	if editEv.Text != edited || editEv.Get("before") == "" || editEv.Get("change_ratio") == "" || editEv.Actor != sam {
		t.Errorf("edit event = %+v", editEv)
	}

	h.command(ali, ch.ID, "update")
	h.waitFor("second draft", func() bool {
		return len(h.emu.Calls("chat.postMessage")) > 0 && countButtons(h, ch.ID, handlers.ActionReject) == 1
	})
	msg, id = h.draftButton(ch.ID, handlers.ActionReject)
	h.click(ali, ch.ID, msg, handlers.ActionReject, id)
	h.waitFor("rejected", func() bool { return strings.Contains(h.channelText(ch.ID), "Rejected by <@"+ali+">") })
	if n := h.countMessages(announce, "Status update"); n != 1 {
		t.Errorf("announce has %d updates, want only the edited one", n)
	}
	if k := kindsOf(h.events(ch.ID)); k[incident.KindDraftRejected] != 1 {
		t.Errorf("events = %v", k)
	}
}

// countMessages counts the messages in channelID whose text contains want.
func (h *harness) countMessages(channelID, want string) int {
	n := 0
	for _, m := range h.emu.Messages(channelID) {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

func countButtons(h *harness, channelID, actionID string) int {
	n := 0
	for _, m := range h.emu.Messages(channelID) {
		if m.ButtonValue(actionID) != "" {
			n++
		}
	}
	return n
}

func TestConcurrentApprovalsPublishOnce(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P1 race")
	h.command(ali, ch.ID, "update")
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	users := []string{ali, sam}
	var wg sync.WaitGroup
	var mu sync.Mutex
	gone := 0 // clicks Slack refused because the buttons were already removed
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			if _, err := h.emu.ClickButton(h.ctx, u, ch.ID, msg.TS, handlers.ActionApprove, id); err != nil {
				mu.Lock()
				gone++
				mu.Unlock()
			}
		}(users[i%2])
	}
	wg.Wait()
	h.waitFor("published", func() bool { return strings.Contains(h.channelText(announce), "Status update — INC-1") })
	h.waitFor("every other click is told it lost", func() bool {
		return strings.Count(h.replies(ali)+h.replies(sam), "already approved")+gone == 9
	})
	if n := h.countMessages(announce, "Status update — INC-1"); n != 1 {
		t.Errorf("published %d times, want exactly once", n)
	}
	h.waitFor("one approval on the log", func() bool { return kindsOf(h.events(ch.ID))[incident.KindDraftApproved] == 1 })
}

func TestTheBotCannotApprove(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P2 self approval")
	h.command(ali, ch.ID, "update")
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	bot := h.emu.BotUserID()
	h.emu.AddUser(bot, "incidentbot")
	h.click(bot, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("refusal", func() bool { return strings.Contains(h.replies(bot), "Only a person") })
	if strings.Contains(h.channelText(announce), "Status update") {
		t.Error("the bot approved its own draft")
	}
}

func TestTemplateDraftWhenTheLLMHangsOrFails(t *testing.T) {
	for _, mode := range []openaifake.Mode{openaifake.Hang, openaifake.ServerError, openaifake.Garbage} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			fake := openaifake.New(t)
			fake.SetMode(mode)
			h := newHarness(t, slackemu.Options{}, withLLM(fake, 700*time.Millisecond))
			ch := h.declare("P2 llm down")
			h.post(ali, ch.ID, "the cache is cold")
			h.settled()
			h.command(ali, ch.ID, "update")
			msg, _ := h.draftButton(ch.ID, handlers.ActionApprove)
			if !strings.Contains(unescape(msg.Blocks), "Template draft") {
				t.Errorf("fallback not labelled: %s", msg.Blocks)
			}
		})
	}
}

func TestPostmortemApprovalUploadsFileAndTracksActionItems(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P1 payments down")
	ts := h.post(ali, ch.ID, "payments API returning 502")
	h.post(sam, ch.ID, "rolled back the gateway config")
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "pushpin"))
	h.settled()
	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolved", func() bool { return !h.incident(ch.ID).Active() })
	var cite int
	for _, ev := range h.events(ch.ID) {
		if ev.Text == "payments API returning 502" {
			cite = ev.Seq
		}
	}
	fake.SetReply(fmt.Sprintf(`{"summary":"Payments failed for 20 minutes after a gateway config change [E%[1]d].",
	"sections":[{"title":"Summary","text":"Payments failed [E%[1]d].","citations":[%[1]d]},
	{"title":"Impact","text":"All card payments failed.","citations":[%[1]d]},
	{"title":"Detection","text":"Alert on 502s.","citations":[%[1]d]},
	{"title":"Timeline","text":"See timeline.","citations":[%[1]d]},
	{"title":"Root cause and trigger","text":"A config change.","citations":[%[1]d]},
	{"title":"Contributing factors","text":"No canary.","citations":[%[1]d]},
	{"title":"What went well","text":"Fast rollback.","citations":[%[1]d]},
	{"title":"What went badly","text":"Slow detection.","citations":[%[1]d]},
	{"title":"Lessons","text":"Canary config changes.","citations":[%[1]d]}],
	"action_items":[{"text":"Add a canary for gateway config","owner":"<@%[2]s>","due":"2026-12-01"},{"text":"Alert on payment 5xx","owner":"sam","due":"2026-12-08"}]}`, cite, sam))
	h.command(ali, ch.ID, "postmortem")
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("postmortem file", func() bool { return len(h.emu.Files(ch.ID)) == 1 })
	f := h.emu.Files(ch.ID)[0]
	if f.Name != "INC-1-postmortem.md" || !strings.Contains(string(f.Content), "gateway config") {
		t.Errorf("file %s:\n%s", f.Name, f.Content)
	}
	h.waitFor("postmortem recorded", func() bool { return h.incident(ch.ID).PostmortemID == id })
	h.waitFor("action items tracked", func() bool { return len(incident.ActionItems(h.events(ch.ID))) == 2 })

	h.command(ali, ch.ID, "actions")
	h.waitReply(ali, "Add a canary for gateway config")
	var doneMsg slackemu.Message
	var doneValue string
	for _, m := range h.emu.Ephemerals(ali) {
		if v := m.ButtonValue(handlers.ActionItemDone); v != "" {
			doneMsg, doneValue = m, v
		}
	}
	if doneValue == "" {
		t.Fatal("action items have no Done button")
	}
	h.click(ali, ch.ID, doneMsg, handlers.ActionItemDone, doneValue)
	h.waitFor("item done", func() bool {
		items := incident.ActionItems(h.events(ch.ID))
		return len(items) == 2 && items[0].Done
	})
	h.command(ali, ch.ID, "postmortem")
	h.waitReply(ali, "already has an approved postmortem")
}

func TestCatchupIsPrivate(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 5*time.Second))
	ch := h.declare("P2 catch me up")
	h.post(ali, ch.ID, "the queue is at 2M jobs")
	h.settled()
	before := len(h.emu.Messages(ch.ID))
	h.command(sam, ch.ID, "catchup")
	h.waitFor("private catch-up", func() bool { return strings.Contains(h.replies(sam), "catch-up for INC-1") })
	if after := len(h.emu.Messages(ch.ID)); after != before {
		t.Errorf("catch-up posted publicly: %d → %d messages", before, after)
	}
}

// TestCostCapFallsBackToTemplateAndSaysWhy spends the incident's whole
// budget on the first draft; the next one is a template that says why.
func TestCostCapFallsBackToTemplateAndSaysWhy(t *testing.T) {
	fake := openaifake.New(t)
	h := newHarness(t, slackemu.Options{}, withConfig(func(c *config) {
		c.Drafter = llm.New(llm.Config{APIKey: "sk-test-key", BaseURL: fake.BaseURL(), Model: "gpt-test",
			Timeout: 5 * time.Second, CostCapUSD: 1e-9}, testLogger())
	}))
	ch := h.declare("P2 expensive")
	h.command(ali, ch.ID, "update")
	first, _ := h.draftButton(ch.ID, handlers.ActionApprove)
	if !strings.Contains(unescape(first.Blocks), "AI draft") {
		t.Fatalf("first draft should come from the model: %s", first.Blocks)
	}
	calls := fake.Count()
	h.command(ali, ch.ID, "update")
	h.waitFor("second draft", func() bool { return countButtons(h, ch.ID, handlers.ActionApprove) == 2 })
	second, _ := h.draftButton(ch.ID, handlers.ActionApprove)
	if text := unescape(second.Blocks); !strings.Contains(text, "Template draft") || !strings.Contains(text, "cost cap") {
		t.Errorf("second draft does not say the cost cap was reached: %s", text)
	}
	if fake.Count() != calls {
		t.Errorf("the model was called over the cap: %d → %d requests", calls, fake.Count())
	}
	if _, cost, err := h.store.Usage(h.ctx, h.incident(ch.ID).Number); err != nil || cost <= 0 {
		t.Errorf("usage not counted: cost %v err %v", cost, err)
	}
}

// TestOneDraftAtATime: a second /incident update while the first is still
// being written is answered, not drafted (and not paid for) twice.
func TestOneDraftAtATime(t *testing.T) {
	fake := openaifake.New(t)
	fake.SetMode(openaifake.Hang)
	h := newHarness(t, slackemu.Options{}, withLLM(fake, 2*time.Second))
	ch := h.declare("P2 double typed")
	h.command(ali, ch.ID, "update")
	h.waitFor("the model to be asked", func() bool { return fake.Count() > 0 })
	h.command(sam, ch.ID, "update")
	h.waitReply(sam, "already writing a draft")
	h.draftButton(ch.ID, handlers.ActionApprove) // the first, a template after the timeout
	if n := countButtons(h, ch.ID, handlers.ActionApprove); n != 1 {
		t.Errorf("%d drafts posted, want 1", n)
	}
}
