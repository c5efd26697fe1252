package incident

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTitle is the longest title kept; longer titles are cut at a word
// boundary. The full text still goes on the log as the description.
const MaxTitle = 150

// Command is a parsed "/incident <name> <args>" invocation.
type Command struct {
	Name string // lowercased subcommand, "" when the text was empty
	Args string // the rest, trimmed
}

// ParseCommand splits slash-command text into subcommand and arguments. It
// never fails: unknown names are for the router to answer.
func ParseCommand(text string) Command {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	// Split at any white space, not only ' ', '\t' and '\n': Slack clients
	// send non-breaking spaces, and a name must never contain one.
	name, args := text, ""
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		name, args = text[:i], text[i:]
	}
	return Command{Name: strings.ToLower(name), Args: strings.TrimSpace(args)}
}

// Declaration is what "/incident declare" asked for.
type Declaration struct {
	Severity    Severity
	Title       string
	Description string
	Services    []string
	Private     bool
}

// ParseDeclare parses "[--private] [P1-P4] [service:] <title>". The
// severity may come first or last ("P1 checkout down", "checkout down p1").
// A first word ending in a colon names the incident's service when the
// catalog knows it ("P1 checkout: payment page returns 500"); without a
// catalog the colon stays part of the title, since "Error: …" is not a
// service. An empty title returns ok=false: the caller opens the declare
// modal instead (Private and Severity still tell it how to prefill).
// Titles are cleaned of control characters and cut to MaxTitle; a cut
// title keeps the whole text as the description.
func ParseDeclare(args string, catalog Catalog) (d Declaration, ok bool) {
	d.Severity = DefaultSeverity
	fields := strings.Fields(args)
	fields = slices.DeleteFunc(fields, func(w string) bool {
		if privateFlag(w) {
			d.Private = true
			return true
		}
		return false
	})
	if len(fields) > 0 {
		if s, ok := declaredSeverity(fields[0]); ok {
			d.Severity, fields = s, fields[1:]
		} else if s, ok := declaredSeverity(fields[len(fields)-1]); ok && len(fields) > 1 {
			d.Severity, fields = s, fields[:len(fields)-1]
		}
	}
	if len(fields) > 1 && len(catalog) > 0 && strings.HasSuffix(fields[0], ":") {
		if svcs, err := ParseServices(strings.TrimSuffix(fields[0], ":"), catalog); err == nil {
			d.Services, fields = svcs, fields[1:]
		}
	}
	full := CleanText(strings.Join(fields, " "))
	if full == "" {
		return d, false
	}
	d.Title = Truncate(full, MaxTitle)
	if d.Title != full {
		d.Description = full
	}
	return d, true
}

// CleanText removes control characters and collapses white space (any
// Unicode space, so a title of only non-breaking spaces cleans to "").
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}), " ")
}

// Truncate cuts s to at most max runes, at a word boundary when one is near,
// and adds an ellipsis when it cut.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	if max == 1 {
		return "…"
	}
	r := []rune(s)[:max-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*2/3 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ") + "…"
}

// ParseUserMention extracts a user ID from "<@U123>" or "<@U123|name>".
func ParseUserMention(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "<@") || !strings.HasSuffix(s, ">") {
		return "", false
	}
	id := strings.TrimSuffix(strings.TrimPrefix(s, "<@"), ">")
	id, _, _ = strings.Cut(id, "|")
	if id == "" || strings.ContainsAny(id, " <>@") {
		return "", false
	}
	return id, true
}

// privateFlag reports whether a word asks for a private incident. Slack
// clients may turn "--" into an en or em dash as people type.
func privateFlag(w string) bool {
	w = strings.ToLower(w)
	for _, p := range []string{"--", "—", "–", "-"} {
		if rest, ok := strings.CutPrefix(w, p); ok && rest == "private" {
			return true
		}
	}
	return false
}

// declaredSeverity reads a severity inside a title only in its explicit forms
// ("P2", "sev2"): a bare digit is part of the title ("3 nodes down").
func declaredSeverity(word string) (Severity, bool) {
	w := strings.ToUpper(word)
	if !strings.HasPrefix(w, "P") && !strings.HasPrefix(w, "SEV") {
		return 0, false
	}
	return ParseSeverity(w)
}

var mentionRe = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)

// Mentions lists the user IDs mentioned in Slack message text, in order.
func Mentions(text string) []string {
	var out []string
	for _, m := range mentionRe.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}
