package slackui

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var (
	broadcast = regexp.MustCompile(`<!(channel|here|everyone)(\|[^>]*)?>`)
	subteam   = regexp.MustCompile(`<!subteam\^[A-Za-z0-9]+(?:\|@?([^>]*))?>`)
)

// Safe neutralises broadcasts in text that is already mrkdwn (Slack message
// text, model output): <!here>, <!channel>, <!everyone> and user-group
// mentions become plain words, so republishing a draft or a timeline never
// pings a whole channel or team.
func Safe(s string) string {
	s = broadcast.ReplaceAllString(s, "@$1")
	return subteam.ReplaceAllString(s, "@$1")
}

var slackMarkup = regexp.MustCompile(`<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>`)

// PlainText turns Slack's escaped message format into plain text: mentions
// and links become their labels, and &lt; &gt; &amp; their characters.
func PlainText(s string) string { return plainText(s, nil) }

// plainText is PlainText with user mentions named by name(id) when a
// mention carries no label.
func plainText(s string, name func(string) string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		g := slackMarkup.FindStringSubmatch(m)
		sigil, target, label := g[1], g[2], g[3]
		switch sigil {
		case "@":
			if label != "" {
				return "@" + label
			}
			if name != nil {
				return name(target)
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

// Mention links a user in the incident channel, where notifying them is
// the point: "<@U123>". Bot ids cannot be mentioned.
func Mention(id string) string {
	switch {
	case id == "":
		return "incidentbot"
	case strings.HasPrefix(id, "B"):
		return "an integration"
	}
	return "<@" + id + ">"
}

// Date renders t as a Slack date token, so every reader sees it in their
// own time zone; the fallback (for clients that cannot) is UTC, labelled.
func Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// Clock renders t in loc with the zone shown ("14:48 UTC", "Dec 04 09:48
// EST" when withDate), for text that is not read in Slack's own client.
func Clock(t time.Time, loc *time.Location, withDate bool) string {
	if loc == nil {
		loc = time.UTC
	}
	layout := "15:04 MST"
	if withDate {
		layout = "2006-01-02 15:04 MST"
	}
	return t.In(loc).Format(layout)
}
