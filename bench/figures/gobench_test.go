package main

import "testing"

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/incidentbot/incidentbot/store
cpu: AMD EPYC
BenchmarkAppend-2       	   60000	     52000 ns/op	     19230 events/s	     912 B/op	      21 allocs/op
BenchmarkAppend-2       	   70000	     40000 ns/op	     25000 events/s	     900 B/op	      21 allocs/op
BenchmarkAppend-2       	   50000	     60000 ns/op	     16666 events/s	     920 B/op	      21 allocs/op
BenchmarkUpdateToDraft/hanging-2s-timeout-2         	time=2024-05-01T14:00:00Z level=WARN msg="model timed out"
       3	2007000000 ns/op
BenchmarkSearch 	   20000	     61234 ns/op	        53.10 p50-µs	       290.5 p99-µs	    4096 B/op	      12 allocs/op
PASS
ok  	github.com/incidentbot/incidentbot/store	12.345s
`

func TestParseGoBench(t *testing.T) {
	set, err := parseGoBench(sampleOutput)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 3 {
		t.Fatalf("parsed %d benchmarks, want 3: %v", len(set), set)
	}
	st, err := set.get("BenchmarkAppend", "events/s")
	if err != nil {
		t.Fatal(err)
	}
	if st.runs != 3 || st.median != 19230 || st.min != 16666 || st.max != 25000 {
		t.Errorf("Append events/s = %+v, want median 19230 of 16666-25000 over 3 runs", st)
	}
	// A log line between the name and its figures must not lose the figures,
	// and the GOMAXPROCS suffix goes while the "-2s-timeout" of the name stays.
	if st, err := set.get("BenchmarkUpdateToDraft/hanging-2s-timeout", "ns/op"); err != nil || st.median != 2.007e9 {
		t.Errorf("hanging ns/op = %+v, %v; want 2.007e9", st, err)
	}
	// Without a suffix (GOMAXPROCS=1) the name is as declared; custom units parse.
	if st, err := set.get("BenchmarkSearch", "p99-µs"); err != nil || st.median != 290.5 {
		t.Errorf("Search p99 = %+v, %v; want 290.5", st, err)
	}
	if _, err := set.get("BenchmarkSearch", "events/s"); err == nil {
		t.Error("a unit the benchmark did not report gave no error")
	}
	if _, err := set.get("BenchmarkMissing", "ns/op"); err == nil {
		t.Error("a benchmark that did not run gave no error")
	}
}

func TestStatMedianOfEvenCount(t *testing.T) {
	set := benchSet{"B": {{"x": 1}, {"x": 4}, {"x": 2}, {"x": 10}}}
	st, err := set.get("B", "x")
	if err != nil || st.median != 3 || st.min != 1 || st.max != 10 {
		t.Errorf("got %+v, %v; want median 3, 1-10", st, err)
	}
}
