package export

import (
	"regexp"
	"strings"
)

// slackMarkup matches Slack's angle-bracket markup: <@U123>, <#C123|name>,
// <!here>, <!subteam^S1|@team>, <!date^…|fallback>, <https://…|label>.
var slackMarkup = regexp.MustCompile(`<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>`)

// entities are the only three Slack escapes in message text.
var entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// render turns Slack message text into the export's text: plain (md false)
// or Markdown (md true), with no Slack markup left in either. Mentions
// become people: "@U123" in plain text; name(id) in Markdown when name is
// set. Links keep their URL. Literal text is unescaped, then escaped again
// for Markdown.
//
// The export does not use slackui.PlainText: that package is Slack's UI
// (slack-go, Block Kit) and the export is read outside Slack, by the CLI and
// by reports, so it depends on the domain only. It also keeps link URLs,
// which PlainText drops.
func render(s string, md bool, name func(string) string) string {
	if !strings.ContainsAny(s, "<&") { // no markup, no escapes: most messages
		if md {
			return escapeInline(s)
		}
		return s
	}
	var b strings.Builder
	literal := func(t string) {
		t = entities.Replace(t)
		if md {
			t = escapeInline(t)
		}
		b.WriteString(t)
	}
	last := 0
	for _, m := range slackMarkup.FindAllStringSubmatchIndex(s, -1) {
		literal(s[last:m[0]])
		last = m[1]
		sigil, target, label := s[m[2]:m[3]], s[m[4]:m[5]], ""
		if m[6] >= 0 {
			label = entities.Replace(s[m[6]:m[7]])
		}
		if sigil == "" {
			b.WriteString(link(entities.Replace(target), label, md))
			continue
		}
		word := token(sigil, target, label, md, name)
		if md {
			word = escapeInline(word)
		}
		b.WriteString(word)
	}
	literal(s[last:])
	return b.String()
}

// token renders a mention, channel or special token as a word.
func token(sigil, target, label string, md bool, name func(string) string) string {
	switch sigil {
	case "@":
		if md && name != nil {
			if n := name(target); n != "" {
				return n
			}
		}
		if md && label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return "@" + target
	case "#":
		if label != "" {
			return "#" + label
		}
		return "#" + target
	}
	// "!": broadcasts, user groups, dates.
	switch {
	case strings.HasPrefix(target, "subteam^"):
		if label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return "@team"
	case strings.HasPrefix(target, "date^"):
		if label != "" {
			return label
		}
		return "a date"
	}
	return "@" + target
}

// link renders a Slack link. A URL Markdown cannot hold safely is shown as
// its label, or as text.
func link(url, label string, md bool) string {
	safe := safeURL(url)
	if !md {
		switch {
		case !safe:
			return or(label, url)
		case label == "" || label == url:
			return url
		case "mailto:"+label == url:
			return label
		}
		return label + " (" + url + ")"
	}
	if !safe {
		return escapeInline(or(label, url))
	}
	if label == "" || label == url {
		return "<" + url + ">"
	}
	return "[" + escapeInline(label) + "](<" + url + ">)"
}

func safeURL(u string) bool {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "mailto:") {
		return false
	}
	return !strings.ContainsAny(u, " \t\n<>\\`")
}

// entity matches what CommonMark would read as an HTML entity after '&'.
var entity = regexp.MustCompile(`^(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});`)

// escapeInline escapes what Markdown would read as markup inside a line:
// emphasis, code, links, raw HTML, table cells, strikethrough, entities.
// Line breaks become spaces, since every user text is shown on one line.
func escapeInline(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~':
			b.WriteByte('\\')
		case '&':
			if entity.MatchString(s[i+1:]) {
				b.WriteByte('\\')
			}
		case '\n', '\r':
			c = ' '
		}
		b.WriteByte(c)
	}
	return b.String()
}

// blockStart matches a line start Markdown would read as a block: a list
// item, heading, quote, thematic break or setext underline.
var blockStart = regexp.MustCompile(`^(\s*)([-+*#>=]|[0-9]{1,9}[.)])`)

// escapeBlock is escapeInline for text that starts a line of its own.
func escapeBlock(s string) string { return escapeLineStart(escapeInline(s)) }

// escapeLineStart escapes the start of a line of Markdown-escaped text
// when Markdown would read it as a block.
func escapeLineStart(s string) string {
	s = strings.TrimSpace(s)
	if m := blockStart.FindStringSubmatchIndex(s); m != nil {
		at := m[4]
		if s[at] >= '0' && s[at] <= '9' {
			at = m[5] - 1 // escape the "." or ")" after the number
		}
		s = s[:at] + `\` + s[at:]
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
