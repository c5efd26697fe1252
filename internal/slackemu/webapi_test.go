package slackemu_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCreateChannelNameRules(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	c := api(emu)
	tests := []struct {
		name, channel, want string
	}{
		{"valid", "inc-1-db-down", ""},
		{"taken", "inc-1-db-down", "name_taken"},
		{"taken by preexisting", "incidents", "name_taken"},
		{"upper case", "Inc-2", "invalid_name_specials"},
		{"emoji", "inc-🔥", "invalid_name_specials"},
		{"space", "inc 3", "invalid_name_specials"},
		{"too long", strings.Repeat("a", 81), "invalid_name_maxlength"},
		{"exactly 80", strings.Repeat("b", 80), ""},
		{"empty", "", "invalid_name_required"},
		{"only punctuation", "--", "invalid_name_punctuation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := c.CreateConversationContext(ctxT(t), slack.CreateConversationParams{ChannelName: tt.channel})
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
			if tt.want == "" && (ch.Name != tt.channel || !ch.IsMember || ch.ID == "") {
				t.Fatalf("channel %+v", ch)
			}
		})
	}
}

func TestInviteTopicInfo(t *testing.T) {
	// conversations.info needs channels:read, which the bot does not request.
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: append(slackemu.ManifestScopes(), "channels:read")})
	c := api(emu)
	ctx := ctxT(t)
	ch, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.InviteUsersToConversationContext(ctx, ch.ID, "U1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, want string
	}{
		{"already in", "U1", "already_in_channel"},
		{"unknown", "U404", "user_not_found"},
		{"self", "UBOT", "cant_invite_self"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.InviteUsersToConversationContext(ctx, ch.ID, tt.user)
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := c.SetTopicOfConversationContext(ctx, ch.ID, "P1 · investigating"); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch.ID})
	if err != nil {
		t.Fatal(err)
	}
	if info.Topic.Value != "P1 · investigating" || info.NumMembers != 2 {
		t.Fatalf("info %+v", info)
	}
	got, _ := emu.ChannelByName("inc-7")
	if got.CreatedBy != "UBOT" || len(got.Members) != 2 {
		t.Fatalf("channel %+v", got)
	}
	if _, err := c.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "CNOPE"}); slackErr(err) != "channel_not_found" {
		t.Fatalf("unknown channel: %v", err)
	}
}

func TestPostUpdatePinReact(t *testing.T) {
	// reactions.add needs reactions:write, which the bot does not request.
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: append(slackemu.ManifestScopes(), "reactions:write")})
	c := api(emu)
	ctx := ctxT(t)
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "INC-1 db down", false, false))
	_, ts, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("INC-1", false), slack.MsgOptionBlocks(header))
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = c.UpdateMessageContext(ctx, "CANNOUNCE", ts, slack.MsgOptionText("INC-1 resolved", false),
		slack.MsgOptionBlocks(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "INC-1 resolved", false, false))))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddPinContext(ctx, "CANNOUNCE", slack.NewRefToMessage("CANNOUNCE", ts)); err != nil {
		t.Fatal(err)
	}
	if err := c.AddPinContext(ctx, "CANNOUNCE", slack.NewRefToMessage("CANNOUNCE", ts)); slackErr(err) != "already_pinned" {
		t.Fatalf("second pin: %v", err)
	}
	if err := c.AddReactionContext(ctx, "eyes", slack.NewRefToMessage("CANNOUNCE", ts)); err != nil {
		t.Fatal(err)
	}
	msgs := emu.Messages("CANNOUNCE")
	m := msgs[0]
	if m.TS != ts || m.Text != "INC-1 resolved" || !m.Edited || !m.Pinned || m.User != "UBOT" || len(m.Reactions["eyes"]) != 1 {
		t.Fatalf("message %+v", m)
	}
	if !strings.Contains(string(m.Blocks), "INC-1 resolved") {
		t.Fatalf("blocks not updated: %s", m.Blocks)
	}
	link, err := c.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "CANNOUNCE", Ts: ts})
	if err != nil || !strings.Contains(link, "/archives/CANNOUNCE/p") {
		t.Fatalf("permalink %q %v", link, err)
	}
	if got := emu.Render("CANNOUNCE"); !strings.Contains(got, "📌") || !strings.Contains(got, "== INC-1 resolved ==") {
		t.Fatalf("render:\n%s", got)
	}
}

