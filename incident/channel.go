package incident

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxChannelName is Slack's limit on a channel name's length.
const MaxChannelName = 80

// ChannelName builds the channel name for incident n: "inc-<n>-<slug>". It
// always obeys Slack's rules: lowercase, only a-z 0-9 - _, at most 80
// characters. Accents are folded ("café" → "cafe"); emoji and punctuation
// are dropped; runs of separators collapse to one hyphen. An empty slug
// leaves "inc-<n>". The number is zero-padded to three digits so channels
// sort in order in Slack's sidebar for the first thousand incidents.
func ChannelName(n int64, title string) string {
	// Incident numbers are positive; a negative one (a bug elsewhere) must
	// still not put "--" in the name, so only its magnitude is used.
	mag := uint64(n)
	if n < 0 {
		mag = -mag
	}
	num := strconv.FormatUint(mag, 10)
	if mag < 100 {
		num = strings.Repeat("0", 3-len(num)) + num
	}
	prefix := "inc-" + num
	slug := Slug(title, MaxChannelName-len(prefix)-1)
	if slug == "" {
		return prefix
	}
	return prefix + "-" + slug
}

// WithSuffix returns name with "-<k>" appended, trimmed so the result stays
// within Slack's limit. It resolves a name_taken error.
func WithSuffix(name string, k int) string {
	// A negative k would make "--"; the magnitude keeps the name valid.
	mag := uint64(k)
	if k < 0 {
		mag = -mag
	}
	suffix := "-" + strconv.FormatUint(mag, 10)
	if len(name)+len(suffix) > MaxChannelName {
		name = strings.TrimRight(name[:MaxChannelName-len(suffix)], "-_")
	}
	return name + suffix
}

// Slug reduces s to at most max characters of a-z, 0-9 and single hyphens,
// cutting at a word boundary when it can.
func Slug(s string, max int) string {
	if max <= 0 {
		return ""
	}
	var b strings.Builder
	pendingSep := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r = unicode.ToLower(r)
		case unicode.Is(unicode.Mn, r):
			continue // combining accent left by NFKD
		case r == '_' || r == '-' || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			pendingSep = b.Len() > 0
			continue
		default:
			// Letters outside ASCII (CJK, Cyrillic...) cannot appear in a name.
			pendingSep = b.Len() > 0
			continue
		}
		if pendingSep {
			b.WriteByte('-')
			pendingSep = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	cut := out[:max]
	if i := strings.LastIndexByte(cut, '-'); i >= max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, "-")
}

// ValidChannelName reports whether name obeys Slack's channel-name rules.
func ValidChannelName(name string) bool {
	if name == "" || len(name) > MaxChannelName {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
