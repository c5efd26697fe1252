package slackemu

import (
	"slices"
	"strings"
)

// manifestScopes are the bot scopes slack/manifest.yaml requests, the grant
// an installed incidentbot has. They are copied here rather than read at
// run time because the emulator also runs inside the built binary (the
// demo), far from the source tree; TestGrantIsTheManifestsBotScopes parses
// the manifest and fails when the two differ.
var manifestScopes = []string{
	"commands",
	"channels:manage",
	"channels:history",
	"chat:write",
	"chat:write.public",
	"pins:write",
	"reactions:read",
	"files:write",
	"users:read",
	"groups:write",
	"groups:history",
	"groups:read",
	"usergroups:read",
}

// manifestEvents are the bot events slack/manifest.yaml subscribes to,
// copied for the same reason as manifestScopes and checked the same way
// (TestSubscriptionsAreTheManifestsBotEvents).
var manifestEvents = []string{
	"message.channels",
	"message.groups",
	"reaction_added",
	"reaction_removed",
}

// ManifestScopes returns the bot scopes slack/manifest.yaml requests: the
// grant an emulator has when Options.Scopes is nil.
func ManifestScopes() []string { return slices.Clone(manifestScopes) }

// ManifestEvents returns the bot events slack/manifest.yaml subscribes to:
// the subscriptions an emulator has when Options.Events is nil.
func ManifestEvents() []string { return slices.Clone(manifestEvents) }

// appTokenScopes is what the app-level token is generated with, as the
// manifest's instructions say.
var appTokenScopes = []string{"connections:write"}

// methodScopes is, for every Web API method the emulator serves, the scopes
// of which the token must hold one (Slack's "Required scopes" for a bot
// token, for a public channel). nil means none is needed. A method missing
// from this table is a bug the scope test catches.
var methodScopes = map[string][]string{
	"auth.test":                    nil,
	"apps.connections.open":        {"connections:write"},
	"conversations.create":         {"channels:manage"},
	"conversations.invite":         {"channels:manage"},
	"conversations.setTopic":       {"channels:manage", "channels:write.topic"},
	"conversations.info":           {"channels:read"},
	"conversations.join":           {"channels:join"},
	"conversations.history":        {"channels:history"},
	"conversations.replies":        {"channels:history"},
	"conversations.members":        {"channels:read"},
	"chat.postMessage":             {"chat:write"},
	"chat.update":                  {"chat:write"},
	"chat.delete":                  {"chat:write"},
	"chat.postEphemeral":           {"chat:write"},
	"chat.getPermalink":            nil,
	"pins.add":                     {"pins:write"},
	"pins.remove":                  {"pins:write"},
	"reactions.add":                {"reactions:write"},
	"reactions.remove":             {"reactions:write"},
	"views.open":                   nil,
	"views.update":                 nil,
	"users.info":                   {"users:read"},
	"usergroups.users.list":        {"usergroups:read"},
	"files.getUploadURLExternal":   {"files:write"},
	"files.completeUploadExternal": {"files:write"},
}

// imScopes replaces methodScopes when the channel is a DM: Slack asks for
// the im:* scope matching the conversation type.
var imScopes = map[string][]string{
	"conversations.info":    {"im:read"},
	"conversations.members": {"im:read"},
	"conversations.history": {"im:history"},
	"conversations.replies": {"im:history"},
}

// privateScopes replaces methodScopes for a private channel: Slack asks
// for the groups:* scope instead of the channels:* one. conversations.create
// uses it when asked for a private channel (is_private).
var privateScopes = map[string][]string{
	"conversations.create":   {"groups:write"},
	"conversations.invite":   {"groups:write"},
	"conversations.setTopic": {"groups:write", "groups:write.topic"},
	"conversations.info":     {"groups:read"},
	"conversations.members":  {"groups:read"},
	"conversations.history":  {"groups:history"},
	"conversations.replies":  {"groups:history"},
}

// neededLocked is the scopes a call could use, by the type of the channel
// it names.
func (e *Emulator) neededLocked(r *apiReq) []string {
	need := methodScopes[r.method]
	if r.method == "conversations.create" {
		if r.flag("is_private") {
			return privateScopes[r.method]
		}
		return need
	}
	alt, typed := privateScopes[r.method]
	if !typed || r.get("channel") == "" {
		return need
	}
	switch ch := e.visibleChannelLocked(r.get("channel")); {
	case ch == nil:
		// The type of a channel the bot cannot see (unknown, or private
		// and not its own) is not revealed: any type's scope lets the call
		// through to channel_not_found.
		return slices.Concat(need, alt)
	case ch.dm:
		if im, ok := imScopes[r.method]; ok {
			return im
		}
	case ch.private:
		return alt
	}
	return need
}

// checkScopeLocked answers missing_scope, with Slack's needed and provided
// fields, when the token lacks every scope the call could use.
func (e *Emulator) checkScopeLocked(r *apiReq, granted []string) *apiError {
	need := e.neededLocked(r)
	if len(need) == 0 || slices.ContainsFunc(need, func(s string) bool { return slices.Contains(granted, s) }) {
		return nil
	}
	return &apiError{code: "missing_scope", extra: map[string]any{
		"needed": need[0], "provided": strings.Join(granted, ","),
	}}
}

func (e *Emulator) hasScope(s string) bool { return slices.Contains(e.scopes, s) }

// eventRule is what Slack requires before it sends an event: the
// subscription it is delivered under and the scope that subscription needs.
// Without either the app is never told.
func eventRule(ch *channel, inner map[string]any) (subscription, scope string) {
	switch typ, _ := inner["type"].(string); typ {
	case "message":
		switch {
		case ch.dm:
			return "message.im", "im:history"
		case ch.private:
			return "message.groups", "groups:history"
		}
		return "message.channels", "channels:history"
	case "reaction_added", "reaction_removed":
		return typ, "reactions:read"
	default:
		return typ, ""
	}
}

// hearsLocked reports whether Slack would tell the bot about an event in ch:
// only for channels it is a member of, only when the app subscribes to the
// event, and only with the event's scope.
func (e *Emulator) hearsLocked(ch *channel, inner map[string]any) bool {
	if !ch.isMember(e.opts.BotUserID) {
		return false
	}
	sub, scope := eventRule(ch, inner)
	return slices.Contains(e.events, sub) && (scope == "" || e.hasScope(scope))
}
