// Command bleve compares our runbook index with Bleve on the same sections
// and the same labelled queries, in one process:
//
//   - build time and Go heap kept, over the generated benchmark corpus
//     (10,000 sections in 1,000 files by default);
//   - query latency p50/p99 over runbooks/testdata/queries.tsv on that
//     corpus, top 5, for Bleve also with fuzziness 1 (our index always
//     corrects typos);
//   - recall@1 and @3 of those queries on the starter library.
//
// Bleve gets the sections runbooks.Parse makes, in four fields with our
// weights (heading 4, trail 2, front matter 2, body 1) and its English
// analyzer; a query is one match query per field, boosted, in a disjunction.
// It is its own module so that the bot never depends on Bleve:
//
//	cd bench/bleve && go run . [-sections 10000] [-reps 10] [-memonly=true] [-json]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	benchreport "github.com/incidentbot/incidentbot/bench/report"
	"github.com/incidentbot/incidentbot/runbooks"
)

// Results and Engine are what one run measured; the JSON printed by -json.
type (
	Results = benchreport.Bleve
	Engine  = benchreport.Engine
)

func main() {
	sections := flag.Int("sections", 10000, "sections in the generated corpus")
	reps := flag.Int("reps", 10, "times each labelled query is timed, after one warm-up pass")
	memOnly := flag.Bool("memonly", true, "also measure Bleve's NewMemOnly index (its build takes the longest)")
	asJSON := flag.Bool("json", false, "print the results as JSON instead of a table")
	flag.Parse()
	if *sections < 1 || *reps < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := run(ctx, *sections, *reps, *memOnly)
	if err == nil {
		err = report(os.Stdout, res, *asJSON)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench/bleve: %v\n", err)
		os.Exit(1)
	}
}

// searcher is what the measurements need of an index: the files of the top
// limit sections for a query.
type searcher interface {
	top(query string, limit int) ([]string, error)
}

func run(ctx context.Context, sections, reps int, memOnly bool) (Results, error) {
	res := Results{BleveVersion: bleveVersion(), Sections: sections, Reps: reps}
	root, err := repoRoot(ctx)
	if err != nil {
		return res, err
	}
	queries, err := readQueries(filepath.Join(root, "runbooks", "testdata", "queries.tsv"))
	if err != nil {
		return res, err
	}
	res.Queries = len(queries)
	tmp, err := os.MkdirTemp("", "bench-bleve-")
	if err != nil {
		return res, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	corpusDir := filepath.Join(tmp, "corpus")
	fmt.Fprintf(os.Stderr, "generating %d sections ...\n", sections)
	gen := exec.CommandContext(ctx, "go", "run", "./runbooks/internal/corpus/gencorpus",
		"-out", corpusDir, "-sections", fmt.Sprint(sections))
	gen.Dir, gen.Stderr = root, os.Stderr
	if err := gen.Run(); err != nil {
		return res, fmt.Errorf("generate the corpus: %w", err)
	}
	corpus := os.DirFS(corpusDir)
	starter := runbooks.Starter()

	type variant struct {
		name  string
		build func(fs.FS) (searcher, func() error, error)
		fuzzy bool
	}
	variants := []variant{
		{"ours", buildOurs, false},
		{"bleve-scorch", func(fsys fs.FS) (searcher, func() error, error) {
			dir, err := os.MkdirTemp(tmp, "scorch-")
			if err != nil {
				return nil, nil, fmt.Errorf("scorch dir: %w", err)
			}
			return buildBleve(fsys, dir)
		}, true},
	}
	if memOnly {
		variants = append(variants, variant{"bleve-memonly", func(fsys fs.FS) (searcher, func() error, error) {
			return buildBleve(fsys, "")
		}, true})
	}
	for _, v := range variants {
		fmt.Fprintf(os.Stderr, "%s: build, %d queries x %d ...\n", v.name, len(queries), reps)
		e := Engine{Name: v.name}
		// Heap is measured around the build with the index kept alive; the
		// previous variant is closed and collected first.
		before := heapInuse()
		start := time.Now()
		s, closeIndex, err := v.build(corpus)
		if err != nil {
			return res, fmt.Errorf("%s: %w", v.name, err)
		}
		e.BuildS = time.Since(start).Seconds()
		e.HeapMiB = float64(int64(heapInuse())-int64(before)) / (1 << 20)
		if e.P50MS, e.P99MS, err = latency(s, queries, reps, false); err != nil {
			return res, fmt.Errorf("%s: %w", v.name, err)
		}
		if v.fuzzy {
			p50, p99, err := latency(s, queries, reps, true)
			if err != nil {
				return res, fmt.Errorf("%s fuzzy: %w", v.name, err)
			}
			e.FuzzyP50MS, e.FuzzyP99MS = &p50, &p99
		}
		runtime.KeepAlive(s)
		if err := closeIndex(); err != nil {
			return res, fmt.Errorf("%s: close: %w", v.name, err)
		}

		small, closeSmall, err := v.build(starter)
		if err != nil {
			return res, fmt.Errorf("%s on the starter library: %w", v.name, err)
		}
		if e.Recall1, e.Recall3, err = recall(small, queries, false); err != nil {
			return res, fmt.Errorf("%s: %w", v.name, err)
		}
		if v.fuzzy {
			r1, r3, err := recall(small, queries, true)
			if err != nil {
				return res, fmt.Errorf("%s fuzzy: %w", v.name, err)
			}
			e.FuzzyRecall1, e.FuzzyRecall3 = &r1, &r3
		}
		if err := closeSmall(); err != nil {
			return res, fmt.Errorf("%s: close: %w", v.name, err)
		}
		res.Engines = append(res.Engines, e)
	}
	files, n, err := countSections(corpus)
	if err != nil {
		return res, err
	}
	if n != sections {
		return res, fmt.Errorf("the corpus has %d sections, want %d", n, sections)
	}
	res.Files = files
	return res, nil
}

// ours is our index; it has no fuzzy switch, typos are always corrected.
type ours struct{ ix *runbooks.Index }

func buildOurs(fsys fs.FS) (searcher, func() error, error) {
	ix, problems, err := runbooks.Load(fsys)
	if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("load: %v", problems)
	}
	return ours{ix}, func() error { return nil }, nil
}

