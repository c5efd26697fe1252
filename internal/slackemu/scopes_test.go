package slackemu_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// manifest is what slack/manifest.yaml grants and subscribes to.
type manifest struct {
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			Bot []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "slack", "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameSet fails unless the emulator's copy holds exactly the manifest's
// entries (and there are some).
func sameSet(t *testing.T, what string, emulator, manifest []string) {
	t.Helper()
	got, want := slices.Sorted(slices.Values(emulator)), slices.Sorted(slices.Values(manifest))
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("emulator has %s %v, manifest %v: update its copy in scopes.go", what, got, want)
	}
}

func TestGrantIsTheManifestsBotScopes(t *testing.T) {
	sameSet(t, "bot scopes", slackemu.ManifestScopes(), readManifest(t).OAuth.Scopes.Bot)
}

func TestSubscriptionsAreTheManifestsBotEvents(t *testing.T) {
	sameSet(t, "bot events", slackemu.ManifestEvents(), readManifest(t).Settings.Events.Bot)
}

// callRaw posts a Web API call with the bot token and decodes the answer.
func callRaw(t *testing.T, emu *slackemu.Emulator, method string, params url.Values) map[string]any {
	t.Helper()
	params.Set("token", emu.BotToken())
	resp, err := http.PostForm(emu.URL()+method, params)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

func TestEveryMethodNeedsItsScope(t *testing.T) {
	// Slack's documented bot-token scope for each method, for a public
	// channel; "" means the method needs none.
	tests := []struct{ method, needed string }{
		{"auth.test", ""},
		{"conversations.create", "channels:manage"},
		{"conversations.invite", "channels:manage"},
		{"conversations.setTopic", "channels:manage"},
		{"conversations.info", "channels:read"},
		{"conversations.join", "channels:join"},
		{"conversations.history", "channels:history"},
		{"conversations.replies", "channels:history"},
		{"conversations.members", "channels:read"},
		{"chat.postMessage", "chat:write"},
		{"chat.update", "chat:write"},
		{"chat.delete", "chat:write"},
		{"chat.postEphemeral", "chat:write"},
		{"chat.getPermalink", ""},
		{"pins.add", "pins:write"},
		{"pins.remove", "pins:write"},
		{"reactions.add", "reactions:write"},
		{"reactions.remove", "reactions:write"},
		{"views.open", ""},
		{"views.update", ""},
		{"users.info", "users:read"},
		{"usergroups.users.list", "usergroups:read"},
		{"files.getUploadURLExternal", "files:write"},
		{"files.completeUploadExternal", "files:write"},
	}
	emu := newEmu(t, slackemu.Options{Scopes: []string{}})
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			body := callRaw(t, emu, tt.method, url.Values{"channel": {"CANNOUNCE"}})
			if tt.needed == "" {
				if body["error"] == "missing_scope" {
					t.Fatalf("needs no scope, answered %v", body)
				}
				return
			}
			if body["ok"] != false || body["error"] != "missing_scope" || body["needed"] != tt.needed || body["provided"] != "" {
				t.Fatalf("answered %v, want missing_scope needing %s", body, tt.needed)
			}
		})
	}
}

func TestMissingScopeSaysWhatWasGranted(t *testing.T) {
	emu := newEmu(t, slackemu.Options{SuppressBotEvents: true, Scopes: []string{"chat:write", "channels:write.topic"}})
	c := api(emu)
	ctx := ctxT(t)
	_, err := c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: "inc-1"})
	if slackErr(err) != "missing_scope" {
		t.Fatalf("create without channels:manage: %v", err)
	}
	calls := emu.Calls("conversations.create")
	var body struct {
		OK       bool   `json:"ok"`
		Needed   string `json:"needed"`
		Provided string `json:"provided"`
	}
	if err := json.Unmarshal(calls[len(calls)-1].Response, &body); err != nil {
		t.Fatal(err)
	}
	if body.OK || body.Needed != "channels:manage" || body.Provided != "chat:write,channels:write.topic" {
		t.Fatalf("answer %+v", body)
	}
	if len(emu.Channels()) != 1 {
		t.Fatalf("a refused call changed the workspace: %+v", emu.Channels())
	}
	// channels:write.topic is the other scope conversations.setTopic takes.
	if _, err := c.SetTopicOfConversationContext(ctx, "CANNOUNCE", "quiet"); err != nil {
		t.Fatalf("setTopic with channels:write.topic: %v", err)
	}
}

