// Command runbooks measures the baselines runbook search is compared with,
// over the generated benchmark corpus (10,000 sections in 1,000 files by
// default, the corpus BenchmarkSearch and BenchmarkLoad use):
//
//   - grep: `grep -ril -e WORD ...` for the words of each labelled query in
//     runbooks/testdata/queries.tsv, over the corpus directory;
//   - the CLI end to end: `incidentbot runbooks search --dir CORPUS --json
//     QUERY`, a fresh process that loads and indexes every section before
//     answering one query.
//
// Usage, from the module root:
//
//	go run ./bench/runbooks [-sections 10000] [-runs 5] [-cli-queries 10] [-cli-runs 2] [-json]
//
// The in-process query latency is BenchmarkSearch's; bench/run sets the two
// side by side.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	benchreport "github.com/incidentbot/incidentbot/bench/report"
)

// Results is what one run measured; it is also the JSON printed by -json.
type Results = benchreport.Grep

func main() {
	sections := flag.Int("sections", 10000, "sections in the generated corpus")
	runs := flag.Int("runs", 5, "timed runs of each grep, after one warm-up")
	cliQueries := flag.Int("cli-queries", 10, "labelled queries run through the CLI (each run indexes the corpus)")
	cliRuns := flag.Int("cli-runs", 2, "timed runs of each CLI query, after one warm-up")
	asJSON := flag.Bool("json", false, "print the results as JSON instead of a table")
	flag.Parse()
	if *sections < 1 || *runs < 1 || *cliQueries < 1 || *cliRuns < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := run(ctx, *sections, *runs, *cliQueries, *cliRuns)
	if err == nil {
		err = report(os.Stdout, res, *asJSON)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench/runbooks: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, sections, runs, cliQueries, cliRuns int) (Results, error) {
	res := Results{Sections: sections, Runs: runs, CLIRuns: cliRuns}
	queries, err := readQueries(filepath.Join("runbooks", "testdata", "queries.tsv"))
	if err != nil {
		return res, err
	}
	tmp, err := os.MkdirTemp("", "bench-runbooks-")
	if err != nil {
		return res, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	corpus := filepath.Join(tmp, "corpus")
	bin := filepath.Join(tmp, "incidentbot")

	fmt.Fprintf(os.Stderr, "generating %d sections, building ./cmd/incidentbot ...\n", sections)
	if err := command(ctx, "go", "run", "./runbooks/internal/corpus/gencorpus", "-out", corpus,
		"-sections", fmt.Sprint(sections)).Run(); err != nil {
		return res, fmt.Errorf("generate the corpus: %w", err)
	}
	if err := command(ctx, "go", "build", "-o", bin, "./cmd/incidentbot").Run(); err != nil {
		return res, fmt.Errorf("build the bot: %w", err)
	}
	if res.Files, res.CorpusBytes, err = measureDir(corpus); err != nil {
		return res, err
	}

	fmt.Fprintf(os.Stderr, "grep -ril: %d queries x %d runs ...\n", len(queries), runs)
	var grepMeans []float64
	for _, q := range queries {
		args := []string{"-ril"}
		for _, w := range strings.Fields(q) {
			args = append(args, "-e", w)
		}
		// grep exits 1 when nothing matches: a result, not a failure.
		mean, err := meanTime(ctx, runs, []int{0, 1}, "grep", append(args, corpus)...)
		if err != nil {
			return res, err
		}
		grepMeans = append(grepMeans, ms(mean))
	}
	res.Queries = len(grepMeans)
	res.GrepMeanMS = mean(grepMeans)
	res.GrepMinMS, res.GrepMaxMS = slices.Min(grepMeans), slices.Max(grepMeans)

	picked := spread(queries, cliQueries)
	fmt.Fprintf(os.Stderr, "CLI end to end: %d queries x %d runs ...\n", len(picked), cliRuns)
	var cliMeans []float64
	for _, q := range picked {
		args := append([]string{"runbooks", "search", "--dir", corpus, "--json"}, strings.Fields(q)...)
		// The CLI exits 1 on no match, like grep; 2 is a real failure.
		mean, err := meanTime(ctx, cliRuns, []int{0, 1}, bin, args...)
		if err != nil {
			return res, err
		}
		cliMeans = append(cliMeans, ms(mean))
	}
	res.CLIQueries = len(cliMeans)
	res.CLIMeanMS = mean(cliMeans)
	res.CLIOverGrep = res.CLIMeanMS / res.GrepMeanMS
	return res, nil
}

// meanTime runs name with args once to warm the page cache, then runs times,
// and returns the mean wall time. An exit code outside ok is an error.
func meanTime(ctx context.Context, runs int, ok []int, name string, args ...string) (time.Duration, error) {
	var total time.Duration
	for i := -1; i < runs; i++ {
		cmd := command(ctx, name, args...)
		cmd.Stdout = io.Discard
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		if err != nil {
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !slices.Contains(ok, exit.ExitCode()) {
				return 0, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
			}
		}
		if i >= 0 {
			total += elapsed
		}
	}
	return total / time.Duration(runs), nil
}

func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

// readQueries reads the queries of a query<TAB>file list, skipping comments.
func readQueries(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labelled queries (run from the module root): %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		q, _, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s: no tab in %q", path, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no queries", path)
	}
	return qs, nil
}

// spread picks n items evenly over items (all of them when n is larger), so
// a short CLI run still covers the whole query list.
func spread(items []string, n int) []string {
	if n >= len(items) {
		return items
	}
	out := make([]string, n)
	for i := range out {
		out[i] = items[i*len(items)/n]
	}
	return out
}

func measureDir(dir string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += info.Size()
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("measure the corpus: %w", err)
	}
	return files, bytes, nil
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
	_, err := fmt.Fprintf(w, `corpus: %d sections in %d files, %.1f MB
grep -ril, %d labelled queries x %d runs: mean %.1f ms per search (%.1f-%.1f ms)
CLI end to end (start, load, index, search), %d queries x %d runs: mean %.0f ms, %.0fx grep's time
`, r.Sections, r.Files, float64(r.CorpusBytes)/1e6, r.Queries, r.Runs, r.GrepMeanMS, r.GrepMinMS, r.GrepMaxMS,
		r.CLIQueries, r.CLIRuns, r.CLIMeanMS, r.CLIOverGrep)
	return err
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
