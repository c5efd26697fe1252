package slackemu_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func checkboxes(n int, ticked ...int) *slack.ActionBlock {
	var opts, initial []*slack.OptionBlockObject
	for i := range n {
		o := slack.NewOptionBlockObject(strconv.Itoa(i), slack.NewTextBlockObject(slack.MarkdownType, "item "+strconv.Itoa(i), false, false),
			slack.NewTextBlockObject(slack.MarkdownType, "owner <@U1>", false, false))
		opts = append(opts, o)
		if slices.Contains(ticked, i) {
			initial = append(initial, o)
		}
	}
	box := slack.NewCheckboxGroupsBlockElement("toggle", opts...)
	box.InitialOptions = initial
	return slack.NewActionBlock("list:"+strconv.Itoa(len(ticked)), box)
}

// TestToggleCheckboxSendsTheWholeSelection ticks and unticks boxes and
// checks that slack-go reads Slack's block_actions shape for checkboxes:
// type, block_id, the element's whole new selection and no value.
func TestToggleCheckboxSendsTheWholeSelection(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	var mu sync.Mutex
	var got []slack.InteractionCallback
	startBot(t, emu, func(c *socketmode.Client, ev socketmode.Event) {
		if ev.Type != socketmode.EventTypeInteractive {
			return
		}
		mu.Lock()
		got = append(got, ev.Data.(slack.InteractionCallback))
		mu.Unlock()
		c.Ack(*ev.Request)
	})
	c, ctx := api(emu), ctxT(t)
	_, ts, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("checklist", false), slack.MsgOptionBlocks(checkboxes(3, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if r := emu.Render("CANNOUNCE"); !strings.Contains(r, "[ ] item 0 — owner @ali") || !strings.Contains(r, "[x] item 1") {
		t.Fatalf("checkboxes not rendered:\n%s", r)
	}
	before := emu.Messages("CANNOUNCE")[0]
	if _, err := emu.ToggleCheckbox(ctx, "U2", "CANNOUNCE", ts, "toggle", "2"); err != nil {
		t.Fatal(err)
	}
	// The message changes; a client still showing the first copy sends
	// that copy's block_id and selection.
	if _, _, _, err := c.UpdateMessageContext(ctx, "CANNOUNCE", ts, slack.MsgOptionBlocks(checkboxes(3, 1, 2))); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.ToggleCheckbox(ctx, "U1", "CANNOUNCE", ts, "toggle", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.ToggleCheckboxSeen(ctx, "U2", "CANNOUNCE", before, "toggle", "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.ToggleCheckbox(ctx, "U1", "CANNOUNCE", ts, "toggle", "7"); !errors.Is(err, slackemu.ErrNotFound) {
		t.Errorf("toggled an option the element does not offer: %v", err)
	}
	if err := emu.WaitFor(ctx, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 3 }); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		user, block string
		selected    []string
	}{
		{"U2", "list:1", []string{"1", "2"}},
		{"U1", "list:2", []string{"2"}},
		{"U2", "list:1", []string{"0", "1"}},
	}
	mu.Lock()
	defer mu.Unlock()
	for i, w := range want {
		cb := got[i]
		a := cb.ActionCallback.BlockActions[0]
		var sel []string
		for _, o := range a.SelectedOptions {
			sel = append(sel, o.Value)
		}
		if cb.Type != slack.InteractionTypeBlockActions || a.Type != "checkboxes" || a.ActionID != "toggle" || a.Value != "" ||
			a.BlockID != w.block || cb.User.ID != w.user || cb.Container.MessageTs != ts || !slices.Equal(sel, w.selected) {
			t.Errorf("click %d: %s %s in %s selected %v, want %s %s selected %v", i, cb.User.ID, a.Type, a.BlockID, sel, w.user, w.block, w.selected)
		}
		if a.SelectedOptions[0].Text == nil || a.SelectedOptions[0].Text.Text == "" {
			t.Errorf("click %d: selected options carry no text: %+v", i, a.SelectedOptions[0])
		}
	}
}

// TestCheckboxLimits refuses what Slack refuses: more than 10 options, an
// option text over 75 characters, an initial option not offered.
func TestCheckboxLimits(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	c, ctx := api(emu), ctxT(t)
	long := checkboxes(1)
	long.Elements.ElementSet[0].(*slack.CheckboxGroupsBlockElement).Options[0].Text.Text = strings.Repeat("x", 76)
	stray := checkboxes(2, 0)
	stray.Elements.ElementSet[0].(*slack.CheckboxGroupsBlockElement).InitialOptions[0] =
		slack.NewOptionBlockObject("9", slack.NewTextBlockObject(slack.PlainTextType, "nine", false, false), nil)
	for name, b := range map[string]*slack.ActionBlock{"11 options": checkboxes(11), "long text": long, "stray initial": stray} {
		if _, _, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionBlocks(b)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
			t.Errorf("%s: posted (err %v), want invalid_blocks", name, err)
		}
	}
	if _, _, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionBlocks(checkboxes(10, 9))); err != nil {
		t.Errorf("10 options refused: %v", err)
	}
}
