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
