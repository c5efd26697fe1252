package slackui_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/slackui"
)

const wj = "\u2060" // the word joiner that defuses @here

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "db down", "db down"},
		{"broadcast", "<!here> db down", "&lt;!here&gt; db down"},
		{"comparisons and ampersand", "p99 < 200ms & err > 5%", "p99 &lt; 200ms &amp; err &gt; 5%"},
		{"already escaped is escaped again", "&amp;", "&amp;amp;"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackui.Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMrkdwn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"heading", "# Sidekiq", "*Sidekiq*"},
		{"heading levels and closing hashes", "### Diagnose ###\n\n###### Deep", "*Diagnose*\n\n*Deep*"},
		{"setext heading", "Impact\n======", "*Impact*"},
		{"bold inside heading does not nest", "## The **DB** is down", "*The DB is down*"},
		{"heading followed by list", "## Impact\n- EU checkouts", "*Impact*\n\n• EU checkouts"},
		{"strong", "**All** EU checkouts", "*All* EU checkouts"},
		{"strong with underscores", "__All__ of it", "*All* of it"},
		{"emphasis", "*really* and _truly_", "_really_ and _truly_"},
		{"strong emphasis", "***both***", "_*both*_"},
		{"strikethrough", "~~wrong~~ right", "~wrong~ right"},
		{"inline code", "run `ls -la`", "run `ls -la`"},
		{"inline code is escaped, not formatted", "`a < b && **c**`", "`a &lt; b &amp;&amp; **c**`"},
		{"code block keeps hash comments",
			"```bash\n# Sidekiq\nbundle exec sidekiqmon\n```",
			"```\n# Sidekiq\nbundle exec sidekiqmon\n```"},
		{"code block keeps markup and spacing",
			"```\n  **not bold** [x](y)\n\n- not a bullet\n```",
			"```\n  **not bold** [x](y)\n\n- not a bullet\n```"},
		{"code block escapes control characters",
			"```\ngrep '<!here>' log && echo > out\n```",
			"```\ngrep '&lt;!here&gt;' log &amp;&amp; echo &gt; out\n```"},
		{"tilde fence", "~~~sh\n# keep\n~~~", "```\n# keep\n```"},
		{"indented code block", "Run:\n\n    # restart\n    kubectl rollout restart deploy/api", "Run:\n\n```\n# restart\nkubectl rollout restart deploy/api\n```"},
		{"empty code block is dropped", "```\n```", ""},
		{"bullets", "- one\n- two\n* three", "• one\n• two\n\n• three"},
		{"nested lists",
			"- a\n  - b\n    - c\n- d",
			"• a\n    • b\n        • c\n• d"},
		{"ordered list", "1. first\n2. second", "1. first\n2. second"},
		{"ordered list keeps its start", "3. third\n4. fourth", "3. third\n4. fourth"},
		{"ordered list in bullets",
			"- steps\n  1. drain\n  2. restart",
			"• steps\n    1. drain\n    2. restart"},
		{"loose list keeps paragraphs apart",
			"1. drain\n\n   wait for zero\n\n2. restart",
			"1. drain\n\n    wait for zero\n\n2. restart"},
		{"code block in a list is not indented",
			"1. Run:\n   ```bash\n   # check\n   df -h\n   ```\n2. Done",
			"1. Run:\n```\n# check\ndf -h\n```\n2. Done"},
		{"task list", "- [x] paged\n- [ ] status page", "• ☑ paged\n• ☐ status page"},
		{"link", "see [runbook](https://wiki.example/rb)", "see <https://wiki.example/rb|runbook>"},
		{"link with ampersand in query",
			"[dashboard](https://grafana.example/d/1?from=now-1h&to=now)",
			"<https://grafana.example/d/1?from=now-1h&to=now|dashboard>"},
		{"link text is escaped", "[p99 < 2s & ok](https://x.example)", "<https://x.example|p99 &lt; 2s &amp; ok>"},
		{"link text keeps formatting", "[**bold** doc](https://x.example)", "<https://x.example|*bold* doc>"},
		{"pipe and angle brackets in URL are encoded",
			`[x](https://x.example/a|b) [y](<https://x.example/a\>b>)`,
			"<https://x.example/a%7Cb|x> <https://x.example/a%3Eb|y>"},
		{"link labelled with its URL", "[https://x.example](https://x.example)", "<https://x.example>"},
		{"relative link keeps only its text", "see [disk full](disk-full.md)", "see disk full"},
		{"mention before a relative link survives", "<@U123ABC>: [run `df`](disk-full.md)", "<@U123ABC>: run `df`"},
		{"link to a broadcast is not written", "[everyone](!here)", "everyone"},
		{"link to a user ID is not written", "[boss](@U123)", "boss"},
		{"autolink", "<https://status.example>", "<https://status.example>"},
		{"bare URL", "at https://status.example/?a=1&b=2.", "at <https://status.example/?a=1&b=2>."},
		{"www URL", "www.example.com", "<http://www.example.com|www.example.com>"},
		{"email", "mail sre@example.com", "mail <mailto:sre@example.com|sre@example.com>"},
		{"image", "![latency graph](https://img.example/p99.png)", "<https://img.example/p99.png|latency graph>"},
		{"image without alt", "![](https://img.example/p99.png)", "<https://img.example/p99.png>"},
		{"image inside a link", "[![graph](https://img.example/g.png)](https://grafana.example)", "<https://grafana.example|graph>"},
		{"blockquote", "> customers see errors\n> since 10:00", "> customers see errors\n> since 10:00"},
		{"blockquote with paragraphs and a list", "> one\n>\n> - two", "> one\n>\n> • two"},
		{"nested blockquote", "> > deep", "> > deep"},
		{"code in a blockquote", "> ```\n> # hi\n> ```", "> ```\n> # hi\n> ```"},
		{"thematic break", "above\n\n---\n\nbelow", "above\n\n──────────\n\nbelow"},
		{"table",
			"| Queue | Depth |\n|-------|------:|\n| default | 12 |\n| mail | 3400 |",
			"```\nQueue    Depth\n-------  -----\ndefault     12\nmail      3400\n```"},
		{"table cells are plain and escaped",
			"| What | Where |\n|:-:|---|\n| **p99** < 2s | [graph](https://g.example) |",
			// Columns align as Slack shows them: &lt; is one character.
			"```\n  What    Where\n--------  -------------------------\np99 &lt; 2s  graph (https://g.example)\n```"},
		{"hard breaks", "one\\\ntwo  \nthree", "one\ntwo\nthree"},
		{"soft break", "one\ntwo", "one\ntwo"},
		{"paragraphs", "one\n\n\n\ntwo", "one\n\ntwo"},
		{"text is escaped", "p99 < 200ms & err > 5%", "p99 &lt; 200ms &amp; err &gt; 5%"},
		{"entities are decoded then escaped", "&amp; &lt;b&gt; &copy; &#x1F600;", "&amp; &lt;b&gt; © 😀"},
		{"backslash escapes", `\*not em\* \# \[x\]`, "*not em* # [x]"},
		{"broadcast markup is escaped", "<!here> db down, <!channel|channel> too", "&lt;!here&gt; db down, &lt;!channel|channel&gt; too"},
		{"user group is escaped", "<!subteam^S123|@sre>", "&lt;!subteam^S123|@sre&gt;"},
		{"broadcast words are defused", "@here @Channel and @everyone.", "@" + wj + "here @" + wj + "Channel and @" + wj + "everyone."},
		{"words that start like broadcasts are left alone", "ops@here and @hereford", "ops@here and @hereford"},
		{"email address", "ops@here.example", "<mailto:ops@here.example|ops@here.example>"},
		{"broadcast word in code is left alone", "`@here`", "`@here`"},
		{"user and channel mentions are kept", "owner <@U123ABC>, see <#C024BE7LR|general>", "owner <@U123ABC>, see <#C024BE7LR|general>"},
		{"mention in code is escaped", "`<@U123ABC>`", "`&lt;@U123ABC&gt;`"},
		{"inline HTML is shown, escaped", "a <b>bold</b> move", "a &lt;b&gt;bold&lt;/b&gt; move"},
		{"HTML block is shown, escaped", "<div>\n<b>x</b>\n</div>", "&lt;div&gt;\n&lt;b&gt;x&lt;/b&gt;\n&lt;/div&gt;"},
		{"HTML comment is dropped", "<!-- reviewer note -->\n\ntext", "text"},
		{"CRLF input", "# A\r\n\r\n- b\r\n", "*A*\n\n• b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackui.Mrkdwn(tt.in); got != tt.want {
				t.Errorf("Mrkdwn(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
			}
		})
	}
}

