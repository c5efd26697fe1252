package main

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{dur(412), "412 ns"},
		{dur(53_123), "53.1 µs"},
		{dur(4_523_000), "4.52 ms"},
		{dur(2_007_300_000), "2.007 s"},
		{rate(950), "950"},
		{rate(27_812), "27.8k"},
		{rate(1_234_000), "1.23M"},
		{bytesSI(912), "912 B"},
		{bytesSI(25_100_000), "25.1 MB"},
		{count(11664), "11,664"},
		{count(100000), "100,000"},
		{count(12), "12"},
		{times(0.6512), "0.65×"},
		{times(38.4), "38×"},
		{sig(0.0391, 2), "0.039"},
		{cell("`a|b`\nc"), "`a\\|b` c"},
		{shellJoin([]string{"go", "test", "-run", "^$", "-bench", "A|B", "./store/"}), `go test -run '^$' -bench 'A|B' ./store/`},
		{shellJoin([]string{"it's"}), `'it'\''s'`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// fakeOutput is go test output shaped like each benchmark's, and the JSON
// of the commands that print JSON, so every figure finds what it reads.
var fakeOutput = map[string]string{
	"store": `BenchmarkAppend-2 	 100 	 40000 ns/op 	 25000 events/s 	 900 B/op 	 21 allocs/op
BenchmarkRawXADD-2 	 100 	 30000 ns/op 	 35000 events/s 	 500 B/op 	 10 allocs/op
`,
	"store-read":  "BenchmarkEvents100k-2 \t 5 \t 300000000 ns/op \t 100000000 B/op \t 2700000 allocs/op\n",
	"bot-ingest":  "BenchmarkIngest-2 \t 20000 \t 100000 ns/op \t 10000 events/s\nBenchmarkRawXADD16-2 \t 20000 \t 17000 ns/op \t 60000 events/s \t 0.1667 ingest/raw\n",
	"bot-decode":  "BenchmarkDecodeSlackGo-2 \t 20000 \t 40000 ns/op \t 30 MB/s \t 15900 B/op \t 248 allocs/op\nBenchmarkDecodeMinimal-2 \t 20000 \t 5000 ns/op \t 240 MB/s \t 1136 B/op \t 20 allocs/op\n",
	"bot-flows":   "BenchmarkDeclareToPage-2 \t 30 \t 4500000 ns/op\nBenchmarkWebhookToChannel-2 \t 30 \t 4000000 ns/op\nBenchmarkUpdateToDraft/instant-2 \t 30 \t 6500000 ns/op\n",
	"bot-hanging": "BenchmarkUpdateToDraft/hanging-2s-timeout-2 \t 3 \t 2007000000 ns/op\n",
	"incident":    "BenchmarkFold100k-2 \t 20 \t 46000000 ns/op \t 90000 entries \t 25000000 B/op \t 7700 allocs/op\n",
	"export":      "BenchmarkExport10k/fold-2 \t 20 \t 9000000 ns/op \t 0 bytes/doc \t 4600000 B/op \t 2900 allocs/op\nBenchmarkExport10k/json-2 \t 20 \t 45000000 ns/op \t 1912655 bytes/doc \t 26000000 B/op \t 91000 allocs/op\nBenchmarkExport10k/md-2 \t 20 \t 12000000 ns/op \t 232921 bytes/doc \t 8800000 B/op \t 44000 allocs/op\n",
	"llm": `BenchmarkPromptBuild50k-2 	 30 	 60000000 ns/op 	 410 lines 	 11650 tokens 	 1 B/op 	 1 allocs/op
BenchmarkTemplateDraft-2 	 30 	 500000 ns/op 	 1 B/op 	 1 allocs/op
BenchmarkDraftFakeLLM-2 	 30 	 14000000 ns/op 	 1 B/op 	 1 allocs/op
BenchmarkPublicFlags-2 	 30 	 148000 ns/op
BenchmarkRedactPublicText-2 	 30 	 5100 ns/op
`,
	"status": `BenchmarkStatusPage/cold-2 	 300 	 18000000 ns/op 	 79089 B/page-raw 	 8423 B/page-sent 	 27000 p99-µs 	 7990945 B/op 	 69675 allocs/op
BenchmarkStatusPage/cached-2 	 300 	 83000 ns/op 	 79089 B/page-raw 	 8423 B/page-sent 	 129.0 p99-µs 	 56887 B/op 	 382 allocs/op
BenchmarkStatusPage/render-only-2 	 300 	 1500000 ns/op 	 79089 B/page-sent 	 2751 p99-µs 	 1613638 B/op 	 8694 allocs/op
`,
	"insights": `BenchmarkCompute/report-10k-2 	 20 	 13000000 ns/op 	 15008767 B/op 	 11573 allocs/op
BenchmarkCompute/baseline-filter-10k-2 	 20 	 47000 ns/op
BenchmarkChart-2 	 20 	 70000000 ns/op 	 20125052 B/op 	 231804 allocs/op
`,
	"bot-export":      "BenchmarkExport/baseline-done-2 \t 30 \t 6000000 ns/op\nBenchmarkExport/github-2 \t 30 \t 12000000 ns/op\nBenchmarkExport/jira-2 \t 30 \t 9000000 ns/op\nBenchmarkExport/linear-2 \t 30 \t 9000000 ns/op\n",
	"bot-alerts":      "BenchmarkAlertToChannel/groups=1-2 \t 20 \t 6.0 p50-ms \t 10.0 p99-ms\nBenchmarkAlertToChannel/groups=50-2 \t 20 \t 150.0 p50-ms \t 200.0 p99-ms\n",
	"insights-load":   "BenchmarkLoad/cold-10k-2 \t 5 \t 440000000 ns/op\nBenchmarkLoad/cached-10k-2 \t 5 \t 120000000 ns/op\n",
	"pager":           "BenchmarkTrigger-2 \t 2000 \t 120000 ns/op \t 18800 B/op \t 226 allocs/op\nBenchmarkWebhook-2 \t 2000 \t 95000 ns/op \t 16200 B/op \t 164 allocs/op\n",
	"slackemu":        "BenchmarkEventDeliveryAndAck-2 \t 5000 \t 90000 ns/op \t 11000 events/s\nBenchmarkWebAPIPostMessage-2 \t 5000 \t 150000 ns/op \t 17000 B/op \t 200 allocs/op\n",
	"runbooks-load":   "BenchmarkLoad-2 \t 20 \t 220000000 ns/op \t 11.0 index-heap-MiB \t 77000000 B/op \t 900000 allocs/op\n",
	"config":          "BenchmarkCheck200Services-2 \t 200 \t 6500000 ns/op \t 14.20 MB/s \t 2354000 B/op \t 40600 allocs/op\nBenchmarkYAMLNode200Services-2 \t 200 \t 5000000 ns/op \t 18.00 MB/s \t 1723000 B/op \t 30000 allocs/op\n",
	"bot-workflows":   "BenchmarkDeclareToWorkflows/baseline-2 \t 30 \t 5000000 ns/op\nBenchmarkDeclareToWorkflows/50-workflows-2 \t 30 \t 20000000 ns/op\n",
	"workflow":        "BenchmarkMatch50-2 \t 200000 \t 2100 ns/op \t 3.000 matched \t 1744 B/op \t 3 allocs/op\n",
	"runbooks-search": "BenchmarkSearch-2 \t 20000 \t 60000 ns/op \t 53.0 p50-µs \t 300.0 p99-µs \t 4000 B/op \t 12 allocs/op\n",
	"ingest": `{"channels":16,"in_flight":256,"idle_rss_mib":22,"ingest_events":20000,"ingest_events_per_s":9000,
		"bot_cpu_us_per_event":100,"raw_xadd_events":100000,"raw_xadd_events_per_s":60000,"ingest_over_raw":0.15,
		"paced_rate_per_s":1000,"paced_seconds":10,"paced_achieved_per_s":1000,"ack_p50_ms":0.41,"ack_p99_ms":1.1,
		"ack_max_ms":5,"load_rss_mean_mib":25,"load_rss_max_mib":26,"sigterm_exit_s":0.004,"exit_code":0,
		"replicated":[{"wait_replicas":0,"ack_p50_ms":0.45,"ack_p99_ms":1.2,"ack_max_ms":6},{"wait_replicas":1,"ack_p50_ms":0.7,"ack_p99_ms":2.1,"ack_max_ms":9}]}`,
	"grep": `{"sections":10000,"files":1000,"corpus_bytes":6700000,"queries":70,"runs":5,"grep_mean_ms":12,
		"grep_min_ms":8,"grep_max_ms":20,"cli_queries":10,"cli_runs":2,"cli_mean_ms":380,"cli_over_grep":31}`,
	"bleve": `{"bleve_version":"v2.6.3","sections":10000,"files":1000,"queries":70,"engines":[
		{"name":"ours","build_s":0.22,"heap_mib":11,"p50_ms":0.05,"p99_ms":0.3,"recall1":0.986,"recall3":0.986},
		{"name":"bleve-scorch","build_s":3,"heap_mib":0.3,"p50_ms":0.6,"p99_ms":3,"recall1":0.886,"recall3":0.957,
		 "fuzzy_p50_ms":2.7,"fuzzy_p99_ms":9,"fuzzy_recall1":0.929,"fuzzy_recall3":0.971}]}`,
	"bleve-modules": "23",
	"recall":        "=== RUN   TestStarterRecall/author\n    search_test.go:127: recall author @1=0.986 @3=0.986 n=70\n    search_test.go:127: recall blind @1=0.860 @3=0.919 n=136\n--- PASS: TestStarterRecall (0.03s)\n",
}

// fakeSteps is the full plan with fakeOutput as each step's output.
func fakeSteps(t *testing.T, bleve bool) []*step {
	t.Helper()
	steps := plan(false, bleve)
	for _, s := range steps {
		out, ok := fakeOutput[s.id]
		if !ok {
			t.Fatalf("no fake output for step %q", s.id)
		}
		s.out = []byte(out)
		if !s.json && s.fn == nil {
			set, err := parseGoBench(out)
			if err != nil {
				t.Fatal(err)
			}
			s.bench = set
		}
	}
	return steps
}

// tableRow matches a row of the figures table and captures its cells;
// cells may hold escaped pipes but no bare ones.
var tableRow = regexp.MustCompile(`^\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|((?:[^|\\]|\\.)*)\|$`)

func TestEveryFigureFindsItsNumbers(t *testing.T) {
	steps := fakeSteps(t, true)
	rows := figures(steps)
	if len(rows) < 30 {
		t.Fatalf("%d rows; the plan covers more figures than that", len(rows))
	}
	for _, r := range rows {
		if r.result == "" || strings.Contains(r.result, "no figure") || strings.Contains(r.result, "failed") ||
			strings.Contains(r.result, "NaN") || strings.Contains(r.result, "%!") {
			t.Errorf("%s: result %q", r.figure, r.result)
		}
		if r.command == "" {
			t.Errorf("%s: no command", r.figure)
		}
		if r.goal != "" && r.met == nil {
			t.Errorf("%s: goal %q not judged", r.figure, r.goal)
		}
	}
	doc := render(machine{Date: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC), CPU: "AMD EPYC", Cores: 2, MemoryGiB: 7.8,
		Go: "go1.26.8", OS: "linux/amd64", Redis: "7.0.15", Commit: "0123456789ab", LoadStart: "1 / 1 / 1"},
		rows, steps, false, 6*time.Minute, "2 / 1 / 1")
	for _, want := range []string{"2026-11-23 14:05 UTC", "`0123456789ab`", "AMD EPYC, 2 cores", "7.8 GiB", "go1.26.8",
		"25.0k vs 35.0k events/s: **0.71×**", "≥ 0.6×: met", "9.00k vs 60.0k events/s: **0.15×**", "≥ 0.6×: **not met**",
		"p50 53.0 µs, p99 300 µs", "**40× faster**",
		"45.0 ms per document of 1.91 MB (26.0 MB, 91,000 allocs); **5.0×** the fold alone (9.00 ms)", "12.0 ms per document of 233 kB", "**1.30×** the YAML library's own parse of the file (5.00 ms)", "11,650 estimated tokens", "Bleve scorch 0.886 / 0.957",
		"`scripts/test -run '^$' -bench 'Append\\|RawXADD' -benchmem -benchtime 3s -count 3 ./store/`"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if strings.Contains(doc, "quick") {
		t.Error("a full run is marked quick")
	}
	inTable := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| Figure |") {
			inTable = true
		}
		if inTable && strings.HasPrefix(line, "|") && !tableRow.MatchString(line) {
			t.Errorf("row does not have four cells: %s", line)
		}
	}
}

