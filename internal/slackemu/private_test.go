package slackemu_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// without returns the manifest's scopes minus drop.
func without(drop ...string) []string {
	return slices.DeleteFunc(slackemu.ManifestScopes(), func(s string) bool { return slices.Contains(drop, s) })
}

// messageEvents returns the message events the bot got, in order.
func messageEvents(b *bot) []*slackevents.MessageEvent {
	var out []*slackevents.MessageEvent
	for _, ev := range b.events(socketmode.EventTypeEventsAPI) {
		if m, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); ok {
			out = append(out, m)
		}
	}
	return out
}

func TestCreatePrivateChannel(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: append(slackemu.ManifestScopes(), "channels:join")})
	c := api(emu)
	ctx := ctxT(t)
	ch, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-9-secret", IsPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	// Slack's current conversation object: a C ID, a channel, is_private;
	// is_group is only for the G… channels made before March 2021.
	if !ch.IsPrivate || !ch.IsChannel || ch.IsGroup || !strings.HasPrefix(ch.ID, "C") || !ch.IsMember {
		t.Fatalf("channel %+v", ch)
	}
	if !emu.IsPrivate(ch.ID) || emu.IsPrivate("CANNOUNCE") || emu.IsPrivate("CNOPE") {
		t.Fatal("IsPrivate is wrong")
	}
	got, ok := emu.ChannelByName("inc-9-secret")
	if !ok || !got.Private || got.CreatedBy != "UBOT" {
		t.Fatalf("ChannelByName %+v", got)
	}
	// Names are shared by public and private channels.
	for _, private := range []bool{true, false} {
		_, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-9-secret", IsPrivate: private})
		if slackErr(err) != "name_taken" {
			t.Fatalf("private=%v: %v", private, err)
		}
	}
	if _, err := c.InviteUsersToConversationContext(ctx, ch.ID, "U1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetTopicOfConversationContext(ctx, ch.ID, "P1 · private"); err != nil {
		t.Fatal(err)
	}
	members, next, err := c.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: ch.ID})
	if err != nil || next != "" || !slices.Equal(members, []string{"UBOT", "U1"}) {
		t.Fatalf("members %v next %q: %v", members, next, err)
	}
	info, err := c.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch.ID})
	if err != nil || !info.IsPrivate || info.Topic.Value != "P1 · private" {
		t.Fatalf("info %+v: %v", info, err)
	}
	if _, _, _, err := c.JoinConversationContext(ctx, ch.ID); slackErr(err) != "method_not_supported_for_channel_type" {
		t.Fatalf("join: %v", err)
	}
	// A public one is still public.
	pub, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-10"})
	if err != nil || pub.IsPrivate || emu.IsPrivate(pub.ID) {
		t.Fatalf("public channel %+v: %v", pub, err)
	}
}

func TestPrivateChannelsNeedGroupsScopes(t *testing.T) {
	// With every channels:* scope but no groups:* one, each call on a
	// private channel the bot is in needs the groups:* scope instead.
	scopes := append(without("groups:write", "groups:history", "groups:read"), "channels:read")
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: scopes})
	emu.AddPrivateChannel("CPRIV", "secret", "UBOT", "U1")
	tests := []struct {
		method string
		params url.Values
		needed string
	}{
		{"conversations.create", url.Values{"name": {"inc-1"}, "is_private": {"true"}}, "groups:write"},
		{"conversations.invite", url.Values{"channel": {"CPRIV"}, "users": {"U2"}}, "groups:write"},
		{"conversations.setTopic", url.Values{"channel": {"CPRIV"}, "topic": {"x"}}, "groups:write"},
		{"conversations.info", url.Values{"channel": {"CPRIV"}}, "groups:read"},
		{"conversations.members", url.Values{"channel": {"CPRIV"}}, "groups:read"},
		{"conversations.history", url.Values{"channel": {"CPRIV"}}, "groups:history"},
		{"conversations.replies", url.Values{"channel": {"CPRIV"}, "ts": {"1.000001"}}, "groups:history"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			body := callRaw(t, emu, tt.method, tt.params)
			if body["error"] != "missing_scope" || body["needed"] != tt.needed {
				t.Fatalf("answered %v, want missing_scope needing %s", body, tt.needed)
			}
		})
	}
	// The public scopes still serve public channels.
	if body := callRaw(t, emu, "conversations.create", url.Values{"name": {"inc-2"}}); body["ok"] != true {
		t.Fatalf("public create: %v", body)
	}
	if body := callRaw(t, emu, "conversations.members", url.Values{"channel": {"CANNOUNCE"}}); body["ok"] != true {
		t.Fatalf("public members: %v", body)
	}
	// groups:write alone creates a private channel, and only that.
	only := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: []string{"groups:write"}})
	if body := callRaw(t, only, "conversations.create", url.Values{"name": {"inc-3"}, "is_private": {"1"}}); body["ok"] != true {
		t.Fatalf("private create with groups:write: %v", body)
	}
	if body := callRaw(t, only, "conversations.create", url.Values{"name": {"inc-4"}}); body["needed"] != "channels:manage" {
		t.Fatalf("public create with groups:write: %v", body)
	}
	// A channel the bot cannot see has no type it may learn, so either
	// type's scope gets as far as channel_not_found; neither, missing_scope.
	for scope, want := range map[string]string{"groups:write": "missing_scope", "groups:read": "channel_not_found", "channels:read": "channel_not_found"} {
		emu := newEmu(t, slackemu.Options{Scopes: []string{scope}})
		emu.AddPrivateChannel("CPRIV", "secret", "U1")
		for _, ch := range []string{"CPRIV", "CNOPE"} {
			if body := callRaw(t, emu, "conversations.info", url.Values{"channel": {ch}}); body["error"] != want {
				t.Errorf("info on %s with %s: %v, want %s", ch, scope, body, want)
			}
		}
	}
}

