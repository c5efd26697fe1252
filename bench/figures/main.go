// Command figures runs every benchmark whose figures the documentation
// quotes and writes them, with the machine, the date and the commit they
// were measured on, to docs/benchmarks.md. Run it through bench/run, which
// starts the Redis the benchmarks need:
//
//	bench/run [--quick] [--no-bleve] [--out FILE]
//
// Each command's raw output is kept in bench/results/last-run/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	quick := flag.Bool("quick", false, "tiny benchtimes and sizes: tests the script in a minute or two; the figures mean nothing")
	noBleve := flag.Bool("no-bleve", false, "skip the Bleve comparison (bench/bleve), whose first build takes a minute")
	out := flag.String("out", "docs/benchmarks.md", "file to write, relative to the module root")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), *quick, !*noBleve, *out); err != nil {
		fmt.Fprintf(os.Stderr, "bench/run: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, quick, bleve bool, out string) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	logs := filepath.Join(root, "bench", "results", "last-run")
	if err := os.RemoveAll(logs); err != nil {
		return fmt.Errorf("clear %s: %w", logs, err)
	}
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return fmt.Errorf("logs dir: %w", err)
	}
	start := time.Now()
	m := describe(ctx, out)
	steps := plan(quick, bleve)
	var failed []string
	for i, s := range steps {
		fmt.Fprintf(os.Stderr, "bench/run: [%d/%d] %s\n", i+1, len(steps), s.shown)
		s.run(ctx, root, logs)
		if s.err != nil {
			failed = append(failed, s.id)
			fmt.Fprintf(os.Stderr, "bench/run:   FAILED after %s: %v (log: %s)\n%s\n", s.elapsed.Round(time.Second), s.err,
				filepath.Join(logs, s.id+".log"), tail(string(s.out), 15))
			continue
		}
		fmt.Fprintf(os.Stderr, "bench/run:   ok in %s\n", s.elapsed.Round(100*time.Millisecond))
	}
	doc := render(m, figures(steps), steps, quick, time.Since(start), loadAvg())
	path := out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, out)
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(os.Stderr, "bench/run: wrote %s in %s\n", out, time.Since(start).Round(time.Second))
	if len(failed) > 0 {
		return fmt.Errorf("%d steps failed (%s); their rows say so", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

func moduleRoot(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull || filepath.Base(filepath.Dir(mod)) == "bleve" {
		return "", errors.New("run from the incidentbot module root")
	}
	return filepath.Dir(mod), nil
}

// tail is the last n lines of s, for a failure's message.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
