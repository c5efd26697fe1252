package runbooks

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// stopwords carry no meaning in a query typed under pressure ("how do I fix
// the db"); dropping them keeps them from diluting scores and snippets.
var stopwords = setOf(
	"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "is", "are",
	"was", "were", "be", "been", "being", "with", "at", "by", "it", "its",
	"this", "that", "these", "those", "from", "as", "into", "our", "my", "we",
	"i", "me", "you", "your", "how", "what", "why", "when", "where", "do",
	"does", "did", "can", "could", "should", "would", "will", "if", "then",
	"than", "there", "their", "them", "they", "he", "she", "his", "her",
	"about", "also", "just", "so", "such", "very", "has", "have", "had",
	"which", "who", "whom", "whose", "but", "too", "any", "all", "some",
	"each", "here", "after", "before", "while", "again", "only", "own",
	"same", "other", "over", "under", "until", "because", "via", "per",
	"e", "g", "eg", "ie", "etc", "s", "t",
	// Filler in incident titles: "checkout returns 500", "seeing errors".
	"return", "returns", "returning", "returned", "seeing", "getting",
)

// isStop reports whether w is a stop word or a number of one or two digits:
// list numbers, counts and durations in runbooks, line and column numbers in
// pasted errors, none of them saying what the text is about. Status codes,
// ports and exit codes have three digits or more.
func isStop(w string) bool {
	if len(w) <= 2 && isDigit(w[0]) && isDigit(w[len(w)-1]) {
		return true
	}
	_, stop := stopwords[w]
	return stop
}

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

