package runbooks_test

import (
	"io/fs"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/runbooks/internal/corpus"
)

// benchSections is the size of the generated corpus the figures in
// docs/runbooks.md are measured on.
const benchSections = 10000

func benchCorpus(b *testing.B) fs.FS {
	b.Helper()
	fsys, err := corpus.FS(benchSections, 1)
	if err != nil {
		b.Fatal(err)
	}
	return fsys
}

func mustLoad(b *testing.B, fsys fs.FS) *runbooks.Index {
	b.Helper()
	ix, problems, err := runbooks.Load(fsys)
	if err != nil || len(problems) > 0 {
		b.Fatalf("load: %v %v", err, problems)
	}
	if _, n := ix.Count(); n != benchSections {
		b.Fatalf("%d sections, want %d", n, benchSections)
	}
	return ix
}

// BenchmarkLoad measures building the index from files in memory: front
// matter, goldmark parsing, analysis and BM25F weights. It also reports the
// heap the finished index keeps alive.
func BenchmarkLoad(b *testing.B) {
	fsys := benchCorpus(b)
	var ix *runbooks.Index
	b.ReportAllocs()
	for b.Loop() {
		ix = mustLoad(b, fsys)
	}
	b.StopTimer()
	var before, after runtime.MemStats
	ix = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix = mustLoad(b, fsys)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "index-heap-MiB")
	runtime.KeepAlive(ix)
}

// BenchmarkSearch runs the labelled on-call queries (with their typos,
// abbreviations and symptoms) against the 10,000-section index and reports
// per-query latency percentiles.
func BenchmarkSearch(b *testing.B) { benchSearch(b, authorQueries) }

// BenchmarkSearchBlind is BenchmarkSearch on the blind queries, which are
// longer: pasted error messages and commands.
func BenchmarkSearchBlind(b *testing.B) { benchSearch(b, blindQueries) }

func benchSearch(b *testing.B, set string) {
	ix := mustLoad(b, benchCorpus(b))
	qs := readQueries(b, set)
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := qs[i%len(qs)].query
		i++
		start := time.Now()
		ix.Search(q, 5)
		durations = append(durations, time.Since(start))
	}
	reportPercentiles(b, durations)
}

func reportPercentiles(b *testing.B, ds []time.Duration) {
	b.Helper()
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