func TestFailedAndSkippedStepsKeepTheirRows(t *testing.T) {
	steps := fakeSteps(t, false)
	for _, s := range steps {
		if s.id == "llm" {
			s.err, s.bench = errors.New("exit status 1"), nil
		}
	}
	rows := figures(steps)
	full := figures(fakeSteps(t, true))
	if len(rows) != len(full) {
		t.Fatalf("%d rows without Bleve, %d with: skipping a step dropped rows", len(rows), len(full))
	}
	var failed, skipped int
	for _, r := range rows {
		switch {
		case strings.Contains(r.result, "**failed**: see bench/results/last-run/llm.log"):
			failed++
		case strings.Contains(r.result, "not run (`--no-bleve`)"):
			skipped++
		}
	}
	if failed != 4 || skipped != 7 {
		t.Errorf("%d failed rows (want the 4 LLM ones), %d skipped (want the 7 Bleve ones)", failed, skipped)
	}
	doc := render(machine{}, rows, steps, true, time.Minute, "")
	if !strings.HasPrefix(doc, "# Benchmarks — quick smoke run, not measurements") || !strings.Contains(doc, "**quick** run") {
		t.Error("a quick run is not marked as such at the top")
	}
	if !strings.Contains(doc, "- `llm`: **failed**") {
		t.Error("the step list does not show the failure")
	}
}