// stem returns the index term for a lower-case word. Words with digits
// ("5xx", "k8s", "429") are identifiers, not English, and stay as they are,
// except for a plural "s" ("429s", "5xxs", "500s" are the codes).
func stem(word string) string {
	for i := 0; i < len(word); i++ {
		if word[i] >= '0' && word[i] <= '9' {
			if n := len(word); n > 2 && word[n-1] == 's' && (isDigit(word[n-2]) || word[n-2] == 'x') {
				return word[:n-1]
			}
			return word
		}
	}
	return english.Stem(word, false)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tokKind says what a token of scanTokens is.
type tokKind uint8

const (
	// tokWord is a run of letters and digits, as written.
	tokWord tokKind = iota
	// tokCamel is a tokWord written in CamelCase ("ThrottlingException",
	// "OOMKilled"); its parts follow it as tokParts.
	tokCamel
	// tokPart is one part of the tokCamel before it ("throttling").
	tokPart
	// tokCompound is an identifier of several words joined by "_", "." or
	// "-" with nothing between ("max_connections", "cert-manager",
	// "pg_stat_activity.state"), after its last word, joined by "_". Pasted
	// errors and commands are full of them, and one in a query that a
	// runbook also quotes is strong evidence.
	tokCompound
)

// words calls fn for each lower-case word of s. A word is a run of letters
// and digits; everything else (Markdown markup, punctuation, underscores)
// separates words. Single letters are skipped: they are noise in runbooks.
func words(s string, fn func(w string)) {
	scanTokens(s, nil, func(w []byte, _, _ int, k tokKind) {
		if k == tokWord || k == tokCamel {
			fn(string(w))
		}
	})
}

// wordSpans is words with each word's byte span in s, for highlighting,
// and the CamelCase parts of words after them.
func wordSpans(s string, fn func(w string, start, end int)) {
	scanTokens(s, nil, func(w []byte, start, end int, k tokKind) {
		if k != tokCompound {
			fn(string(w), start, end)
		}
	})
}

// isJoiner reports whether c joins words into one identifier when it has a
// word character on both sides.
func isJoiner(c byte) bool { return c == '_' || c == '.' || c == '-' }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// tokBuf is the working memory of scanTokens. Index building reuses one;
// the buffers escape to fn, so a fresh one is a heap allocation.
type tokBuf struct {
	word, chain [64]byte
}

// scanTokens calls fn with each token of s, lower-cased: the words, the
// parts of CamelCase words and compound identifiers (see tokKind). w is only
// valid during the call; tb may be nil.
func scanTokens(s string, tb *tokBuf, fn func(w []byte, start, end int, k tokKind)) {
	if tb == nil {
		tb = new(tokBuf)
	}
	var cuts [8]uint8 // CamelCase part boundaries in buf
	buf, chain := tb.word[:0], tb.chain[:0]
	start, chainStart, chainWords, nCuts := 0, 0, 0, 0
	chainOK := true // the chain fits its buffer
	flushChain := func(end int) {
		if chainWords > 1 && chainOK {
			fn(chain, chainStart, end, tokCompound)
		}
		chain, chainWords, chainOK = chain[:0], 0, true
	}
	flush := func(end int) {
		if len(buf) == 0 {
			return
		}
		if chainWords == 0 {
			chainStart = start
		}
		if len(chain)+len(buf)+1 > cap(chain) {
			chainOK = false
		} else if chainOK {
			if chainWords > 0 {
				chain = append(chain, '_')
			}
			chain = append(chain, buf...)
		}
		chainWords++
		if len(buf) > 1 || isDigit(buf[0]) {
			if nCuts == 0 {
				fn(buf, start, end, tokWord)
			} else {
				fn(buf, start, end, tokCamel)
				from := 0
				for i := 0; i <= nCuts; i++ {
					to := len(buf)
					if i < nCuts {
						to = int(cuts[i])
					}
					if to-from > 1 || (to-from == 1 && isDigit(buf[from])) {
						fn(buf[from:to], start+from, start+to, tokPart)
					}
					from = to
				}
			}
		}
		buf, nCuts = buf[:0], 0
	}
	for i := 0; i < len(s); {
		c := s[i]
		r, n := rune(c), 1
		if c >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		isWord := isLower(c) || c >= '0' && c <= '9' || isUpper(c) ||
			c >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		switch {
		case !isWord:
			flush(i)
			// A joiner between two word characters continues the chain.
			if !(isJoiner(c) && i > 0 && i+1 < len(s) && isWordByte(s[i-1]) && isWordByte(s[i+1])) {
				flushChain(i)
			}
		case len(buf) == 0:
			start = i
			fallthrough
		default:
			if c < utf8.RuneSelf {
				if isUpper(c) {
					// A part starts at an upper-case letter after a lower-case
					// one ("tlsHandshake"), or at the last capital of an
					// acronym followed by a lower-case letter ("JSONDecode").
					if len(buf) > 0 && nCuts < len(cuts) && len(buf) < 256 &&
						(isLower(s[i-1]) || isUpper(s[i-1]) && startsPart(s[i+1:])) {
						cuts[nCuts] = uint8(len(buf))
						nCuts++
					}
					c += 'a' - 'A'
				}
				buf = append(buf, c)
			} else {
				buf = utf8.AppendRune(buf, unicode.ToLower(r))
			}
		}
		i += n
	}
	flush(len(s))
	flushChain(len(s))
}

// startsPart reports whether the rest of a word after a capital makes a
// part with it: a lower-case letter, but not the plural "s" of an acronym
// ("VMs", "APIs").
func startsPart(rest string) bool {
	if rest == "" || !isLower(rest[0]) {
		return false
	}
	return rest[0] != 's' || len(rest) > 1 && isWordByte(rest[1])
}

// isWordByte reports whether c is an ASCII letter or digit, or part of a
// multi-byte character (treated as a letter for joining).
func isWordByte(c byte) bool {
	return isLower(c) || isUpper(c) || isDigit(c) || c >= utf8.RuneSelf
}

// maxPhrase is the most words a synonym phrase may have ("too many
// requests" is two once the stop word is gone).
const maxPhrase = 3

// phraseKey is the term ids of a phrase's words, -1 padded.
type phraseKey [maxPhrase]int32

// wordInfo is what the analyzer knows about a surface word.
type wordInfo struct {
	term int32 // -1 for a stop word
	stop bool
}

// analyzer turns text into index terms: lower-case words, stop words
// dropped, English stems, plus one extra term for each configured multi-word
// phrase ("rate limit") so a phrase can be a synonym of a single word ("429").
// It grows while an index is built and is read-only afterwards, so
// concurrent queries share it.
type analyzer struct {
	words   map[string]wordInfo // surface word -> term; caches the stemmer
	terms   map[string]int32    // term -> id
	names   []string            // id -> term
	phrases map[phraseKey]int32 // phrase words -> the phrase's term id
	buf     tokBuf              // for index, which only building calls
}

func newAnalyzer() *analyzer {
	return &analyzer{words: map[string]wordInfo{}, terms: map[string]int32{}, phrases: map[phraseKey]int32{}}
}

// termID returns the id of term, creating it.
func (a *analyzer) termID(term string) int32 {
	id, ok := a.terms[term]
	if !ok {
		id = int32(len(a.names))
		a.terms[term] = id
		a.names = append(a.names, term)
	}
	return id
}

// intern returns what w is, learning it on first sight. It writes to the
// maps: index building only.
func (a *analyzer) intern(w []byte) wordInfo {
	if info, ok := a.words[string(w)]; ok {
		return info
	}
	word := string(w)
	info := wordInfo{term: -1}
	if isStop(word) {
		info.stop = true
	} else {
		info.term = a.termID(stem(word))
	}
	a.words[word] = info
	return info
}

// phraseWindow holds the term ids of the last words, to spot phrases.
type phraseWindow [maxPhrase - 1]int32

func newWindow() phraseWindow { return phraseWindow{-1, -1} }

// push adds id to the window and calls fn with each phrase ending with it.
func (a *analyzer) push(w *phraseWindow, id int32, fn func(phrase int32)) {
	if len(a.phrases) > 0 && id >= 0 {
		if p, ok := a.phrases[phraseKey{w[1], id, -1}]; ok && w[1] >= 0 {
			fn(p)
		}
		if p, ok := a.phrases[phraseKey{w[0], w[1], id}]; ok && w[0] >= 0 {
			fn(p)
		}
	}
	w[0], w[1] = w[1], id
}

// internCompound is intern for a tokCompound: an identifier is its own
// term, never stemmed, and never a stop word.
func (a *analyzer) internCompound(w []byte) wordInfo {
	if info, ok := a.words[string(w)]; ok {
		return info
	}
	word := string(w)
	info := wordInfo{term: a.termID(word)}
	a.words[word] = info
	return info
}

// index calls fn with the term id of each word of s, of each phrase, and of
// each CamelCase part and compound identifier. word is false for the parts
// and compounds, which repeat words already counted and so do not add to a
// field's length.
func (a *analyzer) index(s string, fn func(term int32, word bool)) {
	win := newWindow()
	phrase := func(p int32) { fn(p, true) }
	scanTokens(s, &a.buf, func(w []byte, _, _ int, k tokKind) {
		if k == tokCompound {
			fn(a.internCompound(w).term, false)
			return
		}
		info := a.intern(w)
		if info.stop {
			return
		}
		fn(info.term, k != tokPart)
		a.push(&win, info.term, phrase)
	})
}

// qword is one word (or phrase) of a query: as written, as stemmed, and its
// term id, -1 when the index has never seen it. exact marks what the
// analyzer found rather than what was typed (a phrase, a compound
// identifier): it is dropped when no section has it, and never
// typo-corrected.
type qword struct {
	surface, term string
	id            int32
	exact         bool
}

// lookup analyses one word without learning it.
func (a *analyzer) lookup(w string) (term string, id int32, stop bool) {
	if info, ok := a.words[w]; ok {
		if info.stop {
			return "", -1, true
		}
		return a.names[info.term], info.term, false
	}
	if isStop(w) {
		return "", -1, true
	}
	term = stem(w)
	if id, ok := a.terms[term]; ok {
		return term, id, false
	}
	return term, -1, false
}

// query analyses a query the way index analyses text, read-only. A
// CamelCase word the index knows is taken whole; one it does not know is
// taken by its parts ("HikariPool" is hikari and pool). A compound
// identifier is added only when the index has it.
func (a *analyzer) query(s string) []qword {
	var out []qword
	win := newWindow()
	phrase := func(p int32) {
		out = append(out, qword{surface: a.names[p], term: a.names[p], id: p, exact: true})
	}
	wholeKnown := false // of the last tokCamel, whose parts follow
	scanTokens(s, nil, func(b []byte, _, _ int, k tokKind) {
		w := string(b)
		switch k {
		case tokCompound:
			if info, ok := a.words[w]; ok && !info.stop {
				out = append(out, qword{surface: w, term: a.names[info.term], id: info.term, exact: true})
			}
			return
		case tokPart:
			if wholeKnown {
				return
			}
		}
		term, id, stop := a.lookup(w)
		if k == tokCamel {
			wholeKnown = id >= 0 || stop
			if !wholeKnown {
				return
			}
		}
		if stop {
			return
		}
		// A part comes from an identifier, which is spelt as its author
		// meant: correcting "decode" to "decide" would only add noise.
		out = append(out, qword{surface: w, term: term, id: id, exact: k == tokPart})
		a.push(&win, id, phrase)
	})
	return out
}

// phrase registers a synonym entry and returns its term id: a single word's
// own term, or a new phrase term for several words. ok is false for an entry
// of only stop words or of more than maxPhrase words.
func (a *analyzer) phrase(entry string) (id int32, ok bool) {
	var ids []int32
	var names []string
	words(entry, func(w string) {
		if info := a.intern([]byte(w)); !info.stop {
			ids = append(ids, info.term)
			names = append(names, a.names[info.term])
		}
	})
	switch {
	case len(ids) == 0 || len(ids) > maxPhrase:
		return -1, false
	case len(ids) == 1:
		return ids[0], true
	}
	key := phraseKey{-1, -1, -1}
	copy(key[:], ids)
	id = a.termID(strings.Join(names, " "))
	a.phrases[key] = id
	return id, true
}