func TestPrivateChannelIsHiddenFromNonMembers(t *testing.T) {
	scopes := append(slackemu.ManifestScopes(), "channels:read", "channels:join", "reactions:write")
	emu := newEmu(t, slackemu.Options{Scopes: scopes})
	emu.AddPrivateChannel("CPRIV", "secret", "U1")
	b := startBot(t, emu, ackAll)
	c := api(emu)
	ctx := ctxT(t)
	ts, err := emu.PostMessage(ctx, "U1", "CPRIV", "only us")
	if err != nil {
		t.Fatal(err)
	}
	// To the bot the channel does not exist: channel_not_found everywhere,
	// never not_in_channel, and chat:write.public does not reach it.
	tests := []struct {
		method string
		params url.Values
	}{
		{"conversations.info", url.Values{"channel": {"CPRIV"}}},
		{"conversations.members", url.Values{"channel": {"CPRIV"}}},
		{"conversations.history", url.Values{"channel": {"CPRIV"}}},
		{"conversations.replies", url.Values{"channel": {"CPRIV"}, "ts": {ts}}},
		{"conversations.invite", url.Values{"channel": {"CPRIV"}, "users": {"U2"}}},
		{"conversations.setTopic", url.Values{"channel": {"CPRIV"}, "topic": {"x"}}},
		{"conversations.join", url.Values{"channel": {"CPRIV"}}},
		{"chat.postMessage", url.Values{"channel": {"CPRIV"}, "text": {"hi"}}},
		{"chat.postEphemeral", url.Values{"channel": {"CPRIV"}, "user": {"U1"}, "text": {"hi"}}},
		{"chat.getPermalink", url.Values{"channel": {"CPRIV"}, "message_ts": {ts}}},
		{"reactions.add", url.Values{"channel": {"CPRIV"}, "timestamp": {ts}, "name": {"eyes"}}},
		{"pins.add", url.Values{"channel": {"CPRIV"}, "timestamp": {ts}}},
		{"chat.postMessage", url.Values{"channel": {"#secret"}, "text": {"by name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if body := callRaw(t, emu, tt.method, tt.params); body["error"] != "channel_not_found" {
				t.Fatalf("answered %v, want channel_not_found", body)
			}
		})
	}
	if msgs := emu.Messages("CPRIV"); len(msgs) != 1 || msgs[0].Text != "only us" {
		t.Fatalf("a refused call changed the channel: %+v", msgs)
	}
	// ...but its name is still taken.
	if _, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "secret"}); slackErr(err) != "name_taken" {
		t.Fatalf("create: %v", err)
	}
	// People outside it cannot act in it either; they must be invited.
	if _, err := emu.PostMessage(ctx, "U2", "CPRIV", "let me in"); !errors.Is(err, slackemu.ErrNotMember) {
		t.Fatalf("post by a non-member: %v", err)
	}
	if err := emu.JoinChannel(ctx, "U2", "CPRIV"); !errors.Is(err, slackemu.ErrNotMember) {
		t.Fatalf("join: %v", err)
	}
	if _, err := emu.SlashCommand(ctx, "U2", "CPRIV", "list"); !errors.Is(err, slackemu.ErrNotMember) {
		t.Fatalf("slash command: %v", err)
	}
	if err := emu.AddReaction(ctx, "U2", "CPRIV", ts, "eyes"); !errors.Is(err, slackemu.ErrNotMember) {
		t.Fatalf("reaction: %v", err)
	}
	if ch, _ := emu.ChannelByName("secret"); !slices.Equal(ch.Members, []string{"U1"}) {
		t.Fatalf("members %v", ch.Members)
	}
	// The bot heard nothing from it; the marker is the only event.
	if _, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "marker"); err != nil {
		t.Fatal(err)
	}
	if evs := waitMarker(t, emu, b); len(evs) != 1 {
		t.Fatalf("%d events, want only the marker", len(evs))
	}
}

