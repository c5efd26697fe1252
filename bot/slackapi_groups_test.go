package bot_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// signIn starts an emulator with ali and sam and returns the adapter as
// bot.Connect builds it (slack-go, the real retry policies).
func signIn(t *testing.T, opts slackemu.Options) (*slackemu.Emulator, *bot.API) {
	t.Helper()
	emu := slackemu.New(opts)
	t.Cleanup(emu.Close)
	emu.AddUser(ali, "ali")
	emu.AddUser(sam, "sam")
	s, err := bot.Connect(t.Context(), bot.Credentials{AppToken: emu.AppToken(), BotToken: emu.BotToken(), APIURL: emu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return emu, s.API
}

// manifestWithout is the manifest's grant minus drop.
func manifestWithout(drop string) []string {
	return slices.DeleteFunc(slackemu.ManifestScopes(), func(s string) bool { return s == drop })
}

// wantMissingScope checks err is Slack's missing_scope, told to a person as
// a forbidden error that names the scope and what to do.
func wantMissingScope(t *testing.T, err error, scope string) {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" {
		t.Fatalf("err = %v, want Slack's missing_scope in the chain", err)
	}
	msg := incident.ErrorMessage(err)
	if incident.ErrorCode(err) != incident.EForbidden || !strings.Contains(msg, scope) || !strings.Contains(msg, "reinstall") {
		t.Fatalf("code %q, message %q: want forbidden, naming %s and saying to reinstall", incident.ErrorCode(err), msg, scope)
	}
}

func TestCreatePrivateChannel(t *testing.T) {
	emu, api := signIn(t, slackemu.Options{SuppressBotEvents: true})
	emu.AddChannel(general, "general")
	ctx := t.Context()
	id, err := api.CreatePrivateChannel(ctx, "inc-9-db-down")
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := emu.ChannelByName("inc-9-db-down")
	if !ok || ch.ID != id || !ch.Private || !emu.IsPrivate(id) || !slices.Equal(ch.Members, []string{emu.BotUserID()}) {
		t.Fatalf("channel %+v (id %s)", ch, id)
	}
	// Taken by the private channel, or by a public one: handlers.ErrNameTaken.
	for _, name := range []string{"inc-9-db-down", "general"} {
		if _, err := api.CreatePrivateChannel(ctx, name); !errors.Is(err, handlers.ErrNameTaken) {
			t.Fatalf("%s: err = %v, want ErrNameTaken", name, err)
		}
	}
	// A create is not repeated after a 5xx: the first may have taken effect.
	emu.ServerErrorNext("conversations.create", 1, 503)
	before := len(emu.Calls("conversations.create"))
	if _, err := api.CreatePrivateChannel(ctx, "inc-10"); err == nil {
		t.Fatal("a 503 was not returned")
	}
	if n := len(emu.Calls("conversations.create")) - before; n != 1 {
		t.Fatalf("%d attempts after a 503, want 1", n)
	}
	// The adapter's other methods work on it with the manifest's scopes.
	if err := api.Invite(ctx, id, ali); err != nil {
		t.Fatal(err)
	}
	if err := api.SetTopic(ctx, id, "P1 · private"); err != nil {
		t.Fatal(err)
	}
	if ch, _ := emu.ChannelByName("inc-9-db-down"); ch.Topic != "P1 · private" || !slices.Contains(ch.Members, ali) {
		t.Fatalf("after invite and topic: %+v", ch)
	}
}

func TestCreatePrivateChannelNeedsGroupsWrite(t *testing.T) {
	emu, api := signIn(t, slackemu.Options{Scopes: manifestWithout("groups:write")})
	_, err := api.CreatePrivateChannel(t.Context(), "inc-9")
	wantMissingScope(t, err, "groups:write")
	if !strings.Contains(err.Error(), "conversations.create") {
		t.Fatalf("the log line %q does not say which call failed", err)
	}
	if _, ok := emu.ChannelByName("inc-9"); ok {
		t.Fatal("a refused create made a channel")
	}
	// Public channels need only channels:manage, which it still has.
	if _, err := api.CreateChannel(t.Context(), "inc-9"); err != nil {
		t.Fatal(err)
	}
}

func TestIsMember(t *testing.T) {
	emu, api := signIn(t, slackemu.Options{SuppressBotEvents: true})
	ctx := t.Context()
	// 451 members, ali last: three pages of 200.
	members := []string{emu.BotUserID()}
	for i := range 449 {
		id := fmt.Sprintf("UP%03d", i)
		emu.AddUser(id, "p"+id)
		members = append(members, id)
	}
	emu.AddPrivateChannel("CPRIV", "inc-9", append(members, ali)...)
	pages := func(f func()) int {
		before := len(emu.Calls("conversations.members"))
		f()
		return len(emu.Calls("conversations.members")) - before
	}
	tests := []struct {
		user      string
		member    bool
		wantPages int
	}{
		{emu.BotUserID(), true, 1},
		{ali, true, 3},
		{sam, false, 3},
	}
	for _, tt := range tests {
		var got bool
		var err error
		n := pages(func() { got, err = api.IsMember(ctx, "CPRIV", tt.user) })
		if err != nil || got != tt.member || n != tt.wantPages {
			t.Errorf("IsMember(%s) = %v, %v in %d calls; want %v in %d", tt.user, got, err, n, tt.member, tt.wantPages)
		}
	}
	// Nothing is cached: once invited, sam is a member.
	if err := api.Invite(ctx, "CPRIV", sam); err != nil {
		t.Fatal(err)
	}
	if ok, err := api.IsMember(ctx, "CPRIV", sam); err != nil || !ok {
		t.Fatalf("after invite: %v, %v", ok, err)
	}
	// A read is safe to repeat, so a 503 is retried.
	emu.ServerErrorNext("conversations.members", 1, 503)
	if ok, err := api.IsMember(ctx, "CPRIV", ali); err != nil || !ok {
		t.Fatalf("after a 503: %v, %v", ok, err)
	}
	// A private channel the bot is not in does not exist for it.
	emu.AddPrivateChannel("COTHER", "secret", ali)
	if _, err := api.IsMember(ctx, "COTHER", ali); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("hidden channel: %v", err)
	}
}

func TestIsMemberNeedsGroupsRead(t *testing.T) {
	emu, api := signIn(t, slackemu.Options{Scopes: manifestWithout("groups:read")})
	emu.AddPrivateChannel("CPRIV", "inc-9", emu.BotUserID(), ali)
	_, err := api.IsMember(t.Context(), "CPRIV", ali)
	wantMissingScope(t, err, "groups:read")
}

func TestUserGroupMembers(t *testing.T) {
	emu, api := signIn(t, slackemu.Options{})
	emu.AddUserGroup("S0CHECKOUT", "checkout-owners", sam, ali)
	ctx := t.Context()
	got, err := api.UserGroupMembers(ctx, "S0CHECKOUT")
	if err != nil || !slices.Equal(got, []string{sam, ali}) {
		t.Fatalf("members %v: %v", got, err)
	}
	if _, err := api.UserGroupMembers(ctx, "S0NOPE"); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	_, narrow := signIn(t, slackemu.Options{Scopes: manifestWithout("usergroups:read")})
	_, err = narrow.UserGroupMembers(ctx, "S0CHECKOUT")
	wantMissingScope(t, err, "usergroups:read")
}
