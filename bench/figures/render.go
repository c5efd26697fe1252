package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sig formats x with n significant digits, without an exponent.
func sig(x float64, n int) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	decimals := max(0, n-1-int(math.Floor(math.Log10(math.Abs(x)))))
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// dur formats nanoseconds in the unit that keeps three significant digits
// readable: 412 ns, 53.1 µs, 4.52 ms, 2.007 s (a second gets four, since a
// timeout of 2 s shows only in the third decimal).
func dur(ns float64) string {
	switch {
	case ns < 1e3:
		return sig(ns, 3) + " ns"
	case ns < 1e6:
		return sig(ns/1e3, 3) + " µs"
	case ns < 1e9:
		return sig(ns/1e6, 3) + " ms"
	}
	return sig(ns/1e9, 4) + " s"
}

// rate formats a throughput: 950, 27.8k, 1.23M.
func rate(x float64) string {
	switch {
	case x < 1e3:
		return sig(x, 3)
	case x < 1e6:
		return sig(x/1e3, 3) + "k"
	}
	return sig(x/1e6, 3) + "M"
}

// bytesSI formats a byte count in decimal units, as -benchmem counts them.
func bytesSI(b float64) string {
	switch {
	case b < 1e3:
		return sig(b, 3) + " B"
	case b < 1e6:
		return sig(b/1e3, 3) + " kB"
	case b < 1e9:
		return sig(b/1e6, 3) + " MB"
	}
	return sig(b/1e9, 3) + " GB"
}

// count formats a whole number with thousands separators.
func count(x float64) string {
	s := strconv.FormatInt(int64(math.Round(x)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// times formats a ratio: 0.65×, 38×.
func times(x float64) string {
	if x < 10 {
		return sig(x, 2) + "×"
	}
	return strconv.FormatFloat(math.Round(x), 'f', 0, 64) + "×"
}

// cell makes s safe inside a Markdown table cell: GitHub ends a cell at any
// '|', even inside a code span, unless it is escaped.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// render writes the whole document.
func render(m machine, rows []row, steps []*step, quick bool, took time.Duration, loadEnd string) string {
	var b strings.Builder
	if quick {
		b.WriteString("# Benchmarks — quick smoke run, not measurements\n\n")
	} else {
		b.WriteString("# Benchmarks\n\n")
	}
	b.WriteString("<!-- Written by bench/run; do not edit. To change a figure, change its benchmark or bench/figures and run bench/run. -->\n\n")
	if quick {
		b.WriteString("> **Quick run** (`bench/run --quick`): tiny benchtimes and sizes, to test the script. " +
			"These numbers mean nothing; run `bench/run` for the real table.\n\n")
	}
	b.WriteString("Every performance figure the documentation quotes comes from this table. `bench/run` ran every " +
		"command below, one after the other, in one go; a ratio compares two figures of this same run.\n\n")
	commit := "`" + m.Commit + "`"
	if m.Dirty {
		commit += " with uncommitted changes"
	}
	mem := "unknown"
	if m.MemoryGiB > 0 {
		mem = fmt.Sprintf("%.1f GiB", m.MemoryGiB)
	}
	kind := "full"
	if quick {
		kind = "**quick**"
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	for _, kv := range [][2]string{
		{"Date", fmt.Sprintf("%s (%s run, took %s)", m.Date.Format("2006-01-02 15:04 UTC"), kind, took.Round(time.Second))},
		{"Commit", commit},
		{"CPU", fmt.Sprintf("%s, %d cores", m.CPU, m.Cores)},
		{"Memory", mem},
		{"Go", m.Go},
		{"OS", m.OS},
		{"Redis", m.Redis + ", a throwaway `redis-server` on loopback"},
		{"Load average (1 / 5 / 15 min)", fmt.Sprintf("%s at the start, %s at the end", m.LoadStart, loadEnd)},
	} {
		fmt.Fprintf(&b, "| %s | %s |\n", kv[0], cell(kv[1]))
	}

	b.WriteString("\n| Figure | Result | Goal | Command |\n|---|---|---|---|\n")
	for _, r := range rows {
		if r.group != "" {
			fmt.Fprintf(&b, "| **%s** | | | |\n", cell(r.group))
		}
		goal := r.goal
		if goal != "" && r.met != nil {
			if *r.met {
				goal += ": met"
			} else {
				goal += ": **not met**"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.figure), cell(r.result), cell(goal), cell(r.command))
	}

	b.WriteString(`
How to read it:

- A command starting with ` + "`scripts/test`" + ` needs Redis; scripts/test starts a throwaway one (bench/run
  starts one for the whole run and runs the same ` + "`go test`" + `).
- Where a command has ` + "`-count 3`" + ` the figure is the median of the runs, with their range; a ratio is of
  the medians. Percentiles are nearest-rank.
- The machine may be shared: the load average above says how busy it was. Expect better on a quiet one.

Steps, in the order they ran:

`)
	for _, s := range steps {
		status := "ok"
		if s.err != nil {
			status = "**failed**"
		}
		fmt.Fprintf(&b, "- `%s`: %s in %s\n", s.id, status, s.elapsed.Round(100*time.Millisecond))
	}
	return b.String()
}
