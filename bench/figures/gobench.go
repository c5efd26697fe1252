package main

import (
	"bufio"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sample is one benchmark result line: value by unit ("ns/op", "B/op",
// "allocs/op" and the units of b.ReportMetric).
type sample map[string]float64

// benchSet is the samples of one `go test -bench` run, by benchmark name
// without the -GOMAXPROCS suffix, one sample per -count.
type benchSet map[string][]sample

var (
	// procsSuffix is the "-2" go test appends to a name for GOMAXPROCS.
	procsSuffix = regexp.MustCompile(`-\d+$`)
	// measurement is the part of a result line after the name: iterations,
	// then value-unit pairs.
	measurement = regexp.MustCompile(`^\s*(\d+)((?:\s+[-+0-9.eE]+ \S+)+)\s*$`)
)

// parseGoBench reads the result lines of `go test -bench` output. A name and
// its figures are usually one line, but output the benchmark itself prints
// (logs) can land between them; the figures then belong to the last name.
func parseGoBench(out string) (benchSet, error) {
	set := benchSet{}
	pending := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		rest := line
		if strings.HasPrefix(line, "Benchmark") {
			name, tail, _ := strings.Cut(line, "\t")
			pending = procsSuffix.ReplaceAllString(strings.TrimSpace(name), "")
			rest = tail
		}
		if pending == "" {
			continue
		}
		m := measurement.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		s := sample{}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", pending, f[i], err)
			}
			s[f[i+1]] = v
		}
		set[pending] = append(set[pending], s)
		pending = ""
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read go test output: %w", err)
	}
	return set, nil
}

// stat is a figure over the -count runs of one benchmark.
type stat struct {
	median, min, max float64
	runs             int
}

// get returns the median, minimum and maximum of unit over name's samples.
func (s benchSet) get(name, unit string) (stat, error) {
	samples, ok := s[name]
	if !ok {
		return stat{}, fmt.Errorf("no result for %s", name)
	}
	var vs []float64
	for _, smp := range samples {
		v, ok := smp[unit]
		if !ok {
			return stat{}, fmt.Errorf("%s reported no %s", name, unit)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	med := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return stat{median: med, min: vs[0], max: vs[len(vs)-1], runs: len(vs)}, nil
}