// body strips YAML front matter, which the runbook loader removes before a
// runbook's Markdown is rendered.
func body(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if rest, ok := strings.CutPrefix(s, "---\n"); ok {
		if _, after, ok := strings.Cut(rest, "\n---\n"); ok {
			s = after
		}
	}
	return s
}

func TestMrkdwnRunbook(t *testing.T) {
	got := slackui.Mrkdwn(body(t, "testdata/background-job-backlog.md"))
	lines := strings.Split(got, "\n")
	has := func(l string) bool {
		for _, x := range lines {
			if x == l {
				return true
			}
		}
		return false
	}
	for _, want := range []string{
		"*Background job backlog*",
		"*Symptoms*",
		"*Measure depth and age*",
		"# Redis-backed queues (Sidekiq, RQ, Bull)",
		"# Sidekiq",
		"kafka-consumer-groups.sh --bootstrap-server $KAFKA --describe --group &lt;group&gt;",
		"kubectl logs deploy/worker --since=10m | tail -100",
		"• *SEV1*: time-critical jobs (payments capture, password reset emails) delayed beyond minutes.",
		"• Scale workers if the dependency has headroom: `kubectl scale deploy/worker --replicas=&lt;n&gt;`.",
		"    Scaling into a struggling database makes things worse.",
	} {
		if !has(want) {
			t.Errorf("missing line %q in\n%s", want, got)
		}
	}
	for _, bad := range []string{"*Sidekiq*", "**", "## ", "```bash", "<group>"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	assertCodeFenced(t, got)
}

// TestMrkdwnLibrary checks every shipped runbook for the regex converter's
// failure: a line starting with # is only ever a comment inside code.
func TestMrkdwnLibrary(t *testing.T) {
	files, err := filepath.Glob("../runbooks/library/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no runbooks found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			got := slackui.Mrkdwn(body(t, f))
			if got == "" || !strings.HasPrefix(got, "*") {
				t.Errorf("runbook does not start with its bold title:\n%.200s", got)
			}
			if strings.Contains(got, "<!") || strings.Contains(got, "**") {
				t.Errorf("output has a broadcast or Markdown bold:\n%s", got)
			}
			assertCodeFenced(t, got)
		})
	}
}

