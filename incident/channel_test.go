package incident_test

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
)

// checkChannelName fails t unless name obeys every rule Slack and our sidebar
// ordering rely on.
func checkChannelName(t *testing.T, name string) {
	t.Helper()
	if !incident.ValidChannelName(name) {
		t.Errorf("%q is not a valid channel name", name)
	}
	if len(name) > incident.MaxChannelName {
		t.Errorf("%q is %d bytes; limit %d", name, len(name), incident.MaxChannelName)
	}
	if !strings.HasPrefix(name, "inc-") {
		t.Errorf("%q lacks the inc- prefix", name)
	}
	if strings.Contains(name, "--") {
		t.Errorf("%q has a double hyphen", name)
	}
	if strings.HasSuffix(name, "-") {
		t.Errorf("%q ends in a hyphen", name)
	}
}

func TestChannelName(t *testing.T) {
	long := strings.Repeat("database connection pool exhausted ", 90) // ~3,000 chars
	tests := []struct {
		name  string
		n     int64
		title string
		want  string
	}{
		{"plain", 42, "Checkout is down", "inc-042-checkout-is-down"},
		{"single digit padded", 7, "x", "inc-007-x"},
		{"two digits padded", 99, "x", "inc-099-x"},
		{"three digits as is", 100, "x", "inc-100-x"},
		{"thousands not padded", 1000, "x", "inc-1000-x"},
		{"large number", 123456, "x", "inc-123456-x"},
		{"zero", 0, "x", "inc-000-x"},
		{"accents folded", 42, "Café crème", "inc-042-cafe-creme"},
		{"more accents", 3, "Ñandú über Zürich", "inc-003-nandu-uber-zurich"},
		{"emoji dropped", 42, "🔥 Payments 🔥 on fire 🚒", "inc-042-payments-on-fire"},
		{"CJK only", 42, "支払いが失敗", "inc-042"},
		{"CJK with ascii", 42, "API 障害 EU", "inc-042-api-eu"},
		{"empty title", 42, "", "inc-042"},
		{"punctuation only", 42, "!!! ??? ...", "inc-042"},
		{"punctuation runs collapse", 42, "5xx -- on /api/v2 !!! (eu-west-1)", "inc-042-5xx-on-api-v2-eu-west-1"},
		{"underscores become hyphens", 42, "queue_backlog__growing", "inc-042-queue-backlog-growing"},
		{"leading and trailing separators", 42, "  --hello world--  ", "inc-042-hello-world"},
		{"tabs and newlines", 42, "disk\tfull\non db-3", "inc-042-disk-full-on-db-3"},
		{"fullwidth letters folded", 42, "ＤＮＳ outage", "inc-042-dns-outage"},
		{"ligature folded", 42, "ﬁle server", "inc-042-file-server"},
		{"cyrillic dropped", 42, "Сбой DNS", "inc-042-dns"},
		{"negative number has no double hyphen", -5, "x", "inc-005-x"},
		{"min int64", math.MinInt64, "x", "inc-9223372036854775808-x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incident.ChannelName(tt.n, tt.title)
			if got != tt.want {
				t.Errorf("ChannelName(%d, %q) = %q; want %q", tt.n, tt.title, got, tt.want)
			}
			checkChannelName(t, got)
		})
	}

	t.Run("3000-char title cut at a word", func(t *testing.T) {
		got := incident.ChannelName(42, long)
		checkChannelName(t, got)
		if len(got) < incident.MaxChannelName-20 {
			t.Errorf("%q wastes the length budget", got)
		}
		if !strings.HasPrefix(got, "inc-042-database-connection-pool-exhausted-database") {
			t.Errorf("%q does not start with the title", got)
		}
		// Cut at a word boundary: the last word is a whole word of the title.
		words := strings.Split(got, "-")
		last := words[len(words)-1]
		if !strings.Contains(" database connection pool exhausted ", " "+last+" ") {
			t.Errorf("%q ends in a cut word %q", got, last)
		}
	})
	t.Run("one 3000-char word is cut hard", func(t *testing.T) {
		got := incident.ChannelName(1234, strings.Repeat("a", 3000))
		checkChannelName(t, got)
		if len(got) != incident.MaxChannelName {
			t.Errorf("len = %d; want %d", len(got), incident.MaxChannelName)
		}
	})
}

func TestSlug(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "Hello World", 20, "hello-world"},
		{"zero max", "hello", 0, ""},
		{"negative max", "hello", -3, ""},
		{"cut at word boundary", "alpha beta gamma", 12, "alpha-beta"},
		{"hard cut when boundary is too early", "ab cdefghijklmnop", 10, "ab-cdefghi"},
		{"no trailing hyphen after cut", "abcd efgh", 5, "abcd"},
		{"digits kept", "Error 503 at 10:42", 30, "error-503-at-10-42"},
		{"only symbols", "@#$%^&*", 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incident.Slug(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Slug(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
			if len(got) > max(tt.max, 0) {
				t.Errorf("Slug(%q, %d) = %q is too long", tt.in, tt.max, got)
			}
		})
	}
}

func TestWithSuffix(t *testing.T) {
	full := incident.ChannelName(1234, strings.Repeat("a", 3000)) // exactly 80 bytes
	hyphenAtCut := "inc-1234-" + strings.Repeat("a", 68) + "-bb"  // cut lands on the hyphen
	tests := []struct {
		name string
		in   string
		k    int
		want string
	}{
		{"short", "inc-042-db", 2, "inc-042-db-2"},
		{"double digit", "inc-042-db", 17, "inc-042-db-17"},
		{"no slug", "inc-042", 3, "inc-042-3"},
		{"at limit trims", full, 2, full[:incident.MaxChannelName-2] + "-2"},
		{"at limit, two-digit k", full, 20, full[:incident.MaxChannelName-3] + "-20"},
		{"trim leaves no double hyphen", hyphenAtCut, 2, hyphenAtCut[:77] + "-2"},
		{"negative k has no double hyphen", "inc-042-db", -3, "inc-042-db-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incident.WithSuffix(tt.in, tt.k)
			if got != tt.want {
				t.Errorf("WithSuffix(%q, %d) = %q; want %q", tt.in, tt.k, got, tt.want)
			}
			checkChannelName(t, got)
		})
	}
}

func TestValidChannelName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"ok", "inc-042-db_down", true},
		{"empty", "", false},
		{"upper", "inc-042-DB", false},
		{"space", "inc 042", false},
		{"accent", "inc-café", false},
		{"80 chars", strings.Repeat("a", 80), true},
		{"81 chars", strings.Repeat("a", 81), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incident.ValidChannelName(tt.in); got != tt.want {
				t.Errorf("ValidChannelName(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzChannelName(f *testing.F) {
	f.Add(int64(42), "Checkout is down")
	f.Add(int64(7), "Café crème")
	f.Add(int64(1000), "支払いが失敗")
	f.Add(int64(-1), "🔥🔥🔥")
	f.Add(int64(math.MaxInt64), strings.Repeat("x ", 100))
	f.Add(int64(math.MinInt64), "--__--")
	f.Add(int64(0), "\xff\xfe invalid utf8 \u0301\u0301")
	f.Fuzz(func(t *testing.T, n int64, title string) {
		name := incident.ChannelName(n, title)
		checkChannelName(t, name)
		if slug := incident.Slug(title, incident.MaxChannelName); len(slug) > incident.MaxChannelName || !utf8.ValidString(slug) {
			t.Errorf("Slug(%q) = %q", title, slug)
		}
		for k := 2; k <= 20; k++ {
			checkChannelName(t, incident.WithSuffix(name, k))
		}
	})
}
