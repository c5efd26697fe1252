package bot_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
)

// reviewMarkup is what only a draft's reviewers may see: citation markers,
// check findings, and mentions that would ping people.
var reviewMarkup = regexp.MustCompile(`\[E\d+|⚠|<@[UW]`)

// TestStakeholdersReadCleanText runs an incident to its published
// postmortem on every drafting path and reads what stakeholders receive:
// the announce channel and the postmortem file carry no citation markers,
// no check findings and no mentions, and name people by name.
func TestStakeholdersReadCleanText(t *testing.T) {
	paths := []struct {
		name  string
		setup func(fake *openaifake.Server) option
	}{
		{"model answering well", func(fake *openaifake.Server) option { return withLLM(fake, 5*time.Second) }},
		{"model citing what is not there", func(fake *openaifake.Server) option {
			fake.SetMode(openaifake.BadCitations)
			return withLLM(fake, 5*time.Second)
		}},
		{"model talking garbage (template)", func(fake *openaifake.Server) option {
			fake.SetMode(openaifake.Garbage)
			return withLLM(fake, 5*time.Second)
		}},
		{"no model configured (template)", func(*openaifake.Server) option {
			return withConfig(func(c *config) { c.Drafter = llm.New(llm.Config{}, testLogger()) })
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			fake := openaifake.New(t)
			h := newHarness(t, slackemu.Options{}, p.setup(fake))
			ch := h.declare("P2 checkout errors")
			key := h.post(ali, ch.ID, "error rate 40% on checkout, <@"+sam+"> can you look at the gateway?")
			must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, key, "pushpin"))
			h.post(sam, ch.ID, "gateway config was rolled back, errors dropping")
			h.command(ali, ch.ID, "role comms <@"+sam+">")
			h.settled()

			h.command(ali, ch.ID, "update")
			msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
			h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
			h.waitFor("the update announced", func() bool { return strings.Contains(h.channelText(announce), "Status update — INC-1") })
			// The update's buttons are gone before the postmortem's draft is looked for.
			h.waitFor("the update marked approved", func() bool { return h.countMessages(ch.ID, "Approved by") == 1 })

			h.command(ali, ch.ID, "resolve")
			h.waitFor("resolved", func() bool { return !h.incident(ch.ID).Active() })
			h.command(ali, ch.ID, "postmortem")
			msg, id = h.draftButton(ch.ID, handlers.ActionApprove)
			h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
			h.waitFor("the postmortem file", func() bool { return len(h.emu.Files(ch.ID)) == 1 })
			h.waitFor("the postmortem announced", func() bool { return strings.Contains(h.channelText(announce), "postmortem for *INC-1*") })

			announced := h.channelText(announce)
			file := string(h.emu.Files(ch.ID)[0].Content)
			for what, text := range map[string]string{"announce channel": announced, "postmortem file": file} {
				if m := reviewMarkup.FindString(text); m != "" {
					t.Errorf("the %s carries review markup %q:\n%s", what, m, text)
				}
			}
			if !strings.Contains(announced, "declared by ali") {
				t.Errorf("the announcement does not name the declarer:\n%s", announced)
			}
			if strings.Contains(file, sam) || strings.Contains(file, ali) {
				t.Errorf("the postmortem file shows raw user IDs:\n%s", file)
			}
			for _, m := range h.emu.Messages(ch.ID) {
				if strings.Contains(m.Text, "Status update — INC-1") && reviewMarkup.MatchString(unescape(m.Blocks)) {
					t.Errorf("the published update carries review markup: %s", unescape(m.Blocks))
				}
			}
		})
	}
}
