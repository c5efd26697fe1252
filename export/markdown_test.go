package export_test

import (
	"bufio"
	"bytes"
	stdhtml "html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

// parsed is a Markdown export as goldmark reads it, GitHub-flavoured.
type parsed struct {
	src      []byte
	headings []string // "## Impact"
	table    [][]string
	tasks    []bool // checked state of each task list item
	sections map[string]string
	html     string
}

func parse(t *testing.T, src []byte) parsed {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	doc := md.Parser().Parse(text.NewReader(src))
	p := parsed{src: src, sections: map[string]string{}}
	current := ""
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok {
			current = plainOf(h, src)
			p.headings = append(p.headings, strings.Repeat("#", h.Level)+" "+current)
			continue
		}
		p.sections[current] += plainOf(n, src) + "\n"
	}
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML, *ast.HTMLBlock:
			t.Errorf("raw HTML in the Markdown: %q", plainOf(n, src))
		case *east.TableRow, *east.TableHeader:
			var row []string
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				row = append(row, plainOf(c, src))
			}
			p.table = append(p.table, row)
		case *east.TaskCheckBox:
			p.tasks = append(p.tasks, n.IsChecked)
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	if err := md.Convert(src, &html); err != nil {
		t.Fatal(err)
	}
	p.html = html.String()
	return p
}

// plainOf is the text a reader sees in n: escapes resolved, markup gone.
func plainOf(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.WriteString(visible(c.Value(src)))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.URL(src))
		case *ast.CodeSpan:
			b.WriteString("`")
		case *ast.ListItem:
			if c != n && b.Len() > 0 {
				b.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// visible is text as goldmark's HTML renderer shows it: backslash escapes
// and entities resolved.
func visible(v []byte) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	html.DefaultWriter.Write(w, v)
	w.Flush()
	return stdhtml.UnescapeString(buf.String())
}

func (p parsed) fact(t *testing.T, name string) string {
	t.Helper()
	for _, row := range p.table {
		if len(row) == 2 && row[0] == name {
			return row[1]
		}
	}
	t.Errorf("no %q row in the facts table %v", name, p.table)
	return ""
}

