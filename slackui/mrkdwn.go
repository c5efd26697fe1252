// Package slackui renders what the bot shows in Slack. This file turns the
// Markdown that runbooks and drafts are written in into Slack's mrkdwn.
package slackui

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/width"
)

// markdown is shared: goldmark initialises a parser once and keeps each
// document's state in a fresh context, so one instance serves concurrent
// calls (TestMrkdwnConcurrent runs them under -race).
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes s literal in Slack mrkdwn by encoding the three characters
// Slack treats as control characters: & < >. Slack requires this everywhere,
// code spans and blocks included, and it is what keeps "<!here>" in user or
// model text from becoming a broadcast.
func Escape(s string) string { return escaper.Replace(s) }

// Mrkdwn converts Markdown (CommonMark with GitHub tables, strikethrough,
// task lists and bare-URL links) to Slack mrkdwn. Headings become bold
// lines, lists get • or numbers with nested items indented, links become
// <url|text>, tables become aligned code blocks, and code is kept verbatim
// apart from the escaping Slack requires. All other text is escaped, so the
// result never contains a broadcast (<!here>, <!channel>, user groups): the
// only markup that survives from the input is a user mention (<@U123>) or a
// channel link (<#C123>) written in prose, and "@here" typed as a word is
// defused too. Input that is already Slack mrkdwn is not Markdown: its
// *bold* would come out as _italic_.
func Mrkdwn(md string) string {
	src := []byte(strings.ReplaceAll(md, "\r\n", "\n"))
	r := &renderer{src: src}
	lines := r.children(markdown.Parse(text.NewReader(src)), false)
	var b strings.Builder
	b.Grow(len(src) + len(src)/8)
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if l.code {
			b.WriteString(l.s)
		} else {
			b.WriteString(strings.TrimRight(l.s, " \t"))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// line is one output line. Code lines are exempt from list indentation so a
// command copied out of a code block in a list has no extra leading spaces;
// Slack draws code blocks full width anyway.
type line struct {
	s    string
	code bool
}

type renderer struct {
	src []byte
}

const (
	indent    = "    "
	hrule     = "──────────"
	fence     = "```"
	checked   = "☑ "
	unchecked = "☐ "
)

// children renders the blocks under n, separated by a blank line unless tight.
func (r *renderer) children(n ast.Node, tight bool) []line {
	var out []line
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		ls := r.block(c)
		if len(ls) == 0 {
			continue
		}
		if len(out) > 0 && !tight {
			out = append(out, line{})
		}
		out = append(out, ls...)
	}
	return out
}

func (r *renderer) block(n ast.Node) []line {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return textLines(r.inline(n, inlineOpts{}))
	case *ast.Heading:
		s := strings.TrimSpace(r.inline(n, inlineOpts{oneLine: true, noStrong: true}))
		if s == "" {
			return nil
		}
		return []line{{s: "*" + s + "*"}}
	case *ast.ThematicBreak:
		return []line{{s: hrule}}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return codeBlock(r.rawLines(n))
	case *ast.HTMLBlock:
		if n.HTMLBlockType == ast.HTMLBlockType2 {
			return nil // an HTML comment is invisible in rendered Markdown
		}
		raw := r.rawLines(n)
		if n.HasClosure() {
			raw = append(raw, string(n.ClosureLine.Value(r.src)))
		}
		var out []line
		for _, s := range raw {
			out = append(out, line{s: Escape(defuse(strings.TrimRight(s, "\n")))})
		}
		return out
	case *ast.Blockquote:
		ls := r.children(n, false)
		for i := range ls {
			if ls[i].s == "" {
				ls[i].s = ">"
			} else {
				ls[i].s = "> " + ls[i].s
			}
		}
		return ls
	case *ast.List:
		return r.list(n)
	case *east.Table:
		return r.table(n)
	}
	return r.children(n, false)
}

func textLines(s string) []line {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, "\n")
	out := make([]line, len(parts))
	for i, p := range parts {
		out[i] = line{s: p}
	}
	return out
}

// rawLines is a leaf block's source, one string per line, newlines kept.
func (r *renderer) rawLines(n ast.Node) []string {
	segs := n.Lines()
	out := make([]string, segs.Len())
	for i := range out {
		seg := segs.At(i)
		out[i] = string(seg.Value(r.src))
	}
	return out
}

