package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a person acts on something that is not there
// (a channel, a message, a button, a view).
var ErrNotFound = errors.New("slackemu: not found")

// ErrNotMember is returned when a person acts in a private channel they are
// not in: they cannot see it until someone invites them
// (conversations.invite, or AddChannelMember in a test).
var ErrNotMember = errors.New("slackemu: not a member of the private channel")

// seeLocked checks a person can see a channel.
func seeLocked(ch *channel, userID string) error {
	if ch.hiddenFrom(userID) {
		return fmt.Errorf("%s in %s: %w", userID, ch.id, ErrNotMember)
	}
	return nil
}

// personChannelLocked checks a person may act in a channel. A person who is
// not a member of a public channel joins first, as they would by clicking
// "Join channel"; a private one they must be invited to.
func (e *Emulator) personChannelLocked(userID, channelID string) (*channel, error) {
	if _, ok := e.users[userID]; !ok {
		return nil, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	ch, ok := e.channels[channelID]
	if !ok {
		return nil, fmt.Errorf("channel %s: %w", channelID, ErrNotFound)
	}
	if err := seeLocked(ch, userID); err != nil {
		return nil, err
	}
	if ch.addMember(userID) {
		m := e.addMessageLocked(ch, &message{user: userID, subtype: "channel_join", text: "<@" + userID + "> has joined the channel"})
		e.emitBotLocked(ch, e.messageEvent(ch, m))
	}
	return ch, nil
}

// personEventLocked wraps an event caused by a person; nil when the bot is
// not in the channel or lacks the event's scope, so Slack would not tell it.
func (e *Emulator) personEventLocked(ch *channel, inner map[string]any) map[string]any {
	if !e.hearsLocked(ch, inner) {
		return nil
	}
	return e.callbackLocked(inner, "")
}

func (e *Emulator) sendEvent(ctx context.Context, payload map[string]any) error {
	if payload == nil {
		return nil
	}
	_, err := e.send(ctx, "events_api", payload, false, payload["event_id"].(string), 0)
	return err
}

func (e *Emulator) post(ctx context.Context, userID, channelID string, m *message, silent bool) (string, error) {
	e.mu.Lock()
	ch, err := e.personChannelLocked(userID, channelID)
	if err != nil {
		e.mu.Unlock()
		return "", err
	}
	if m.threadTS != "" && ch.find(m.threadTS) == nil {
		e.mu.Unlock()
		return "", fmt.Errorf("thread %s: %w", m.threadTS, ErrNotFound)
	}
	m.user = userID
	e.addMessageLocked(ch, m)
	var payload map[string]any
	if !silent {
		payload = e.personEventLocked(ch, e.messageEvent(ch, m))
	}
	e.mu.Unlock()
	return m.ts, e.sendEvent(ctx, payload)
}

// PostMessage is a person posting text in a channel; the bot gets the
// message event if it is a member. It returns the message ts.
func (e *Emulator) PostMessage(ctx context.Context, userID, channelID, text string) (string, error) {
	return e.post(ctx, userID, channelID, &message{text: text}, false)
}

// PostReply is a person replying in a thread.
func (e *Emulator) PostReply(ctx context.Context, userID, channelID, threadTS, text string) (string, error) {
	return e.post(ctx, userID, channelID, &message{text: text, threadTS: threadTS}, false)
}

// PostMessageWithFiles is a person sharing files with a message (subtype
// "file_share", as Slack sends it). Each file's content is a short text.
func (e *Emulator) PostMessageWithFiles(ctx context.Context, userID, channelID, text string, fileNames []string) (string, error) {
	m := &message{text: text, subtype: "file_share"}
	e.mu.Lock()
	for _, name := range fileNames {
		f := &file{id: e.nextIDLocked("F"), name: name, title: name, user: userID, channel: channelID,
			content: []byte("contents of " + name), uploaded: true, shared: true}
		e.files[f.id] = f
		e.fileOrder = append(e.fileOrder, f.id)
		m.files = append(m.files, f.id)
	}
	e.mu.Unlock()
	return e.post(ctx, userID, channelID, m, false)
}

// PostMessageSilently stores a person's message without telling the bot,
// like one sent while the bot was down. It returns the ts, or "" when the
// user or channel does not exist.
func (e *Emulator) PostMessageSilently(userID, channelID, text string) string {
	ts, err := e.post(context.Background(), userID, channelID, &message{text: text}, true)
	if err != nil {
		return ""
	}
	return ts
}

// personMessageLocked finds a message a person acts on.
func (e *Emulator) personMessageLocked(channelID, ts string) (*channel, *message, error) {
	ch, ok := e.channels[channelID]
	if !ok {
		return nil, nil, fmt.Errorf("channel %s: %w", channelID, ErrNotFound)
	}
	m := ch.find(ts)
	if m == nil || m.deleted {
		return nil, nil, fmt.Errorf("message %s in %s: %w", ts, channelID, ErrNotFound)
	}
	return ch, m, nil
}

// EditMessage is a person editing their message: a message_changed event.
func (e *Emulator) EditMessage(ctx context.Context, userID, channelID, ts, newText string) error {
	e.mu.Lock()
	ch, m, err := e.personMessageLocked(channelID, ts)
	if err == nil && m.user != userID {
		err = fmt.Errorf("slackemu: %s cannot edit a message by %s", userID, m.user)
	}
	if err != nil {
		e.mu.Unlock()
		return err
	}
	before := e.messageJSON(m)
	m.text, m.editedBy, m.editedTS = newText, userID, e.nextTSLocked()
	payload := e.personEventLocked(ch, e.changedEvent(ch, before, m))
	e.mu.Unlock()
	return e.sendEvent(ctx, payload)
}

// DeleteMessage is a person deleting a message: a message_deleted event.
func (e *Emulator) DeleteMessage(ctx context.Context, channelID, ts string) error {
	e.mu.Lock()
	ch, m, err := e.personMessageLocked(channelID, ts)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	before := e.messageJSON(m)
	m.deleted = true
	payload := e.personEventLocked(ch, e.deletedEvent(ch, before, m))
	e.mu.Unlock()
	return e.sendEvent(ctx, payload)
}

// AddReaction is a person reacting to a message: a reaction_added event.
func (e *Emulator) AddReaction(ctx context.Context, userID, channelID, ts, name string) error {
	return e.react(ctx, userID, channelID, ts, name, true)
}

// RemoveReaction is a person removing their reaction: a reaction_removed event.
func (e *Emulator) RemoveReaction(ctx context.Context, userID, channelID, ts, name string) error {
	return e.react(ctx, userID, channelID, ts, name, false)
}

func (e *Emulator) react(ctx context.Context, userID, channelID, ts, name string, add bool) error {
	e.mu.Lock()
	ch, m, err := e.personMessageLocked(channelID, ts)
	if err == nil {
		err = seeLocked(ch, userID)
	}
	if err != nil {
		e.mu.Unlock()
		return err
	}
	typ, changed := "reaction_removed", false
	if add {
		typ, changed = "reaction_added", addReaction(m, name, userID)
	} else {
		changed = removeReaction(m, name, userID)
	}
	if !changed {
		e.mu.Unlock()
		return fmt.Errorf("slackemu: %s: nothing to do for :%s: by %s", typ, name, userID)
	}
	payload := e.personEventLocked(ch, e.reactionEvent(typ, userID, ch, m, name))
	e.mu.Unlock()
	return e.sendEvent(ctx, payload)
}

// SendEvent delivers a raw events_api envelope whose payload wraps inner
// (any JSON-encodable inner event) with the given event_id and
// retry_attempt, to test duplicate and retried deliveries.
func (e *Emulator) SendEvent(ctx context.Context, eventID string, inner any, retryAttempt int) error {
	raw, err := json.Marshal(inner)
	if err != nil {
		return fmt.Errorf("slackemu: encode event: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("slackemu: event must be a JSON object: %w", err)
	}
	e.mu.Lock()
	payload := e.callbackLocked(m, eventID)
	e.mu.Unlock()
	_, err = e.send(ctx, "events_api", payload, false, eventID, retryAttempt)
	return err
}

func (e *Emulator) userObj(uid string) map[string]any {
	return map[string]any{"id": uid, "username": e.userName(uid), "name": e.userName(uid), "team_id": e.opts.TeamID}
}

func (e *Emulator) teamObj() map[string]any {
	return map[string]any{"id": e.opts.TeamID, "domain": "emulated"}
}

// SlashCommand is a person typing "/incident <text>" in a channel. It waits
// for the bot's ack and returns the ack's payload (empty when none).
func (e *Emulator) SlashCommand(ctx context.Context, userID, channelID, text string) (json.RawMessage, error) {
	e.mu.Lock()
	u, okU := e.users[userID]
	ch, okC := e.channels[channelID]
	if !okU || !okC {
		e.mu.Unlock()
		return nil, fmt.Errorf("slash command by %s in %s: %w", userID, channelID, ErrNotFound)
	}
	if err := seeLocked(ch, userID); err != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("slash command: %w", err)
	}
	payload := map[string]any{
		"token": "emulator-verification-token", "team_id": e.opts.TeamID, "team_domain": "emulated",
		"channel_id": ch.id, "channel_name": ch.name, "user_id": u.ID, "user_name": u.Name,
		"command": "/incident", "text": text, "api_app_id": appID, "is_enterprise_install": "false",
		"response_url": e.newResponseURLLocked(ch.id, userID, "", false, "slash_command"),
		"trigger_id":   e.newTriggerLocked(userID, ch.id),
	}
	e.mu.Unlock()
	return e.request(ctx, "slash_commands", payload)
}

// findButton looks for an interactive element with actionID in blocks.
func findButton(blocks json.RawMessage, actionID string) (blockID string, el map[string]any) {
	return findElement(blocks, func(o map[string]any) bool { return o["action_id"] == actionID })
}

// findElement returns the first element of blocks (in an actions block or
// a section's accessory) that match accepts, and its block's id.
func findElement(blocks json.RawMessage, match func(map[string]any) bool) (blockID string, el map[string]any) {
	var bs []map[string]any
	_ = json.Unmarshal(blocks, &bs)
	for _, b := range bs {
		bid, _ := b["block_id"].(string)
		els, _ := b["elements"].([]any)
		if acc, ok := b["accessory"]; ok {
			els = append(els, acc)
		}
		for _, x := range els {
			if o, _ := x.(map[string]any); match(o) {
				return bid, o
			}
		}
	}
	return "", nil
}

// ClickButton is a person clicking a button (by action_id) on a message in a
// channel, or on an ephemeral message they were shown. It sends a
// block_actions interactive envelope and returns the ack payload. value
// overrides the button's own value when not empty.
func (e *Emulator) ClickButton(ctx context.Context, userID, channelID, messageTS, actionID, value string) (json.RawMessage, error) {
	e.mu.Lock()
	ch, m, err := e.clickedLocked(userID, channelID, messageTS)
	if err != nil {
		e.mu.Unlock()
		return nil, err
	}
	blockID, el := findButton(m.blocks, actionID)
	if el == nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("button %q on message %s: %w", actionID, messageTS, ErrNotFound)
	}
	if value == "" {
		value, _ = el["value"].(string)
	}
	typ, _ := el["type"].(string)
	action := map[string]any{
		"type": typ, "action_id": actionID, "block_id": blockID, "value": value,
		"text": el["text"], "action_ts": e.nextTSLocked(),
	}
	if typ == "static_select" {
		action["selected_option"] = stateValue(el, value)["selected_option"]
	}
	payload := e.blockActionsLocked(userID, ch, m, m.blocks, action, map[string]any{})
	e.mu.Unlock()
	return e.request(ctx, "interactive", payload)
}

