package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a config file, at the line and column
// (both 1-based) an editor jumps to. Message says what is wrong and what to
// write instead.
type Problem struct {
	File         string
	Line, Column int
	Message      string
}

// String renders the problem the way compilers do, "file:line:col: message",
// so editors and CI annotate the right spot.
func (p Problem) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// Problems is every problem found in a file, in file order. It is the error
// Parse and Load return for an invalid file.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems puts problems in file order; problems at one spot keep the
// order they were found in.
func sortProblems(ps Problems) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// yamlLine splits the YAML library's error text into the line it names,
// if any, and its message.
var yamlLine = regexp.MustCompile(`^yaml: (?:line \d+: )?(.*)$`)

// syntaxProblem turns the YAML library's syntax error into a Problem. The
// library gives no column, and the line it gives is often where the
// enclosing block starts (or, for an unclosed quote, the end of the file),
// not where the mistake is; the line is therefore the first one at which
// the file, read from the top, fails the same way. The column is the
// line's first character.
func syntaxProblem(file string, data []byte, err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	return Problem{File: file, Line: failingLine(data, msg), Column: 1,
		Message: "this is not valid YAML (" + msg + "); " + syntaxHint(msg)}
}

// failingLine is the smallest k at which the file's first k lines fail to
// parse with message msg. It is a binary search, a few parses, because a
// prefix that fails that way keeps failing as lines are added, but for the
// rare multi-line flow list ([a,⏎ b]) cut in its middle.
func failingLine(data []byte, msg string) int {
	var ends []int // ends[k-1] is the offset just past line k
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(k int) bool {
		err := parseAll(data[:ends[k-1]])
		if err == nil {
			return false
		}
		m := yamlLine.FindStringSubmatch(err.Error())
		return m != nil && m[1] == msg
	}
	lo, hi := 1, len(ends)
	for lo < hi {
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// parseAll parses every document in data, for its syntax error.
func parseAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// syntaxHint is the likeliest fix for a YAML syntax error.
func syntaxHint(msg string) string {
	switch {
	case strings.Contains(msg, "found character that cannot start any token") ||
		strings.Contains(msg, "found a tab character"):
		return "indent with spaces, not tabs, and quote values that start with @, ` or %"
	case strings.Contains(msg, "mapping values are not allowed"):
		return `quote values that contain ": " (like "name: value"), and check the indentation`
	case strings.Contains(msg, "did not find expected"):
		return `check the indentation: list items start with "- " and keys of one mapping line up`
	case strings.Contains(msg, "unknown anchor"):
		return "define the anchor (&name) before its alias (*name), or write the value out"
	}
	return "check the indentation and the quoting on that line"
}
