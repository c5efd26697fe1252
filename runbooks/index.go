package runbooks

import (
	"math"
	"strings"
	"sync"

	"github.com/incidentbot/incidentbot/incident"
)

// Fields of a section, in the order of their weight. A word in a heading
// says far more about a section than the same word in a paragraph.
const (
	fieldHeading = iota // the section's own heading
	fieldTrail          // the headings above it
	fieldMeta           // front matter: title, services, tags, aliases
	fieldBody           // the Markdown under the heading
	numFields
)

// BM25F parameters. Weights were tuned on the labelled query set in
// search_test.go; b is low for short fields, where length says little.
var (
	fieldWeight = [numFields]float64{4, 2, 2, 1}
	fieldB      = [numFields]float64{0.3, 0.3, 0.3, 0.75}
)

const (
	k1            = 1.2
	synonymWeight = 0.9  // a synonym scores just below the word typed
	typo1Weight   = 0.7  // one edit away
	typo2Weight   = 0.5  // two edits away
	maxTypoAlts   = 3    // fuzzy alternatives kept per query word
	suggestCover  = 0.5  // share of title words a suggestion must match
	suggestRatio  = 0.35 // suggestions must score this share of the best
)

// posting is one section containing a term, with the term's saturated BM25F
// weight in it: everything but idf is known at build time, so a query only
// multiplies and adds.
type posting struct {
	doc uint32
	w   float32
}

// Index is an immutable, searchable set of runbook sections. It is safe for
// concurrent use.
type Index struct {
	sections []Section
	paths    []string
	files    int
	terms    map[string]int32
	names    []string // term by id
	postings [][]posting
	idf      []float32
	an       *analyzer
	syn      synonyms
	vocab    map[string]string // surface word -> term, every word indexed
	byLen    [][]string        // surface words by byte length, for typos
	pool     sync.Pool         // *scratch
}

// scratch is per-query working memory, pooled so queries do not allocate
// arrays the size of the corpus.
type scratch struct {
	total, best []float32
	hits        []uint16
	touched     []uint32 // sections with a non-zero total
	cTouched    []uint32 // sections touched by the current concept
}

// build indexes the sections of docs with the synonym groups.
func build(docs []Doc, groups [][]string) *Index {
	ix := &Index{
		terms: map[string]int32{},
		an:    &analyzer{phrases: map[string]struct{}{}},
	}
	st := &stemmer{cache: map[string]string{}}
	ix.syn = buildSynonyms(groups, ix.an, st)

	type entry struct {
		doc  uint32
		term int32
		tf   [numFields]uint16
	}
	var (
		entries []entry
		lengths [][numFields]uint16
		sums    [numFields]float64
		toks    []token
		counts  = map[int32]*[numFields]uint16{}
		df      []int32
	)
	termID := func(t string) int32 {
		id, ok := ix.terms[t]
		if !ok {
			id = int32(len(df))
			ix.terms[t] = id
			ix.names = append(ix.names, t)
			df = append(df, 0)
		}
		return id
	}
	add := func(field int, s string, ln *[numFields]uint16) {
		toks = ix.an.analyze(s, st, toks[:0])
		for _, t := range toks {
			id := termID(t.term)
			c := counts[id]
			if c == nil {
				c = new([numFields]uint16)
				counts[id] = c
			}
			if c[field] < math.MaxUint16 {
				c[field]++
			}
		}
		ln[field] = uint16(min(len(toks)+int(ln[field]), math.MaxUint16))
	}
	for _, d := range docs {
		if len(d.Sections) > 0 {
			ix.files++
		}
		meta := strings.Join(append([]string{d.Meta.Title}, append(append(d.Meta.Services, d.Meta.Tags...), d.Meta.Aliases...)...), " \n ")
		for _, s := range d.Sections {
			doc := uint32(len(ix.sections))
			ix.sections = append(ix.sections, s)
			ix.paths = append(ix.paths, s.Path())
			var ln [numFields]uint16
			add(fieldHeading, s.Heading, &ln)
			add(fieldTrail, strings.Join(s.Trail, " \n "), &ln)
			add(fieldMeta, meta, &ln)
			add(fieldBody, sectionBody(s), &ln)
			for id, c := range counts {
				entries = append(entries, entry{doc: doc, term: id, tf: *c})
				df[id]++
			}
			clear(counts)
			lengths = append(lengths, ln)
			for f := range numFields {
				sums[f] += float64(ln[f])
			}
		}
	}

	n := float64(len(ix.sections))
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(sums[f]/max(n, 1), 1)
	}
	ix.postings = make([][]posting, len(df))
	ix.idf = make([]float32, len(df))
	for id, d := range df {
		ix.postings[id] = make([]posting, 0, d)
		ix.idf[id] = float32(math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5)))
	}
	// Entries come section by section, so each posting list ends up sorted
	// by section without a sort.
	for _, e := range entries {
		var tfw float64
		for f := range numFields {
			if e.tf[f] == 0 {
				continue
			}
			norm := 1 - fieldB[f] + fieldB[f]*float64(lengths[e.doc][f])/avg[f]
			tfw += fieldWeight[f] * float64(e.tf[f]) / norm
		}
		ix.postings[e.term] = append(ix.postings[e.term], posting{doc: e.doc, w: float32(tfw / (k1 + tfw))})
	}

	ix.vocab = make(map[string]string, len(st.cache))
	for w, t := range st.cache {
		if _, ok := ix.terms[t]; !ok {
			continue
		}
		ix.vocab[w] = t
		for len(ix.byLen) <= len(w) {
			ix.byLen = append(ix.byLen, nil)
		}
		ix.byLen[len(w)] = append(ix.byLen[len(w)], w)
	}
	size := len(ix.sections)
	ix.pool.New = func() any {
		return &scratch{total: make([]float32, size), best: make([]float32, size), hits: make([]uint16, size)}
	}
	return ix
}