func TestPostMessageErrors(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	c := api(emu)
	emu.AddUser("U3", "cem") // added after the channel, so not in it
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, false), nil, nil)
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	ctx := ctxT(t)
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"3000 chars is fine", "CANNOUNCE", []slack.MsgOption{slack.MsgOptionBlocks(section(3000))}, ""},
		{"3001 chars", "CANNOUNCE", []slack.MsgOption{slack.MsgOptionBlocks(section(3001))}, "invalid_blocks"},
		{"51 blocks", "CANNOUNCE", []slack.MsgOption{slack.MsgOptionBlocks(many...)}, "invalid_blocks"},
		{"no text", "CANNOUNCE", nil, "no_text"},
		{"unknown channel", "CNOPE", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"by name", "#incidents", []slack.MsgOption{slack.MsgOptionText("x", false)}, ""},
		{"to a user opens a DM", "U1", []slack.MsgOption{slack.MsgOptionText("psst", false)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.PostMessageContext(ctx, tt.channel, tt.opts...)
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
	ephemerals := []struct {
		name, user, want string
	}{
		{"member", "U1", ""},
		{"unknown user", "U404", "user_not_found"},
		{"not a member", "U3", "user_not_in_channel"},
	}
	for _, tt := range ephemerals {
		t.Run("ephemeral "+tt.name, func(t *testing.T) {
			_, err := c.PostEphemeralContext(ctx, "CANNOUNCE", tt.user, slack.MsgOptionText("only you", false))
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
	if e := emu.Ephemerals("U1"); len(e) != 1 || e[0].Text != "only you" || !e[0].Ephemeral {
		t.Fatalf("ephemerals %+v", e)
	}
}

func TestNotInChannelUntilJoined(t *testing.T) {
	// Without chat:write.public, and with channels:join to join.
	scopes := []string{"channels:history", "chat:write", "channels:join"}
	emu := newEmu(t, slackemu.Options{Scopes: scopes})
	emu.AddForeignChannel("CRANDOM", "random", "U1")
	b := startBot(t, emu, ackAll)
	c := api(emu)
	ctx := ctxT(t)
	if _, _, err := c.PostMessageContext(ctx, "CRANDOM", slack.MsgOptionText("hi", false)); slackErr(err) != "not_in_channel" {
		t.Fatalf("post: %v", err)
	}
	if _, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "CRANDOM"}); slackErr(err) != "not_in_channel" {
		t.Fatalf("history: %v", err)
	}
	// Slack tells the bot nothing about channels it is not in.
	if _, err := emu.PostMessage(ctx, "U1", "CRANDOM", "unseen"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.JoinConversationContext(ctx, "CRANDOM"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.PostMessageContext(ctx, "CRANDOM", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}
	// The bot hears about its own join and message, as in Slack, but never
	// about the message sent before it joined.
	if err := emu.WaitFor(ctx, func() bool { return len(emu.Acks()) == 2 }); err != nil {
		t.Fatal(err)
	}
	for _, a := range emu.Acks() {
		if a.Type != "events_api" {
			t.Fatalf("ack %+v", a)
		}
	}
	if n := len(b.events("events_api")); n != 2 {
		t.Fatalf("%d events, want join + own message", n)
	}
}

func TestHistoryAndReplies(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	c := api(emu)
	ctx := ctxT(t)
	var ts []string
	for i := range 5 {
		ts = append(ts, emu.PostMessageSilently("U1", "CANNOUNCE", fmt.Sprintf("m%d", i)))
	}
	startBot(t, emu, ackAll)
	r1, err := emu.PostReply(ctx, "U2", "CANNOUNCE", ts[1], "reply one")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := emu.PostReply(ctx, "U1", "CANNOUNCE", ts[1], "reply two")
	if err != nil {
		t.Fatal(err)
	}
	hist, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "CANNOUNCE"})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range hist.Messages {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, ","); got != "m4,m3,m2,m1,m0" {
		t.Fatalf("history %s (newest first, replies excluded)", got)
	}
	if hist.Messages[3].ReplyCount != 2 {
		t.Fatalf("reply_count %d", hist.Messages[3].ReplyCount)
	}
	tests := []struct {
		name   string
		params slack.GetConversationHistoryParameters
		want   string
	}{
		{"one message by ts", slack.GetConversationHistoryParameters{Latest: ts[2], Inclusive: true, Limit: 1}, "m2"},
		{"exclusive latest", slack.GetConversationHistoryParameters{Latest: ts[2], Limit: 1}, "m1"},
		{"window", slack.GetConversationHistoryParameters{Oldest: ts[1], Latest: ts[3]}, "m2"},
		{"inclusive window", slack.GetConversationHistoryParameters{Oldest: ts[1], Latest: ts[3], Inclusive: true}, "m3,m2,m1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.params.ChannelID = "CANNOUNCE"
			h, err := c.GetConversationHistoryContext(ctx, &tt.params)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range h.Messages {
				got = append(got, m.Text)
			}
			if strings.Join(got, ",") != tt.want {
				t.Fatalf("got %v, want %s", got, tt.want)
			}
		})
	}
	page, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "CANNOUNCE", Limit: 2})
	if err != nil || !page.HasMore || page.ResponseMetaData.NextCursor == "" {
		t.Fatalf("first page %+v %v", page, err)
	}
	next, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "CANNOUNCE", Limit: 2, Cursor: page.ResponseMetaData.NextCursor})
	if err != nil || next.Messages[0].Text != "m2" {
		t.Fatalf("second page %+v %v", next, err)
	}

	msgs, _, _, err := c.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "CANNOUNCE", Timestamp: ts[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].Text != "m1" || msgs[1].Timestamp != r1 || msgs[2].Timestamp != r2 || msgs[2].ThreadTimestamp != ts[1] {
		t.Fatalf("replies %+v", msgs)
	}
	_, _, _, err = c.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "CANNOUNCE", Timestamp: "1.000001"})
	if slackErr(err) != "thread_not_found" {
		t.Fatalf("unknown thread: %v", err)
	}
	if got := emu.Render("CANNOUNCE"); !strings.Contains(got, "    ↳ ") {
		t.Fatalf("replies not indented:\n%s", got)
	}
}

