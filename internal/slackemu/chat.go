package slackemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

const maxTextLen = 40000

// blockText returns the "text" of a text object, or "" when absent.
func blockText(v any) (text, typ string) {
	o, _ := v.(map[string]any)
	text, _ = o["text"].(string)
	typ, _ = o["type"].(string)
	return text, typ
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// validateBlocks checks a blocks parameter against Slack's Block Kit limits
// and returns it compacted. max is 50 for messages and 100 for modals.
func validateBlocks(raw string, most int) (json.RawMessage, *apiError) {
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, fail("invalid_blocks_format")
	}
	if len(blocks) > most {
		return nil, failMsg("invalid_blocks", "no more than %d items allowed [json-pointer:/blocks]", most)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		ptr := fmt.Sprintf("/blocks/%d", i)
		if id, _ := b["block_id"].(string); id != "" {
			if ids[id] || runes(id) > 255 {
				return nil, failMsg("invalid_blocks", "duplicate or too long block_id [json-pointer:%s/block_id]", ptr)
			}
			ids[id] = true
		}
		if err := validateBlock(b, ptr); err != nil {
			return nil, err
		}
	}
	out, _ := json.Marshal(blocks)
	return out, nil
}

func validateBlock(b map[string]any, ptr string) *apiError {
	typ, _ := b["type"].(string)
	switch typ {
	case "section":
		text, _ := blockText(b["text"])
		fields, _ := b["fields"].([]any)
		if b["text"] == nil && len(fields) == 0 {
			return failMsg("invalid_blocks", "must provide text or fields [json-pointer:%s]", ptr)
		}
		if runes(text) > 3000 {
			return failMsg("invalid_blocks", "must be less than 3001 characters [json-pointer:%s/text/text]", ptr)
		}
		if len(fields) > 10 {
			return failMsg("invalid_blocks", "no more than 10 items allowed [json-pointer:%s/fields]", ptr)
		}
		for j, f := range fields {
			if t, _ := blockText(f); runes(t) > 2000 {
				return failMsg("invalid_blocks", "must be less than 2001 characters [json-pointer:%s/fields/%d/text]", ptr, j)
			}
		}
	case "header":
		text, ttyp := blockText(b["text"])
		if ttyp != "plain_text" || text == "" {
			return failMsg("invalid_blocks", "must be a plain_text object [json-pointer:%s/text]", ptr)
		}
		if runes(text) > 150 {
			return failMsg("invalid_blocks", "must be less than 151 characters [json-pointer:%s/text/text]", ptr)
		}
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 10 {
			return failMsg("invalid_blocks", "must have 1 to 10 elements [json-pointer:%s/elements]", ptr)
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 25 {
			return failMsg("invalid_blocks", "must have 1 to 25 elements [json-pointer:%s/elements]", ptr)
		}
		for j, el := range els {
			o, _ := el.(map[string]any)
			if t, _ := blockText(o["text"]); o["type"] == "button" && (t == "" || runes(t) > 75) {
				return failMsg("invalid_blocks", "button text must be 1 to 75 characters [json-pointer:%s/elements/%d/text]", ptr, j)
			}
			if o["type"] == "checkboxes" {
				if err := validateCheckboxes(o, fmt.Sprintf("%s/elements/%d", ptr, j)); err != nil {
					return err
				}
			}
		}
	case "input":
		if b["element"] == nil || b["label"] == nil {
			return failMsg("invalid_blocks", "input needs label and element [json-pointer:%s]", ptr)
		}
	case "divider", "image", "rich_text", "markdown", "file", "video":
	default:
		return failMsg("invalid_blocks", "unsupported type: %q [json-pointer:%s/type]", typ, ptr)
	}
	return nil
}

// readContent reads text and blocks the way chat.postMessage does.
func readContent(r *apiReq) (text string, blocks json.RawMessage, err *apiError) {
	text = r.get("text")
	if raw := r.get("blocks"); raw != "" {
		if blocks, err = validateBlocks(raw, 50); err != nil {
			return "", nil, err
		}
		if string(blocks) == "[]" {
			blocks = nil
		}
	}
	if text == "" && blocks == nil && r.get("attachments") == "" {
		return "", nil, fail("no_text")
	}
	if runes(text) > maxTextLen {
		return "", nil, fail("msg_too_long")
	}
	return text, blocks, nil
}

func (e *Emulator) chatPostMessage(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil && err.code == "not_in_channel" && e.hasScope("chat:write.public") {
		// chat:write.public lets a bot post in any public channel without
		// joining it (not_in_channel is only answered for public ones; a
		// private channel it is not in is channel_not_found). It does not
		// make the bot a member: it still hears nothing from the channel,
		// and chat.postEphemeral there still fails.
		ch, err = e.lookupChannelLocked(r.get("channel")), nil
	}
	if err != nil {
		return nil, err
	}
	text, blocks, err := readContent(r)
	if err != nil {
		return nil, err
	}
	m := e.addMessageLocked(ch, &message{
		user: e.opts.BotUserID, botID: botID, text: text, blocks: blocks, threadTS: r.get("thread_ts"),
	})
	e.emitBotLocked(ch, e.messageEvent(ch, m))
	return result{"channel": ch.id, "ts": m.ts, "message": e.messageJSON(m)}, nil
}

// botMessage finds the message a chat.update/chat.delete/pins/reactions
// call refers to.
func (e *Emulator) botMessage(r *apiReq, tsParam string) (*channel, *message, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, nil, err
	}
	ts := r.get(tsParam)
	if ts == "" {
		return nil, nil, fail("no_item_specified")
	}
	m := ch.find(ts)
	if m == nil || m.deleted {
		return nil, nil, fail("message_not_found")
	}
	return ch, m, nil
}

