package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine is where and on what the figures were measured.
type machine struct {
	Date      time.Time
	CPU       string
	Cores     int
	MemoryGiB float64
	Go        string
	OS        string
	Redis     string
	Commit    string // short hash; "unknown" outside a git checkout
	Dirty     bool   // uncommitted changes besides the generated file
	LoadStart string // /proc/loadavg 1/5/15-minute averages
}

// describe reads the machine. Nothing in it is fatal: a field it cannot
// read says "unknown", because a table is still worth having without it.
func describe(ctx context.Context, out string) machine {
	m := machine{Date: time.Now().UTC(), Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown", OS: "unknown",
		Redis: "unknown", Commit: "unknown", LoadStart: loadAvg()}
	if v := procField("/proc/cpuinfo", "model name", ":"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal", ":"); v != "" {
		if kib, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.MemoryGiB = kib / (1 << 20)
		}
	}
	osName := strings.Trim(procField("/etc/os-release", "PRETTY_NAME", "="), `"`)
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	m.OS = strings.TrimSpace(fmt.Sprintf("%s/%s %s, kernel %s", runtime.GOOS, runtime.GOARCH, osName, strings.TrimSpace(string(kernel))))
	if v, err := output(ctx, "redis-server", "--version"); err == nil {
		for _, f := range strings.Fields(v) {
			if s, ok := strings.CutPrefix(f, "v="); ok {
				m.Redis = s
			}
		}
	}
	if v, err := output(ctx, "git", "rev-parse", "--short=12", "HEAD"); err == nil {
		m.Commit = v
		// The file being regenerated and the raw logs do not make a run of
		// a commit any less that commit's.
		st, err := output(ctx, "git", "status", "--porcelain", "--", ".", ":!"+out, ":!bench/results")
		m.Dirty = err != nil || st != ""
	}
	return m
}

// procField is the value of the first "key<sep>value" line of a file.
func procField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAvg is the 1, 5 and 15-minute load averages: on a shared machine
// they say how much the figures were disturbed.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ")
}

func output(ctx context.Context, name string, args ...string) (string, error) {
	b, err := exec.CommandContext(ctx, name, args...).Output()
	return strings.TrimSpace(string(b)), err
}
