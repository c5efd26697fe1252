package incident_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want incident.Command
	}{
		{"empty", "", incident.Command{}},
		{"spaces only", "   ", incident.Command{}},
		{"name only", "help", incident.Command{Name: "help"}},
		{"name and args", "declare P1 checkout down", incident.Command{Name: "declare", Args: "P1 checkout down"}},
		{"lowercases name, keeps args", "STATUS Identified", incident.Command{Name: "status", Args: "Identified"}},
		{"trims", "  lead   <@U1>  ", incident.Command{Name: "lead", Args: "<@U1>"}},
		{"tab separator", "declare\tP1 db", incident.Command{Name: "declare", Args: "P1 db"}},
		{"newline separator", "note\nfirst line\nsecond", incident.Command{Name: "note", Args: "first line\nsecond"}},
		{"non-breaking space separator", "lead\u00a0<@U1>", incident.Command{Name: "lead", Args: "<@U1>"}},
		{"ideographic space separator", "page\u3000payments", incident.Command{Name: "page", Args: "payments"}},
		{"invalid utf8 dropped", "dec\xfflare x", incident.Command{Name: "declare", Args: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incident.ParseCommand(tt.in); got != tt.want {
				t.Errorf("ParseCommand(%q) = %+v; want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDeclare(t *testing.T) {
	long := strings.Repeat("payments ", 30) // 270 chars
	tests := []struct {
		name  string
		in    string
		sev   incident.Severity
		title string
		desc  string
		ok    bool
	}{
		{"severity first", "P1 checkout down", incident.P1, "checkout down", "", true},
		{"severity last", "checkout down p2", incident.P2, "checkout down", "", true},
		{"sev prefix", "SEV4 slow dashboard", incident.P4, "slow dashboard", "", true},
		{"default severity", "checkout down", incident.DefaultSeverity, "checkout down", "", true},
		{"first wins over last", "P2 failover P1", incident.P2, "failover P1", "", true},
		{"severity only", "P1", incident.P1, "", "", false},
		{"empty", "", incident.DefaultSeverity, "", "", false},
		{"white space only", " \t\n ", incident.DefaultSeverity, "", "", false},
		{"white space collapsed", "  db \t\n  down  ", incident.DefaultSeverity, "db down", "", true},
		{"control characters removed", "P1 db\x00 down\x1b[31m", incident.P1, "db down [31m", "", true},
		{"non-breaking spaces only", "P2 \u00a0\u00a0", incident.P2, "", "", false},
		{"unicode kept", "P3 Café 支払い 🔥", incident.P3, "Café 支払い 🔥", "", true},
		{"bare digit first is title", "3 nodes down", incident.DefaultSeverity, "3 nodes down", "", true},
		{"bare digit last is title", "redis cluster 2", incident.DefaultSeverity, "redis cluster 2", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := incident.ParseDeclare(tt.in, nil)
			if ok != tt.ok || d.Severity != tt.sev || d.Title != tt.title || d.Description != tt.desc {
				t.Errorf("ParseDeclare(%q) = %+v, %v; want {%v %q %q}, %v", tt.in, d, ok, tt.sev, tt.title, tt.desc, tt.ok)
			}
		})
	}

	t.Run("long title cut, whole text kept as description", func(t *testing.T) {
		d, ok := incident.ParseDeclare("P1 "+long, nil)
		full := strings.TrimSpace(long)
		if !ok || d.Severity != incident.P1 || d.Description != full {
			t.Fatalf("ParseDeclare = %+v, %v", d, ok)
		}
		if n := utf8.RuneCountInString(d.Title); n > incident.MaxTitle {
			t.Errorf("title has %d runes; max %d", n, incident.MaxTitle)
		}
		if !strings.HasSuffix(d.Title, "payments…") || !strings.HasPrefix(full, strings.TrimSuffix(d.Title, "…")) {
			t.Errorf("title %q is not a word-boundary cut of the text", d.Title)
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "hello world", "hello world"},
		{"collapses", "  a \t\t b\r\n\nc  ", "a b c"},
		{"C0 and DEL", "a\x00b\x07c\x7fd", "a b c d"},
		{"C1 controls", "a\u0085b\u009bc", "a b c"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a b c"},
		{"unicode spaces", "a\u00a0\u00a0b\u3000c", "a b c"},
		{"invalid utf8 dropped", "a\xffb", "ab"},
		{"only space", "\u00a0 \u3000", ""},
		{"emoji kept", "🔥 fire", "🔥 fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incident.CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "hello", 10, "hello"},
		{"exact", "hello", 5, "hello"},
		{"word boundary", "the quick brown fox jumps", 12, "the quick…"},
		{"hard cut when boundary is far", "abcdefghij klm", 8, "abcdefg…"},
		{"runes not bytes", "ééééé", 3, "éé…"},
		{"max one", "hello", 1, "…"},
		{"max zero", "hello", 0, ""},
		{"negative max", "hello", -1, ""},
		{"empty", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incident.Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max(tt.max, 0) {
				t.Errorf("Truncate(%q, %d) has %d runes", tt.in, tt.max, n)
			}
		})
	}
}

func TestParseUserMention(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"plain", "<@U123>", "U123", true},
		{"with name", "<@U123|alice>", "U123", true},
		{"surrounding space", "  <@W9> ", "W9", true},
		{"empty id", "<@>", "", false},
		{"empty id with name", "<@|alice>", "", false},
		{"no brackets", "@alice", "", false},
		{"channel mention", "<#C123>", "", false},
		{"unclosed", "<@U123", "", false},
		{"space inside", "<@U1 23>", "", false},
		{"nested", "<@<@U1>>", "", false},
		{"two mentions", "<@U1> <@U2>", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := incident.ParseUserMention(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseUserMention(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"", "declare P1 checkout down", "LEAD\u00a0<@U1>", "x\ty\nz", "\xff\xfe", "İSTATUS resolved", "\u3000help"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := incident.ParseCommand(text)
		if c.Name != strings.ToLower(c.Name) {
			t.Errorf("Name %q is not lowercase", c.Name)
		}
		if strings.IndexFunc(c.Name, unicode.IsSpace) >= 0 {
			t.Errorf("Name %q has white space", c.Name)
		}
		if !utf8.ValidString(c.Name) || !utf8.ValidString(c.Args) {
			t.Errorf("invalid UTF-8 in %+v", c)
		}
		if c.Args != strings.TrimSpace(c.Args) {
			t.Errorf("Args %q not trimmed", c.Args)
		}
		if c.Name == "" && c.Args != "" {
			t.Errorf("Args %q without a Name", c.Args)
		}
	})
}

func FuzzParseDeclare(f *testing.F) {
	for _, s := range []string{"", "P1 checkout down", "checkout down p2", "P1", "sev4 \x00\x1b", strings.Repeat("long title ", 40), "\u00a0\u2028", "\xff P1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		d, ok := incident.ParseDeclare(args, nil)
		if !d.Severity.Valid() {
			t.Errorf("severity %d invalid", d.Severity)
		}
		if !utf8.ValidString(d.Title) || !utf8.ValidString(d.Description) {
			t.Errorf("invalid UTF-8 in %+v", d)
		}
		if strings.IndexFunc(d.Title, unicode.IsControl) >= 0 {
			t.Errorf("control character in title %q", d.Title)
		}
		if n := utf8.RuneCountInString(d.Title); n > incident.MaxTitle {
			t.Errorf("title has %d runes", n)
		}
		if ok != (d.Title != "") {
			t.Errorf("ok = %v with title %q", ok, d.Title)
		}
		if d.Title != strings.TrimSpace(d.Title) {
			t.Errorf("title %q not trimmed", d.Title)
		}
		if d.Description != "" && utf8.RuneCountInString(d.Description) <= incident.MaxTitle {
			t.Errorf("description %q set for a title that fits", d.Description)
		}
	})
}
