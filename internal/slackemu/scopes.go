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
}

// ManifestScopes returns the bot scopes slack/manifest.yaml requests: the
// grant an emulator has when Options.Scopes is nil.
func ManifestScopes() []string { return slices.Clone(manifestScopes) }

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

// checkScopeLocked answers missing_scope, with Slack's needed and provided
// fields, when the token lacks every scope the call could use.
func (e *Emulator) checkScopeLocked(r *apiReq, granted []string) *apiError {
	need := methodScopes[r.method]
	if alt, ok := imScopes[r.method]; ok {
		if ch := e.lookupChannelLocked(r.get("channel")); ch != nil && ch.dm {
			need = alt
		}
	}
	if len(need) == 0 || slices.ContainsFunc(need, func(s string) bool { return slices.Contains(granted, s) }) {
		return nil
	}
	return &apiError{code: "missing_scope", extra: map[string]any{
		"needed": need[0], "provided": strings.Join(granted, ","),
	}}
}

func (e *Emulator) hasScope(s string) bool { return slices.Contains(e.scopes, s) }

// eventScope is the scope Slack requires before it sends an event: without
// it the app is never told, whatever it subscribed to.
func eventScope(ch *channel, inner map[string]any) string {
	switch inner["type"] {
	case "message":
		if ch.dm {
			return "im:history"
		}
		return "channels:history"
	case "reaction_added", "reaction_removed":
		return "reactions:read"
	}
	return ""
}

// hearsLocked reports whether Slack would tell the bot about an event in ch:
// only for channels it is a member of, and only with the event's scope.
func (e *Emulator) hearsLocked(ch *channel, inner map[string]any) bool {
	if !ch.isMember(e.opts.BotUserID) {
		return false
	}
	s := eventScope(ch, inner)
	return s == "" || e.hasScope(s)
}
