package slackemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Render shows a channel as plain text, the way a person in Slack sees it:
// name, topic, then each message as "HH:MM @user: text" with Block Kit
// rendered as text, pinned messages marked, thread replies indented, files
// and reactions listed. Deleted messages are gone.
func (e *Emulator) Render(channelID string) string {
	return e.RenderFor(channelID, "")
}

// RenderFor is Render as userID sees the channel: their ephemeral messages
// appear in place, marked "(only visible to you)".
func (e *Emulator) RenderFor(channelID, userID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.channels[channelID]
	if !ok {
		return fmt.Sprintf("(no channel %s)\n", channelID)
	}
	var b strings.Builder
	if ch.dm {
		// A DM's name is the person's ID; Slack shows their name.
		fmt.Fprintf(&b, "Direct messages between @%s and the bot\n", e.userName(ch.name))
	} else {
		fmt.Fprintf(&b, "#%s\n", ch.name)
	}
	if ch.topic != "" {
		fmt.Fprintf(&b, "Topic: %s\n", e.plain(ch.topic))
	}
	b.WriteString(strings.Repeat("─", 60) + "\n")

	msgs := append([]*message(nil), ch.msgs...)
	for _, m := range e.ephemeral[userID] {
		if m.channel == channelID {
			msgs = append(msgs, m)
		}
	}
	sort.SliceStable(msgs, func(i, j int) bool { return compareTS(msgs[i].ts, msgs[j].ts) < 0 })
	for _, m := range msgs {
		if m.threadTS != "" && m.threadTS != m.ts && ch.find(m.threadTS) != nil {
			continue // rendered under its parent
		}
		e.renderMessage(&b, ch, m, "")
		for _, rts := range m.replies {
			if r := ch.find(rts); r != nil {
				e.renderMessage(&b, ch, r, "    ↳ ")
			}
		}
	}
	return b.String()
}

func (e *Emulator) renderMessage(b *strings.Builder, ch *channel, m *message, indent string) {
	if m.deleted {
		if len(m.replies) > 0 {
			fmt.Fprintf(b, "%s%s (This message was deleted.)\n", indent, tsTime(m.ts).Format("15:04"))
		}
		return
	}
	head := fmt.Sprintf("%s%s @%s", indent, tsTime(m.ts).Format("15:04"), e.userName(m.user))
	if m.pinned {
		head = "📌 " + head
	}
	pad := strings.Repeat(" ", len([]rune(indent))+2)
	text := e.plain(m.text)
	if m.subtype != "" && m.subtype != "file_share" && m.subtype != "thread_broadcast" {
		// System messages read as a sentence: "@ali has joined the channel".
		fmt.Fprintf(b, "%s %s\n", head, strings.TrimPrefix(text, "@"+e.userName(m.user)+" "))
		return
	}
	var suffix []string
	if m.editedTS != "" {
		suffix = append(suffix, "(edited)")
	}
	if m.ephemeral {
		suffix = append(suffix, "(only visible to you)")
	}
	tail := ""
	if len(suffix) > 0 {
		tail = " " + strings.Join(suffix, " ")
	}
	if len(m.blocks) > 0 {
		fmt.Fprintf(b, "%s:%s\n", head, tail)
		for _, line := range e.renderBlocks(m.blocks) {
			fmt.Fprintf(b, "%s%s\n", pad, line)
		}
	} else {
		lines := strings.Split(text, "\n")
		fmt.Fprintf(b, "%s: %s%s\n", head, lines[0], tail)
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "%s%s\n", pad, l)
		}
	}
	for _, id := range m.files {
		if f, ok := e.files[id]; ok {
			fmt.Fprintf(b, "%s📎 %s (%d bytes)\n", pad, f.name, len(f.content))
		}
	}
	if len(m.reactions) > 0 {
		var rs []string
		for _, r := range m.reactions {
			rs = append(rs, fmt.Sprintf(":%s: %d", r.name, len(r.users)))
		}
		fmt.Fprintf(b, "%s%s\n", pad, strings.Join(rs, "  "))
	}
}

var (
	reUser    = regexp.MustCompile(`<@([A-Z0-9]+)(\|[^>]*)?>`)
	reChannel = regexp.MustCompile(`<#([A-Z0-9]+)(?:\|([^>]*))?>`)
	reDate    = regexp.MustCompile(`<!date\^[0-9]+\^[^|>]*\|([^>]*)>`)
	reSpecial = regexp.MustCompile(`<!([a-z]+)(?:\|[^>]*)?>`)
	reSubteam = regexp.MustCompile(`<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>`)
	reLink    = regexp.MustCompile(`<([^@#!][^|>]*)(?:\|([^>]*))?>`)
)

