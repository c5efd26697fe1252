package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/incidentbot/incidentbot/incident"
)

// EstimateTokens is the drafter's token estimator: one token per four bytes,
// rounded up. English prose averages about four characters per token in
// OpenAI's tokenizers; counting bytes overestimates non-ASCII text a little,
// which errs on the side of fitting the budget. It is cheap enough to run on
// every line of a 50k-message incident.
func EstimateTokens(s string) int { return (len(s) + 3) / 4 }

// maxLineText caps one timeline line's text: a pasted log dump must not eat
// the whole budget.
const maxLineText = 1200

// lineOverhead approximates the bytes a line adds around its text
// ("[E12345] 14:48 @U0123ABCD [KEY EVENT]: ").
const lineOverhead = 40

// timelineView is the timeline as the prompt shows it.
type timelineView struct {
	lines   []string
	shown   int // entries shown
	omitted int // entries left out
	tokens  int
}

// condense chooses which entries of a timeline fit in budget tokens and
// renders them as numbered lines, oldest first. Marked entries and system
// facts are always kept; the rest of the budget goes first to the most recent
// messages (what is happening now) and then to the most informative older
// ones. Runs of left-out entries become "[N messages omitted]" lines.
func condense(entries []incident.Entry, budget int, v *voice) timelineView {
	n := len(entries)
	keep := make([]bool, n)
	cost := make([]int, n)
	layout := lineLayout(entries, v.loc)
	limit := maxLineText

	mustCost := 0
	for i, e := range entries {
		cost[i] = entryCost(e, limit)
		if mustKeep(e) {
			keep[i] = true
			mustCost += cost[i]
		}
	}
	if mustCost > budget {
		// Too many key events to show whole: shorten them, then keep the
		// newest that fit. This is the case chunk summaries exist for.
		limit = 200
		mustCost = 0
		for i := n - 1; i >= 0; i-- {
			if !keep[i] {
				continue
			}
			cost[i] = entryCost(entries[i], limit)
			if mustCost+cost[i] > budget {
				keep[i] = false
				continue
			}
			mustCost += cost[i]
		}
	}
	left := budget - mustCost

	// The most recent messages take up to 40% of what is left.
	recent := left * 2 / 5
	used := 0
	for i := n - 1; i >= 0 && used < recent; i-- {
		if keep[i] {
			continue
		}
		if used+cost[i] > recent {
			break
		}
		keep[i] = true
		used += cost[i]
	}
	left -= used

	// Then the most informative of the rest.
	cands := make([]scored, 0, n)
	for i, e := range entries {
		if !keep[i] {
			if s := informativeness(e.Text, i, n); s > 0 {
				cands = append(cands, scored{i, s})
			}
		}
	}
	slices.SortFunc(cands, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return b.i - a.i
	})
	misses := 0
	for _, c := range cands {
		if left <= lineOverhead/4 || misses > 64 {
			break
		}
		if cost[c.i] > left {
			misses++
			continue
		}
		keep[c.i] = true
		left -= cost[c.i]
	}

	tv := timelineView{lines: make([]string, 0, 64)}
	gap := 0
	flush := func() {
		if gap > 0 {
			tv.lines = append(tv.lines, omittedLine(gap))
			tv.omitted += gap
			gap = 0
		}
	}
	for i, e := range entries {
		if !keep[i] {
			gap++
			continue
		}
		flush()
		tv.lines = append(tv.lines, formatLine(e, layout, limit, v))
		tv.shown++
	}
	flush()
	for _, l := range tv.lines {
		tv.tokens += EstimateTokens(l) + 1
	}
	return tv
}

type scored struct {
	i     int
	score float64
}

func omittedLine(n int) string {
	if n == 1 {
		return "[1 message omitted]"
	}
	return fmt.Sprintf("[%d messages omitted]", n)
}

// mustKeep: what responders marked and what the bot recorded as fact.
func mustKeep(e incident.Entry) bool { return e.Marked() || e.Kind != incident.KindMessage }

func entryCost(e incident.Entry, limit int) int {
	l := len(e.Text)
	if e.Kind != incident.KindMessage {
		l = len(e.Describe())
	}
	l = min(l, limit)
	// Redaction markers and line decorations make lines a little longer
	// than their text; +1 token for the newline.
	return (l+lineOverhead+3)/4 + 1
}

// signalStems are word beginnings that make a message worth keeping: they
// tend to carry impact, cause, or what was done. Grouped by first letter so a
// word is compared with two or three stems, not all of them: this runs on
// every message of a 50k-message incident.
var signalStems = func() [256][]string {
	var by [256][]string
	for _, s := range []string{
		"error", "fail", "deploy", "rollback", "revert", "root", "because", "fix", "mitigat",
		"restart", "latenc", "timeout", "timed", "5xx", "500", "502", "503", "504", "customer", "impact",
		"outage", "down", "cause", "trigger", "alert", "config", "release", "hotfix", "databas",
		"cpu", "memor", "oom", "disk", "queue", "dns", "certific", "traffic", "scal", "recover",
		"resolv", "confirm", "found", "why", "broke", "crash", "spike", "degrad", "incident",
	} {
		by[s[0]] = append(by[s[0]], s)
	}
	return by
}()