func TestMarkdownFullIncident(t *testing.T) {
	inc, events := fullIncident(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	src := export.Markdown(inc, events, export.Options{Location: berlin, Names: names})
	p := parse(t, src)

	wantHeadings := []string{"# INC-42: Checkout returns 500 *again*", "## Impact", "## Root cause",
		"## Timeline of key events", "## Actions", "## Communications", "## Postmortem"}
	if !slices.Equal(p.headings, wantHeadings) {
		t.Errorf("headings = %q, want %q", p.headings, wantHeadings)
	}
	for name, want := range map[string]string{
		"Severity": "P1", "Status": "resolved", "Services": "checkout, payments",
		"Declared":     "2026-12-03 14:02 CET by Ali Demir",
		"Acknowledged": "2026-12-03 14:11 CET", "Resolved": "2026-12-03 15:10 CET",
		"Time to acknowledge": "9m", "Time to resolve": "1h 8m",
		"Incident lead": "Ali Demir", "Tech lead": "Bo Smith", "Comms lead": "—", "Scribe": "—",
		"Private": "yes: a private channel; share with care",
	} {
		if got := p.fact(t, name); got != want {
			t.Errorf("fact %s = %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(p.sections["INC-42: Checkout returns 500 *again*"], "Times are Europe/Berlin (CET).") {
		t.Errorf("the header does not say which zone times are in:\n%s", src)
	}

	sections := map[string][]string{
		"Impact": {
			"EU customers cannot pay by card; Cy_Ng took the first report & more",
			"Customers affected: 1,200", "Detected by: alert, https://grafana.example.com/d/abc",
		},
		"Root cause": {
			"pool created per request in PR 4411", "Trigger: deploy 2026.12.03-2",
			"AI connection: code — AI-generated code",
		},
		"Timeline of key events": {
			"14:02 CET · E1 · declared P1 \"Checkout returns 500 *again*\" (Ali Demir)",
			"14:03 CET · E2 · key event · Ali Demir: checkout p99 is up 10x, cc Bo Smith",
			"14:04 CET · E4 · Tech lead → Bo Smith (Ali Demir)",
			"14:05 CET · E5 · hypothesis · Bo Smith: I think it's the *connection pool* & the deploy (edited)",
			"14:08 CET · E10 · paged the on-call for checkout (Ali Demir)",
			"14:11 CET · E11 · page acknowledged by Bo Smith after 9m",
			"14:12 CET · E12 · impact: EU customers cannot pay by card; Cy_Ng took the first report & more (Ali Demir)",
			"14:22 CET · E13 · root cause: pool created per request in PR 4411 (Bo Smith)",
			"14:23 CET · E14 · status investigating → identified (Ali Demir)",
			"14:32 CET · E15 · customers communication sent (Cy_Ng)",
			"14:42 CET · E17 · team communication sent (Ali Demir)",
			"15:10 CET · E18 · status identified → resolved (Ali Demir)",
			"15:10 CET · E19 · resolved after 1h 8m (Ali Demir)",
		},
		"Actions": {
			"Cap the pool size — owner Bo Smith, due 2026-12-10",
			"Alert on pool | saturation — owner platform team, no due date",
		},
		"Communications": {
			"Customers: sent by Cy_Ng, 2026-12-03 14:32 CET", "Team: sent by Ali Demir, 2026-12-03 14:42 CET",
			"Status page: not yet",
		},
		"Postmortem": {"State: approved, 2026-12-04 14:02 CET", "Owner: Ali Demir", "Due: 2026-12-08"},
	}
	for section, lines := range sections {
		got := p.sections[section]
		for _, l := range lines {
			if !strings.Contains(got, l) {
				t.Errorf("%s lacks %q; it reads:\n%s", section, l, got)
			}
		}
	}
	// The postmortem approval (E20) is a key event on another day.
	if !strings.Contains(p.sections["Timeline of key events"], "E20") {
		t.Errorf("the timeline lacks the postmortem approval:\n%s", p.sections["Timeline of key events"])
	}
	if !slices.Equal(p.tasks, []bool{true, false}) {
		t.Errorf("task list = %v, want [done, open]", p.tasks)
	}
	if strings.Contains(p.sections["Root cause"], "Hypothesis") {
		t.Error("a hypothesis is shown beside a confirmed root cause")
	}
	// The link is kept as a link.
	if !strings.Contains(p.html, `<a href="https://grafana.example.com/d/x">up 10x</a>`) {
		t.Errorf("the message's link is lost:\n%s", p.html)
	}
	// User text is escaped: the title's *again* is not emphasis.
	if strings.Contains(p.html, "<em>again</em>") || strings.Contains(p.html, "<em>connection pool</em>") {
		t.Errorf("user text rendered as emphasis:\n%s", p.html)
	}
	for _, absent := range []string{
		"SECRET-PLANS",                      // deleted
		"just chatting",                     // chat that is not a key event
		"<@", "<#", "&lt;", "&amp;", "U0BO", // Slack markup; people are named
		"maybe the pool", // the text before the edit
	} {
		if bytes.Contains(src, []byte(absent)) {
			t.Errorf("the Markdown holds %q:\n%s", absent, src)
		}
	}
}

func TestMarkdownHypothesisAndBareIncident(t *testing.T) {
	inc, events := bareIncident()
	inc.Hypothesis = "disk filled by <https://wiki.example.com/logs|log rotation> off"
	src := export.Markdown(inc, events, export.Options{})
	p := parse(t, src)
	if len(p.headings) != 7 {
		t.Errorf("headings = %q, want the title and six sections", p.headings)
	}
	for name, want := range map[string]string{
		"Declared": "2026-12-03 13:02 UTC from PagerDuty incident PX1", "Acknowledged": "not yet",
		"Resolved": "not yet", "Time to acknowledge": "—", "Services": "—", "Incident lead": "—", "Private": "no",
	} {
		if got := p.fact(t, name); got != want {
			t.Errorf("fact %s = %q, want %q", name, got, want)
		}
	}
	for section, want := range map[string]string{
		"Impact":                 "Not recorded yet.",
		"Root cause":             "Hypothesis (unconfirmed): disk filled by log rotation off",
		"Timeline of key events": "13:02 UTC · E2 · PagerDuty incident triggered: Disk full",
		"Actions":                "None yet.",
		"Communications":         "Customers: not yet",
		"Postmortem":             "Due: not set (by default 2d after resolution)",
	} {
		if !strings.Contains(p.sections[section], want) {
			t.Errorf("%s lacks %q:\n%s", section, want, p.sections[section])
		}
	}
	if !strings.Contains(string(src), "Times are UTC.") {
		t.Errorf("no zone line:\n%s", src)
	}
}

func TestMarkdownTimesInZone(t *testing.T) {
	inc, events := fullIncident(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, export.Markdown(inc, events, export.Options{Location: ny}))
	if got := p.fact(t, "Declared"); got != "2026-12-03 08:02 EST by U0ALI" {
		t.Errorf("Declared = %q, want New York time and the bare ID without names", got)
	}
	tl := p.sections["Timeline of key events"]
	// The key events span two days in New York: every line has its date.
	for _, want := range []string{"2026-12-03 08:03 EST · E2 · key event · U0ALI: checkout p99 is up 10x, cc @U0BO",
		"2026-12-04 08:02 EST · E20 · postmortem approved (U0ALI)"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	if !strings.Contains(string(p.src), "Times are America/New_York (EST).") {
		t.Errorf("no zone line:\n%s", p.src)
	}
}

func TestMarkdownEscapesUserText(t *testing.T) {
	inc, events := bareIncident()
	inc.Title = "<script>alert(1)</script> | [x](javascript:alert(1)) &amp; issue #"
	inc.Impact = "- 1. # not a list &lt;b&gt;"
	inc.RootCause = "1) `rm -rf` __bold__ ~~gone~~ &copy;"
	src := export.Markdown(inc, events, export.Options{})
	p := parse(t, src)
	if p.headings[0] != "# INC-7: "+inc.Title {
		t.Errorf("title = %q, want it as typed", p.headings[0])
	}
	if got := strings.TrimSpace(strings.Split(p.sections["Impact"], "\n")[0]); got != "- 1. # not a list <b>" {
		t.Errorf("impact = %q, want it as typed, one paragraph", got)
	}
	if got := strings.TrimSpace(strings.Split(p.sections["Root cause"], "\n")[0]); got != "1) `rm -rf` __bold__ ~~gone~~ &copy;" {
		t.Errorf("root cause = %q", got)
	}
	for _, bad := range []string{"<script", "<a href=\"javascript", "<code>", "<strong>", "<del>", "<ol", "©"} {
		if strings.Contains(p.html, bad) {
			t.Errorf("escaped text still renders %q:\n%s", bad, p.html)
		}
	}
}

func TestSlackMarkupInText(t *testing.T) {
	tests := []struct{ slack, json, md string }{
		{"ping <@U0BO> and <@U0ZED|zed>", "ping @U0BO and @U0ZED", "ping Bo Smith and @zed"},
		{"see <#C0123|incidents> or <#C0456>", "see #incidents or #C0456", "see #incidents or #C0456"},
		{"<!here> <!channel|@channel> <!subteam^S01|@sre> <!subteam^S02>", "@here @channel @sre @team", "@here @channel @sre @team"},
		{"at <!date^1764766920^{time}|14:02>", "at 14:02", "at 14:02"},
		{"<https://x.example.com/a_(b)|the graph> and <https://y.example.com>", "the graph (https://x.example.com/a_(b)) and https://y.example.com",
			"the graph and https://y.example.com"},
		{"<mailto:oncall@example.com|oncall@example.com>", "oncall@example.com", "oncall@example.com"},
		{"a &lt;b&gt; &amp;amp; c", "a <b> &amp; c", "a <b> &amp; c"},
		{"<javascript:alert(1)|click>", "click", "click"},
	}
	for _, tt := range tests {
		inc, _ := bareIncident()
		events := seq(msg(1, "U0ALI", "1.1", tt.slack),
			incident.Event{Kind: incident.KindMark, At: at(2), Actor: "U0BO", TS: "1.1", Mark: incident.MarkKeyEvent})
		doc := export.Build(inc, events, export.Options{})
		if got := doc.Timeline[0].Text; got != tt.json {
			t.Errorf("JSON of %q = %q, want %q", tt.slack, got, tt.json)
		}
		src := export.Markdown(inc, events, export.Options{Names: names})
		p := parse(t, src)
		line := strings.TrimSpace(p.sections["Timeline of key events"])
		want := "13:03 UTC · E1 · key event · Ali Demir: " + tt.md
		if line != strings.TrimSpace(want) {
			t.Errorf("Markdown of %q reads %q, want %q", tt.slack, line, want)
		}
		if bytes.Contains(src, []byte("<@")) || bytes.Contains(src, []byte("<!")) || bytes.Contains(src, []byte("<#")) {
			t.Errorf("Slack markup left in:\n%s", src)
		}
	}
}

func TestMarkdownUnknownNameIsTheID(t *testing.T) {
	inc, _ := bareIncident()
	inc.Roles = map[incident.Role]string{incident.Lead: "U0NEW"}
	events := seq(incident.Event{Kind: incident.KindRole, At: at(1), Actor: "U0ALI", Data: map[string]string{"role": "lead", "user": "U0NEW"}})
	p := parse(t, export.Markdown(inc, events, export.Options{Names: names}))
	if got := p.fact(t, "Incident lead"); got != "U0NEW" {
		t.Errorf("Incident lead = %q, want the ID names does not know", got)
	}
	if want := "13:03 UTC · E1 · Incident lead → U0NEW (Ali Demir)"; !strings.Contains(p.sections["Timeline of key events"], want) {
		t.Errorf("timeline lacks %q:\n%s", want, p.sections["Timeline of key events"])
	}
}