// sectionBody is the section's text without its heading line, which is
// indexed in its own field.
func sectionBody(s Section) string {
	if s.Level == 0 {
		return s.Text
	}
	_, body, _ := strings.Cut(s.Text, "\n")
	// A setext heading's underline is part of the heading, not body.
	if line, rest, _ := strings.Cut(body, "\n"); isUnderline(line) {
		return rest
	}
	return body
}

func isUnderline(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && (strings.Trim(t, "=") == "" || strings.Trim(t, "-") == "")
}

// Count returns the number of files and sections indexed.
func (ix *Index) Count() (files, sections int) { return ix.files, len(ix.sections) }

// alt is one index term a query word may match, with how much it counts.
type alt struct {
	term int32
	w    float32
}

// concept is one word (or phrase) of a query and every term that stands for
// it: itself, its synonyms, and near spellings when it is not in the index.
type concept struct {
	word string
	alts []alt
}

// compile analyses a query into concepts. Each concept scores a section by
// its best alternative only, so a section saying both "db" and "database"
// is not counted twice for the query "db".
func (ix *Index) compile(query string) []concept {
	st := &stemmer{cache: ix.vocab, readOnly: true}
	toks := ix.an.analyze(query, st, nil)
	var cs []concept
	seen := map[string]bool{}
	for _, t := range toks {
		if seen[t.term] {
			continue
		}
		seen[t.term] = true
		isPhrase := strings.Contains(t.term, " ")
		c := concept{word: t.surface}
		if id, ok := ix.terms[t.term]; ok {
			c.alts = append(c.alts, alt{id, 1})
		}
		for _, s := range ix.syn[t.term] {
			if id, ok := ix.terms[s]; ok {
				c.alts = append(c.alts, alt{id, synonymWeight})
			}
		}
		if len(c.alts) == 0 && !isPhrase {
			for _, m := range ix.near(t.surface) {
				w := float32(typo1Weight)
				if m.dist > 1 {
					w = typo2Weight
				}
				c.alts = append(c.alts, alt{ix.terms[ix.vocab[m.word]], w})
			}
		}
		if isPhrase && len(c.alts) == 0 {
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

// result is a scored section.
type result struct {
	doc   uint32
	score float32
	hits  uint16
}

// Search returns up to limit sections for query, best first.
func (ix *Index) Search(query string, limit int) []incident.RunbookHit {
	return ix.hits(ix.search(query, limit, 0))
}

// Suggest is Search for an incident title: it returns only sections that
// match at least half of the title's words and score near the best, so a
// weak match is not put in front of responders.
func (ix *Index) Suggest(title string, limit int) []incident.RunbookHit {
	rs := ix.search(title, limit, suggestCover)
	if len(rs) > 0 {
		floor := rs[0].score * suggestRatio
		for i, r := range rs {
			if r.score < floor {
				rs = rs[:i]
				break
			}
		}
	}
	return ix.hits(rs)
}

func (ix *Index) hits(rs []result) []incident.RunbookHit {
	if len(rs) == 0 {
		return nil
	}
	out := make([]incident.RunbookHit, len(rs))
	for i, r := range rs {
		s := ix.sections[r.doc]
		out[i] = incident.RunbookHit{
			File: s.File, Heading: s.Heading, Path: ix.paths[r.doc], Text: s.Text,
			Score: math.Round(float64(r.score)*1000) / 1000,
		}
	}
	return out
}

// search scores every section matching a concept of query and keeps the best
// limit whose share of matched concepts is at least minCover.
func (ix *Index) search(query string, limit int, minCover float64) []result {
	if limit <= 0 || len(ix.sections) == 0 {
		return nil
	}
	cs := ix.compile(query)
	if len(cs) == 0 {
		return nil
	}
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	for _, c := range cs {
		for _, a := range c.alts {
			f := ix.idf[a.term] * a.w
			for _, p := range ix.postings[a.term] {
				v := f * p.w
				if sc.best[p.doc] == 0 {
					sc.cTouched = append(sc.cTouched, p.doc)
				}
				if v > sc.best[p.doc] {
					sc.best[p.doc] = v
				}
			}
		}
		for _, d := range sc.cTouched {
			if sc.total[d] == 0 {
				sc.touched = append(sc.touched, d)
			}
			sc.total[d] += sc.best[d]
			sc.hits[d]++
			sc.best[d] = 0
		}
		sc.cTouched = sc.cTouched[:0]
	}

	top := make([]result, 0, limit+1)
	need := uint16(math.Ceil(minCover * float64(len(cs))))
	for _, d := range sc.touched {
		r := result{doc: d, score: sc.total[d], hits: sc.hits[d]}
		sc.total[d], sc.hits[d] = 0, 0
		// Favour sections that match more of what was asked: a section with
		// every word beats one that repeats a single word many times.
		r.score *= 0.5 + 0.5*float32(r.hits)/float32(len(cs))
		if r.hits < need || r.score <= 0 {
			continue
		}
		if len(top) == limit && !better(r, top[limit-1]) {
			continue
		}
		i := len(top)
		top = append(top, r)
		for ; i > 0 && better(r, top[i-1]); i-- {
			top[i] = top[i-1]
		}
		top[i] = r
		if len(top) > limit {
			top = top[:limit]
		}
	}
	sc.touched = sc.touched[:0]
	return top
}

// better orders results by score, then by position in the library so equal
// scores come out in a stable order.
func better(a, b result) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}