func (o ours) top(query string, limit int) ([]string, error) {
	var out []string
	for _, h := range o.ix.Search(query, limit) {
		out = append(out, h.File)
	}
	return out, nil
}

// fuzzySearcher is a searcher that can also match one edit away.
type fuzzySearcher interface {
	topFuzzy(query string, limit int) ([]string, error)
}

func search(s searcher, query string, limit int, fuzzy bool) ([]string, error) {
	if !fuzzy {
		return s.top(query, limit)
	}
	f, ok := s.(fuzzySearcher)
	if !ok {
		return nil, fmt.Errorf("%T has no fuzzy search", s)
	}
	return f.topFuzzy(query, limit)
}

// latency times every query reps times, top 5 like the bot, and returns
// the nearest-rank p50 and p99 in milliseconds.
func latency(s searcher, queries []labelled, reps int, fuzzy bool) (p50, p99 float64, err error) {
	for _, q := range queries { // warm-up
		if _, err := search(s, q.text, 5, fuzzy); err != nil {
			return 0, 0, err
		}
	}
	ds := make([]time.Duration, 0, reps*len(queries))
	for range reps {
		for _, q := range queries {
			start := time.Now()
			if _, err := search(s, q.text, 5, fuzzy); err != nil {
				return 0, 0, err
			}
			ds = append(ds, time.Since(start))
		}
	}
	return ms(percentile(ds, 50)), ms(percentile(ds, 99)), nil
}

// recall is the share of queries whose expected file is the first hit, and
// among the first three, as TestStarterRecall counts them.
func recall(s searcher, queries []labelled, fuzzy bool) (at1, at3 float64, err error) {
	var n1, n3 int
	for _, q := range queries {
		files, err := search(s, q.text, 3, fuzzy)
		if err != nil {
			return 0, 0, err
		}
		for i, f := range files {
			if f == q.file {
				if i == 0 {
					n1++
				}
				n3++
				break
			}
		}
	}
	return float64(n1) / float64(len(queries)), float64(n3) / float64(len(queries)), nil
}

func countSections(fsys fs.FS) (files, sections int, err error) {
	err = walkRunbooks(fsys, func(doc runbooks.Doc) error {
		files++
		sections += len(doc.Sections)
		return nil
	})
	return files, sections, err
}

// walkRunbooks parses every Markdown file under fsys with runbooks.Parse.
func walkRunbooks(fsys fs.FS, fn func(runbooks.Doc) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		doc, err := runbooks.Parse(p, src)
		if err != nil {
			return fmt.Errorf("parse %s: %w", p, err)
		}
		return fn(doc)
	})
}

func heapInuse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func bleveVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/blevesearch/bleve/v2" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// repoRoot is the incidentbot checkout this module sits in, two levels up.
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if filepath.Base(filepath.Dir(mod)) != "bleve" {
		return "", fmt.Errorf("run from bench/bleve (go env GOMOD is %q)", mod)
	}
	return filepath.Join(filepath.Dir(mod), "..", ".."), nil
}

func report(w io.Writer, r Results, asJSON bool) error {
	if asJSON {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	fmt.Fprintf(w, "Bleve %s; %d sections in %d files; %d queries x %d; recall on the starter library\n\n",
		r.BleveVersion, r.Sections, r.Files, r.Queries, r.Reps)
	fmt.Fprintf(w, "%-14s %9s %9s %17s %23s %15s %21s\n", "", "build", "heap", "p50 / p99", "fuzzy p50 / p99", "recall@1 / @3", "fuzzy recall@1 / @3")
	opt := func(p *float64, format string) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf(format, *p)
	}
	for _, e := range r.Engines {
		fmt.Fprintf(w, "%-14s %8.2fs %6.1fMiB %7.2f / %5.2f ms %10s / %7s ms %7.3f / %.3f %12s / %s\n",
			e.Name, e.BuildS, e.HeapMiB, e.P50MS, e.P99MS, opt(e.FuzzyP50MS, "%.2f"), opt(e.FuzzyP99MS, "%.2f"),
			e.Recall1, e.Recall3, opt(e.FuzzyRecall1, "%.3f"), opt(e.FuzzyRecall3, "%.3f"))
	}
	return nil
}
