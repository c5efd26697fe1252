package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ToggleCheckbox is a person ticking or unticking the option with value in
// the checkboxes element actionID of a message, as the message stands. Like
// Slack it sends a block_actions envelope whose action carries the
// element's whole new selection (selected_options, no value), and returns
// the ack payload.
func (e *Emulator) ToggleCheckbox(ctx context.Context, userID, channelID, messageTS, actionID, value string) (json.RawMessage, error) {
	return e.toggleCheckbox(ctx, userID, channelID, messageTS, nil, actionID, value)
}

// ToggleCheckboxSeen is ToggleCheckbox by a person whose client still
// shows seen, an earlier copy of the message (from Messages): the
// selection and block_id are those of that copy, as when two people click
// before either sees the other's update.
func (e *Emulator) ToggleCheckboxSeen(ctx context.Context, userID, channelID string, seen Message, actionID, value string) (json.RawMessage, error) {
	if len(seen.Blocks) == 0 {
		return nil, fmt.Errorf("checkbox %q: the copy of message %s has no blocks: %w", actionID, seen.TS, ErrNotFound)
	}
	return e.toggleCheckbox(ctx, userID, channelID, seen.TS, seen.Blocks, actionID, value)
}

func (e *Emulator) toggleCheckbox(ctx context.Context, userID, channelID, messageTS string, blocks json.RawMessage, actionID, value string) (json.RawMessage, error) {
	e.mu.Lock()
	ch, m, err := e.clickedLocked(userID, channelID, messageTS)
	if err != nil {
		e.mu.Unlock()
		return nil, err
	}
	if blocks == nil {
		blocks = m.blocks
	}
	blockID, el := findCheckbox(blocks, actionID, value)
	if el == nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("checkbox %q=%q on message %s: %w", actionID, value, messageTS, ErrNotFound)
	}
	selected := optionValues(el["initial_options"])
	if i := slices.Index(selected, value); i >= 0 {
		selected = slices.Delete(selected, i, i+1)
	} else {
		selected = append(selected, value)
	}
	// Slack lists the selection in the element's order.
	picked := []any{}
	opts, _ := el["options"].([]any)
	for _, o := range opts {
		om, _ := o.(map[string]any)
		if v, _ := om["value"].(string); slices.Contains(selected, v) {
			picked = append(picked, om)
		}
	}
	action := map[string]any{
		"type": "checkboxes", "action_id": actionID, "block_id": blockID,
		"selected_options": picked, "action_ts": e.nextTSLocked(),
	}
	state := map[string]any{blockID: map[string]any{actionID: map[string]any{"type": "checkboxes", "selected_options": picked}}}
	payload := e.blockActionsLocked(userID, ch, m, blocks, action, state)
	e.mu.Unlock()
	return e.request(ctx, "interactive", payload)
}

// findCheckbox finds the checkboxes element actionID that offers value:
// several blocks may carry the same action_id.
func findCheckbox(blocks json.RawMessage, actionID, value string) (blockID string, el map[string]any) {
	return findElement(blocks, func(o map[string]any) bool {
		return o["type"] == "checkboxes" && o["action_id"] == actionID && slices.Contains(optionValues(o["options"]), value)
	})
}

// optionValues lists the values of a list of option objects.
func optionValues(v any) []string {
	opts, _ := v.([]any)
	var out []string
	for _, o := range opts {
		om, _ := o.(map[string]any)
		if s, ok := om["value"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// validateCheckboxes checks a checkboxes element as Slack does: 1 to 10
// options, option text and description within 75 characters, values
// within 150 and unique, and initial options among the options.
func validateCheckboxes(el map[string]any, ptr string) *apiError {
	opts, _ := el["options"].([]any)
	if len(opts) == 0 || len(opts) > 10 {
		return failMsg("invalid_blocks", "must have 1 to 10 options [json-pointer:%s/options]", ptr)
	}
	seen := map[string]bool{}
	for i, o := range opts {
		om, _ := o.(map[string]any)
		text, _ := blockText(om["text"])
		desc, _ := blockText(om["description"])
		value, _ := om["value"].(string)
		switch {
		case text == "" || runes(text) > 75:
			return failMsg("invalid_blocks", "must be 1 to 75 characters [json-pointer:%s/options/%d/text/text]", ptr, i)
		case runes(desc) > 75:
			return failMsg("invalid_blocks", "must be less than 76 characters [json-pointer:%s/options/%d/description/text]", ptr, i)
		case value == "" || runes(value) > 150 || seen[value]:
			return failMsg("invalid_blocks", "must be a unique value of 1 to 150 characters [json-pointer:%s/options/%d/value]", ptr, i)
		}
		seen[value] = true
	}
	for i, v := range optionValues(el["initial_options"]) {
		if !seen[v] {
			return failMsg("invalid_blocks", "must match an option [json-pointer:%s/initial_options/%d]", ptr, i)
		}
	}
	return nil
}

// renderCheckboxes shows each option as a person sees it: ticked or not,
// with its description.
func (e *Emulator) renderCheckboxes(el map[string]any) []string {
	ticked := optionValues(el["initial_options"])
	opts, _ := el["options"].([]any)
	var out []string
	for _, o := range opts {
		om, _ := o.(map[string]any)
		box := "[ ]"
		if v, _ := om["value"].(string); slices.Contains(ticked, v) {
			box = "[x]"
		}
		text, _ := blockText(om["text"])
		line := box + " " + e.plain(text)
		if desc, _ := blockText(om["description"]); desc != "" {
			line += " — " + e.plain(desc)
		}
		out = append(out, strings.ReplaceAll(line, "\n", " "))
	}
	return out
}