// clickedLocked finds the message a person clicks on: in the channel, or
// one shown to them alone.
func (e *Emulator) clickedLocked(userID, channelID, messageTS string) (*channel, *message, error) {
	ch, okC := e.channels[channelID]
	var m *message
	if okC {
		m = ch.find(messageTS)
	}
	if m == nil || m.deleted {
		for _, em := range e.ephemeral[userID] {
			if em.channel == channelID && em.ts == messageTS {
				m = em
			}
		}
	}
	if !okC || m == nil {
		return nil, nil, fmt.Errorf("message %s in %s: %w", messageTS, channelID, ErrNotFound)
	}
	if err := seeLocked(ch, userID); err != nil {
		return nil, nil, fmt.Errorf("click: %w", err)
	}
	return ch, m, nil
}

// blockActionsLocked is the block_actions payload of one action on m, as
// the person's client showed it (blocks) with the message's state.
func (e *Emulator) blockActionsLocked(userID string, ch *channel, m *message, blocks json.RawMessage, action, state map[string]any) map[string]any {
	msg := e.messageJSON(m)
	if len(blocks) > 0 {
		msg["blocks"] = blocks
	}
	return map[string]any{
		"type": "block_actions", "user": e.userObj(userID), "api_app_id": appID,
		"token": "emulator-verification-token", "team": e.teamObj(), "enterprise": nil,
		"is_enterprise_install": false,
		"container": map[string]any{
			"type": "message", "message_ts": m.ts, "channel_id": ch.id, "is_ephemeral": m.ephemeral,
		},
		"trigger_id":   e.newTriggerLocked(userID, ch.id),
		"channel":      map[string]any{"id": ch.id, "name": ch.name},
		"message":      msg,
		"state":        map[string]any{"values": state},
		"response_url": e.newResponseURLLocked(ch.id, userID, m.ts, m.ephemeral, "block_actions"),
		"actions":      []any{action},
	}
}

