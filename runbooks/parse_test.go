package runbooks_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/runbooks"
)

// want is the part of a Section a splitting test checks.
type want struct {
	path  string
	level int
	line  int
	text  string // a substring the section's text must contain ("" = any)
}

func TestParseSections(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		title string
		want  []want
	}{
		{
			name: "nested headings build the trail and pop on siblings",
			src:  "# DB\nintro\n## Diagnose\n### Pool\npool text\n### Locks\nlock text\n## Recover\nfix\n# Other\nx\n",
			want: []want{
				{"DB", 1, 1, "intro"},
				{"DB > Diagnose", 2, 3, ""},
				{"DB > Diagnose > Pool", 3, 4, "pool text"},
				{"DB > Diagnose > Locks", 3, 6, "lock text"},
				{"DB > Recover", 2, 8, "fix"},
				{"Other", 1, 10, "x"},
			},
		},
		{
			name: "hash in a fenced code block does not split",
			src:  "# Disk\n## Check\n```bash\n# free space\ndf -h\n## not a heading\n```\nafter\n## Fix\ny\n",
			want: []want{
				{"Disk", 1, 1, ""},
				{"Disk > Check", 2, 2, "# free space\ndf -h\n## not a heading"},
				{"Disk > Fix", 2, 9, "y"},
			},
		},
		{
			name: "hash in an indented code block, a list and a quote does not split",
			src:  "# A\n\n    # comment in code\n\n- # in a list\n\n> # in a quote\n",
			want: []want{{"A", 1, 1, "# comment in code"}},
		},
		{
			name:  "front matter is not text and shifts line numbers",
			src:   "---\ntitle: Disk full\ntags: [disk]\n---\n# Disk full\nbody\n",
			title: "Disk full",
			want:  []want{{"Disk full", 1, 5, "body"}},
		},
		{
			name: "text before the first heading is a section named after the file",
			src:  "Read this first.\n\n# Steps\ndo it\n",
			want: []want{{"notes", 0, 1, "Read this first."}, {"Steps", 1, 3, "do it"}},
		},
		{
			name: "no headings: one section",
			src:  "just some text\nwith lines\n",
			want: []want{{"notes", 0, 1, "with lines"}},
		},
		{
			name:  "no headings with a title uses the title",
			src:   "---\ntitle: Quick fixes\n---\nrestart it\n",
			title: "Quick fixes",
			want:  []want{{"Quick fixes", 0, 4, "restart it"}},
		},
		{
			name: "setext headings and inline markup in headings",
			src:  "Disk *full*\n=========\ntext\n\nCheck `df` [now](http://x)\n---\nmore\n",
			want: []want{{"Disk full", 1, 1, "text"}, {"Disk full > Check df now", 2, 5, "more"}},
		},
		{
			name: "skipped levels still nest under the nearest shallower heading",
			src:  "# A\n### C\nc\n## B\nb\n",
			want: []want{{"A", 1, 1, ""}, {"A > C", 3, 2, "c"}, {"A > B", 2, 4, "b"}},
		},
		{
			name:  "windows line endings",
			src:   "---\r\ntitle: T\r\n---\r\n# A\r\ntext\r\n",
			title: "T",
			want:  []want{{"A", 1, 4, "text"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := runbooks.Parse("notes.md", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Meta.Title != tt.title {
				t.Errorf("title = %q, want %q", doc.Meta.Title, tt.title)
			}
			if len(doc.Sections) != len(tt.want) {
				for _, s := range doc.Sections {
					t.Logf("got %q level %d line %d", s.Path(), s.Level, s.Line)
				}
				t.Fatalf("%d sections, want %d", len(doc.Sections), len(tt.want))
			}
			for i, w := range tt.want {
				s := doc.Sections[i]
				if s.Path() != w.path || s.Level != w.level || s.Line != w.line {
					t.Errorf("section %d = %q level %d line %d, want %q level %d line %d",
						i, s.Path(), s.Level, s.Line, w.path, w.level, w.line)
				}
				if !strings.Contains(s.Text, w.text) {
					t.Errorf("section %d text %q does not contain %q", i, s.Text, w.text)
				}
				if s.File != "notes.md" {
					t.Errorf("section %d file = %q", i, s.File)
				}
			}
		})
	}
}

func TestParseFrontMatter(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		wantErr string
		check   func(t *testing.T, m runbooks.FrontMatter)
	}{
		{
			name: "all fields, lists and scalars",
			src:  "---\ntitle: Redis\nservices: cache\ntags: [memory, eviction]\naliases:\n  - oom\nowner: sre\nlast_reviewed: 2025-01-31\n---\n# Redis\n",
			check: func(t *testing.T, m runbooks.FrontMatter) {
				if m.Title != "Redis" || len(m.Services) != 1 || m.Services[0] != "cache" ||
					len(m.Tags) != 2 || m.Aliases[0] != "oom" || m.Owner != "sre" || m.LastReviewed != "2025-01-31" {
					t.Errorf("front matter = %+v", m)
				}
			},
		},
		{name: "empty front matter", src: "---\n---\n# A\n", check: noTitle},
		{name: "never closed", src: "---\ntitle: x\n# A\n", wantErr: "never closed"},
		{name: "invalid yaml", src: "---\ntitle: [unclosed\n---\n# A\n", wantErr: "front matter"},
		{name: "unknown field is a typo, not silence", src: "---\nservics: [db]\n---\n# A\n", wantErr: "servics"},
		{name: "a rule later in the file is not front matter", src: "# A\n\n---\n\ntext\n", check: noTitle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := runbooks.Parse("x.md", []byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, doc.Meta)
		})
	}
}

func noTitle(t *testing.T, m runbooks.FrontMatter) {
	t.Helper()
	if m.Title != "" {
		t.Errorf("title = %q, want none", m.Title)
	}
}
