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

// words calls fn for each lower-case word of s. A word is a run of letters
// and digits; everything else (Markdown markup, punctuation, underscores)
// separates words. Single letters are skipped: they are noise in runbooks.
func words(s string, fn func(w string)) {
	scanWords(s, func(w []byte, _, _ int) { fn(string(w)) })
}

// wordSpans is words with each word's byte span in s, for highlighting.
func wordSpans(s string, fn func(w string, start, end int)) {
	scanWords(s, func(w []byte, start, end int) { fn(string(w), start, end) })
}

// scanWords is words without allocating: w is only valid during the call.
func scanWords(s string, fn func(w []byte, start, end int)) {
	var arr [64]byte
	buf := arr[:0]
	start := 0
	flush := func(end int) {
		if len(buf) > 1 || (len(buf) == 1 && isDigit(buf[0])) {
			fn(buf, start, end)
		}
		buf = buf[:0]
	}
	for i := 0; i < len(s); {
		c := s[i]
		r, n := rune(c), 1
		if c >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		isWord := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' ||
			c >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		switch {
		case !isWord:
			flush(i)
		case len(buf) == 0:
			start = i
			fallthrough
		default:
			if c < utf8.RuneSelf {
				if c >= 'A' && c <= 'Z' {
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
	if _, stop := stopwords[word]; stop {
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

// index calls fn with the term id of each word of s, and of each phrase.
func (a *analyzer) index(s string, fn func(term int32)) {
	win := newWindow()
	scanWords(s, func(w []byte, _, _ int) {
		info := a.intern(w)
		if info.stop {
			return
		}
		fn(info.term)
		a.push(&win, info.term, fn)
	})
}

// qword is one word (or phrase) of a query: as written, as stemmed, and its
// term id, -1 when the index has never seen it.
type qword struct {
	surface, term string
	id            int32
	phrase        bool
}

// lookup analyses one word without learning it.
func (a *analyzer) lookup(w string) (term string, id int32, stop bool) {
	if info, ok := a.words[w]; ok {
		if info.stop {
			return "", -1, true
		}
		return a.names[info.term], info.term, false
	}
	if _, stop := stopwords[w]; stop {
		return "", -1, true
	}
	term = stem(w)
	if id, ok := a.terms[term]; ok {
		return term, id, false
	}
	return term, -1, false
}

// query analyses a query the way index analyses text, read-only.
func (a *analyzer) query(s string) []qword {
	var out []qword
	win := newWindow()
	words(s, func(w string) {
		term, id, stop := a.lookup(w)
		if stop {
			return
		}
		out = append(out, qword{surface: w, term: term, id: id})
		a.push(&win, id, func(p int32) {
			out = append(out, qword{surface: a.names[p], term: a.names[p], id: p, phrase: true})
		})
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