// informativeness scores a message for keeping: longer messages with
// incident vocabulary and numbers score high, acknowledgements ("ok", "+1",
// "on it") score zero; newer messages get a small lift. One pass over the
// bytes, no allocation.
func informativeness(text string, i, n int) float64 {
	var word [16]byte
	wl, words, hits, digits := 0, 0, 0, 0
	percent := false
	end := func() {
		if wl == 0 {
			return
		}
		words++
		w := string(word[:min(wl, len(word))]) // no escape: compared only
		for _, stem := range signalStems[word[0]] {
			if len(w) >= len(stem) && w[:len(stem)] == stem {
				hits++
				break
			}
		}
		wl = 0
	}
	for k := 0; k < len(text); k++ {
		c := text[k]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 0x80:
			if c >= '0' && c <= '9' {
				digits++
			}
			if wl < len(word) {
				word[wl] = c
			}
			wl++
		default:
			if c == '%' {
				percent = true
			}
			end()
		}
	}
	end()
	if percent {
		hits++
	}
	if words == 0 || (words <= 3 && hits == 0) {
		return 0
	}
	score := float64(min(words, 60))/60 + 0.4*float64(min(hits, 4)) + 0.2*float64(min(digits, 5))/5
	return score + 0.5*float64(i+1)/float64(n)
}

// lineLayout is how prompt lines show their time, in loc: the time of day,
// the date too when the timeline spans days, and the zone's abbreviation
// when it changes during the timeline (a daylight-saving switch); otherwise
// the prompt header names the zone once.
func lineLayout(entries []incident.Entry, loc *time.Location) string {
	layout := "15:04"
	if len(entries) < 2 {
		return layout
	}
	first, last := entries[0].At.In(loc), entries[len(entries)-1].At.In(loc)
	y1, m1, d1 := first.Date()
	y2, m2, d2 := last.Date()
	if y1 != y2 || m1 != m2 || d1 != d2 {
		layout = "01-02 15:04"
	}
	if first.Format("MST") != last.Format("MST") {
		layout += " MST"
	}
	return layout
}

// formatLine renders an entry as a prompt line:
// "[E12] 14:48 @ali [KEY EVENT]: text". Newlines are flattened so no line
// can pose as another entry, the text is redacted, and mentions in it are
// written as names.
func formatLine(e incident.Entry, layout string, limit int, v *voice) string {
	var b strings.Builder
	b.Grow(lineOverhead + min(len(e.Text), limit))
	b.WriteString("[E")
	b.WriteString(strconv.Itoa(e.Seq))
	b.WriteString("] ")
	b.WriteString(e.At.In(v.loc).Format(layout))
	b.WriteString(" ")
	b.WriteString(actor(e.Actor, v))
	if len(e.Marks) > 0 {
		b.WriteString(" [")
		for i, m := range e.Marks {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strings.ToUpper(m.Label()))
		}
		b.WriteString("]")
	}
	text := e.Text
	switch {
	case e.Kind != incident.KindMessage:
		b.WriteString(" (system)")
		text = e.Describe()
	case e.ThreadTS != "" && e.ThreadTS != e.TS:
		b.WriteString(" (thread reply)")
	}
	if e.Edited {
		b.WriteString(" (edited)")
	}
	b.WriteString(": ")
	b.WriteString(flatten(incident.Truncate(v.text(Redact(text)), limit)))
	if len(e.Files) > 0 {
		b.WriteString(" (files: ")
		b.WriteString(flatten(v.text(Redact(strings.Join(e.Files, ", ")))))
		b.WriteString(")")
	}
	return b.String()
}

func actor(id string, v *voice) string {
	if id == "" {
		return "bot"
	}
	return v.person(id)
}

// dataTag finds the data block's tags in any case or spacing, raw or as
// Slack escapes them.
var dataTag = regexp.MustCompile(`(?i)(<|&lt;)\s*(/?)\s*incident[_\s-]*data\s*(>|&gt;)`)

// flatten keeps a text on one line, unable to pose as a timeline line, and
// unable to close the data block: every line or paragraph break and control
// character becomes a space, the newline marker and "[E" (which start a
// timeline line and a citation) are defused, and data tags are renamed.
func flatten(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return ' '
		}
		return r
	}, s)
	s = strings.NewReplacer("⏎", "↵", "[E", "(E").Replace(s)
	return dataTag.ReplaceAllString(s, "(${2}incident-data)")
}
