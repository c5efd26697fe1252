// Package slackui renders what incidentbot shows in Slack: Block Kit
// messages, mrkdwn, modals and the Markdown files it uploads. It is the only
// package that speaks Slack's UI; the use cases in handlers speak the domain
// and call these renderers.
package slackui

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Block Kit limits that Slack enforces with an error.
const (
	MaxSectionText = 3000
	MaxBlocks      = 50
	maxHeaderText  = 150
	maxFallback    = 3000
)

// Message is a Slack message to post: Text is the notification fallback,
// Blocks the rendering.
type Message struct {
	Text   string
	Blocks []slack.Block
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

func contextBlock(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(incident.Truncate(s, MaxSectionText)))
}

// sections splits long mrkdwn text into section blocks within Slack's
// per-section limit, breaking at line ends where it can so code spans and
// lines stay whole.
func sections(text string) []slack.Block {
	var out []slack.Block
	for _, chunk := range splitText(text, MaxSectionText) {
		out = append(out, section(chunk))
	}
	return out
}

// splitText cuts text into pieces of at most max runes for display,
// preferring line breaks, then spaces: CutText's pieces with the breaks
// trimmed away and blank pieces dropped.
func splitText(text string, max int) []string {
	var out []string
	for _, piece := range CutText(text, max) {
		if piece = strings.Trim(piece, "\n "); piece != "" {
			out = append(out, piece)
		}
	}
	if len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// CutText cuts text into pieces of at most max runes that join back to
// exactly text, cutting after a newline or space where it can.
func CutText(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		cut := string([]rune(text)[:max])
		i := strings.LastIndexByte(cut, '\n') + 1
		if i < len(cut)/2 {
			i = strings.LastIndexByte(cut, ' ') + 1
		}
		if i < len(cut)/2 {
			i = len(cut)
		}
		out = append(out, text[:i])
		text = text[i:]
	}
	return append(out, text)
}

// Text is a message of one or more sections of mrkdwn.
func Text(text string) Message {
	return Message{Text: incident.Truncate(text, maxFallback), Blocks: sections(text)}
}

// Plain is a message with fallback text only, for short private replies.
func Plain(text string) Message { return Message{Text: text} }

// Warning is how a failure is told to the person who hit it.
func Warning(text string) Message { return Message{Text: ":warning: " + text} }

// capBlocks keeps blocks within one message, ending with a note when it cut.
func capBlocks(blocks []slack.Block, note string) []slack.Block {
	if len(blocks) <= MaxBlocks {
		return blocks
	}
	return append(blocks[:MaxBlocks-1], contextBlock(note))
}
