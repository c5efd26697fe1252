package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errUnreadable says the model's answer is not a draft.
var errUnreadable = errors.New("model answer is not a JSON draft")

// modelDraft is the structured answer the prompt asks for.
type modelDraft struct {
	Summary     string
	Sections    []modelSection
	ActionItems []modelAction
}

type modelSection struct {
	Title     string
	Text      string
	Citations []int
}

type modelAction struct {
	Text, Owner, Due string
}

// parseDraft reads a model answer leniently: Markdown fences and prose around
// the object are ignored, citations may be numbers or "E12" strings, sections
// may be a list or a title→text object, and action items may be bare strings.
// It fails only when no draft can be found.
func parseDraft(content string) (modelDraft, error) {
	raw, err := extractObject(content)
	if err != nil {
		return modelDraft{}, err
	}
	var w struct {
		Summary     json.RawMessage `json:"summary"`
		Sections    json.RawMessage `json:"sections"`
		ActionItems json.RawMessage `json:"action_items"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return modelDraft{}, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	var md modelDraft
	md.Summary = asText(w.Summary)
	md.Sections = parseSections(w.Sections)
	md.ActionItems = parseActions(w.ActionItems)
	if strings.TrimSpace(md.Summary) == "" && len(md.Sections) == 0 {
		return modelDraft{}, fmt.Errorf("%w: no summary and no sections", errUnreadable)
	}
	return md, nil
}

// extractObject finds the outermost JSON object in s.
func extractObject(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```")
		s = strings.TrimPrefix(s, "json")
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	start := strings.IndexByte(s, '{')
	end := strings.LastIndexByte(s, '}')
	if start < 0 || end <= start {
		return nil, fmt.Errorf("%w: no JSON object", errUnreadable)
	}
	b := []byte(s[start : end+1])
	if !json.Valid(b) {
		return nil, fmt.Errorf("%w: invalid JSON", errUnreadable)
	}
	return b, nil
}

// asText turns a JSON value into text: strings as they are, lists of
// strings joined by newlines, anything else empty.
func asText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.TrimSpace(strings.Join(list, "\n"))
	}
	return ""
}

func parseSections(raw json.RawMessage) []modelSection {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var list []struct {
		Title     string          `json:"title"`
		Heading   string          `json:"heading"`
		Text      json.RawMessage `json:"text"`
		Content   json.RawMessage `json:"content"`
		Citations json.RawMessage `json:"citations"`
	}
	if json.Unmarshal(raw, &list) == nil {
		out := make([]modelSection, 0, len(list))
		for _, s := range list {
			title := strings.TrimSpace(s.Title)
			if title == "" {
				title = strings.TrimSpace(s.Heading)
			}
			text := asText(s.Text)
			if text == "" {
				text = asText(s.Content)
			}
			if title == "" && text == "" {
				continue
			}
			out = append(out, modelSection{Title: title, Text: text, Citations: parseCitations(s.Citations)})
		}
		return out
	}
	// {"Impact": "...", ...}: key order is lost in a Go map, so decode the
	// tokens in order.
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []modelSection
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		if text := asText(v); key != "" && text != "" {
			out = append(out, modelSection{Title: key, Text: text})
		}
	}
	return out
}

// parseCitations accepts [12, "E14", "15"] and ignores anything else.
func parseCitations(raw json.RawMessage) []int {
	var vals []any
	if json.Unmarshal(raw, &vals) != nil {
		return nil
	}
	out := make([]int, 0, len(vals))
	for _, v := range vals {
		switch x := v.(type) {
		case float64:
			if x >= 1 && x <= 1<<31 && x == float64(int(x)) {
				out = append(out, int(x))
			} else {
				out = append(out, -1) // cited, but cannot exist
			}
		case string:
			x = strings.TrimPrefix(strings.Trim(strings.TrimSpace(x), "[]"), "E")
			if n, err := strconv.Atoi(x); err == nil {
				out = append(out, n)
			} else {
				out = append(out, -1)
			}
		}
	}
	return out
}

func parseActions(raw json.RawMessage) []modelAction {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	out := make([]modelAction, 0, len(list))
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, modelAction{Text: s})
			}
			continue
		}
		var a struct {
			Text  json.RawMessage `json:"text"`
			Title json.RawMessage `json:"title"`
			Owner json.RawMessage `json:"owner"`
			Due   json.RawMessage `json:"due"`
		}
		if json.Unmarshal(item, &a) != nil {
			continue
		}
		text := asText(a.Text)
		if text == "" {
			text = asText(a.Title)
		}
		if text == "" {
			continue
		}
		out = append(out, modelAction{Text: text, Owner: asText(a.Owner), Due: asText(a.Due)})
	}
	return out
}
