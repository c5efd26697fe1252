package runbooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"
)

// FrontMatter is the optional YAML block at the top of a runbook, between
// "---" lines. Title, services, tags and aliases are searched (weighted above
// body text); owner and last_reviewed are for people and lint.
type FrontMatter struct {
	Title        string     `yaml:"title"`
	Services     stringList `yaml:"services"`
	Tags         stringList `yaml:"tags"`
	Aliases      stringList `yaml:"aliases"`
	Owner        string     `yaml:"owner"`
	LastReviewed string     `yaml:"last_reviewed"`
}

// stringList accepts both `tags: [a, b]` and `tags: a`, because people write
// both and neither is worth rejecting a runbook over.
type stringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*l = list
	return nil
}

// Section is one heading of a runbook and the Markdown under it, up to the
// next heading of any level.
type Section struct {
	File    string   // path relative to the runbooks dir, with '/'
	Heading string   // the section's own heading
	Trail   []string // headings of the enclosing sections, outermost first
	Level   int      // heading level 1-6; 0 for text before the first heading
	Line    int      // 1-based line of the heading in the file
	Text    string   // the section's Markdown, heading line included
}

// Path is the heading trail, the section's own heading last, joined with " > ".
func (s Section) Path() string {
	return strings.Join(append(s.Trail[:len(s.Trail):len(s.Trail)], s.Heading), " > ")
}

// Doc is a parsed runbook file.
type Doc struct {
	File        string
	Meta        FrontMatter
	HasMeta     bool
	HasHeadings bool
	Sections    []Section
}

var markdown = goldmark.New()

// splitFrontMatter separates a leading "---" YAML block from the Markdown.
// It returns the YAML, the body, and the number of lines before the body.
func splitFrontMatter(src string) (yamlText, body string, bodyLine int, ok bool, err error) {
	first, rest, found := strings.Cut(src, "\n")
	if !found || strings.TrimRight(first, " \t\r") != "---" {
		return "", src, 0, false, nil
	}
	line := 1
	for off := 0; off < len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		next := len(rest)
		if end >= 0 {
			next = off + end + 1
		}
		l := strings.TrimRight(rest[off:next], " \t\r\n")
		line++
		if l == "---" || l == "..." {
			return rest[:off], rest[next:], line, true, nil
		}
		off = next
	}
	return "", src, 0, false, fmt.Errorf("front matter opened with --- on line 1 is never closed")
}

// Parse parses one runbook file. An error means the file is broken (its
// front matter cannot be read) and should be skipped.
func Parse(file string, src []byte) (Doc, error) {
	doc := Doc{File: file}
	fm, body, bodyLine, ok, err := splitFrontMatter(string(src))
	if err != nil {
		return doc, err
	}
	if ok {
		dec := yaml.NewDecoder(strings.NewReader(fm))
		dec.KnownFields(true)
		if err := dec.Decode(&doc.Meta); err != nil && !errors.Is(err, io.EOF) {
			return doc, fmt.Errorf("front matter: %w", err)
		}
		doc.HasMeta = true
	}

	source := []byte(body)
	root := markdown.Parser().Parse(text.NewReader(source))
	type mark struct {
		start, level int
		heading      string
	}
	var marks []mark
	// Only top-level headings split: a '#' inside a code block, a list or a
	// quote is content, which is exactly what goldmark's tree tells apart.
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		h, isHeading := n.(*ast.Heading)
		if !isHeading {
			continue
		}
		start := max(0, min(h.Pos(), len(source)))
		start = bytes.LastIndexByte(source[:start], '\n') + 1
		marks = append(marks, mark{start: start, level: h.Level, heading: inlineText(h, source)})
	}
	doc.HasHeadings = len(marks) > 0

	lineAt := func(off int) int { return bodyLine + 1 + bytes.Count(source[:off], []byte("\n")) }
	untitled := doc.Meta.Title
	if untitled == "" {
		untitled = strings.TrimSuffix(path.Base(file), path.Ext(file))
	}
	preEnd := len(source)
	if len(marks) > 0 {
		preEnd = marks[0].start
	}
	if pre := strings.TrimSpace(body[:preEnd]); pre != "" {
		doc.Sections = append(doc.Sections, Section{
			File: file, Heading: untitled, Trail: []string{}, Line: lineAt(0),
			Text: strings.TrimRight(body[:preEnd], " \t\r\n"),
		})
	}
	type open struct {
		level   int
		heading string
	}
	var stack []open
	for i, m := range marks {
		end := len(source)
		if i+1 < len(marks) {
			end = marks[i+1].start
		}
		for len(stack) > 0 && stack[len(stack)-1].level >= m.level {
			stack = stack[:len(stack)-1]
		}
		trail := make([]string, len(stack))
		for j, o := range stack {
			trail[j] = o.heading
		}
		doc.Sections = append(doc.Sections, Section{
			File: file, Heading: m.heading, Trail: trail, Level: m.level,
			Line: lineAt(m.start), Text: strings.TrimRight(body[m.start:end], " \t\r\n"),
		})
		stack = append(stack, open{m.level, m.heading})
	}
	return doc, nil
}

// inlineText is the plain text of a heading: markup dropped, code spans and
// link texts kept.
func inlineText(h ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(h, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(source))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.Label(source))
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}