func TestPublicPostingIsNotMembership(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	emu.AddForeignChannel("CRANDOM", "random", "U1")
	b := startBot(t, emu, ackAll)
	c := api(emu)
	ctx := ctxT(t)
	// chat:write.public reaches a public channel the bot is not in...
	if _, _, err := c.PostMessageContext(ctx, "CRANDOM", slack.MsgOptionText("incident declared", false)); err != nil {
		t.Fatalf("post with chat:write.public: %v", err)
	}
	if msgs := emu.Messages("CRANDOM"); len(msgs) != 1 || msgs[0].Text != "incident declared" {
		t.Fatalf("messages %+v", msgs)
	}
	// ...but does not make it a member.
	if _, err := c.PostEphemeralContext(ctx, "CRANDOM", "U1", slack.MsgOptionText("only you", false)); slackErr(err) != "not_in_channel" {
		t.Fatalf("ephemeral: %v", err)
	}
	if _, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "CRANDOM"}); slackErr(err) != "not_in_channel" {
		t.Fatalf("history: %v", err)
	}
	if _, _, _, err := c.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "CRANDOM", Timestamp: "1.000001"}); slackErr(err) != "not_in_channel" {
		t.Fatalf("replies: %v", err)
	}
	if len(emu.Ephemerals("U1")) != 0 {
		t.Fatalf("ephemerals %+v", emu.Ephemerals("U1"))
	}
	// Neither its own post nor a person's there reaches the bot; the marker
	// in a channel it is in does.
	if _, err := emu.PostMessage(ctx, "U1", "CRANDOM", "unseen"); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "marker"); err != nil {
		t.Fatal(err)
	}
	if evs := waitMarker(t, emu, b); len(evs) != 1 {
		t.Fatalf("%d events, want only the marker", len(evs))
	}
}

func TestPostToUserIDLandsInTheirDM(t *testing.T) {
	emu := newEmu(t, slackemu.Options{})
	b := startBot(t, emu, ackAll)
	c := api(emu)
	ctx := ctxT(t)
	chID, _, err := c.PostMessageContext(ctx, "U1", slack.MsgOptionText("your declare failed", false))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(chID, "D") {
		t.Fatalf("posted in %s, want a DM", chID)
	}
	dm := emu.DirectMessages("U1")
	if len(dm) != 1 || dm[0].Text != "your declare failed" || dm[0].Channel != chID || dm[0].BotID == "" {
		t.Fatalf("DM %+v", dm)
	}
	if len(emu.DirectMessages("U2")) != 0 {
		t.Fatal("U2 got U1's DM")
	}
	for _, ch := range emu.Channels() {
		if ch.ID == chID {
			t.Fatalf("the DM is listed as a channel: %+v", ch)
		}
	}
	// Reading the DM needs im:history, which the bot lacks; without it
	// Slack tells the bot nothing about the DM, not even the person's answer.
	if _, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: chID}); slackErr(err) != "missing_scope" {
		t.Fatalf("DM history: %v", err)
	}
	if _, err := emu.PostMessage(ctx, "U1", chID, "thanks"); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "marker"); err != nil {
		t.Fatal(err)
	}
	if evs := waitMarker(t, emu, b); len(evs) != 1 {
		t.Fatalf("%d events, want only the marker", len(evs))
	}
}

// waitMarker waits for the bot to get the message "marker" and returns
// every event it got. Person events are sent in order, so any that should
// not have been sent before the marker would be among them.
func waitMarker(t *testing.T, emu *slackemu.Emulator, b *bot) []socketmode.Event {
	t.Helper()
	seen := func() bool {
		for _, ev := range b.events(socketmode.EventTypeEventsAPI) {
			if m, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); ok && m.Text == "marker" {
				return true
			}
		}
		return false
	}
	if err := emu.WaitFor(ctxT(t), seen); err != nil {
		t.Fatal(err)
	}
	return b.events(socketmode.EventTypeEventsAPI)
}

func TestEventsNeedTheirScope(t *testing.T) {
	innerTypes := func(b *bot) []string {
		var out []string
		for _, ev := range b.events(socketmode.EventTypeEventsAPI) {
			out = append(out, ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Type)
		}
		return out
	}
	t.Run("no reactions:read, no reaction events", func(t *testing.T) {
		emu := newEmu(t, slackemu.Options{Scopes: []string{"channels:history", "chat:write"}})
		b := startBot(t, emu, ackAll)
		ctx := ctxT(t)
		ts, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "db down")
		if err != nil {
			t.Fatal(err)
		}
		if err := emu.AddReaction(ctx, "U2", "CANNOUNCE", ts, "pushpin"); err != nil {
			t.Fatal(err)
		}
		if _, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "marker"); err != nil {
			t.Fatal(err)
		}
		waitMarker(t, emu, b)
		if got := innerTypes(b); !slices.Equal(got, []string{"message", "message"}) {
			t.Fatalf("events %v", got)
		}
	})
	// A message event needs its scope and its subscription (the app's
	// bot_events); the reaction, which has both, still comes.
	for name, opts := range map[string]slackemu.Options{
		"no channels:history, no message events": {Scopes: []string{"reactions:read", "chat:write"}},
		"no message.channels, no message events": {Events: []string{"reaction_added"}},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t, opts)
			b := startBot(t, emu, ackAll)
			ctx := ctxT(t)
			ts, err := emu.PostMessage(ctx, "U1", "CANNOUNCE", "db down")
			if err != nil {
				t.Fatal(err)
			}
			if err := emu.AddReaction(ctx, "U2", "CANNOUNCE", ts, "pushpin"); err != nil {
				t.Fatal(err)
			}
			// Events arrive in order on the one socket, so a message event sent
			// by mistake would be here before the reaction.
			if err := emu.WaitFor(ctx, func() bool { return len(emu.Acks()) >= 1 }); err != nil {
				t.Fatal(err)
			}
			if got := innerTypes(b); !slices.Equal(got, []string{"reaction_added"}) {
				t.Fatalf("events %v", got)
			}
		})
	}
}