// assertCodeFenced checks that fences pair up and that heading-looking
// lines appear only inside them.
func assertCodeFenced(t *testing.T, out string) {
	t.Helper()
	in := false
	for i, l := range strings.Split(out, "\n") {
		switch {
		case l == "```":
			in = !in
		case strings.Contains(l, "```"):
			t.Errorf("line %d: fence not on its own line: %q", i+1, l)
		case !in && strings.HasPrefix(l, "#"):
			t.Errorf("line %d: Markdown heading left outside code: %q", i+1, l)
		}
	}
	if in {
		t.Errorf("unclosed code fence")
	}
}

func TestMrkdwnConcurrent(t *testing.T) {
	doc := body(t, "testdata/background-job-backlog.md")
	want := slackui.Mrkdwn(doc)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() { got[i] = slackui.Mrkdwn(doc) })
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Errorf("goroutine %d rendered differently", i)
		}
	}
}

func FuzzMrkdwn(f *testing.F) {
	for _, s := range []string{
		"", "# h\n\n- a\n  - b\n\n1. c", "```bash\n# c\n```", "<!here> @here <!channel|x> <!subteam^S1>",
		"[x](!here) [y](<!here>) ![z](javascript:alert(1))", "<@U123> <#C1|c> <@U1|<!here>>",
		"| a | b |\n|---|:-:|\n| <!x> | `|` |", "> > - [ ] `x`\n>\n> ***y***", "&lt;!here&gt; &#60;!here&#62;",
		"<https://a.example/<!here>> <mailto:x@y> www.x.y/<!z", "\\<!here\\>", "a\r\nb\r\n\r\n---\r\n",
		"[a\n<!here>](https://x.example)", "~~~\n```\n<!here>\n~~~",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := slackui.Mrkdwn(md)
		if strings.Contains(out, "<!") {
			t.Fatalf("broadcast markup in output of %q:\n%s", md, out)
		}
		for _, sigil := range []string{"<@", "<#"} {
			if strings.Count(out, sigil) > strings.Count(md, sigil) {
				t.Fatalf("%s markup that the input did not have, from %q:\n%s", sigil, md, out)
			}
		}
		if utf8.ValidString(md) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from valid input %q", md)
		}
		if again := slackui.Mrkdwn(md); again != out {
			t.Fatalf("not deterministic for %q", md)
		}
	})
}

// BenchmarkMrkdwn renders a 20 KB runbook-style document.
func BenchmarkMrkdwn(b *testing.B) {
	raw, err := os.ReadFile("testdata/background-job-backlog.md")
	if err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	for doc.Len() < 20<<10 {
		doc.Write(raw)
		doc.WriteString("\n")
	}
	md := doc.String()
	b.SetBytes(int64(len(md)))
	b.ReportAllocs()
	for b.Loop() {
		slackui.Mrkdwn(md)
	}
}
