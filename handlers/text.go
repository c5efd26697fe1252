package handlers

import (
	"regexp"
	"strings"
)

var (
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	mdBold    = regexp.MustCompile(`\*\*(.+?)\*\*`)
	mdLink    = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^)\s]+)\)`)
	mdBullet  = regexp.MustCompile(`(?m)^(\s*)[-*]\s+`)
)

// Mrkdwn converts the Markdown drafts are written in to Slack's mrkdwn:
// headings and bold become *bold*, links become <url|text>, bullets become •.
// Code spans and blocks are the same in both.
func Mrkdwn(md string) string {
	s := mdBullet.ReplaceAllString(md, "$1• ")
	s = mdBold.ReplaceAllString(s, "*$1*")
	s = mdHeading.ReplaceAllString(s, "*$1*")
	s = mdLink.ReplaceAllString(s, "<$2|$1>")
	return strings.TrimSpace(s)
}

// ChangeRatio measures how much a person changed a draft: the word-level edit
// distance divided by the longer text's word count. 0 means untouched, 1
// means rewritten.
func ChangeRatio(before, after string) float64 {
	a, b := strings.Fields(before), strings.Fields(after)
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(max(len(a), len(b)))
}

// escape makes plain text safe in Slack mrkdwn, where <...> is a link, a
// mention or a broadcast: a title such as "<!here> db down" must not ping.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var (
	broadcast = regexp.MustCompile(`<!(channel|here|everyone)(\|[^>]*)?>`)
	subteam   = regexp.MustCompile(`<!subteam\^[A-Za-z0-9]+(?:\|@?([^>]*))?>`)
)

// safe neutralises broadcasts in text that is already mrkdwn (Slack message
// text, model output): <!here>, <!channel>, <!everyone> and user-group
// mentions become plain words, so republishing a draft or a timeline never
// pings a whole channel or team.
func safe(s string) string {
	s = broadcast.ReplaceAllString(s, "@$1")
	return subteam.ReplaceAllString(s, "@$1")
}

var slackMarkup = regexp.MustCompile(`<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>`)

// PlainText turns Slack's escaped message format into plain text: mentions
// and links become their labels, and &lt; &gt; &amp; their characters.
func PlainText(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		g := slackMarkup.FindStringSubmatch(m)
		sigil, target, label := g[1], g[2], g[3]
		switch sigil {
		case "@":
			if label != "" {
				return "@" + label
			}
			return "@" + target
		case "#":
			if label != "" {
				return "#" + label
			}
			return "#" + target
		case "!":
			if strings.HasPrefix(target, "subteam^") {
				if label != "" {
					return "@" + strings.TrimPrefix(label, "@")
				}
				return "@team"
			}
			return "@" + target
		}
		if label != "" {
			return label
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// runbookMrkdwn renders a runbook section's Markdown for Slack: its text is
// escaped first, since runbooks are full of "<" and "&" in commands.
func runbookMrkdwn(md string) string { return safe(Mrkdwn(escape(md))) }
