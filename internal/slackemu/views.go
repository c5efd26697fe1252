package slackemu

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// newTriggerLocked issues a trigger_id for a person's interaction, usable
// once for views.open within TriggerTTL.
func (e *Emulator) newTriggerLocked(userID, channelID string) string {
	id := fmt.Sprintf("%d.%d.%s", time.Now().UnixMilli(), e.seq+1, randHex(16))
	e.seq++
	exp := time.Time{}
	if e.opts.TriggerTTL > 0 {
		exp = time.Now().Add(e.opts.TriggerTTL)
	}
	e.triggers[id] = trigger{user: userID, channel: channelID, expires: exp}
	return id
}

// checkView validates a modal the way views.open and views.update do.
func checkView(raw any) (map[string]any, *apiError) {
	v, ok := raw.(map[string]any)
	if !ok {
		return nil, failMsg("invalid_arguments", "missing required field: view")
	}
	if v["type"] != "modal" {
		return nil, failMsg("invalid_arguments", "must be modal [json-pointer:/view/type]")
	}
	title, ttyp := blockText(v["title"])
	if ttyp != "plain_text" || title == "" || runes(title) > 24 {
		return nil, failMsg("invalid_arguments", "title must be plain_text of 1 to 24 characters [json-pointer:/view/title]")
	}
	for _, k := range []string{"submit", "close"} {
		if t, _ := blockText(v[k]); runes(t) > 24 {
			return nil, failMsg("invalid_arguments", "must be less than 25 characters [json-pointer:/view/%s]", k)
		}
	}
	if pm, _ := v["private_metadata"].(string); runes(pm) > 3000 {
		return nil, failMsg("invalid_arguments", "must be less than 3001 characters [json-pointer:/view/private_metadata]")
	}
	blocks, _ := json.Marshal(v["blocks"])
	if v["blocks"] == nil {
		blocks = []byte("[]")
	}
	checked, err := validateBlocks(string(blocks), 100)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, val := range v {
		out[k] = val
	}
	out["blocks"] = checked
	return out, nil
}

func (e *Emulator) viewsOpen(r *apiReq) (result, *apiError) {
	tid, _ := r.body["trigger_id"].(string)
	t, ok := e.triggers[tid]
	switch {
	case tid == "" || !ok:
		return nil, fail("invalid_trigger_id")
	case !t.expires.IsZero() && time.Now().After(t.expires):
		return nil, fail("expired_trigger_id")
	}
	obj, err := checkView(r.body["view"])
	if err != nil {
		return nil, err
	}
	delete(e.triggers, tid) // a trigger opens one view
	v := &view{id: e.nextIDLocked("V"), trigger: tid, user: t.user}
	e.setViewLocked(v, obj)
	e.views[v.id] = v
	e.viewOrder = append(e.viewOrder, v.id)
	return result{"view": v.obj}, nil
}

func (e *Emulator) viewsUpdate(r *apiReq) (result, *apiError) {
	var v *view
	if id, _ := r.body["view_id"].(string); id != "" {
		v = e.views[id]
	} else if ext, _ := r.body["external_id"].(string); ext != "" {
		for _, cand := range e.views {
			if cand.externalID == ext {
				v = cand
			}
		}
	} else {
		return nil, failMsg("invalid_arguments", "view_id or external_id is required")
	}
	if v == nil {
		return nil, fail("not_found")
	}
	if h, _ := r.body["hash"].(string); h != "" && h != v.hash {
		return nil, fail("hash_conflict")
	}
	obj, err := checkView(r.body["view"])
	if err != nil {
		return nil, err
	}
	e.setViewLocked(v, obj)
	return result{"view": v.obj}, nil
}

// setViewLocked fills in the fields Slack adds to a view it stores.
func (e *Emulator) setViewLocked(v *view, obj map[string]any) {
	v.callbackID, _ = obj["callback_id"].(string)
	v.privateMetadata, _ = obj["private_metadata"].(string)
	v.externalID, _ = obj["external_id"].(string)
	v.hash = fmt.Sprintf("%d.%s", time.Now().Unix(), randHex(4))
	obj["id"] = v.id
	obj["team_id"] = e.opts.TeamID
	obj["app_id"] = appID
	obj["bot_id"] = botID
	obj["app_installed_team_id"] = e.opts.TeamID
	obj["root_view_id"] = v.id
	obj["previous_view_id"] = nil
	obj["hash"] = v.hash
	obj["state"] = map[string]any{"values": map[string]any{}}
	for _, k := range []string{"callback_id", "private_metadata", "external_id"} {
		if _, ok := obj[k]; !ok {
			obj[k] = ""
		}
	}
	v.obj = obj
}

// inputElements maps block_id -> action_id -> element of a view's input blocks.
func inputElements(obj map[string]any) (map[string]map[string]map[string]any, map[string]bool) {
	var blocks []map[string]any
	raw, _ := json.Marshal(obj["blocks"])
	_ = json.Unmarshal(raw, &blocks)
	els := map[string]map[string]map[string]any{}
	optional := map[string]bool{}
	for _, b := range blocks {
		if b["type"] != "input" {
			continue
		}
		bid, _ := b["block_id"].(string)
		el, _ := b["element"].(map[string]any)
		aid, _ := el["action_id"].(string)
		els[bid] = map[string]map[string]any{aid: el}
		optional[bid], _ = b["optional"].(bool)
	}
	return els, optional
}

// stateValue is the state.values entry Slack sends for an input element.
func stateValue(el map[string]any, value string) map[string]any {
	typ, _ := el["type"].(string)
	switch typ {
	case "static_select", "radio_buttons":
		opts, _ := el["options"].([]any)
		for _, o := range opts {
			om, _ := o.(map[string]any)
			if om["value"] == value {
				return map[string]any{"type": typ, "selected_option": om}
			}
		}
		return map[string]any{"type": typ, "selected_option": map[string]any{
			"text": map[string]any{"type": "plain_text", "text": value}, "value": value}}
	case "multi_static_select", "checkboxes":
		// Several values arrive joined by commas; each becomes the option
		// the element offers, as Slack sends it.
		opts, _ := el["options"].([]any)
		picked := []any{}
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			option := map[string]any{"text": map[string]any{"type": "plain_text", "text": v}, "value": v}
			for _, o := range opts {
				if om, _ := o.(map[string]any); om["value"] == v {
					option = om
				}
			}
			picked = append(picked, option)
		}
		return map[string]any{"type": typ, "selected_options": picked}
	case "users_select":
		return map[string]any{"type": typ, "selected_user": value}
	case "channels_select", "conversations_select":
		return map[string]any{"type": typ, "selected_conversation": value, "selected_channel": value}
	case "datepicker":
		return map[string]any{"type": typ, "selected_date": value}
	case "":
		typ = "plain_text_input"
	}
	return map[string]any{"type": typ, "value": value}
}