// SubmitView is a person submitting an open modal: values[block_id][action_id]
// is the typed text (plain_text_input) or the chosen option's value
// (static_select). A required input left empty is refused, as Slack's
// client does. It returns the ack payload (e.g. response_action "errors").
func (e *Emulator) SubmitView(ctx context.Context, userID, viewID string, values map[string]map[string]string) (json.RawMessage, error) {
	e.mu.Lock()
	v, ok := e.views[viewID]
	if !ok || v.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("open view %s: %w", viewID, ErrNotFound)
	}
	els, optional := inputElements(v.obj)
	state := map[string]any{}
	for bid, actions := range els {
		for aid, el := range actions {
			val, given := values[bid][aid]
			if (!given || val == "") && !optional[bid] {
				e.mu.Unlock()
				return nil, fmt.Errorf("slackemu: required field %s/%s is empty", bid, aid)
			}
			if given {
				state[bid] = map[string]any{aid: stateValue(el, val)}
			}
		}
	}
	obj := map[string]any{}
	for k, val := range v.obj {
		obj[k] = val
	}
	obj["state"] = map[string]any{"values": state}
	payload := map[string]any{
		"type": "view_submission", "team": e.teamObj(), "user": e.userObj(userID), "api_app_id": appID,
		"token": "emulator-verification-token", "trigger_id": e.newTriggerLocked(userID, ""),
		"view": obj, "response_urls": []any{}, "is_enterprise_install": false, "enterprise": nil,
	}
	e.mu.Unlock()
	ack, err := e.request(ctx, "interactive", payload)
	if err != nil {
		return nil, err
	}
	e.applyViewAck(v, ack)
	return ack, nil
}

