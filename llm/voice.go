package llm

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
)

// voice is how the drafter names people and tells time, in the prompt and in
// every draft alike, so the model's prose matches the quotes around it:
// people by display name ("@ali"), never as <@U…> mentions that would ping
// them when the draft is published; times in the incident's zone, with the
// zone shown. An ID without a display name is shown bare ("@U0123ABCD"): the
// model can still tell people apart and a reviewer can still look them up,
// and nothing pings.
type voice struct {
	names map[string]string // user ID -> cleaned display name
	loc   *time.Location
}

// maxNameRunes caps a display name: it is user-chosen text like any other.
const maxNameRunes = 64

func newVoice(req incident.DraftRequest) *voice {
	v := &voice{names: make(map[string]string, len(req.Names)), loc: req.Location}
	if v.loc == nil {
		v.loc = time.UTC
	}
	for id, n := range req.Names {
		if n = cleanName(n); n != "" && id != "" {
			v.names[id] = n
		}
	}
	return v
}

// cleanName makes a display name safe to print anywhere a name goes: one
// line, no secrets, no markup that could start a mention, a citation or a
// timeline line, and not too long.
func cleanName(n string) string {
	n = flatten(Redact(n))
	n = strings.Map(func(r rune) rune {
		switch r {
		case '<', '>', '[', ']', '@', '⚠', '\uFE0F':
			return -1
		}
		return r
	}, n)
	n = strings.Join(strings.Fields(n), " ")
	if utf8.RuneCountInString(n) > maxNameRunes {
		n = strings.TrimSpace(string([]rune(n)[:maxNameRunes]))
	}
	return n
}

// person names a user: "@ali", or "@U0123ABCD" when the name is unknown.
func (v *voice) person(id string) string {
	if n := v.names[id]; n != "" {
		return "@" + n
	}
	return "@" + id
}

// by is " by @ali", or "" for the bot.
func (v *voice) by(id string) string {
	if id == "" {
		return ""
	}
	return " by " + v.person(id)
}

// clock is a time of day with its zone: "14:48 UTC", "09:48 EST".
func (v *voice) clock(t time.Time) string { return t.In(v.loc).Format("15:04 MST") }

// stamp is an instant with its zone: "2024-05-01 14:48 UTC".
func (v *voice) stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.In(v.loc).Format("2006-01-02 15:04 MST")
}

// zone describes the location for the prompt: "America/New_York (EST)".
func (v *voice) zone(now time.Time) string {
	abbr := now.In(v.loc).Format("MST")
	if name := v.loc.String(); name != "" && name != abbr {
		return name + " (" + abbr + ")"
	}
	return abbr
}

// markup is Slack's <…> markup for users, broadcasts and user groups, with
// an optional |label.
var markup = regexp.MustCompile(`<([@!])([^<>|]*)(?:\|([^<>]*))?>`)

// text renders the Slack markup in s that would ping someone: user mentions
// become "@name", broadcasts and user groups their plain words ("@here",
// "@oncall"). Links and channel references are left as they are.
func (v *voice) text(s string) string {
	if !strings.Contains(s, "<@") && !strings.Contains(s, "<!") {
		return s
	}
	return markup.ReplaceAllStringFunc(s, func(m string) string {
		g := markup.FindStringSubmatch(m)
		sigil, target, label := g[1], strings.TrimSpace(g[2]), cleanName(g[3])
		if sigil == "@" {
			if v.names[target] != "" || label == "" {
				return v.person(cleanName(target))
			}
			return "@" + label
		}
		switch {
		case target == "here" || target == "channel" || target == "everyone":
			return "@" + target
		case strings.HasPrefix(target, "subteam^"):
			if label != "" {
				return "@" + label
			}
			return "@team"
		case label != "":
			return label // <!date^…|fallback> and the like
		}
		return cleanName(target)
	})
}

