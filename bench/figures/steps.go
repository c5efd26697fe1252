package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// step is one command bench/run runs; its output feeds one or more figures.
type step struct {
	id    string   // names its log, <logs>/<id>.log
	shown string   // the command as a reader types it to reproduce the figures
	dir   string   // working directory, relative to the module root
	argv  []string // what runs
	json  bool     // stdout is one JSON document, else `go test -bench` output
	// fn, when set, produces the output instead of argv.
	fn func(ctx context.Context, root string) ([]byte, error)

	out     []byte   // stdout (JSON steps) or combined output (go test)
	bench   benchSet // parsed go test output
	err     error
	elapsed time.Duration
}

// goTest is a `go test -bench` step; redis says the package's benchmarks
// need a Redis, which is why the command shown is scripts/test, the way to
// get one. bench/run has already started one and exported TEST_REDIS_URL,
// so the step runs go test itself with the same arguments.
func goTest(id, pkg, bench, benchtime string, count int, redis bool) *step {
	args := []string{"-run", "^$", "-bench", bench, "-benchmem", "-benchtime", benchtime}
	if count > 1 {
		args = append(args, "-count", strconv.Itoa(count))
	}
	args = append(args, pkg)
	prefix := "go test "
	if redis {
		prefix = "scripts/test "
	}
	return &step{id: id, shown: prefix + shellJoin(args), argv: append([]string{"go", "test"}, args...)}
}

// jsonCmd is a step whose command prints its figures as JSON on stdout.
func jsonCmd(id, dir string, argv ...string) *step {
	shown := shellJoin(argv)
	if dir != "" {
		shown = "cd " + dir + " && " + shown
	}
	return &step{id: id, shown: shown, dir: dir, argv: argv, json: true}
}

// run runs the step from root and keeps its output, also in logs/<id>.log.
func (s *step) run(ctx context.Context, root, logs string) {
	start := time.Now()
	defer func() { s.elapsed = time.Since(start) }()
	var log bytes.Buffer
	fmt.Fprintf(&log, "$ %s\n", s.shown)
	defer func() {
		if s.err != nil {
			fmt.Fprintf(&log, "\nbench/run: %v\n", s.err)
		}
		_ = os.WriteFile(filepath.Join(logs, s.id+".log"), log.Bytes(), 0o644)
	}()

	if s.fn != nil {
		s.out, s.err = s.fn(ctx, root)
		log.Write(s.out)
		return
	}
	cmd := exec.CommandContext(ctx, s.argv[0], s.argv[1:]...)
	cmd.Dir = filepath.Join(root, s.dir)
	cmd.Env = childEnv()
	var stdout bytes.Buffer
	if s.json {
		cmd.Stdout, cmd.Stderr = &stdout, &log
	} else {
		cmd.Stdout, cmd.Stderr = &log, &log
	}
	err := cmd.Run()
	if s.json {
		s.out = stdout.Bytes()
		fmt.Fprintf(&log, "\n--- stdout\n%s", s.out)
	} else {
		s.out = log.Bytes()
	}
	if err != nil {
		s.err = fmt.Errorf("%s: %w", s.shown, err)
		return
	}
	if !s.json {
		if s.bench, s.err = parseGoBench(string(s.out)); s.err == nil && len(s.bench) == 0 {
			s.err = fmt.Errorf("%s: no benchmark results in the output", s.shown)
		}
	}
}

// decode unmarshals a JSON step's output into v.
func (s *step) decode(v any) error {
	if err := json.Unmarshal(s.out, v); err != nil {
		return fmt.Errorf("%s: decode its JSON: %w", s.shown, err)
	}
	return nil
}

// childEnv is this environment without REDIS_URL: bench/ingest would
// otherwise write its incidents into whatever Redis that names, and the
// figures are of a throwaway one.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDIS_URL=") {
			env = append(env, kv)
		}
	}
	return env
}

// shellJoin quotes args for a POSIX shell, so a shown command can be pasted.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == "" {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// bleveModules counts the modules Bleve would add to the bot's build: those
// its package needs that the main module does not already list.
func bleveModules(ctx context.Context, root string) ([]byte, error) {
	list := func(dir string, args ...string) (map[string]bool, error) {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = filepath.Join(root, dir)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		set := map[string]bool{}
		for _, l := range strings.Fields(string(b)) {
			set[l] = true
		}
		return set, nil
	}
	ours, err := list("", "list", "-m", "-f", "{{.Path}}", "all")
	if err != nil {
		return nil, err
	}
	bleve, err := list("bench/bleve", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "github.com/blevesearch/bleve/v2")
	if err != nil {
		return nil, err
	}
	n := 0
	for m := range bleve {
		if !ours[m] {
			n++
		}
	}
	return []byte(strconv.Itoa(n)), nil
}

// recall runs the runbook ranking's quality test, which logs one line per
// labelled query set: "recall <set> @1=0.986 @3=0.986 n=70".
func recall(ctx context.Context, root string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "TestStarterRecall", "-v", "./runbooks/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("go test -run TestStarterRecall: %w", err)
	}
	return out, nil
}
