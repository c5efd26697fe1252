package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/incidentbot/incidentbot/runbooks"
)

const runbooksUsage = `Usage:
  incidentbot runbooks search [--dir DIR] [--limit N] [--json] QUERY...
  incidentbot runbooks lint [--dir DIR]

DIR defaults to $RUNBOOKS_DIR, and to the starter library built into the
binary when that is unset. search exits 0 when something matched, 1 when
nothing did, 2 on a usage or read error; lint exits 1 when it finds errors.
`

// runbooksMain runs `incidentbot runbooks ...`; args are the words after
// "runbooks". It returns the process exit code.
func runbooksMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, runbooksUsage)
		return 2
	}
	switch args[0] {
	case "search":
		return runbooksSearch(ctx, args[1:], stdout, stderr)
	case "lint":
		return runbooksLint(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, runbooksUsage)
		return 0
	}
	fmt.Fprintf(stderr, "incidentbot runbooks: unknown command %q\n\n%s", args[0], runbooksUsage)
	return 2
}

// usageError returns a func that says on stderr what was wrong with a
// command's arguments, then its usage, and gives the usage exit code (2).
func usageError(stderr io.Writer, cmd, usage string) func(format string, a ...any) int {
	return func(format string, a ...any) int {
		fmt.Fprintf(stderr, cmd+": "+format+"\n\n%s", append(a, usage)...)
		return 2
	}
}

// parseInterspersed parses flags anywhere among the words, so
// `search postgres --json` works as well as `search --json postgres`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return words, nil
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func newRunbooksFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("incidentbot runbooks "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, runbooksUsage) }
	dir := fs.String("dir", os.Getenv("RUNBOOKS_DIR"), "runbooks directory (default: $RUNBOOKS_DIR, else the built-in starter library)")
	return fs, dir
}

// jsonHit is the public JSON shape of a search result.
type jsonHit struct {
	File    string  `json:"file"`
	Heading string  `json:"heading"`
	Path    string  `json:"path"`
	Score   float64 `json:"score"`
	Text    string  `json:"text"`
}

func runbooksSearch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dir := newRunbooksFlags("search", stderr)
	limit := fs.Int("limit", 5, "maximum number of sections to show")
	asJSON := fs.Bool("json", false, "print a JSON array of {file, heading, path, score, text}, best first")
	words, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	query := strings.Join(words, " ")
	if strings.TrimSpace(query) == "" || *limit < 1 {
		fmt.Fprintf(stderr, "incidentbot runbooks search: need a QUERY and --limit of at least 1\n\n%s", runbooksUsage)
		return 2
	}
	// Logs (broken runbooks) go to stderr so stdout carries only results.
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	lib, err := runbooks.Open(ctx, *dir, logger)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot runbooks search: %v\n", err)
		return 2
	}
	hits := lib.Search(query, *limit)
	if *asJSON {
		out := make([]jsonHit, len(hits))
		for i, h := range hits {
			out[i] = jsonHit{File: h.File, Heading: h.Heading, Path: h.Path, Score: h.Score, Text: h.Text}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // keep " > " in paths readable
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "incidentbot runbooks search: %v\n", err)
			return 2
		}
	}
	if len(hits) == 0 {
		noMatch(stderr, lib, query, *dir)
		return 1
	}
	if *asJSON {
		return 0
	}
	for i, h := range hits {
		fmt.Fprintf(stdout, "%d. %s\n   %s  (score %.2f)\n", i+1, h.Path, h.File, h.Score)
		for _, line := range strings.Split(lib.Snippet(h.Text, query, 3), "\n") {
			if line != "" {
				fmt.Fprintf(stdout, "   | %s\n", line)
			}
		}
		fmt.Fprintln(stdout)
	}
	return 0
}

// noMatch tells the user what to try when a search finds nothing.
func noMatch(w io.Writer, lib *runbooks.Library, query, dir string) {
	fmt.Fprintf(w, "No runbook section matches %q.\n", query)
	if near := lib.Closest(query); len(near) > 0 {
		fmt.Fprintf(w, "Closest known words: %s\n", strings.Join(near, ", "))
	}
	files, sections := lib.Count()
	where := "the built-in starter library"
	if dir != "" {
		where = dir
	}
	fmt.Fprintf(w, "Searched %d sections in %d runbooks in %s; try fewer or more general words.\n", sections, files, where)
}

func runbooksLint(args []string, stdout, stderr io.Writer) int {
	fs, dir := newRunbooksFlags("lint", stderr)
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "incidentbot runbooks lint: unexpected %q\n\n%s", rest, runbooksUsage)
		return 2
	}
	fsys, where := runbooks.Starter(), "starter library"
	if *dir != "" {
		info, err := os.Stat(*dir)
		if err != nil || !info.IsDir() {
			fmt.Fprintf(stderr, "incidentbot runbooks lint: %s is not a readable directory\n", *dir)
			return 2
		}
		fsys, where = os.DirFS(*dir), *dir
	}
	ix, problems, err := runbooks.Load(fsys)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot runbooks lint: %v\n", err)
		return 2
	}
	errs := 0
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
		if p.Severity == runbooks.Error {
			errs++
		}
	}
	files, sections := ix.Count()
	fmt.Fprintf(stdout, "%s: %d runbooks, %d sections, %d errors, %d warnings\n",
		where, files, sections, errs, len(problems)-errs)
	if errs > 0 {
		return 1
	}
	return 0
}
