package runbooks_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/runbooks"
)

// The handlers consume the library through their Runbooks port.
var (
	_ handlers.RunbookSearcher = (*runbooks.Library)(nil)
	_ handlers.Suggester       = (*runbooks.Library)(nil)
)

// labelled is one query of a query set and the runbook that answers it.
type labelled struct{ query, file string }

// Query sets, in testdata/. The author set was written by the author of the
// runbooks and of the ranking, so it measures memory as much as search. The
// blind set was written by someone who had read only each runbook's title
// and a one-line symptom: paraphrases, pasted errors, commands, product
// names. It is frozen: never edit it to make a figure move.
const (
	authorQueries = "testdata/queries.tsv"
	blindQueries  = "testdata/blind.tsv"
)

func readQueries(t testing.TB, name string) []labelled {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var qs []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, file, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s: no tab in %q", name, line)
		}
		qs = append(qs, labelled{q, file})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// recall is how often the right runbook came first and in the top three.
type recall struct {
	n, at1, at3 int
	notes       []string // the queries that missed first place, and why
}

func (r recall) r1() float64 { return float64(r.at1) / float64(r.n) }
func (r recall) r3() float64 { return float64(r.at3) / float64(r.n) }

func measure(ix *runbooks.Index, qs []labelled) recall {
	r := recall{n: len(qs)}
	for _, q := range qs {
		hits := ix.Search(q.query, 3)
		rank := 0
		for i, h := range hits {
			if h.File == q.file {
				rank = i + 1
				break
			}
		}
		switch {
		case rank == 1:
			r.at1++
			r.at3++
		case rank > 0:
			r.at3++
			r.notes = append(r.notes, fmt.Sprintf("rank %d: %q -> want %s, first %s: %s", rank, q.query, q.file, hits[0].File, hits[0].Path))
		default:
			got := "nothing"
			if len(hits) > 0 {
				got = hits[0].File + ": " + hits[0].Path
			}
			r.notes = append(r.notes, fmt.Sprintf("miss: %q -> want %s, got %s", q.query, q.file, got))
		}
	}
	return r
}

// TestStarterRecall checks the ranking where it matters: on queries typed
// the way responders type them, the right runbook is first or near it. It
// logs one line per set, "recall <set> @1=… @3=… n=…", for scripts to read.
// The blind set's floors sit just under what the ranking reaches, so they
// catch regressions; raise them when the ranking improves.
func TestStarterRecall(t *testing.T) {
	ix, problems, err := runbooks.Load(runbooks.Starter())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("starter library: %s", p)
	}
	for _, set := range []struct {
		name, file     string
		minN           int
		floor1, floor3 float64
	}{
		{"author", authorQueries, 40, 0.75, 0.9},
		{"blind", blindQueries, 100, 0.84, 0.90},
	} {
		t.Run(set.name, func(t *testing.T) {
			qs := readQueries(t, set.file)
			if len(qs) < set.minN {
				t.Fatalf("only %d labelled queries in %s; want at least %d", len(qs), set.file, set.minN)
			}
			r := measure(ix, qs)
			for _, n := range r.notes {
				t.Log(n)
			}
			t.Logf("recall %s @1=%.3f @3=%.3f n=%d", set.name, r.r1(), r.r3(), r.n)
			if r.r1() < set.floor1 {
				t.Errorf("%s recall@1 = %.3f, want >= %.2f", set.name, r.r1(), set.floor1)
			}
			if r.r3() < set.floor3 {
				t.Errorf("%s recall@3 = %.3f, want >= %.2f", set.name, r.r3(), set.floor3)
			}
		})
	}
}
