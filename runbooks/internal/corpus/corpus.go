// Package corpus generates a large, realistic runbook library for benchmarks:
// files with front matter and nested sections whose words are drawn from the
// starter library, plus made-up service names so the vocabulary grows the way
// a real company's does.
package corpus

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/incidentbot/incidentbot/runbooks"
)

// SectionsPerFile is how many sections each generated file has.
const SectionsPerFile = 10

// Generate returns files (name -> Markdown) holding sections sections in
// total. The same seed gives the same corpus.
func Generate(sections int, seed uint64) (map[string][]byte, error) {
	vocab, err := vocabulary()
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func() string { return vocab[r.IntN(len(vocab))] }
	phrase := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = pick()
		}
		return strings.Join(ws, " ")
	}
	service := func() string { return fmt.Sprintf("svc-%s-%d", pick(), r.IntN(500)) }

	files := map[string][]byte{}
	for f := 0; f*SectionsPerFile < sections; f++ {
		var b strings.Builder
		svc := service()
		title := phrase(3)
		fmt.Fprintf(&b, "---\ntitle: %s\nservices: [%s, %s]\ntags: [%s, %s]\nowner: team-%d\nlast_reviewed: 2025-01-%02d\n---\n",
			title, svc, service(), pick(), pick(), r.IntN(40), 1+r.IntN(28))
		n := min(SectionsPerFile, sections-f*SectionsPerFile)
		for s := range n {
			level := 2 + r.IntN(2)
			if s == 0 {
				level = 1
			}
			heading := phrase(2 + r.IntN(3))
			if s == 0 {
				heading = title
			}
			fmt.Fprintf(&b, "\n%s %s\n\n", strings.Repeat("#", level), heading)
			for range 2 + r.IntN(3) {
				fmt.Fprintf(&b, "%s %s.\n", phrase(10+r.IntN(15)), svc)
			}
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "\n```bash\n# %s\nkubectl -n %s get pods | grep %s\n```\n", phrase(4), svc, pick())
			}
		}
		files[fmt.Sprintf("gen/%03d/runbook-%05d.md", f/100, f)] = []byte(b.String())
	}
	return files, nil
}

// FS returns the generated corpus as an in-memory file system.
func FS(sections int, seed uint64) (fs.FS, error) {
	files, err := Generate(sections, seed)
	if err != nil {
		return nil, err
	}
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m, nil
}

// Write writes the generated corpus under dir.
func Write(dir string, sections int, seed uint64) error {
	files, err := Generate(sections, seed)
	if err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("write corpus: %w", err)
		}
	}
	return nil
}

// vocabulary is every word of the starter library, duplicates kept, so
// generated text has the library's word frequencies.
func vocabulary() ([]string, error) {
	var vocab []string
	err := fs.WalkDir(runbooks.Starter(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(runbooks.Starter(), p)
		if err != nil {
			return err
		}
		for _, w := range strings.FieldsFunc(string(data), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
		}) {
			if len(w) > 1 && strings.Trim(w, "-") == w {
				vocab = append(vocab, strings.ToLower(w))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("starter vocabulary: %w", err)
	}
	return vocab, nil
}
