package runbooks_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/runbooks"
)

// The handlers consume the library through their search and suggest ports.
var (
	_ handlers.RunbookSearcher = (*runbooks.Library)(nil)
	_ handlers.Suggester       = (*runbooks.Library)(nil)
)

// labelled is one query of testdata/queries.tsv and the runbook that answers it.
type labelled struct{ query, file string }

func readQueries(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/queries.tsv")
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
			t.Fatalf("queries.tsv: no tab in %q", line)
		}
		qs = append(qs, labelled{q, file})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// TestStarterRecall checks the ranking where it matters: on queries typed
// the way responders type them, the right runbook is first or near it.
func TestStarterRecall(t *testing.T) {
	ix, problems, err := runbooks.Load(runbooks.Starter())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("starter library: %s", p)
	}
	qs := readQueries(t)
	if len(qs) < 40 {
		t.Fatalf("only %d labelled queries; want at least 40", len(qs))
	}
	var at1, at3 int
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
			at1++
			at3++
		case rank > 0:
			at3++
			t.Logf("rank %d: %q -> want %s, first %s", rank, q.query, q.file, hits[0].Path)
		default:
			got := "nothing"
			if len(hits) > 0 {
				got = hits[0].File + ": " + hits[0].Path
			}
			t.Logf("miss: %q -> want %s, got %s", q.query, q.file, got)
		}
	}
	r1, r3 := float64(at1)/float64(len(qs)), float64(at3)/float64(len(qs))
	t.Logf("%d queries: recall@1 = %.3f, recall@3 = %.3f", len(qs), r1, r3)
	if r3 < 0.9 {
		t.Errorf("recall@3 = %.3f, want >= 0.9", r3)
	}
	if r1 < 0.75 {
		t.Errorf("recall@1 = %.3f, want >= 0.75", r1)
	}
}
