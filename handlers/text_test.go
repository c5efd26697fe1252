package handlers

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
			if got := escape(tt.in); got != tt.escaped {
				t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.escaped)
			}
			if got := safe(tt.in); got != tt.safe {
				t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.safe)
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

func TestMrkdwn(t *testing.T) {
	in := "## Impact\n- **All** EU checkouts\n* see [runbook](https://wiki.example/rb)\n`code` stays"
	want := "*Impact*\n• *All* EU checkouts\n• see <https://wiki.example/rb|runbook>\n`code` stays"
	if got := Mrkdwn(in); got != want {
		t.Errorf("Mrkdwn =\n%s\nwant\n%s", got, want)
	}
}

func TestChangeRatio(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          float64
	}{
		{"untouched", "a b c d", "a b c d", 0},
		{"one word of four", "a b c d", "a b x d", 0.25},
		{"rewritten", "a b", "c d", 1},
		{"both empty", "", "", 0},
		{"from nothing", "", "a b", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChangeRatio(tt.before, tt.after); got != tt.want {
				t.Errorf("ChangeRatio = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSplitAndCutText(t *testing.T) {
	long := strings.Repeat("word ", 1000) + strings.Repeat("x", 4000) + "\nend"
	for _, part := range splitText(long, maxSectionText) {
		if n := utf8.RuneCountInString(part); n > maxSectionText || n == 0 {
			t.Errorf("splitText part of %d runes", n)
		}
	}
	parts := cutText(long, maxSectionText)
	if strings.Join(parts, "") != long {
		t.Error("cutText parts do not join back to the text")
	}
	for _, part := range parts {
		if n := utf8.RuneCountInString(part); n > maxSectionText {
			t.Errorf("cutText part of %d runes", n)
		}
	}
	emoji := strings.Repeat("🔥", 3500)
	if got := strings.Join(cutText(emoji, maxSectionText), ""); got != emoji {
		t.Error("cutText broke multi-byte runes")
	}
}
