package slackemu

import (
	"slices"
	"strings"
	"time"
)

// messageJSON renders a stored message as Slack's message object.
func (e *Emulator) messageJSON(m *message) map[string]any {
	out := map[string]any{"type": "message", "ts": m.ts, "text": m.text, "team": e.opts.TeamID}
	if m.user != "" {
		out["user"] = m.user
	}
	if m.botID != "" {
		out["bot_id"] = m.botID
		out["app_id"] = appID
	}
	if m.subtype != "" {
		out["subtype"] = m.subtype
	}
	if m.threadTS != "" {
		out["thread_ts"] = m.threadTS
	}
	if len(m.blocks) > 0 {
		out["blocks"] = m.blocks
	}
	if m.editedTS != "" {
		out["edited"] = map[string]any{"user": m.editedBy, "ts": m.editedTS}
	}
	if m.pinned {
		out["pinned_to"] = []string{m.channel}
	}
	if len(m.replies) > 0 {
		users := []string{}
		for _, rts := range m.replies {
			if ch := e.channels[m.channel]; ch != nil {
				if r := ch.find(rts); r != nil && !slices.Contains(users, r.user) {
					users = append(users, r.user)
				}
			}
		}
		out["reply_count"] = len(m.replies)
		out["reply_users"] = users
		out["reply_users_count"] = len(users)
		out["latest_reply"] = m.replies[len(m.replies)-1]
	}
	if len(m.files) > 0 {
		files := make([]map[string]any, 0, len(m.files))
		for _, id := range m.files {
			if f, ok := e.files[id]; ok {
				files = append(files, e.fileJSON(f))
			}
		}
		out["files"] = files
		out["upload"] = true
	}
	if len(m.reactions) > 0 {
		rs := make([]map[string]any, 0, len(m.reactions))
		for _, r := range m.reactions {
			rs = append(rs, map[string]any{"name": r.name, "users": r.users, "count": len(r.users)})
		}
		out["reactions"] = rs
	}
	return out
}

func (e *Emulator) fileJSON(f *file) map[string]any {
	ext := ""
	if i := strings.LastIndexByte(f.name, '.'); i >= 0 {
		ext = f.name[i+1:]
	}
	return map[string]any{
		"id": f.id, "name": f.name, "title": f.title, "user": f.user, "size": len(f.content),
		"filetype": ext, "mimetype": "text/plain", "pretty_type": ext, "mode": "hosted",
		"url_private": e.srv.URL + "/files/" + f.id + "/" + f.name,
	}
}

// messageEvent is the inner "message" event for a new message.
func (e *Emulator) messageEvent(ch *channel, m *message) map[string]any {
	ev := e.messageJSON(m)
	ev["channel"] = ch.id
	ev["channel_type"] = channelType(ch)
	ev["event_ts"] = m.ts
	if m.threadTS != "" && m.threadTS != m.ts {
		if p := ch.find(m.threadTS); p != nil {
			ev["parent_user_id"] = p.user
		}
	}
	return ev
}

// channelType is the event's channel_type: Slack says "group" for a
// private channel (its old name), as message.groups events show.
func channelType(ch *channel) string {
	switch {
	case ch.dm:
		return "im"
	case ch.private:
		return "group"
	}
	return "channel"
}

// changedEvent is the message_changed event Slack sends for an edit.
func (e *Emulator) changedEvent(ch *channel, before map[string]any, m *message) map[string]any {
	ts := e.nextTSLocked()
	return map[string]any{
		"type": "message", "subtype": "message_changed", "hidden": true, "channel": ch.id,
		"channel_type": channelType(ch), "ts": ts, "event_ts": ts,
		"message": e.messageJSON(m), "previous_message": before,
	}
}

// deletedEvent is the message_deleted event Slack sends for a deletion.
func (e *Emulator) deletedEvent(ch *channel, before map[string]any, m *message) map[string]any {
	ts := e.nextTSLocked()
	return map[string]any{
		"type": "message", "subtype": "message_deleted", "hidden": true, "channel": ch.id,
		"channel_type": channelType(ch), "ts": ts, "event_ts": ts, "deleted_ts": m.ts,
		"previous_message": before,
	}
}

func (e *Emulator) reactionEvent(typ, userID string, ch *channel, m *message, name string) map[string]any {
	return map[string]any{
		"type": typ, "user": userID, "reaction": name, "item_user": m.user,
		"item":     map[string]any{"type": "message", "channel": ch.id, "ts": m.ts},
		"event_ts": e.nextTSLocked(),
	}
}

// callbackLocked wraps an inner event in Slack's event_callback payload.
func (e *Emulator) callbackLocked(inner map[string]any, eventID string) map[string]any {
	if eventID == "" {
		eventID = e.nextIDLocked("Ev")
	}
	return map[string]any{
		"token": "emulator-verification-token", "team_id": e.opts.TeamID, "api_app_id": appID,
		"event": inner, "type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": nil, "team_id": e.opts.TeamID, "user_id": e.opts.BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false, "event_context": "4-" + randHex(8),
	}
}

// emitBotLocked sends, in the background, an event Slack would send about
// something the bot itself did. As in Slack, events only reach the bot for
// channels it is a member of, and only with the event's scope.
func (e *Emulator) emitBotLocked(ch *channel, inner map[string]any) {
	if e.opts.SuppressBotEvents || !e.hearsLocked(ch, inner) {
		return
	}
	p := e.callbackLocked(inner, "")
	e.sendAsync(p, p["event_id"].(string))
}

// addMessageLocked stores a new message (and links a reply to its parent).
func (e *Emulator) addMessageLocked(ch *channel, m *message) *message {
	m.channel = ch.id
	if m.ts == "" {
		m.ts = e.nextTSLocked()
	}
	if m.threadTS == m.ts {
		m.threadTS = ""
	}
	if m.threadTS != "" {
		parent := ch.find(m.threadTS)
		if parent != nil && parent.threadTS != "" && parent.threadTS != parent.ts {
			// Replying to a reply lands in the same thread, as in Slack.
			parent = ch.find(parent.threadTS)
		}
		if parent != nil {
			m.threadTS = parent.ts
			if parent.threadTS == "" {
				parent.threadTS = parent.ts
			}
			parent.replies = append(parent.replies, m.ts)
		}
	}
	ch.msgs = append(ch.msgs, m)
	return m
}

// systemMessageLocked posts a join/topic/pin notice as Slack does and tells
// the bot about it.
func (e *Emulator) systemMessageLocked(ch *channel, userID, subtype, text string) {
	m := e.addMessageLocked(ch, &message{user: userID, subtype: subtype, text: text})
	e.emitBotLocked(ch, e.messageEvent(ch, m))
}
