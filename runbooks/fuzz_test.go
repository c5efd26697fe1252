package runbooks_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/incidentbot/incidentbot/runbooks"
)

// FuzzLoad feeds arbitrary files to the loader. A file may be reported and
// skipped, but loading must never fail or panic, every section must be a
// piece of its file, and searching the result must work.
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		"# A\ntext\n## B\nmore\n",
		"---\ntitle: T\ntags: [a, b]\n---\n# A\n",
		"---\ntitle: [x\n---\n",
		"---\n",
		"```\n# not a heading\n```\n# real\n",
		"Setext\n===\n\nSub\n---\nbody",
		"#\n##\n###### six\n####### seven\n",
		"> # quoted\n- # listed\n    # indented\n",
		"\xff\xfe# A",
		"---\r\ntitle: crlf\r\n---\r\n# A\r\n",
		"# [link](http://x) `code` *em* <b>html</b>\n",
	}
	for _, s := range seeds {
		f.Add(s, "postgres connections")
	}
	f.Add("# JSONDecodeError in VMs\n`max_connections` a-b.c_d HikariPool-1 iOS\n", "HikariPool-1 x_y.z ABCDefGhIJ 12")
	f.Fuzz(func(t *testing.T, content, query string) {
		fsys := fstest.MapFS{"r.md": &fstest.MapFile{Data: []byte(content)}}
		ix, problems, err := runbooks.Load(fsys)
		if err != nil {
			t.Fatalf("Load failed on one file: %v", err)
		}
		for _, p := range problems {
			if p.File != "r.md" || p.Message == "" {
				t.Errorf("malformed problem %+v", p)
			}
		}
		doc, perr := runbooks.Parse("r.md", []byte(content))
		if perr == nil {
			for _, s := range doc.Sections {
				if !strings.Contains(content, s.Text) {
					t.Errorf("section %q text is not part of the file", s.Path())
				}
				if s.Line < 1 {
					t.Errorf("section %q line %d", s.Path(), s.Line)
				}
			}
		}
		files, sections := ix.Count()
		if perr == nil && files == 1 && sections != len(doc.Sections) {
			t.Errorf("index has %d sections, Parse %d", sections, len(doc.Sections))
		}
		for _, h := range ix.Search(query, 5) {
			if h.File != "r.md" || h.Score <= 0 {
				t.Errorf("bad hit %+v", h)
			}
		}
		ix.Closest(query)
	})
}
