package slackemu_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func declareModal() slack.ModalViewRequest {
	title := slack.NewInputBlock("title", slack.NewTextBlockObject(slack.PlainTextType, "Title", false, false), nil,
		slack.NewPlainTextInputBlockElement(nil, "title_input"))
	sev := slack.NewInputBlock("severity", slack.NewTextBlockObject(slack.PlainTextType, "Severity", false, false), nil,
		slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "severity_select",
			slack.NewOptionBlockObject("P1", slack.NewTextBlockObject(slack.PlainTextType, "P1", false, false), nil),
			slack.NewOptionBlockObject("P3", slack.NewTextBlockObject(slack.PlainTextType, "P3", false, false), nil)))
	desc := slack.NewInputBlock("desc", slack.NewTextBlockObject(slack.PlainTextType, "Description", false, false), nil,
		slack.NewPlainTextInputBlockElement(nil, "desc_input"))
	desc.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "declare", PrivateMetadata: "C1",
		Title:  slack.NewTextBlockObject(slack.PlainTextType, "Declare incident", false, false),
		Submit: slack.NewTextBlockObject(slack.PlainTextType, "Declare", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{title, sev, desc}},
	}
}

// TestModalOpenAndSubmit opens a modal from a slash command's trigger, then
// submits it twice: once refused with field errors in the ack, once accepted.
func TestModalOpenAndSubmit(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	var mu sync.Mutex
	var submissions []slack.InteractionCallback
	startBot(t, emu, func(c *socketmode.Client, ev socketmode.Event) {
		switch ev.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := ev.Data.(slack.SlashCommand)
			c.Ack(*ev.Request)
			if _, err := c.OpenViewContext(context.Background(), cmd.TriggerID, declareModal()); err != nil {
				t.Errorf("views.open: %v", err)
			}
		case socketmode.EventTypeInteractive:
			cb := ev.Data.(slack.InteractionCallback)
			mu.Lock()
			submissions = append(submissions, cb)
			mu.Unlock()
			title := cb.View.State.Values["title"]["title_input"].Value
			if strings.TrimSpace(title) == "" || title == "x" {
				c.Ack(*ev.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"title": "Give it a real title"}))
				return
			}
			c.Ack(*ev.Request)
		}
	})
	ctx := ctxT(t)
	if _, err := emu.SlashCommand(ctx, "U1", "CANNOUNCE", "declare"); err != nil {
		t.Fatal(err)
	}
	if err := emu.WaitFor(ctx, func() bool { return len(emu.Views()) == 1 }); err != nil {
		t.Fatal(err)
	}
	v := emu.Views()[0]
	if v.CallbackID != "declare" || v.PrivateMetadata != "C1" || v.User != "U1" || v.ID == "" {
		t.Fatalf("view %+v", v)
	}
	if _, err := emu.SubmitView(ctx, "U1", v.ID, map[string]map[string]string{"severity": {"severity_select": "P1"}}); err == nil {
		t.Fatal("submit with an empty required field was accepted")
	}
	ack, err := emu.SubmitView(ctx, "U1", v.ID, map[string]map[string]string{
		"title": {"title_input": "x"}, "severity": {"severity_select": "P1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var resp slack.ViewSubmissionResponse
	if err := json.Unmarshal(ack, &resp); err != nil || resp.ResponseAction != "errors" || resp.Errors["title"] == "" {
		t.Fatalf("ack %s", ack)
	}
	if emu.Views()[0].Closed {
		t.Fatal("errors response closed the modal")
	}
	if _, err := emu.SubmitView(ctx, "U1", v.ID, map[string]map[string]string{
		"title": {"title_input": "db down"}, "severity": {"severity_select": "P3"},
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	last := submissions[len(submissions)-1]
	mu.Unlock()
	if last.Type != slack.InteractionTypeViewSubmission || last.View.CallbackID != "declare" || last.User.ID != "U1" {
		t.Fatalf("submission %+v", last)
	}
	if got := last.View.State.Values["severity"]["severity_select"].SelectedOption.Value; got != "P3" {
		t.Fatalf("selected %q", got)
	}
	if !emu.Views()[0].Closed {
		t.Fatal("accepted submission left the modal open")
	}
}

func TestViewsOpenTriggerRules(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, TriggerTTL: 300 * time.Millisecond})
	b := startBot(t, emu, ackAll)
	c := api(emu)
	ctx := ctxT(t)
	trigger := func() string {
		t.Helper()
		if _, err := emu.SlashCommand(ctx, "U1", "CANNOUNCE", "declare"); err != nil {
			t.Fatal(err)
		}
		cmds := b.events(socketmode.EventTypeSlashCommand)
		return cmds[len(cmds)-1].Data.(slack.SlashCommand).TriggerID
	}
	longTitle := declareModal()
	longTitle.Title.Text = strings.Repeat("t", 25)
	used := trigger()
	if _, err := c.OpenViewContext(ctx, used, declareModal()); err != nil {
		t.Fatal(err)
	}
	expired := trigger()
	time.Sleep(400 * time.Millisecond)
	tests := []struct {
		name, trigger string
		view          slack.ModalViewRequest
		want          string
	}{
		{"made-up trigger", "123.456.abc", declareModal(), "invalid_trigger_id"},
		{"trigger used twice", used, declareModal(), "invalid_trigger_id"},
		{"expired trigger", expired, declareModal(), "expired_trigger_id"},
		{"title over 24 chars", trigger(), longTitle, "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.OpenViewContext(ctx, tt.trigger, tt.view)
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
}

// TestButtonClickAndResponseURL clicks Approve on a draft, and the bot
// answers through response_url: replacing the original, then an ephemeral
// note, then an in-channel post.
func TestButtonClickAndResponseURL(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	var mu sync.Mutex
	var clicks []slack.InteractionCallback
	startBot(t, emu, func(c *socketmode.Client, ev socketmode.Event) {
		if ev.Type != socketmode.EventTypeInteractive {
			return
		}
		cb := ev.Data.(slack.InteractionCallback)
		mu.Lock()
		clicks = append(clicks, cb)
		mu.Unlock()
		c.Ack(*ev.Request)
		ctx := context.Background()
		for _, msg := range []*slack.WebhookMessage{
			{Text: "Approved by <@" + cb.User.ID + ">", ReplaceOriginal: true},
			{Text: "Published.", ResponseType: "ephemeral"},
			{Text: "Status update: all good", ResponseType: "in_channel"},
		} {
			if err := slack.PostWebhookContext(ctx, cb.ResponseURL, msg); err != nil {
				t.Errorf("response_url: %v", err)
			}
		}
	})
	c := api(emu)
	ctx := ctxT(t)
	approve := slack.NewButtonBlockElement("approve", "draft-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	reject := slack.NewButtonBlockElement("reject", "draft-1", slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false))
	_, ts, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("Draft", false), slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Draft update", false, false), nil, nil),
		slack.NewActionBlock("draft", approve, reject)))
	if err != nil {
		t.Fatal(err)
	}
	if got := emu.Render("CANNOUNCE"); !strings.Contains(got, "[Approve] [Reject]") {
		t.Fatalf("buttons not rendered:\n%s", got)
	}
	if _, err := emu.ClickButton(ctx, "U2", "CANNOUNCE", ts, "nope", ""); err == nil {
		t.Fatal("clicked a button that does not exist")
	}
	if _, err := emu.ClickButton(ctx, "U2", "CANNOUNCE", ts, "approve", ""); err != nil {
		t.Fatal(err)
	}
	if err := emu.WaitFor(ctx, func() bool { return len(emu.Calls("response_url")) == 3 }); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	cb := clicks[0]
	mu.Unlock()
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "approve" || a.Value != "draft-1" || a.BlockID != "draft" || cb.Container.MessageTs != ts ||
		cb.Channel.ID != "CANNOUNCE" || cb.TriggerID == "" || cb.Message.Timestamp != ts {
		t.Fatalf("block_actions %+v", cb)
	}
	msgs := emu.Messages("CANNOUNCE")
	if len(msgs) != 2 || msgs[0].Text != "Approved by <@U2>" || msgs[0].Blocks != nil || msgs[1].Text != "Status update: all good" {
		t.Fatalf("channel after responses %+v", msgs)
	}
	if e := emu.Ephemerals("U2"); len(e) != 1 || e[0].Text != "Published." {
		t.Fatalf("ephemerals %+v", e)
	}
	if got := emu.RenderFor("CANNOUNCE", "U2"); !strings.Contains(got, "Approved by @bea") || !strings.Contains(got, "(only visible to you)") {
		t.Fatalf("render for bea:\n%s", got)
	}
}

// TestPersonEventsParseInSlackGo checks the event shapes: slack-go's
// slackevents must decode each into the right type with the right fields.
func TestPersonEventsParseInSlackGo(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	b := startBot(t, emu, ackAll)
	ctx := ctxT(t)
	ts, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "db is down")
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return emu.EditMessage(ctx, "U1", "CANNOUNCE", ts, "db is really down") },
		func() error { return emu.AddReaction(ctx, "U2", "CANNOUNCE", ts, "pushpin") },
		func() error { return emu.RemoveReaction(ctx, "U2", "CANNOUNCE", ts, "pushpin") },
		func() error {
			_, err := emu.PostMessageWithFiles(ctx, "U2", "CANNOUNCE", "graphs", []string{"cpu.png"})
			return err
		},
		func() error { return emu.DeleteMessage(ctx, "CANNOUNCE", ts) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := emu.WaitFor(ctx, func() bool { return len(b.events(socketmode.EventTypeEventsAPI)) == 6 }); err != nil {
		t.Fatal(err)
	}
	var inner []any
	for _, ev := range b.events(socketmode.EventTypeEventsAPI) {
		inner = append(inner, ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data)
	}
	edit := inner[1].(*slackevents.MessageEvent)
	if edit.SubType != "message_changed" || edit.Message.Text != "db is really down" || edit.Message.Edited == nil ||
		edit.PreviousMessage.Text != "db is down" || edit.Message.Timestamp != ts {
		t.Fatalf("edit event %+v", edit)
	}
	add := inner[2].(*slackevents.ReactionAddedEvent)
	if add.Reaction != "pushpin" || add.User != "U2" || add.ItemUser != "U1" || add.Item.Timestamp != ts || add.Item.Channel != "CANNOUNCE" {
		t.Fatalf("reaction_added %+v", add)
	}
	if rm := inner[3].(*slackevents.ReactionRemovedEvent); rm.Reaction != "pushpin" {
		t.Fatalf("reaction_removed %+v", rm)
	}
	share := inner[4].(*slackevents.MessageEvent)
	if share.SubType != "file_share" || len(share.Message.Files) != 1 || share.Message.Files[0].Name != "cpu.png" {
		t.Fatalf("file_share %+v", share)
	}
	del := inner[5].(*slackevents.MessageEvent)
	if del.SubType != "message_deleted" || del.DeletedTimeStamp != ts || del.PreviousMessage.Text != "db is really down" {
		t.Fatalf("delete event %+v", del)
	}
	if got := emu.Render("CANNOUNCE"); strings.Contains(got, "db is") || !strings.Contains(got, "📎 cpu.png") {
		t.Fatalf("render after delete:\n%s", got)
	}
}

func TestTimestampsUniqueAndIncreasing(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	prev := ""
	for range 200 {
		ts := emu.PostMessageSilently("U1", "CANNOUNCE", "x")
		if len(ts) != len("1700000000.000100") || ts <= prev {
			t.Fatalf("ts %q after %q", ts, prev)
		}
		prev = ts
	}
}

func TestResponseURLWorksFiveTimes(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	b := startBot(t, emu, ackAll)
	ctx := ctxT(t)
	if _, err := emu.SlashCommand(ctx, "U1", "CANNOUNCE", "list"); err != nil {
		t.Fatal(err)
	}
	respURL := b.events(socketmode.EventTypeSlashCommand)[0].Data.(slack.SlashCommand).ResponseURL
	for i := range 6 {
		err := slack.PostWebhookContext(ctx, respURL, &slack.WebhookMessage{Text: "reply"})
		if (err == nil) != (i < 5) {
			t.Fatalf("use %d: err %v", i+1, err)
		}
	}
	if err := slack.PostWebhookContext(ctx, respURL+"x", &slack.WebhookMessage{Text: "reply"}); err == nil {
		t.Fatal("made-up response_url accepted")
	}
	if n := len(emu.Ephemerals("U1")); n != 5 {
		t.Fatalf("%d ephemerals, want 5", n)
	}
	if n := len(emu.Messages("CANNOUNCE")); n != 0 {
		t.Fatalf("ephemeral replies leaked into the channel: %d", n)
	}
}