func (e *Emulator) chatUpdate(r *apiReq) (result, *apiError) {
	ch, m, err := e.botMessage(r, "ts")
	if err != nil {
		return nil, err
	}
	if m.user != e.opts.BotUserID {
		return nil, fail("cant_update_message")
	}
	before := e.messageJSON(m)
	if _, ok := r.params["text"]; ok {
		if runes(r.get("text")) > maxTextLen {
			return nil, fail("msg_too_long")
		}
		m.text = r.get("text")
	}
	if raw, ok := r.params["blocks"]; ok {
		blocks, err := validateBlocks(raw[0], 50)
		if err != nil {
			return nil, err
		}
		m.blocks = blocks
		if string(blocks) == "[]" {
			m.blocks = nil
		}
	}
	m.editedBy, m.editedTS = e.opts.BotUserID, e.nextTSLocked()
	e.emitBotLocked(ch, e.changedEvent(ch, before, m))
	return result{"channel": ch.id, "ts": m.ts, "text": m.text, "message": e.messageJSON(m)}, nil
}

func (e *Emulator) chatDelete(r *apiReq) (result, *apiError) {
	ch, m, err := e.botMessage(r, "ts")
	if err != nil {
		return nil, err
	}
	if m.user != e.opts.BotUserID {
		return nil, fail("cant_delete_message")
	}
	before := e.messageJSON(m)
	m.deleted = true
	e.emitBotLocked(ch, e.deletedEvent(ch, before, m))
	return result{"channel": ch.id, "ts": m.ts}, nil
}

func (e *Emulator) chatPostEphemeral(r *apiReq) (result, *apiError) {
	ch, err := e.botChannel(r, "channel")
	if err != nil {
		return nil, err
	}
	uid := r.get("user")
	if _, ok := e.users[uid]; !ok {
		return nil, fail("user_not_found")
	}
	if !ch.isMember(uid) {
		return nil, fail("user_not_in_channel")
	}
	text, blocks, err := readContent(r)
	if err != nil {
		return nil, err
	}
	m := &message{channel: ch.id, ts: e.nextTSLocked(), user: e.opts.BotUserID, botID: botID,
		text: text, blocks: blocks, threadTS: r.get("thread_ts"), ephemeral: true}
	e.ephemeral[uid] = append(e.ephemeral[uid], m)
	return result{"message_ts": m.ts}, nil
}

func (e *Emulator) chatGetPermalink(r *apiReq) (result, *apiError) {
	ch := e.visibleChannelLocked(r.get("channel"))
	if ch == nil {
		return nil, fail("channel_not_found")
	}
	m := ch.find(r.get("message_ts"))
	if m == nil || m.deleted {
		return nil, fail("message_not_found")
	}
	link := fmt.Sprintf("https://%s/archives/%s/p%s", teamHost, ch.id, strings.ReplaceAll(m.ts, ".", ""))
	if m.threadTS != "" && m.threadTS != m.ts {
		link += "?thread_ts=" + m.threadTS + "&cid=" + ch.id
	}
	return result{"channel": ch.id, "permalink": link}, nil
}

func (e *Emulator) pinsAdd(r *apiReq) (result, *apiError) {
	ch, m, err := e.botMessage(r, "timestamp")
	if err != nil {
		return nil, err
	}
	if m.pinned {
		return nil, fail("already_pinned")
	}
	m.pinned = true
	e.systemMessageLocked(ch, e.opts.BotUserID, "pinned_item", "pinned a message to this channel.")
	return nil, nil
}

func (e *Emulator) pinsRemove(r *apiReq) (result, *apiError) {
	_, m, err := e.botMessage(r, "timestamp")
	if err != nil {
		return nil, err
	}
	if !m.pinned {
		return nil, fail("no_pin")
	}
	m.pinned = false
	return nil, nil
}

func (e *Emulator) reactionsAdd(r *apiReq) (result, *apiError) {
	if r.get("name") == "" {
		return nil, fail("invalid_name")
	}
	ch, m, err := e.botMessage(r, "timestamp")
	if err != nil {
		return nil, err
	}
	if !addReaction(m, r.get("name"), e.opts.BotUserID) {
		return nil, fail("already_reacted")
	}
	e.emitBotLocked(ch, e.reactionEvent("reaction_added", e.opts.BotUserID, ch, m, r.get("name")))
	return nil, nil
}

func (e *Emulator) reactionsRemove(r *apiReq) (result, *apiError) {
	ch, m, err := e.botMessage(r, "timestamp")
	if err != nil {
		return nil, err
	}
	if !removeReaction(m, r.get("name"), e.opts.BotUserID) {
		return nil, fail("no_reaction")
	}
	e.emitBotLocked(ch, e.reactionEvent("reaction_removed", e.opts.BotUserID, ch, m, r.get("name")))
	return nil, nil
}

func addReaction(m *message, name, uid string) bool {
	for i := range m.reactions {
		if m.reactions[i].name == name {
			if slices.Contains(m.reactions[i].users, uid) {
				return false
			}
			m.reactions[i].users = append(m.reactions[i].users, uid)
			return true
		}
	}
	m.reactions = append(m.reactions, reaction{name: name, users: []string{uid}})
	return true
}

func removeReaction(m *message, name, uid string) bool {
	for i := range m.reactions {
		r := &m.reactions[i]
		if r.name != name {
			continue
		}
		j := slices.Index(r.users, uid)
		if j < 0 {
			return false
		}
		r.users = slices.Delete(r.users, j, j+1)
		if len(r.users) == 0 {
			m.reactions = slices.Delete(m.reactions, i, i+1)
		}
		return true
	}
	return false
}
