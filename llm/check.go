package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// inlineCite matches an inline citation such as [E12].
var inlineCite = regexp.MustCompile(`\[E(\d{1,9})\]`)

// citeCheck collects the citations of a draft and what was wrong with them.
type citeCheck struct {
	valid map[int]bool // the timeline's entry ids
	cited map[int]bool // valid ids cited so far
	flags []string
}

func newCiteCheck(entries []incident.Entry) *citeCheck {
	valid := make(map[int]bool, len(entries))
	for _, e := range entries {
		valid[e.Seq] = true
	}
	return &citeCheck{valid: valid, cited: map[int]bool{}}
}

// section checks one claim: its listed citations and the inline [E..] in its
// text. Citations that do not exist are flagged and marked in the returned
// text; a claim left with no valid citation is flagged and marked unless
// needCite is false (opinion and forward-looking sections).
func (c *citeCheck) section(title, text string, listed []int, needCite bool) string {
	good := 0
	var bad []string
	for _, n := range listed {
		if c.valid[n] {
			c.cited[n] = true
			good++
		} else {
			bad = append(bad, citeLabel(n))
		}
	}
	text = inlineCite.ReplaceAllStringFunc(text, func(m string) string {
		n, _ := strconv.Atoi(m[2 : len(m)-1])
		if c.valid[n] {
			c.cited[n] = true
			good++
			return m
		}
		bad = append(bad, citeLabel(n))
		return "[E" + strconv.Itoa(n) + " ⚠ not in timeline]"
	})
	if len(bad) > 0 {
		bad = slices.Compact(bad)
		c.flags = append(c.flags, fmt.Sprintf("%s cites %s, not in the timeline", title, strings.Join(bad, ", ")))
		text += " ⚠ _(cites " + strings.Join(bad, ", ") + ", which the timeline does not have)_"
	}
	if good == 0 && needCite && strings.TrimSpace(text) != "" {
		c.flags = append(c.flags, fmt.Sprintf("%s has no valid citation", title))
		text += " ⚠ _(no cited evidence: check this against the timeline)_"
	}
	return text
}

func citeLabel(n int) string {
	if n < 1 {
		return "an invalid id"
	}
	return "E" + strconv.Itoa(n)
}

func (c *citeCheck) citations() []int {
	out := make([]int, 0, len(c.cited))
	for n := range c.cited {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// blamePatterns find a person named as the cause. A mention (<@U123> or
// @name) counts as a person; so does a capitalised word that is not a common
// sentence opener, in the "because X did" and "X's mistake" shapes.
var blamePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)(<@[A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]+)\s+(?:caused|broke|is to blame|was to blame|is responsible for|was responsible for|messed up|screwed up|forgot|neglected|failed to|should have|made a mistake)`),
	regexp.MustCompile(`\b[Bb]ecause\s+(<@[A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]+|[A-Z][a-z]+)\s+(?:did|didn't|did not|forgot|pushed|deployed|ran|made|failed|broke|missed|ignored|skipped|merged|changed|deleted|didn’t)\b`),
	regexp.MustCompile(`(<@[A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]+|\b[A-Z][a-z]+)(?:'s|’s)\s+(?:mistake|fault|negligence|carelessness|oversight|blunder|error)\b`),
	regexp.MustCompile(`(?i)\b(?:fault of|blamed? on|caused by|mistake by|mistake of|error by)\s+(<@[A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]+)`),
	regexp.MustCompile(`(?i)\b(human error)\b`),
}

// notPeople are capitalised words that open sentences or name things, not
// people.
var notPeople = map[string]bool{
	"The": true, "This": true, "That": true, "It": true, "We": true, "Our": true, "They": true,
	"Their": true, "A": true, "An": true, "Someone": true, "Nobody": true, "Everyone": true,
	"Team": true, "System": true, "Service": true, "There": true, "He": true, "She": true,
	"You": true, "Its": true, "These": true, "Those": true, "Nothing": true, "No": true,
}

// blameFlags lists the blaming phrases in text.
func blameFlags(text string) []string {
	var out []string
	for _, re := range blamePatterns {
		for _, m := range re.FindAllStringSubmatch(text, 8) {
			if len(m) > 1 && notPeople[m[1]] {
				continue
			}
			out = append(out, fmt.Sprintf("blaming language: %q (a blameless postmortem names what allowed it, not who)", m[0]))
		}
	}
	return slices.Compact(out)
}

var nonLetters = regexp.MustCompile(`[^a-z ]+`)

// canonicalTitle maps a model's section title to one of want, accepting
// common variants ("Root cause", "What went wrong", "Lessons learned").
func canonicalTitle(title string, want []string) (string, bool) {
	t := strings.Join(strings.Fields(nonLetters.ReplaceAllString(strings.ToLower(title), " ")), " ")
	aliases := map[string]string{
		"root cause": secRootCause, "root causes": secRootCause, "trigger": secRootCause,
		"root cause and triggers": secRootCause, "cause": secRootCause,
		"what went wrong": secWentBadly, "what went poorly": secWentBadly, "what didnt go well": secWentBadly,
		"what did not go well": secWentBadly, "went well": secWentWell, "went badly": secWentBadly,
		"lessons learned": secLessons, "lessons learnt": secLessons, "timeline": secTimeline,
		"key events": secTimeline, "contributing factor": secContributing, "impact and scope": secImpact,
		"current status": secWhereItStands, "status": secWhereItStands, "next steps": secBeingDone,
		"mitigation": secBeingDone, "roles": secWho, "who is involved": secWho,
	}
	for _, w := range want {
		if strings.ToLower(w) == t {
			return w, true
		}
	}
	if a, ok := aliases[t]; ok && slices.Contains(want, a) {
		return a, true
	}
	return title, false
}
