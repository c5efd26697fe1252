package slackui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeAndSafe(t *testing.T) {
	tests := []struct{ name, in, escaped, safe string }{
		{"broadcasts", "<!here> db down", "&lt;!here&gt; db down", "@here db down"},
		{"channel with label", "<!channel|@channel> look", "&lt;!channel|@channel&gt; look", "@channel look"},
		{"user group", "ping <!subteam^S123|@oncall>", "ping &lt;!subteam^S123|@oncall&gt;", "ping @oncall"},
		{"ampersand and comparisons", "p99 < 200ms & err > 5%", "p99 &lt; 200ms &amp; err &gt; 5%", "p99 < 200ms & err > 5%"},
		{"user mentions stay", "<@U1> on it", "&lt;@U1&gt; on it", "<@U1> on it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.escaped {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.escaped)
			}
			if got := Safe(tt.in); got != tt.safe {
				t.Errorf("Safe(%q) = %q, want %q", tt.in, got, tt.safe)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"P1 <!here> checkout &amp; payments &lt;down&gt;", "P1 @here checkout & payments <down>"},
		{"<@U123|ali> broke <#C1|general>", "@ali broke #general"},
		{"<@U123> and <#C9>", "@U123 and #C9"},
		{"see <https://grafana.example/d/1|dashboard> and <https://x.example>", "see dashboard and https://x.example"},
		{"<!subteam^S1|@sre> paged", "@sre paged"},
		{"no markup at all", "no markup at all"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitAndCutText(t *testing.T) {
	long := strings.Repeat("word ", 1000) + strings.Repeat("x", 4000) + "\nend"
	for _, part := range splitText(long, MaxSectionText) {
		if n := utf8.RuneCountInString(part); n > MaxSectionText || n == 0 {
			t.Errorf("splitText part of %d runes", n)
		}
	}
	parts := CutText(long, MaxSectionText)
	if strings.Join(parts, "") != long {
		t.Error("CutText parts do not join back to the text")
	}
	for _, part := range parts {
		if n := utf8.RuneCountInString(part); n > MaxSectionText {
			t.Errorf("CutText part of %d runes", n)
		}
	}
	emoji := strings.Repeat("🔥", 3500)
	if got := strings.Join(CutText(emoji, MaxSectionText), ""); got != emoji {
		t.Error("CutText broke multi-byte runes")
	}
}