func TestPrivateMessageEvents(t *testing.T) {
	tests := []struct {
		name  string
		opts  slackemu.Options
		heard bool
	}{
		{"member with groups:history and message.groups", slackemu.Options{}, true},
		{"no groups:history", slackemu.Options{Scopes: without("groups:history")}, false},
		{"no message.groups subscription", slackemu.Options{Events: []string{"message.channels", "reaction_added", "reaction_removed"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.SuppressBotEvents = true
			emu := newEmu(t, tt.opts)
			emu.AddPrivateChannel("CPRIV", "secret", "U1", "UBOT")
			b := startBot(t, emu, ackAll)
			ctx := ctxT(t)
			if _, err := emu.PostMessage(ctx, "U1", "CPRIV", "db is down"); err != nil {
				t.Fatal(err)
			}
			if _, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "marker"); err != nil {
				t.Fatal(err)
			}
			waitMarker(t, emu, b)
			var got []string
			for _, m := range messageEvents(b) {
				got = append(got, fmt.Sprintf("%s %s %s", m.Channel, m.ChannelType, m.Text))
			}
			want := []string{"CANNOUNCE channel marker"}
			if tt.heard {
				want = append([]string{"CPRIV group db is down"}, want...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}
		})
	}
}

func TestMembersArePaged(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	members := []string{"U1"}
	for i := range 248 {
		id := fmt.Sprintf("UM%03d", i)
		emu.AddUser(id, "m"+id)
		members = append(members, id)
	}
	emu.AddPrivateChannel("CBIG", "big", append(members, "UBOT")...)
	members = append(members, "UBOT")
	c := api(emu)
	ctx := ctxT(t)
	var got []string
	var sizes []int
	cursor := ""
	for {
		page, next, err := c.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "CBIG", Cursor: cursor, Limit: 120})
		if err != nil {
			t.Fatal(err)
		}
		got, sizes = append(got, page...), append(sizes, len(page))
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(sizes, []int{120, 120, 10}) || !slices.Equal(got, members) {
		t.Fatalf("pages of %v, members %d (want 250 in order)", sizes, len(got))
	}
	// No limit means Slack's default of 100; more than 1000 is 1000.
	if page, next, err := c.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "CBIG"}); err != nil || len(page) != 100 || next == "" {
		t.Fatalf("default page: %d, next %q: %v", len(page), next, err)
	}
	if page, next, err := c.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "CBIG", Limit: 5000}); err != nil || len(page) != 250 || next != "" {
		t.Fatalf("big page: %d, next %q: %v", len(page), next, err)
	}
}

func TestUserGroupMembers(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true})
	emu.AddUserGroup("S0ONCALL", "checkout-oncall", "U2", "U1")
	emu.AddUserGroup("S0EMPTY", "nobody")
	c := api(emu)
	ctx := ctxT(t)
	users, err := c.GetUserGroupMembersContext(ctx, "S0ONCALL")
	if err != nil || !slices.Equal(users, []string{"U2", "U1"}) {
		t.Fatalf("members %v: %v", users, err)
	}
	if users, err := c.GetUserGroupMembersContext(ctx, "S0EMPTY"); err != nil || len(users) != 0 {
		t.Fatalf("empty group %v: %v", users, err)
	}
	if _, err := c.GetUserGroupMembersContext(ctx, "S0NOPE"); slackErr(err) != "no_such_subteam" {
		t.Fatalf("unknown group: %v", err)
	}
	// A group mention shows as its handle, as in Slack.
	if _, _, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("paging <!subteam^S0ONCALL>", false)); err != nil {
		t.Fatal(err)
	}
	if r := emu.Render("CANNOUNCE"); !strings.Contains(r, "paging @checkout-oncall") {
		t.Fatalf("render:\n%s", r)
	}
	narrow := newEmu(t, slackemu.Options{Scopes: without("usergroups:read")})
	narrow.AddUserGroup("S0ONCALL", "checkout-oncall", "U1")
	if _, err := api(narrow).GetUserGroupMembersContext(ctx, "S0ONCALL"); slackErr(err) != "missing_scope" {
		t.Fatalf("without usergroups:read: %v", err)
	}
}
