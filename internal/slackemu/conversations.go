package slackemu

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// lookupChannelLocked finds a channel by ID, name or "#name".
func (e *Emulator) lookupChannelLocked(ref string) *channel {
	if ch, ok := e.channels[ref]; ok {
		return ch
	}
	name := strings.TrimPrefix(ref, "#")
	for _, id := range e.chanOrder {
		if ch := e.channels[id]; ch.name == name && !ch.dm {
			return ch
		}
	}
	return nil
}

// visibleChannelLocked is lookupChannelLocked as the bot sees the
// workspace: a private channel it is not in does not exist for it.
func (e *Emulator) visibleChannelLocked(ref string) *channel {
	ch := e.lookupChannelLocked(ref)
	if ch == nil || ch.hiddenFrom(e.opts.BotUserID) {
		return nil
	}
	return ch
}

// botChannel resolves the "channel" parameter and checks the bot may act in
// it, with Slack's error codes: not_in_channel for a public channel it is
// not in, channel_not_found for a private one.
func (e *Emulator) botChannel(r *apiReq, param string) (*channel, *apiError) {
	ref := r.get(param)
	if ref == "" {
		return nil, fail("channel_not_found")
	}
	ch := e.visibleChannelLocked(ref)
	if ch == nil {
		// Posting to a user ID opens a DM with them, as in Slack.
		if u, ok := e.users[ref]; ok && !u.Bot {
			return e.dmLocked(u.ID), nil
		}
		return nil, fail("channel_not_found")
	}
	if !ch.isMember(e.opts.BotUserID) {
		return nil, fail("not_in_channel")
	}
	return ch, nil
}

// dmID is the ID of the app's DM with a user.
func dmID(userID string) string { return "D" + strings.TrimPrefix(userID, "U") }

// dmLocked returns the app's DM with a user, opening it on first use: Slack
// opens it when the bot posts to the user's ID, with no conversations.open.
func (e *Emulator) dmLocked(userID string) *channel {
	id := dmID(userID)
	if ch, ok := e.channels[id]; ok {
		return ch
	}
	ch := e.newChannelLocked(id, userID, "")
	ch.dm = true
	ch.addMember(e.opts.BotUserID)
	ch.addMember(userID)
	return ch
}

// validChannelName applies Slack's rules for conversations.create.
func validChannelName(name string) *apiError {
	switch {
	case name == "":
		return fail("invalid_name_required")
	case utf8.RuneCountInString(name) > 80:
		return fail("invalid_name_maxlength")
	}
	punct := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			punct = false
		case r == '-' || r == '_':
		default:
			return fail("invalid_name_specials")
		}
	}
	if punct {
		return fail("invalid_name_punctuation")
	}
	return nil
}

func (e *Emulator) conversationsCreate(r *apiReq) (result, *apiError) {
	name := r.get("name")
	if err := validChannelName(name); err != nil {
		return nil, err
	}
	// Names are unique across public and private channels, so a private
	// channel the bot cannot see still takes its name.
	if e.lookupChannelLocked(name) != nil {
		return nil, fail("name_taken")
	}
	// Private channels made since March 2021 have C IDs too.
	ch := e.newChannelLocked(e.nextIDLocked("C"), name, e.opts.BotUserID)
	ch.private = r.flag("is_private")
	return result{"channel": e.channelJSON(ch)}, nil
}

func (e *Emulator) conversationsInvite(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, err
	}
	users := r.get("users")
	if users == "" {
		return nil, fail("no_user")
	}
	var errs []map[string]any
	var ok []string
	for _, id := range strings.Split(users, ",") {
		id = strings.TrimSpace(id)
		code := ""
		switch u, known := e.users[id]; {
		case !known:
			code = "user_not_found"
		case id == e.opts.BotUserID:
			code = "cant_invite_self"
		case ch.isMember(u.ID):
			code = "already_in_channel"
		}
		if code != "" {
			errs = append(errs, map[string]any{"user": id, "ok": false, "error": code})
			continue
		}
		ok = append(ok, id)
	}
	// Without force, one bad user fails the whole call, as in Slack; the
	// first error is the top-level code and "errors" lists each one.
	if len(errs) > 0 && !r.flag("force") {
		return nil, &apiError{code: errs[0]["error"].(string), extra: map[string]any{"errors": errs}}
	}
	for _, id := range ok {
		ch.addMember(id)
		e.systemMessageLocked(ch, id, "channel_join", "<@"+id+"> has joined the channel")
	}
	res := result{"channel": e.channelJSON(ch)}
	if len(errs) > 0 {
		res["errors"] = errs
	}
	return res, nil
}

func (e *Emulator) conversationsSetTopic(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, err
	}
	topic := r.get("topic")
	if utf8.RuneCountInString(topic) > 250 {
		return nil, fail("too_long")
	}
	ch.topic, ch.topicBy, ch.topicAt = topic, e.opts.BotUserID, r.at
	e.systemMessageLocked(ch, e.opts.BotUserID, "channel_topic", "set the channel topic: "+topic)
	return result{"channel": e.channelJSON(ch)}, nil
}

func (e *Emulator) conversationsInfo(r *apiReq) (result, *apiError) {
	ch := e.visibleChannelLocked(r.get("channel"))
	if ch == nil {
		return nil, fail("channel_not_found")
	}
	return result{"channel": e.channelJSON(ch)}, nil
}