// applyViewAck does what Slack does with a view_submission ack: errors keep
// the modal open, update replaces it, anything else closes it.
func (e *Emulator) applyViewAck(v *view, ack json.RawMessage) {
	var resp struct {
		ResponseAction string         `json:"response_action"`
		View           map[string]any `json:"view"`
	}
	_ = json.Unmarshal(ack, &resp)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch resp.ResponseAction {
	case "errors":
	case "update", "push":
		if obj, err := checkView(resp.View); err == nil {
			e.setViewLocked(v, obj)
		}
	default:
		v.closed = true
	}
}

// JoinChannel is a person joining a public channel (a channel_join
// message); a private one answers ErrNotMember, as only an invitation gets
// anyone in.
func (e *Emulator) JoinChannel(ctx context.Context, userID, channelID string) error {
	e.mu.Lock()
	ch, ok := e.channels[channelID]
	if !ok || ch.isMember(userID) {
		e.mu.Unlock()
		if !ok {
			return fmt.Errorf("channel %s: %w", channelID, ErrNotFound)
		}
		return nil
	}
	if err := seeLocked(ch, userID); err != nil {
		e.mu.Unlock()
		return fmt.Errorf("join: %w", err)
	}
	ch.addMember(userID)
	m := e.addMessageLocked(ch, &message{user: userID, subtype: "channel_join", text: "<@" + userID + "> has joined the channel"})
	payload := e.personEventLocked(ch, e.messageEvent(ch, m))
	e.mu.Unlock()
	return e.sendEvent(ctx, payload)
}

func (e *Emulator) newResponseURLLocked(channelID, userID, origTS string, origEphem bool, kind string) string {
	id := randHex(12)
	e.responses[id] = &responseURL{channel: channelID, user: userID, origTS: origTS, origEphem: origEphem,
		expires: time.Now().Add(30 * time.Minute), interaction: kind}
	return e.srv.URL + "/response/" + e.opts.TeamID + "/" + id
}
