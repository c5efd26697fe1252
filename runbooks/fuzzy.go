package runbooks

import (
	"slices"
	"strings"
)

// match is a vocabulary word near a query word.
type match struct {
	word string
	dist int
	df   int
}

// typoBudget is how many edits a word of n bytes may carry and still be
// matched: short words are left alone, since "pod" is one edit from "pid"
// and "log", and guessing there does more harm than good.
func typoBudget(n int) int {
	switch {
	case n < 5:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

// near returns the closest indexed words to w within its typo budget, the
// most frequent first among equals.
func (ix *Index) near(w string) []match {
	budget := typoBudget(len(w))
	if budget == 0 || strings.ContainsAny(w, "0123456789") {
		return nil
	}
	ms := ix.within(w, budget)
	if len(ms) > maxTypoAlts {
		ms = ms[:maxTypoAlts]
	}
	return ms
}

// within lists the vocabulary words at most budget edits from w, one per
// index term, best first.
func (ix *Index) within(w string, budget int) []match {
	var ms []match
	seen := map[int32]bool{} // several surface words share a term
	for n := max(1, len(w)-budget); n <= len(w)+budget && n < len(ix.byLen); n++ {
		for _, v := range ix.byLen[n] {
			d := editDistance(w, v, budget)
			if d > budget || d == 0 {
				continue
			}
			t := ix.vocab[v]
			if seen[t] {
				continue
			}
			seen[t] = true
			ms = append(ms, match{word: v, dist: d, df: len(ix.postings[t])})
		}
	}
	slices.SortFunc(ms, func(a, b match) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		if a.df != b.df {
			return b.df - a.df
		}
		return strings.Compare(a.word, b.word)
	})
	return ms
}

// Closest returns up to five indexed words nearest to the words of query,
// for a "no match — did you mean" reply. Unlike search it looks further
// (two edits even for short words, and completions of a word cut short).
func (ix *Index) Closest(query string) []string {
	var out []string
	add := func(w string) {
		if len(out) < 5 && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	words(query, func(w string) {
		if isStop(w) {
			return
		}
		if _, known := ix.vocab[w]; known {
			return
		}
		budget := min(2, max(1, len(w)/3))
		for _, m := range ix.within(w, budget) {
			add(m.word)
		}
		if len(w) >= 3 {
			var done []string
			for v := range ix.vocab {
				if strings.HasPrefix(v, w) {
					done = append(done, v)
				}
			}
			slices.Sort(done)
			for _, v := range done[:min(3, len(done))] {
				add(v)
			}
		}
	})
	return out
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions, the
// typos hands make), giving up early with max+1 once it exceeds max.
func editDistance(a, b string, maxDist int) int {
	if d := len(a) - len(b); d > maxDist || -d > maxDist {
		return maxDist + 1
	}
	var buf [3][64]int
	if len(b)+1 > len(buf[0]) {
		return maxDist + 1
	}
	prev2, prev, cur := buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > maxDist {
			return maxDist + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], maxDist+1)
}