// conversationsMembers pages like Slack: limit (default 100, at most 1000)
// and the next_cursor of the previous page.
func (e *Emulator) conversationsMembers(r *apiReq) (result, *apiError) {
	ch := e.visibleChannelLocked(r.get("channel"))
	if ch == nil {
		return nil, fail("channel_not_found")
	}
	start := min(decodeCursor(r.get("cursor")), len(ch.members))
	end := min(start+readLimit(r, 100, 1000), len(ch.members))
	next := ""
	if end < len(ch.members) {
		next = encodeCursor(end)
	}
	return result{"members": slices.Clone(ch.members[start:end]), "response_metadata": map[string]any{"next_cursor": next}}, nil
}

func (e *Emulator) conversationsJoin(r *apiReq) (result, *apiError) {
	ch := e.visibleChannelLocked(r.get("channel"))
	if ch == nil {
		return nil, fail("channel_not_found")
	}
	if ch.private {
		// Only an invitation lets anyone into a private channel.
		return nil, fail("method_not_supported_for_channel_type")
	}
	res := result{}
	if !ch.addMember(e.opts.BotUserID) {
		res["warning"] = "already_in_channel"
		res["response_metadata"] = map[string]any{"warnings": []string{"already_in_channel"}}
	} else {
		e.systemMessageLocked(ch, e.opts.BotUserID, "channel_join", "<@"+e.opts.BotUserID+"> has joined the channel")
	}
	res["channel"] = e.channelJSON(ch)
	return res, nil
}

func (e *Emulator) channelJSON(ch *channel) map[string]any {
	out := map[string]any{
		"id": ch.id, "name": ch.name, "name_normalized": ch.name, "created": ch.created.Unix(),
		"creator": ch.creator, "is_channel": !ch.dm, "is_group": false, "is_im": ch.dm,
		// Slack's current conversation object: a private channel is a
		// channel with is_private; is_group marks only the G… private
		// channels made before March 2021, which the emulator never makes.
		"is_private": ch.private, "is_archived": false, "is_general": false, "is_shared": false,
		"is_org_shared": false, "is_ext_shared": false, "is_pending_ext_shared": false,
		"is_member": ch.isMember(e.opts.BotUserID), "context_team_id": e.opts.TeamID,
		"num_members": len(ch.members),
		"topic":       map[string]any{"value": ch.topic, "creator": ch.topicBy, "last_set": unixOrZero(ch.topicAt)},
		"purpose":     map[string]any{"value": "", "creator": "", "last_set": 0},
	}
	if ch.dm {
		out["user"] = ch.name
	}
	return out
}

// window is the latest/oldest/inclusive filter of history and replies.
type window struct {
	latest, oldest string
	inclusive      bool
}

func readWindow(r *apiReq) window {
	return window{latest: r.get("latest"), oldest: r.get("oldest"), inclusive: r.flag("inclusive")}
}

func (w window) has(ts string) bool {
	if w.latest != "" {
		c := compareTS(ts, w.latest)
		if c > 0 || (c == 0 && !w.inclusive) {
			return false
		}
	}
	if w.oldest != "" && w.oldest != "0" {
		c := compareTS(ts, w.oldest)
		if c < 0 || (c == 0 && !w.inclusive) {
			return false
		}
	}
	return true
}

func readLimit(r *apiReq, def, most int) int {
	n, err := strconv.Atoi(r.get("limit"))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, most)
}

// Cursors are opaque to clients; ours encode the position to resume at.
func encodeCursor(pos int) string {
	return base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(pos)))
}

func decodeCursor(c string) int {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(string(b), "next:"))
	return n
}

// page slices msgs at the request's cursor and limit.
func (e *Emulator) page(r *apiReq, msgs []*message, limit int) result {
	start := min(decodeCursor(r.get("cursor")), len(msgs))
	end := min(start+limit, len(msgs))
	out := make([]map[string]any, 0, end-start)
	for _, m := range msgs[start:end] {
		out = append(out, e.messageJSON(m))
	}
	next := ""
	if end < len(msgs) {
		next = encodeCursor(end)
	}
	return result{"messages": out, "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}}
}

func (e *Emulator) conversationsHistory(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, err
	}
	w := readWindow(r)
	var msgs []*message
	pins := 0
	for i := len(ch.msgs) - 1; i >= 0; i-- { // newest first
		m := ch.msgs[i]
		if m.pinned && !m.deleted {
			pins++
		}
		if m.deleted || (m.threadTS != "" && m.threadTS != m.ts) || !w.has(m.ts) {
			continue
		}
		msgs = append(msgs, m)
	}
	res := e.page(r, msgs, readLimit(r, 100, 999))
	res["pin_count"] = pins
	return res, nil
}

func (e *Emulator) conversationsReplies(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, err
	}
	ts := r.get("ts")
	if ts == "" {
		return nil, fail("invalid_arguments")
	}
	parent := ch.find(ts)
	if parent == nil || parent.deleted {
		return nil, fail("thread_not_found")
	}
	if parent.threadTS != "" && parent.threadTS != parent.ts {
		// A reply's ts returns just that reply, as in Slack.
		return e.page(r, []*message{parent}, 1), nil
	}
	w := readWindow(r)
	msgs := []*message{parent}
	for _, rts := range parent.replies {
		if m := ch.find(rts); m != nil && !m.deleted && w.has(m.ts) {
			msgs = append(msgs, m)
		}
	}
	return e.page(r, msgs, readLimit(r, 1000, 1000)), nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
