package github

import (
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// MarkerPrefix starts the hidden line that carries an item's key. GitHub
// renders issue bodies as Markdown, where an HTML comment is not shown
// (https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#hiding-content-with-comments).
const MarkerPrefix = "<!-- incidentbot-item: "

// markerEscaper keeps a key from ending the comment early ("-->") or
// spilling onto another line. '%' goes first so the result is
// unambiguous: a key that already holds "%2D" becomes "%252D".
var markerEscaper = strings.NewReplacer("%", "%25", "--", "-%2D", ">", "%3E", "\r", "%0D", "\n", "%0A")

// Marker is the line Find matches for key. It ends with " -->" so that
// "INC-1/a" never matches an issue made for "INC-1/ab".
func Marker(key string) string { return MarkerPrefix + markerEscaper.Replace(key) + " -->" }

// maxBody keeps the item's text under GitHub's limit on an issue body,
// leaving room for the lines added below. The limit is not on the docs
// page; GitHub's 422 says it: "body is too long (maximum is 65536
// characters)".
const maxBody = 60000

// body is the issue's text: the item's Markdown (GitHub's own format, so no
// conversion), then the lines GitHub has no field for, then the marker.
// GitHub issues have no due date, so it is written as "Due: YYYY-MM-DD" in
// the date's own zone; owner is set when GitHub would not take the
// assignee, so the owner still shows.
func body(is incident.TrackerIssue, owner string) string {
	var b strings.Builder
	text := strings.TrimSpace(is.Body)
	if r := []rune(text); len(r) > maxBody {
		text = string(r[:maxBody]) + "…"
	}
	b.WriteString(text)
	para := func(s string) {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	if !is.Due.IsZero() {
		para("Due: " + is.Due.Format("2006-01-02"))
	}
	if owner != "" {
		para("Owner: @" + strings.TrimPrefix(owner, "@"))
	}
	para(Marker(is.Key))
	b.WriteString("\n")
	return b.String()
}

// labels is the item's labels trimmed and without repeats (GitHub
// compares label names without regard to case).
func labels(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" || seen[strings.ToLower(l)] {
			continue
		}
		seen[strings.ToLower(l)] = true
		out = append(out, l)
	}
	return out
}
