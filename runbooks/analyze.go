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

// token is one analysed word: what was written (lower-cased) and the term it
// is indexed under.
type token struct {
	surface string
	term    string
}

// analyzer turns text into index terms: lower-case words, stop words
// dropped, English stems, plus one extra term for each configured multi-word
// phrase ("rate limit") so a phrase can be a synonym of a single word ("429").
// It is read-only once built, so concurrent queries share it.
type analyzer struct {
	phrases   map[string]struct{} // multi-word terms, stems joined by " "
	maxPhrase int                 // words in the longest phrase
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
	wordSpans(s, func(w string, _, _ int) { fn(w) })
}

// wordSpans is words with each word's byte span in s, for highlighting.
func wordSpans(s string, fn func(w string, start, end int)) {
	var buf []byte
	start := 0
	flush := func(end int) {
		if len(buf) > 1 || (len(buf) == 1 && buf[0] >= '0' && buf[0] <= '9') {
			fn(string(buf), start, end)
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

// stemmer stems through a cache: runbook text repeats a small vocabulary, and
// the Snowball stemmer costs far more than a map lookup. A nil cache map
// means read-only use (queries on a built index): misses are computed, not
// stored, so concurrent readers never write.
type stemmer struct {
	cache    map[string]string
	readOnly bool
}

func (s *stemmer) stem(w string) string {
	if t, ok := s.cache[w]; ok {
		return t
	}
	t := stem(w)
	if !s.readOnly {
		s.cache[w] = t
	}
	return t
}

// analyze returns the tokens of s: stop words removed, each word stemmed,
// and phrase terms appended after the words they join.
func (a *analyzer) analyze(s string, st *stemmer, out []token) []token {
	start := len(out)
	words(s, func(w string) {
		if _, stop := stopwords[w]; stop {
			return
		}
		out = append(out, token{surface: w, term: st.stem(w)})
	})
	if a.maxPhrase < 2 {
		return out
	}
	n := len(out)
	var b strings.Builder
	for i := start; i < n; i++ {
		b.Reset()
		b.WriteString(out[i].term)
		for j := i + 1; j < n && j-i < a.maxPhrase; j++ {
			b.WriteByte(' ')
			b.WriteString(out[j].term)
			if _, ok := a.phrases[b.String()]; ok {
				p := b.String()
				out = append(out, token{surface: p, term: p})
			}
		}
	}
	return out
}

// terms returns the index terms of s, in order, without phrase terms; used
// to turn a configured phrase into its key.
func (a *analyzer) terms(s string, st *stemmer) []string {
	var ts []string
	words(s, func(w string) {
		if _, stop := stopwords[w]; !stop {
			ts = append(ts, st.stem(w))
		}
	})
	return ts
}
