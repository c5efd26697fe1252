package slackui

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
