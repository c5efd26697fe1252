package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/incidentbot/incidentbot/runbooks"
)

// fields are the section fields Bleve indexes, with our index's weights.
var fields = []struct {
	name  string
	boost float64
}{{"heading", 4}, {"trail", 2}, {"meta", 2}, {"body", 1}}

// bleveIndex is a Bleve index of runbook sections; a hit's ID is the
// section's position in files.
type bleveIndex struct {
	ix    bleve.Index
	files []string
}

// buildBleve indexes the sections of the runbooks in fsys: in a scorch
// index under dir, or in memory (NewMemOnly) when dir is "".
func buildBleve(fsys fs.FS, dir string) (searcher, func() error, error) {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = en.AnalyzerName
	dm := bleve.NewDocumentStaticMapping()
	for _, f := range fields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = en.AnalyzerName
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		dm.AddFieldMappingsAt(f.name, fm)
	}
	im.DefaultMapping = dm

	var (
		ix  bleve.Index
		err error
	)
	if dir == "" {
		ix, err = bleve.NewMemOnly(im)
	} else {
		ix, err = bleve.New(filepath.Join(dir, "index"), im)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("new index: %w", err)
	}
	b := &bleveIndex{ix: ix}
	batch := ix.NewBatch()
	flush := func() error {
		if err := ix.Batch(batch); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
		batch.Reset()
		return nil
	}
	err = walkRunbooks(fsys, func(doc runbooks.Doc) error {
		m := doc.Meta
		meta := strings.Join(append([]string{m.Title}, append(append(m.Services, m.Tags...), m.Aliases...)...), "\n")
		for _, s := range doc.Sections {
			id := strconv.Itoa(len(b.files))
			b.files = append(b.files, s.File)
			if err := batch.Index(id, map[string]any{
				"heading": s.Heading, "trail": strings.Join(s.Trail, "\n"), "meta": meta, "body": body(s),
			}); err != nil {
				return fmt.Errorf("index %s: %w", s.File, err)
			}
			if batch.Size() >= 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		ix.Close()
		return nil, nil, err
	}
	return b, ix.Close, nil
}

// body is the section without its heading line, as our index sees it.
func body(s runbooks.Section) string {
	if s.Level == 0 {
		return s.Text
	}
	_, rest, _ := strings.Cut(s.Text, "\n")
	return rest
}

func (b *bleveIndex) top(q string, limit int) ([]string, error) { return b.match(q, limit, 0) }

func (b *bleveIndex) topFuzzy(q string, limit int) ([]string, error) { return b.match(q, limit, 1) }

func (b *bleveIndex) match(q string, limit, fuzziness int) ([]string, error) {
	var qs []query.Query
	for _, f := range fields {
		m := bleve.NewMatchQuery(q)
		m.SetField(f.name)
		m.SetBoost(f.boost)
		m.SetFuzziness(fuzziness)
		qs = append(qs, m)
	}
	res, err := b.ix.Search(bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), limit, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	out := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		i, err := strconv.Atoi(h.ID)
		if err != nil || i < 0 || i >= len(b.files) {
			return nil, fmt.Errorf("search %q: unknown hit %q", q, h.ID)
		}
		out = append(out, b.files[i])
	}
	return out, nil
}
