package slackemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"
)

// serveResponseURL takes what slack-go's PostWebhook and
// MsgOptionResponseURL send: JSON with text, blocks, response_type
// ("ephemeral" by default, or "in_channel"), replace_original and
// delete_original. Like Slack, a URL works 5 times within 30 minutes.
func (e *Emulator) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := path.Base(r.URL.Path)
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &msg)
	}
	if r.Method != http.MethodPost || err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	params := url.Values{"response_url": {id}, "body": {string(raw)}}
	reply := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		e.calls = append(e.calls, Call{Method: "response_url", Params: params, At: time.Now(), Response: json.RawMessage(body)})
	}
	ru, ok := e.responses[id]
	switch {
	case !ok:
		reply(http.StatusNotFound, `{"ok":false,"error":"no_service"}`)
		return
	case ru.uses >= respLimit || time.Now().After(ru.expires):
		reply(http.StatusNotFound, `{"ok":false,"error":"used_url"}`)
		return
	}
	var blocks json.RawMessage
	if len(msg.Blocks) > 0 && string(msg.Blocks) != "null" {
		var apiErr *apiError
		if blocks, apiErr = validateBlocks(string(msg.Blocks), 50); apiErr != nil {
			reply(http.StatusBadRequest, `{"ok":false,"error":"`+apiErr.code+`"}`)
			return
		}
	}
	if msg.Text == "" && blocks == nil && !msg.DeleteOriginal {
		reply(http.StatusBadRequest, `{"ok":false,"error":"no_text"}`)
		return
	}
	ru.uses++
	e.applyResponseLocked(ru, msg.Text, blocks, msg.ResponseType, msg.ThreadTS, msg.ReplaceOriginal, msg.DeleteOriginal)
	reply(http.StatusOK, `{"ok":true}`)
}

func (e *Emulator) applyResponseLocked(ru *responseURL, text string, blocks json.RawMessage, respType, threadTS string, replace, del bool) {
	ch := e.channels[ru.channel]
	var orig *message
	if ru.origTS != "" {
		if ru.origEphem {
			for _, m := range e.ephemeral[ru.user] {
				if m.channel == ru.channel && m.ts == ru.origTS {
					orig = m
				}
			}
		} else if ch != nil {
			orig = ch.find(ru.origTS)
		}
	}
	switch {
	case (del || replace) && orig != nil && orig.ephemeral:
		if del {
			orig.deleted = true
			return
		}
		orig.text, orig.blocks = text, blocks
	case (del || replace) && orig != nil:
		before := e.messageJSON(orig)
		if del {
			orig.deleted = true
			e.emitBotLocked(ch, e.deletedEvent(ch, before, orig))
			return
		}
		orig.text, orig.blocks = text, blocks
		orig.editedBy, orig.editedTS = e.opts.BotUserID, e.nextTSLocked()
		e.emitBotLocked(ch, e.changedEvent(ch, before, orig))
	case del:
	case respType == "in_channel" && ch != nil:
		m := e.addMessageLocked(ch, &message{user: e.opts.BotUserID, botID: botID, text: text, blocks: blocks, threadTS: threadTS})
		e.emitBotLocked(ch, e.messageEvent(ch, m))
	default:
		m := &message{channel: ru.channel, ts: e.nextTSLocked(), user: e.opts.BotUserID, botID: botID,
			text: text, blocks: blocks, threadTS: threadTS, ephemeral: true}
		e.ephemeral[ru.user] = append(e.ephemeral[ru.user], m)
	}
}
