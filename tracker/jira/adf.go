package jira

import (
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Jira Cloud's v3 API takes rich text only as Atlassian Document Format:
// https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
// (a doc node {type, version: 1, content}; paragraph, heading{level},
// bulletList/orderedList of listItem, codeBlock{language} holding unmarked
// text; text nodes are never empty; the code mark combines only with link).
// The converter covers what action items are written in: paragraphs,
// headings, flat lists, fenced code, inline code, bold and links. Anything
// else stays as its literal text, which is still readable.

// node is one ADF node or mark.
type node map[string]any

func doc(blocks []node) node {
	if blocks == nil {
		blocks = []node{}
	}
	return node{"type": "doc", "version": 1, "content": blocks}
}

var (
	fence    = regexp.MustCompile("^\\s*(```+|~~~+)\\s*([A-Za-z0-9_+#.-]*)")
	bullet   = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	ordered  = regexp.MustCompile(`^\s*(\d{1,9})[.)]\s+(.*)$`)
	heading  = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	autolink = regexp.MustCompile(`https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'"]`)
)

// markdownADF converts Markdown to ADF block nodes.
func markdownADF(md string) []node {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var out []node
	var para []string
	flush := func() {
		if len(para) > 0 {
			if in := inline(strings.Join(para, " ")); len(in) > 0 {
				out = append(out, node{"type": "paragraph", "content": in})
			}
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fence.FindStringSubmatch(line); m != nil {
			flush()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), m[1][:3]); i++ {
				code = append(code, lines[i])
			}
			out = append(out, codeBlock(m[2], strings.Join(code, "\n")))
			continue
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			flush()
			if in := inline(m[2]); len(in) > 0 {
				out = append(out, node{"type": "heading", "attrs": node{"level": len(m[1])}, "content": in})
			}
			continue
		}
		if bullet.MatchString(line) || ordered.MatchString(line) {
			flush()
			var list node
			list, i = listAt(lines, i)
			out = append(out, list)
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		para = append(para, strings.TrimSpace(line))
	}
	flush()
	return out
}

// listAt reads the list starting at lines[i] and returns it with the index
// of its last line. Items of the other kind end it; nesting is flattened.
func listAt(lines []string, i int) (node, int) {
	isOrdered := !bullet.MatchString(lines[i])
	list := node{"type": "bulletList"}
	if isOrdered {
		list["type"] = "orderedList"
		if n, err := strconv.Atoi(ordered.FindStringSubmatch(lines[i])[1]); err == nil && n != 1 {
			list["attrs"] = node{"order": n}
		}
	}
	var items []node
	for ; i < len(lines); i++ {
		var text string
		if m := bullet.FindStringSubmatch(lines[i]); m != nil && !isOrdered {
			text = m[1]
		} else if m := ordered.FindStringSubmatch(lines[i]); m != nil && isOrdered {
			text = m[2]
		} else {
			break
		}
		para := node{"type": "paragraph"}
		if in := inline(text); len(in) > 0 {
			para["content"] = in
		}
		items = append(items, node{"type": "listItem", "content": []node{para}})
	}
	list["content"] = items
	return list, i - 1
}

func codeBlock(lang, code string) node {
	n := node{"type": "codeBlock"}
	if lang != "" {
		n["attrs"] = node{"language": lang}
	}
	if code != "" {
		n["content"] = []node{{"type": "text", "text": code}}
	}
	return n
}

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	link     = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	strong   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
)

// inline turns one paragraph's Markdown into text nodes with marks. Code
// spans are taken first so nothing inside them is read as Markdown.
func inline(s string) []node {
	var out []node
	for s != "" {
		loc := codeSpan.FindStringSubmatchIndex(s)
		if loc == nil {
			return links(out, s)
		}
		out = links(out, s[:loc[0]])
		out = appendText(out, s[loc[2]:loc[3]], node{"type": "code"})
		s = s[loc[1]:]
	}
	return out
}

// links splits out [text](href) and bare http(s) URLs as link marks.
func links(out []node, s string) []node {
	for s != "" {
		loc, bare := link.FindStringSubmatchIndex(s), autolink.FindStringIndex(s)
		switch {
		case loc != nil && (bare == nil || loc[0] <= bare[0]):
			out = bold(out, s[:loc[0]])
			if href := s[loc[4]:loc[5]]; safeHref(href) {
				out = bold(out, s[loc[2]:loc[3]], linkMark(href))
			} else {
				out = bold(out, s[loc[0]:loc[1]])
			}
			s = s[loc[1]:]
		case bare != nil:
			out = bold(out, s[:bare[0]])
			u := s[bare[0]:bare[1]]
			out = appendText(out, u, linkMark(u))
			s = s[bare[1]:]
		default:
			return bold(out, s)
		}
	}
	return out
}

// bold splits out **strong** and __strong__ runs, keeping marks on all.
func bold(out []node, s string, marks ...node) []node {
	for s != "" {
		loc := strong.FindStringSubmatchIndex(s)
		if loc == nil {
			return appendText(out, s, marks...)
		}
		out = appendText(out, s[:loc[0]], marks...)
		inner := loc[2:4]
		if inner[0] < 0 {
			inner = loc[4:6]
		}
		out = appendText(out, s[inner[0]:inner[1]], append(marks[:len(marks):len(marks)], node{"type": "strong"})...)
		s = s[loc[1]:]
	}
	return out
}

// appendText adds a text node unless s is empty: ADF refuses empty text.
func appendText(out []node, s string, marks ...node) []node {
	if s == "" {
		return out
	}
	n := node{"type": "text", "text": s}
	if len(marks) > 0 {
		n["marks"] = append([]node(nil), marks...)
	}
	// Runs split by the parser but marked alike read better as one node.
	if k := len(out) - 1; k >= 0 && out[k]["type"] == "text" && reflect.DeepEqual(out[k]["marks"], n["marks"]) {
		out[k]["text"] = out[k]["text"].(string) + s
		return out
	}
	return append(out, n)
}

func linkMark(href string) node { return node{"type": "link", "attrs": node{"href": href}} }

// safeHref keeps link marks to web and mail addresses.
func safeHref(href string) bool {
	u, err := url.Parse(href)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto")
}
