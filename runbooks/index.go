package runbooks

import (
	"math"
	"slices"
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
	fileWeight    = 0.5  // share of its file's score added to a section's
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
	an       *analyzer
	postings [][]posting // by term id
	idf      []float32
	fileOf   []uint32 // section -> file number
	syn      synonyms
	vocab    map[string]int32 // surface word -> term, for words in some section
	byLen    [][]string       // vocab words by byte length, for typos
	pool     sync.Pool        // *scratch
}

// scratch is per-query working memory, pooled so queries do not allocate
// arrays the size of the corpus.
type scratch struct {
	total    []float32
	best     []uint32 // the bits of a positive float32
	hits     []uint16
	touched  []uint32 // sections with a non-zero total; capacity one more than sections
	cTouched []uint32 // sections touched by the current concept; the same

	fTotal   []float32 // the same, by file
	fBest    []uint32
	fHits    []uint16
	fTouched []uint32 // files touched by the current concept; capacity one more than files
	fAll     []uint32 // files touched by any concept
}

// build indexes the sections of docs with the synonym groups.
func build(docs []Doc, groups [][]string) *Index {
	ix := &Index{an: newAnalyzer()}
	ix.syn = buildSynonyms(groups, ix.an)

	// Pass 1 counts each term per field of each section; BM25F needs the
	// average field lengths, known only at the end, to weigh them (pass 2).
	type entry struct {
		doc  uint32
		term int32
		tf   [numFields]uint16
	}
	var (
		entries []entry
		lengths [][numFields]uint16
		sums    [numFields]float64
		counts  [][numFields]uint16 // by term id, for the current section
		touched []int32             // terms with counts in the current section
		df      []int32
	)
	nSections := 0
	for _, d := range docs {
		nSections += len(d.Sections)
	}
	ix.sections = make([]Section, 0, nSections)
	ix.paths = make([]string, 0, nSections)
	lengths = make([][numFields]uint16, 0, nSections)
	entries = make([]entry, 0, nSections*48)

	add := func(field int, s string, ln *[numFields]uint16) {
		n := int(ln[field])
		ix.an.index(s, func(id int32, word bool) {
			for int(id) >= len(counts) {
				counts = append(counts, [numFields]uint16{})
				df = append(df, 0)
			}
			c := &counts[id]
			if *c == ([numFields]uint16{}) {
				touched = append(touched, id)
			}
			if c[field] < math.MaxUint16 {
				c[field]++
			}
			if word {
				n++
			}
		})
		ln[field] = uint16(min(n, math.MaxUint16))
	}
	ix.fileOf = make([]uint32, 0, nSections)
	for _, d := range docs {
		if len(d.Sections) == 0 {
			continue
		}
		file := uint32(ix.files)
		ix.files++
		meta := strings.Join(append([]string{d.Meta.Title}, append(append(d.Meta.Services, d.Meta.Tags...), d.Meta.Aliases...)...), " \n ")
		for _, s := range d.Sections {
			doc := uint32(len(ix.sections))
			ix.sections = append(ix.sections, s)
			ix.paths = append(ix.paths, s.Path())
			ix.fileOf = append(ix.fileOf, file)
			var ln [numFields]uint16
			add(fieldHeading, s.Heading, &ln)
			add(fieldTrail, strings.Join(s.Trail, " \n "), &ln)
			add(fieldMeta, meta, &ln)
			add(fieldBody, sectionBody(s), &ln)
			for _, id := range touched {
				entries = append(entries, entry{doc: doc, term: id, tf: counts[id]})
				df[id]++
				counts[id] = [numFields]uint16{}
			}
			touched = touched[:0]
			lengths = append(lengths, ln)
			for f := range numFields {
				sums[f] += float64(ln[f])
			}
		}
	}
	// Synonym terms that no section uses still need a (empty) posting list.
	for len(df) < len(ix.an.names) {
		df = append(df, 0)
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

	ix.vocab = make(map[string]int32, len(ix.an.words))
	for w, info := range ix.an.words {
		if info.stop || len(ix.postings[info.term]) == 0 {
			continue
		}
		ix.vocab[w] = info.term
		if strings.IndexByte(w, '_') >= 0 {
			continue // an identifier is pasted, not typed: no typos to fix
		}
		for len(ix.byLen) <= len(w) {
			ix.byLen = append(ix.byLen, nil)
		}
		ix.byLen[len(w)] = append(ix.byLen[len(w)], w)
	}
	for _, ws := range ix.byLen {
		slices.Sort(ws) // map order would make typo matches vary between builds
	}
	size, files := len(ix.sections), ix.files
	ix.pool.New = func() any {
		return &scratch{
			total: make([]float32, size), best: make([]uint32, size), hits: make([]uint16, size),
			touched: make([]uint32, 0, size+1), cTouched: make([]uint32, 0, size+1),
			fTotal: make([]float32, files), fBest: make([]uint32, files), fHits: make([]uint16, files),
			fTouched: make([]uint32, 0, files+1),
		}
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
	var cs []concept
	seen := map[string]bool{}
	for _, q := range ix.an.query(query) {
		if seen[q.term] {
			continue
		}
		seen[q.term] = true
		c := concept{word: q.surface}
		if q.id >= 0 {
			if len(ix.postings[q.id]) > 0 {
				c.alts = append(c.alts, alt{q.id, 1})
			}
			for _, s := range ix.syn[q.id] {
				if len(ix.postings[s]) > 0 {
					c.alts = append(c.alts, alt{s, synonymWeight})
				}
			}
		}
		if len(c.alts) == 0 && !q.exact && len(ix.syn[q.id]) == 0 {
			for _, m := range ix.near(q.surface) {
				w := float32(typo1Weight)
				if m.dist > 1 {
					w = typo2Weight
				}
				c.alts = append(c.alts, alt{ix.vocab[m.word], w})
			}
		}
		if q.exact && len(c.alts) == 0 {
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
	// Every posting scores above zero (idf and weights are positive), so a
	// score's bits order as the score does and zero means untouched: the
	// best scores are kept as bits, and maxima and the lists of what was
	// touched are kept without branches, which would be mispredicted half
	// the time.
	total, best, hits, fileOf := sc.total, sc.best, sc.hits, ix.fileOf
	touched := sc.touched[:cap(sc.touched)]
	nt := 0
	for _, c := range cs {
		cTouched := sc.cTouched[:cap(sc.cTouched)]
		n := 0
		for _, a := range c.alts {
			f := ix.idf[a.term] * a.w
			for _, p := range ix.postings[a.term] {
				b := best[p.doc]
				cTouched[n] = p.doc
				n += isZero(b)
				best[p.doc] = max(b, math.Float32bits(f*p.w))
			}
		}
		// A file matches a concept as well as its best section does.
		fBest, fTouched := sc.fBest, sc.fTouched[:cap(sc.fTouched)]
		nf := 0
		for _, d := range cTouched[:n] {
			touched[nt] = d
			nt += isZero(math.Float32bits(total[d]))
			v := best[d]
			total[d] += math.Float32frombits(v)
			hits[d]++
			best[d] = 0
			fl := fileOf[d]
			fb := fBest[fl]
			fTouched[nf] = fl
			nf += isZero(fb)
			fBest[fl] = max(fb, v)
		}
		for _, fl := range fTouched[:nf] {
			if sc.fHits[fl] == 0 {
				sc.fAll = append(sc.fAll, fl)
			}
			sc.fTotal[fl] += math.Float32frombits(fBest[fl])
			sc.fHits[fl]++
			fBest[fl] = 0
		}
	}

	top := make([]result, 0, limit+1)
	need := uint16(math.Ceil(minCover * float64(len(cs))))
	nc := float32(len(cs))
	for _, d := range touched[:nt] {
		r := result{doc: d, score: sc.total[d], hits: sc.hits[d]}
		sc.total[d], sc.hits[d] = 0, 0
		// Favour sections that match more of what was asked: a section with
		// every word beats one that repeats a single word many times.
		r.score *= 0.5 + 0.5*float32(r.hits)/nc
		// And sections of a runbook that, across its sections, matches more
		// of it: the symptom in one section, the command in another, the
		// product in the front matter. A file scores each concept as its
		// best section does, with the same bonus for matching more.
		f := ix.fileOf[d]
		r.score += fileWeight * sc.fTotal[f] * (0.5 + 0.5*float32(sc.fHits[f])/nc)
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
	for _, f := range sc.fAll {
		sc.fTotal[f], sc.fHits[f] = 0, 0
	}
	sc.fAll = sc.fAll[:0]
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

// isZero is 1 for 0, else 0, computed without a branch.
func isZero(v uint32) int { return int((uint64(v) - 1) >> 63) }