// plain turns Slack's mrkdwn references into what Slack displays.
func (e *Emulator) plain(s string) string {
	s = reUser.ReplaceAllStringFunc(s, func(m string) string {
		return "@" + e.userName(reUser.FindStringSubmatch(m)[1])
	})
	s = reChannel.ReplaceAllStringFunc(s, func(m string) string {
		sub := reChannel.FindStringSubmatch(m)
		if ch, ok := e.channels[sub[1]]; ok {
			return "#" + ch.name
		}
		if sub[2] != "" {
			return "#" + sub[2]
		}
		return "#" + sub[1]
	})
	// Slack formats dates in the reader's time zone; the fallback text is
	// the nearest an emulator can show.
	s = reDate.ReplaceAllString(s, "$1")
	s = reSubteam.ReplaceAllStringFunc(s, func(m string) string {
		sub := reSubteam.FindStringSubmatch(m)
		if g, ok := e.groups[sub[1]]; ok {
			return "@" + g.handle
		}
		if sub[2] != "" {
			return "@" + strings.TrimPrefix(sub[2], "@")
		}
		return "@" + sub[1]
	})
	s = reSpecial.ReplaceAllString(s, "@$1")
	s = reLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := reLink.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2] + " (" + sub[1] + ")"
		}
		return sub[1]
	})
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
	return r.Replace(s)
}

// renderBlocks renders Block Kit as lines of text.
func (e *Emulator) renderBlocks(raw json.RawMessage) []string {
	var blocks []map[string]any
	if json.Unmarshal(raw, &blocks) != nil {
		return []string{"(unreadable blocks)"}
	}
	var out []string
	for _, bl := range blocks {
		switch bl["type"] {
		case "header":
			t, _ := blockText(bl["text"])
			out = append(out, "== "+e.plain(t)+" ==")
		case "section":
			if t, _ := blockText(bl["text"]); t != "" {
				out = append(out, strings.Split(e.plain(t), "\n")...)
			}
			fields, _ := bl["fields"].([]any)
			var fs []string
			for _, f := range fields {
				t, _ := blockText(f)
				fs = append(fs, strings.ReplaceAll(e.plain(t), "\n", " "))
			}
			for i := 0; i < len(fs); i += 2 {
				out = append(out, strings.Join(fs[i:min(i+2, len(fs))], "    "))
			}
			if acc, ok := bl["accessory"].(map[string]any); ok {
				if el := e.renderElement(acc); el != "" {
					out = append(out, el)
				}
			}
		case "context":
			var parts []string
			els, _ := bl["elements"].([]any)
			for _, el := range els {
				if t, _ := blockText(el); t != "" {
					parts = append(parts, e.plain(t))
				}
			}
			out = append(out, strings.Split("» "+strings.Join(parts, " · "), "\n")...)
		case "divider":
			out = append(out, strings.Repeat("-", 40))
		case "actions":
			var parts []string
			els, _ := bl["elements"].([]any)
			for _, el := range els {
				o, _ := el.(map[string]any)
				if o["type"] == "checkboxes" {
					out = append(out, e.renderCheckboxes(o)...)
					continue
				}
				parts = append(parts, e.renderElement(o))
			}
			if len(parts) > 0 {
				out = append(out, strings.Join(parts, " "))
			}
		case "markdown":
			t, _ := bl["text"].(string)
			out = append(out, strings.Split(t, "\n")...)
		case "image":
			alt, _ := bl["alt_text"].(string)
			out = append(out, "[image: "+alt+"]")
		case "input":
			t, _ := blockText(bl["label"])
			out = append(out, t+": ________")
		case "rich_text":
			out = append(out, strings.Split(richText(bl), "\n")...)
		}
	}
	return out
}

func (e *Emulator) renderElement(o map[string]any) string {
	t, _ := blockText(o["text"])
	switch o["type"] {
	case "button":
		return "[" + t + "]"
	case "static_select", "users_select", "conversations_select", "channels_select", "overflow":
		p, _ := blockText(o["placeholder"])
		return "[" + p + " ▾]"
	}
	return ""
}

// richText flattens a rich_text block's text runs.
func richText(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["text"].(string); ok && x["type"] == "text" {
			return t
		}
		if x["type"] == "link" {
			u, _ := x["url"].(string)
			return u
		}
		return richText(x["elements"])
	case []any:
		var parts []string
		for _, el := range x {
			parts = append(parts, richText(el))
		}
		return strings.Join(parts, "")
	}
	return ""
}

// Plain is s, Slack mrkdwn, as Slack displays it: mentions as @name,
// channels as #name, links by their text.
func (e *Emulator) Plain(s string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.plain(s)
}