// citeMarker is an inline citation as a model writes it: [E12], and the
// grouped forms [E12, E14] and [E12-E14].
var citeMarker = regexp.MustCompile(`\[E\d+(?:\s*(?:,|;|&|-|–|—|and)\s*E?\d+)*\]`)

var digits = regexp.MustCompile(`\d+`)

// markerSeqs lists the ids the inline citations in s cite, in order; an id
// too large to be one is -1.
func markerSeqs(s string) []int {
	var out []int
	for _, m := range citeMarker.FindAllString(s, -1) {
		for _, d := range digits.FindAllString(m, -1) {
			n, err := strconv.Atoi(d)
			if err != nil || n > 1<<31 {
				n = -1
			}
			out = append(out, n)
		}
	}
	return out
}

// stripMarkers removes inline citations with the blanks before them (and,
// at the start of a line, after them): "failing [E4]." becomes "failing.".
func stripMarkers(s string) string {
	locs := citeMarker.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, l := range locs {
		start, end := l[0], l[1]
		for start > last && (s[start-1] == ' ' || s[start-1] == '\t') {
			start--
		}
		if start == 0 || s[start-1] == '\n' {
			for end < len(s) && (s[end] == ' ' || s[end] == '\t') {
				end++
			}
		}
		b.WriteString(s[last:start])
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// leftovers are warning signs and the start of a mention that never closed.
var leftovers = strings.NewReplacer("⚠\uFE0F", "", "⚠", "", "<@", "@")

// publish makes text fit to publish: mentions rendered as names, inline
// citations and warning signs removed. It is idempotent, and it is the last
// step of every draft text, whoever wrote it. It repeats until nothing
// changes, because removing one piece can join the text around it into
// another ("[E[E1]2]"); every pass removes a '<', '[' or '⚠' and adds none,
// so it ends.
func (v *voice) publish(s string) string {
	for {
		t := leftovers.Replace(stripMarkers(v.text(s)))
		if t == s {
			return t
		}
		s = t
	}
}

// mentioner returns a function that writes the known display names in a
// text as the mentions they stand for ("@ali", "Ali" → "<@U1>"), so the
// blame check recognises a person however the model named them.
func (v *voice) mentioner() func(string) string {
	byName := map[string]string{}
	for id, n := range v.names {
		k := strings.ToLower(n)
		if other, ok := byName[k]; ok && other != id {
			byName[k] = "" // two people share it: it names neither
			continue
		}
		byName[k] = id
	}
	alts := make([]string, 0, len(byName))
	for k, id := range byName {
		if id != "" {
			alts = append(alts, regexp.QuoteMeta(k))
		}
	}
	if len(alts) == 0 {
		return func(s string) string { return s }
	}
	// Longest first, so "ali khan" wins over "ali".
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	re := regexp.MustCompile(`(?i)(?:^|[^\pL\pN_@<])(@?(?:` + strings.Join(alts, "|") + `))(?:$|[^\pL\pN_])`)
	return func(s string) string {
		var b strings.Builder
		last := 0
		// Search again from the end of each name, not of each match: the
		// blank after one name is the boundary before the next.
		for last < len(s) {
			m := re.FindStringSubmatchIndex(s[last:])
			if m == nil {
				break
			}
			start, end := last+m[2], last+m[3]
			id := byName[strings.ToLower(strings.TrimPrefix(s[start:end], "@"))]
			b.WriteString(s[last:start])
			b.WriteString("<@" + id + ">")
			last = end
		}
		b.WriteString(s[last:])
		return b.String()
	}
}

// idOf is the user a model's owner names ("<@U1>", "@ali", "ali", "U1"),
// or "" when it names no one known.
func (v *voice) idOf(owner string) string {
	if id, ok := incident.ParseUserMention(owner); ok {
		return id
	}
	o := strings.TrimPrefix(strings.TrimSpace(owner), "@")
	if slackID.MatchString(o) {
		return o
	}
	found := ""
	for id, n := range v.names {
		if strings.EqualFold(n, o) {
			if found != "" {
				return "" // ambiguous
			}
			found = id
		}
	}
	return found
}
