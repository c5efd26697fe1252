package runbooks

import (
	"strings"
)

// Snippet returns up to maxLines non-blank lines of a section's text that
// contain words of query (synonyms and near spellings included), with those
// words in *stars*, for a result list read in a terminal or chat. When no
// line matches (the section matched on its heading or trail), it returns the
// first lines of the body instead.
func (ix *Index) Snippet(text, query string, maxLines int) string {
	want := map[string]bool{}
	for _, c := range ix.compile(query) {
		for _, a := range c.alts {
			for _, t := range strings.Fields(ix.an.names[a.term]) {
				want[t] = true
			}
		}
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && strings.HasPrefix(strings.TrimSpace(lines[0]), "#") {
		lines = lines[1:]
	}
	var hits, plain []string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || isUnderline(line) || strings.HasPrefix(line, "```") {
			continue
		}
		if len(plain) < maxLines {
			plain = append(plain, line)
		}
		var b strings.Builder
		last, n := 0, 0
		wordSpans(line, func(w string, start, end int) {
			// The parts of a CamelCase word come after it: once the whole
			// word is marked, its parts are inside the mark.
			if start < last {
				return
			}
			if term, _, _ := ix.an.lookup(w); !want[term] {
				return
			}
			b.WriteString(line[last:start])
			b.WriteString("*" + line[start:end] + "*")
			last, n = end, n+1
		})
		if n == 0 {
			continue
		}
		b.WriteString(line[last:])
		hits = append(hits, b.String())
		if len(hits) == maxLines {
			break
		}
	}
	if len(hits) == 0 {
		hits = plain
	}
	return strings.Join(hits, "\n")
}