// codeBlock fences content, dropping any language tag, and escapes it:
// Slack shows code literally but still decodes &amp; &lt; &gt; there.
func codeBlock(raw []string) []line {
	content := strings.TrimRight(strings.Join(raw, ""), "\n")
	if strings.TrimSpace(content) == "" {
		return nil
	}
	parts := strings.Split(content, "\n")
	out := make([]line, 0, len(parts)+2)
	out = append(out, line{s: fence, code: true})
	for _, p := range parts {
		out = append(out, line{s: Escape(p), code: true})
	}
	return append(out, line{s: fence, code: true})
}

func (r *renderer) list(n *ast.List) []line {
	var out []line
	num := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		marker := "• "
		if n.IsOrdered() {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		if len(out) > 0 && !n.IsTight {
			out = append(out, line{})
		}
		body := r.children(item, n.IsTight)
		if len(body) == 0 || body[0].code {
			// A marker cannot share a line with a fence, so it stands alone.
			body = append([]line{{}}, body...)
		}
		body[0].s = marker + body[0].s
		for i := 1; i < len(body); i++ {
			if !body[i].code && body[i].s != "" {
				body[i].s = indent + body[i].s
			}
		}
		out = append(out, body...)
	}
	return out
}

// broadcastWord matches @here, @channel, @everyone and @group as words.
// Slack turns them into pings only when a message is posted with link_names
// or parse=full; defusing them here keeps that a setting nobody can flip by
// accident.
var broadcastWord = regexp.MustCompile(`(?i)(^|[^\w@])@(here|channel|everyone|group)\b`)

// defuse puts an invisible word joiner after the @ of a broadcast word.
func defuse(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return broadcastWord.ReplaceAllString(s, "$1@\u2060$2")
}