func TestUploadV2(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	c := api(emu)
	content := "# Timeline\n\n- 14:02 declared\n"
	f, err := c.UploadFileContext(ctxT(t), slack.UploadFileParameters{
		Channel: "CANNOUNCE", Filename: "timeline.md", Title: "INC-1 timeline",
		Content: content, FileSize: len(content), InitialComment: "Full timeline attached",
	})
	if err != nil {
		t.Fatal(err)
	}
	files := emu.Files("CANNOUNCE")
	if len(files) != 1 || files[0].ID != f.ID || string(files[0].Content) != content || files[0].Title != "INC-1 timeline" {
		t.Fatalf("files %+v", files)
	}
	msgs := emu.Messages("CANNOUNCE")
	if len(msgs) != 1 || msgs[0].Text != "Full timeline attached" || len(msgs[0].Files) != 1 || msgs[0].Files[0] != "timeline.md" {
		t.Fatalf("share message %+v", msgs)
	}
	var methods []string
	for _, call := range emu.Calls("") {
		methods = append(methods, call.Method)
	}
	if got := strings.Join(methods, ","); got != "files.getUploadURLExternal,files.completeUploadExternal" {
		t.Fatalf("calls %s", got)
	}
}

func TestRateLimitHonouredBySlackGoRetry(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	emu.RateLimitNext("chat.postMessage", 1, 0)
	plain := api(emu)
	_, _, err := plain.PostMessageContext(ctxT(t), "CANNOUNCE", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("without retry: %v, want RateLimitedError of 1s", err)
	}

	emu.RateLimitNext("chat.postMessage", 1, 0)
	retrying := api(emu, slack.OptionRetryConfig(slack.RetryConfig{MaxRetries: 2}))
	start := time.Now()
	if _, _, err := retrying.PostMessageContext(ctxT(t), "CANNOUNCE", slack.MsgOptionText("y", false)); err != nil {
		t.Fatal(err)
	}
	calls := emu.Calls("chat.postMessage")
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 429 + 429 + ok", len(calls))
	}
	if gap := calls[2].At.Sub(calls[1].At); gap < time.Second || time.Since(start) < time.Second {
		t.Fatalf("retry came after %v, before Retry-After", gap)
	}
	if n := len(emu.Messages("CANNOUNCE")); n != 1 {
		t.Fatalf("%d messages posted, want 1", n)
	}
}

func TestFailNextAndAuth(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	c := api(emu)
	emu.FailNext("conversations.create", "name_taken", 2)
	for range 2 {
		if _, err := c.CreateConversationContext(ctxT(t), slack.CreateConversationParams{ChannelName: "fresh"}); slackErr(err) != "name_taken" {
			t.Fatalf("injected failure missing: %v", err)
		}
	}
	if _, err := c.CreateConversationContext(ctxT(t), slack.CreateConversationParams{ChannelName: "fresh"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token, want string
	}{
		{"wrong bot token", "xoxb-wrong", "invalid_auth"},
		{"app token on web api", emu.AppToken(), "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := slack.New(tt.token, slack.OptionAPIURL(emu.URL())).AuthTestContext(ctxT(t))
			if slackErr(err) != tt.want {
				t.Fatalf("err %v, want %s", err, tt.want)
			}
		})
	}
	who, err := c.AuthTestContext(ctxT(t))
	if err != nil || who.UserID != "UBOT" || who.TeamID != "T0001" {
		t.Fatalf("auth.test %+v %v", who, err)
	}
	resp, err := http.PostForm(emu.URL()+"no.such", url.Values{"token": {emu.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool
		Error string
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if body.OK || body.Error != "unknown_method" {
		t.Fatalf("unknown method answered %+v", body)
	}
	u, err := c.GetUserInfoContext(ctxT(t), "U1")
	if err != nil || u.Name != "ali" {
		t.Fatalf("users.info %+v %v", u, err)
	}
}
