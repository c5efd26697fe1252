package runbooks

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity says whether a Problem stops lint (Error) or is advice (Warning).
type Severity int

// Severities of a Problem.
const (
	Warning Severity = iota
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// Problem is something wrong with a runbook file. Files with an Error from
// reading or parsing are skipped; every other problem leaves the file
// searchable.
type Problem struct {
	File     string
	Line     int // 1-based; 0 when the problem is about the whole file
	Severity Severity
	Message  string
}

// String formats the problem as "file:line: severity: message", the form
// editors and CI annotate.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Severity, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Severity, p.Message)
}

// maxFileSize bounds one runbook: anything larger is not a runbook, and
// reading it would only cost memory.
const maxFileSize = 1 << 20

// isRunbook reports whether name is a Markdown file.
func isRunbook(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".md" || ext == ".markdown"
}

// Load reads every Markdown file under fsys (hidden directories skipped) and
// the optional SynonymsFile at its root, and indexes them. A file that cannot
// be read or parsed is reported as a Problem and skipped; the error is for
// an fsys that cannot be listed at all.
func Load(fsys fs.FS) (*Index, []Problem, error) {
	var (
		docs     []Doc
		problems []Problem
	)
	groups := defaultSynonyms
	if data, err := fs.ReadFile(fsys, SynonymsFile); err == nil {
		extra, err := parseSynonyms(data)
		if err != nil {
			problems = append(problems, Problem{File: SynonymsFile, Severity: Error, Message: err.Error()})
		} else {
			groups = append(groups[:len(groups):len(groups)], extra...)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, Problem{File: SynonymsFile, Severity: Error, Message: err.Error()})
	}

	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			problems = append(problems, Problem{File: p, Severity: Error, Message: err.Error()})
			return nil
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !isRunbook(p) {
			return nil
		}
		doc, ps := loadFile(fsys, p)
		problems = append(problems, ps...)
		if doc != nil {
			docs = append(docs, *doc)
		}
		return nil
	})
	if err != nil {
		return nil, problems, fmt.Errorf("list runbooks: %w", err)
	}
	return build(docs, groups), problems, nil
}

// loadFile reads and parses one runbook; a nil Doc means it was skipped.
func loadFile(fsys fs.FS, p string) (*Doc, []Problem) {
	fail := func(msg string) (*Doc, []Problem) {
		return nil, []Problem{{File: p, Severity: Error, Message: msg + "; file skipped"}}
	}
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return fail(err.Error())
	}
	if info.Size() > maxFileSize {
		return fail(fmt.Sprintf("%d bytes is over the %d-byte limit", info.Size(), maxFileSize))
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return fail(err.Error())
	}
	if !utf8.Valid(data) {
		return fail("not valid UTF-8")
	}
	doc, err := Parse(p, data)
	if err != nil {
		return fail(err.Error())
	}
	return &doc, check(doc)
}

// check finds what lint reports in a parsed runbook: files with no
// headings, empty sections or headings, duplicate headings (two sections
// with one trail cannot be told apart in a search result), and a
// last_reviewed that is not a date.
func check(d Doc) []Problem {
	var ps []Problem
	warn := func(line int, sev Severity, format string, args ...any) {
		ps = append(ps, Problem{File: d.File, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	if r := d.Meta.LastReviewed; r != "" {
		if _, err := time.Parse(time.DateOnly, r); err != nil {
			warn(0, Warning, "last_reviewed %q is not a date like 2025-01-31", r)
		}
	}
	if !d.HasHeadings {
		warn(0, Warning, "no headings: the whole file is one search result; split it with # headings")
		return ps
	}
	seen := map[string]int{}
	for i, s := range d.Sections {
		if s.Level == 0 {
			continue
		}
		if s.Heading == "" {
			warn(s.Line, Warning, "empty heading")
		}
		hasChild := i+1 < len(d.Sections) && d.Sections[i+1].Level > s.Level
		if strings.TrimSpace(sectionBody(s)) == "" && !hasChild {
			warn(s.Line, Warning, "empty section %q", s.Heading)
		}
		p := s.Path()
		if first, dup := seen[p]; dup {
			warn(s.Line, Error, "duplicate heading %q (first on line %d)", p, first)
			continue
		}
		seen[p] = s.Line
	}
	return ps
}