// unescapeMD resolves Markdown backslash escapes and HTML entities in text,
// which goldmark leaves in the source bytes of text nodes.
func unescapeMD(b []byte) []byte {
	if bytes.IndexAny(b, "\\&\x00") < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\' && i+1 < len(b) && util.IsPunct(b[i+1]):
			out = append(out, b[i+1])
			i++
		case c == '&':
			// The longest HTML5 entity name is 31 bytes; 40 covers it.
			if j := bytes.IndexByte(b[i:min(len(b), i+40)], ';'); j > 1 {
				ref := b[i : i+j+1]
				if res := util.ResolveEntityNames(util.ResolveNumericReferences(ref)); !bytes.Equal(res, ref) {
					out = append(out, res...)
					i += j
					continue
				}
			}
			out = append(out, c)
		case c == 0:
			out = append(out, "\uFFFD"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// absoluteURL reports whether u starts with a scheme. Only such URLs are put
// in <...>: a destination like "!here" or "@U123" would otherwise be written
// as a broadcast or a mention.
func absoluteURL(u []byte) bool {
	for i, c := range u {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// linkURL makes a URL safe between < and >: goldmark's URL escaping
// percent-encodes < > | spaces and control characters, and leaves & alone,
// which is what Slack expects inside link markup.
func linkURL(u []byte, resolve bool) string {
	return string(util.URLEscape(u, resolve))
}

// writeLink writes <url|label>, or <url> when there is no label.
func writeLink(b *strings.Builder, url, label string) {
	b.WriteByte('<')
	b.WriteString(url)
	if label != "" {
		b.WriteByte('|')
		b.WriteString(label)
	}
	b.WriteByte('>')
}

// displayWidth counts East Asian wide and fullwidth runes as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// table renders a GFM table as an aligned code block, since Slack has no
// tables. Cells are plain text: markup would show literally inside code.
func (r *renderer) table(n *east.Table) []line {
	var rows [][]string
	var widths []int
	for row := n.FirstChild(); row != nil; row = row.NextSibling() {
		var cells []string
		for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
			s := strings.TrimSpace(r.inline(cell, inlineOpts{oneLine: true, plain: true}))
			if len(cells) == len(widths) {
				widths = append(widths, 0)
			}
			widths[len(cells)] = max(widths[len(cells)], displayWidth(s))
			cells = append(cells, s)
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		return nil
	}
	align := func(i int) east.Alignment {
		if i < len(n.Alignments) {
			return n.Alignments[i]
		}
		return east.AlignNone
	}
	format := func(cells []string) string {
		var b strings.Builder
		for i, w := range widths {
			s := ""
			if i < len(cells) {
				s = cells[i]
			}
			pad := w - displayWidth(s)
			left := 0
			switch align(i) {
			case east.AlignRight:
				left = pad
			case east.AlignCenter:
				left = pad / 2
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(strings.Repeat(" ", left))
			b.WriteString(s)
			b.WriteString(strings.Repeat(" ", pad-left))
		}
		return strings.TrimRight(b.String(), " ")
	}
	raw := make([]string, 0, len(rows)+1)
	for i, cells := range rows {
		raw = append(raw, format(cells)+"\n")
		if i == 0 && n.FirstChild().Kind() == east.KindTableHeader {
			rule := make([]string, len(widths))
			for j, w := range widths {
				rule[j] = strings.Repeat("-", max(w, 1))
			}
			raw = append(raw, strings.Join(rule, "  ")+"\n")
		}
	}
	return codeBlock(raw)
}

type inlineOpts struct {
	oneLine  bool // line breaks become spaces (headings, link labels, cells)
	noStrong bool // inside a bold heading or bold text: *x* must not nest
	noEm     bool
	noDel    bool
	label    bool // inside a link label: nested links and images give text
	plain    bool // no markup and no escaping: the caller escapes (tables)
}

// inlineWriter renders inline nodes. Prose is buffered until markup
// interrupts it so escaping and defusing see whole runs of text, e.g. an
// "@here" that goldmark split across two text nodes.
type inlineWriter struct {
	r    *renderer
	b    strings.Builder
	text []byte
	opts inlineOpts
}

func (r *renderer) inline(n ast.Node, opts inlineOpts) string {
	w := &inlineWriter{r: r, opts: opts}
	w.children(n)
	w.flush()
	return w.b.String()
}

func (w *inlineWriter) flush() {
	if len(w.text) == 0 {
		return
	}
	switch {
	case w.opts.plain:
		w.b.Write(w.text)
	case w.opts.label:
		w.b.WriteString(Escape(defuse(string(w.text))))
	default:
		writeProse(&w.b, string(w.text))
	}
	w.text = w.text[:0]
}

// mention matches a Slack user mention or channel link. The bot's own
// Markdown carries them (a postmortem names owners as <@U123>), and escaping
// them would show raw IDs. Broadcasts (<!here>) and user groups
// (<!subteam^…>) start with ! and never match.
var mention = regexp.MustCompile(`<(?:@[UW]|#[CG])[A-Z0-9]{2,}(?:\|[^<>|]*)?>`)

// writeProse escapes and defuses text, keeping the mentions in it.
func writeProse(b *strings.Builder, s string) {
	if !strings.Contains(s, "<") {
		b.WriteString(Escape(defuse(s)))
		return
	}
	last := 0
	for _, m := range mention.FindAllStringIndex(s, -1) {
		b.WriteString(Escape(defuse(s[last:m[0]])))
		ref, label, hasLabel := strings.Cut(s[m[0]+1:m[1]-1], "|")
		b.WriteByte('<')
		b.WriteString(ref)
		if hasLabel {
			b.WriteByte('|')
			b.WriteString(Escape(defuse(label)))
		}
		b.WriteByte('>')
		last = m[1]
	}
	b.WriteString(Escape(defuse(s[last:])))
}

// markup writes generated mrkdwn, which must not be escaped.
func (w *inlineWriter) markup(s string) {
	w.flush()
	w.b.WriteString(s)
}

func (w *inlineWriter) children(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.node(c)
	}
}

func (w *inlineWriter) lineBreak() {
	if w.opts.oneLine {
		w.text = append(w.text, ' ')
	} else {
		w.text = append(w.text, '\n')
	}
}

func (w *inlineWriter) node(n ast.Node) {
	src := w.r.src
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(src)
		if !n.IsRaw() {
			v = unescapeMD(v)
		}
		w.text = append(w.text, v...)
		if n.HardLineBreak() || n.SoftLineBreak() {
			w.lineBreak()
		}
	case *ast.String:
		v := n.Value
		if !n.IsRaw() && !n.IsCode() {
			v = unescapeMD(v)
		}
		w.text = append(w.text, v...)
	case *ast.CodeSpan:
		var code []byte
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				code = append(code, t.Segment.Value(src)...)
			}
		}
		s := strings.ReplaceAll(string(code), "\n", " ")
		if w.opts.plain {
			w.text = append(w.text, s...)
			return
		}
		w.markup("`" + Escape(s) + "`")
	case *ast.Emphasis:
		mark, sub := "_", w.opts
		if n.Level >= 2 {
			mark = "*"
			if w.opts.noStrong {
				mark = ""
			}
			sub.noStrong = true
		} else {
			if w.opts.noEm {
				mark = ""
			}
			sub.noEm = true
		}
		w.wrap(n, mark, sub)
	case *east.Strikethrough:
		mark, sub := "~", w.opts
		if w.opts.noDel {
			mark = ""
		}
		sub.noDel = true
		w.wrap(n, mark, sub)
	case *ast.Link:
		w.link(n, n.Destination)
	case *ast.Image:
		w.link(n, n.Destination)
	case *ast.AutoLink:
		url := n.URL(src)
		if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(url), []byte("mailto:")) {
			url = append([]byte("mailto:"), url...)
		}
		label := n.Label(src)
		if n.AutoLinkType == ast.AutoLinkEmail && bytes.HasPrefix(label, []byte("!")) {
			// CommonMark reads Slack's <!subteam^S1|@sre> as an email
			// autolink; linkify never starts one with punctuation, so
			// this came in brackets and is shown as it was written.
			w.text = append(w.text, '<')
			w.text = append(w.text, label...)
			w.text = append(w.text, '>')
			return
		}
		if w.opts.plain || w.opts.label || !absoluteURL(url) {
			w.text = append(w.text, label...)
			return
		}
		w.flush()
		if bytes.Equal(label, url) {
			writeLink(&w.b, linkURL(url, false), "")
		} else {
			writeLink(&w.b, linkURL(url, false), Escape(string(label)))
		}
	case *ast.RawHTML:
		for i := range n.Segments.Len() {
			seg := n.Segments.At(i)
			w.text = append(w.text, seg.Value(src)...)
		}
	case *east.TaskCheckBox:
		if n.IsChecked {
			w.text = append(w.text, checked...)
		} else {
			w.text = append(w.text, unchecked...)
		}
	default:
		w.children(n)
	}
}

