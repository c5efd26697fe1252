package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// citeCheck collects the citations of a draft, section by section, and what
// was wrong with them.
type citeCheck struct {
	v        *voice
	valid    map[int]bool            // the timeline's entry ids
	evidence map[string]map[int]bool // section -> valid ids it cites
	flags    []string
}

func newCiteCheck(entries []incident.Entry, v *voice) *citeCheck {
	valid := make(map[int]bool, len(entries))
	for _, e := range entries {
		valid[e.Seq] = true
	}
	return &citeCheck{v: v, valid: valid, evidence: map[string]map[int]bool{}}
}

// section checks one claim, its listed citations and the inline [E..] in its
// text, and returns the text fit to publish: markers removed, mentions
// written as names. Citations that do not exist are flagged; so is a claim
// left with no valid citation, unless needCite is false (opinion and
// forward-looking sections). The flags name the section; the valid ids
// become its evidence.
func (c *citeCheck) section(title, text string, listed []int, needCite bool) string {
	ev := c.evidence[title]
	if ev == nil {
		ev = map[int]bool{}
		c.evidence[title] = ev
	}
	var bad []string
	good := 0
	for _, n := range slices.Concat(listed, markerSeqs(text)) {
		if c.valid[n] {
			ev[n] = true
			good++
		} else if l := citeLabel(n); !slices.Contains(bad, l) {
			bad = append(bad, l)
		}
	}
	text = strings.TrimSpace(c.v.publish(text))
	if len(bad) > 0 {
		c.flags = append(c.flags, fmt.Sprintf("%s: cites %s, which the timeline does not have", title, strings.Join(bad, ", ")))
	}
	if good == 0 && needCite && text != "" {
		c.flags = append(c.flags, title+": no cited evidence; check it against the timeline")
	}
	return text
}

func citeLabel(n int) string {
	if n < 1 {
		return "an invalid id"
	}
	return "E" + strconv.Itoa(n)
}

// evidenceOf orders a draft's evidence as its text reads (summary, the
// kind's sections, the extra ones, a postmortem's action items) and returns
// it with the union of its ids.
func evidenceOf(kind incident.DraftKind, b body) ([]incident.Evidence, []int) {
	order := []string{secSummary}
	order = append(order, specFor(kind).sections...)
	for _, s := range b.extra {
		order = append(order, s.Title)
	}
	if kind == incident.DraftPostmortem { // the only kind that shows them
		order = append(order, secActionItems)
	}
	var out []incident.Evidence
	all := map[int]bool{}
	for _, t := range order {
		seqs := sortedKeys(b.evidence[t])
		if len(seqs) == 0 || slices.ContainsFunc(out, func(e incident.Evidence) bool { return e.Section == t }) {
			continue
		}
		for _, n := range seqs {
			all[n] = true
		}
		out = append(out, incident.Evidence{Section: t, Seqs: seqs})
	}
	return out, sortedKeys(all)
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
			if !slices.Contains(out, m[0]) {
				out = append(out, m[0])
			}
		}
	}
	return out
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