// wrap renders n's children between mark on both sides. Slack only honours
// a mark that touches text, so surrounding spaces are moved outside it.
func (w *inlineWriter) wrap(n ast.Node, mark string, sub inlineOpts) {
	if w.opts.plain || mark == "" {
		saved := w.opts
		w.opts = sub
		w.children(n)
		w.opts = saved
		return
	}
	w.flush()
	inner := w.r.inline(n, sub)
	trimmed := strings.TrimSpace(inner)
	if trimmed == "" {
		w.b.WriteString(inner)
		return
	}
	lead := inner[:strings.Index(inner, trimmed)]
	w.b.WriteString(lead)
	w.b.WriteString(mark)
	w.b.WriteString(trimmed)
	w.b.WriteString(mark)
	w.b.WriteString(inner[len(lead)+len(trimmed):])
}

// link writes <url|label>, or only the label when the destination is not an
// absolute URL (a relative path means nothing in Slack) or the link sits
// inside another link's label, where markup cannot nest.
func (w *inlineWriter) link(n ast.Node, dest []byte) {
	url := linkURL(dest, true)
	sub := w.opts
	sub.oneLine, sub.label = true, true
	if w.opts.plain || w.opts.label || !absoluteURL([]byte(url)) {
		w.flush() // text before the link is prose, not label
		saved, start := w.opts, len(w.text)
		w.opts = sub
		w.children(n)
		w.opts = saved
		// A table cell keeps the address next to the text it was behind.
		if w.opts.plain && !w.opts.label && absoluteURL([]byte(url)) && string(w.text[start:]) != url {
			w.text = append(w.text, " ("+url+")"...)
		}
		return
	}
	label := strings.TrimSpace(w.r.inline(n, sub))
	if label == Escape(url) {
		label = ""
	}
	w.flush()
	writeLink(&w.b, url, label)
}
