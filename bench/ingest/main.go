// Command ingest benchmarks the real incidentbot binary end to end: it starts
// a throwaway redis-server (or uses REDIS_URL), the Slack emulator in this
// process, builds ./cmd/incidentbot and runs it as a child process in socket
// mode against both, declares 16 incidents and measures ingest throughput
// beside raw XADD on the same Redis, ack latency at a paced 1,000 events/s,
// the child's RSS idle and under load, and how long SIGTERM takes.
//
//	go run ./bench/ingest [-n 20000] [-rate 1000] [-duration 10s] [-json] [-bin PATH]
//
// It prints a table and writes the same figures as JSON to
// bench/results/ingest-<date>.json; with -json it prints only the JSON, on
// stdout, and writes no file (bench/run reads it). Everything listens on
// 127.0.0.1 only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bench/report"
)

// Results is what one run measured; it is also the JSON written.
type Results = report.Ingest

// ReplicatedAcks is one REDIS_WAIT_REPLICAS setting's ack latency.
type ReplicatedAcks = report.ReplicatedAcks

func main() {
	n := flag.Int("n", 20000, "events for the throughput run")
	rawN := flag.Int("raw", 100000, "XADDs for the raw baseline")
	rate := flag.Int("rate", 1000, "events/s for the latency run")
	dur := flag.Duration("duration", 10*time.Second, "length of the latency run")
	asJSON := flag.Bool("json", false, "print the results as JSON on stdout instead of the table, and write no file")
	bin := flag.String("bin", "", "an incidentbot binary to measure instead of building ./cmd/incidentbot (another commit's, to compare with this rig)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx, *bin, *n, *rawN, *rate, *dur, *asJSON, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench/ingest: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, prebuilt string, n, rawN, rate int, dur time.Duration, asJSON bool, out io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-ingest-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	redisURL, stopRedis, err := startRedis(ctx, tmp)
	if err != nil {
		return err
	}
	defer stopRedis()

	bin := prebuilt
	if bin == "" {
		bin = filepath.Join(tmp, "incidentbot")
		fmt.Fprintln(os.Stderr, "building ./cmd/incidentbot ...")
		if err := build(ctx, root, bin); err != nil {
			return err
		}
	}

	rig, err := startRig(ctx, bin, redisURL, tmp)
	if err != nil {
		return err
	}
	defer rig.kill()

	res := Results{Date: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Channels: channels, InFlight: inFlight, IngestEvents: n, RawXADDEvents: rawN, PacedRate: rate}
	if err := rig.declare(ctx, channels); err != nil {
		return err
	}
	if err := rig.measure(ctx, &res, n, rawN, rate, dur); err != nil {
		return err
	}
	res.SIGTERMExitSeconds, res.ExitCode, err = rig.terminate(15 * time.Second)
	if err != nil {
		return err
	}
	if os.Getenv("REDIS_URL") == "" {
		if res.Replicated, err = replicated(ctx, bin, redisURL, tmp, rate, dur); err != nil {
			return err
		}
	}
	if asJSON {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	} else {
		printTable(out, res)
		path, err := writeJSON(root, res)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nwritten to %s\n", path)
	}
	if res.SIGTERMExitSeconds >= 10 {
		return fmt.Errorf("the bot took %.1fs to exit after SIGTERM, want < 10s", res.SIGTERMExitSeconds)
	}
	return nil
}

// measure runs the phases in order: idle RSS, max throughput, raw XADD,
// paced latency.
func (r *rig) measure(ctx context.Context, res *Results, n, rawN, rate int, dur time.Duration) error {
	// Let start-up garbage be collected and the heap settle before "idle".
	time.Sleep(2 * time.Second)
	idle, err := rssKiB(r.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res.IdleRSSMiB = mib(idle)

	fmt.Fprintf(os.Stderr, "throughput: %d events, %d in flight ...\n", n, inFlight)
	cpu0, err := cpuTicks(r.cmd.Process.Pid)
	if err != nil {
		return err
	}
	elapsed, err := r.flood(ctx, n)
	if err != nil {
		return err
	}
	cpu1, err := cpuTicks(r.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res.IngestPerSec = float64(n) / elapsed.Seconds()
	res.BotCPUPerEventUS = float64(cpu1-cpu0) / clockTicks * 1e6 / float64(n)

	fmt.Fprintf(os.Stderr, "raw XADD: %d, %d goroutines ...\n", rawN, channels)
	raw, err := rawXADD(ctx, r.redisURL, rawN, channels)
	if err != nil {
		return err
	}
	res.RawXADDPerSec = float64(rawN) / raw.Seconds()
	res.Ratio = res.IngestPerSec / res.RawXADDPerSec

	fmt.Fprintf(os.Stderr, "paced: %d events/s for %s ...\n", rate, dur)
	return r.paced(ctx, res, rate, dur)
}

// replicated attaches a replica to the master and runs the paced load
// again with REDIS_WAIT_REPLICAS=0 and =1, a fresh bot process each, so the
// two differ only in the wait.
func replicated(ctx context.Context, bin, redisURL, dir string, rate int, dur time.Duration) ([]ReplicatedAcks, error) {
	master := strings.TrimSuffix(strings.TrimPrefix(redisURL, "redis://"), "/0")
	stop, err := startReplica(ctx, dir, master)
	if err != nil {
		return nil, err
	}
	defer stop()
	var out []ReplicatedAcks
	for _, wait := range []int{0, 1} {
		fmt.Fprintf(os.Stderr, "paced with a replica, REDIS_WAIT_REPLICAS=%d ...\n", wait)
		r, err := startRig(ctx, bin, redisURL, dir, fmt.Sprintf("REDIS_WAIT_REPLICAS=%d", wait))
		if err != nil {
			return nil, err
		}
		var res Results
		err = r.declare(ctx, channels)
		if err == nil {
			err = r.paced(ctx, &res, rate, dur)
		}
		r.kill()
		if err != nil {
			return nil, fmt.Errorf("REDIS_WAIT_REPLICAS=%d: %w", wait, err)
		}
		out = append(out, ReplicatedAcks{WaitReplicas: wait, AckP50MS: res.AckP50MS, AckP99MS: res.AckP99MS, AckMaxMS: res.AckMaxMS})
	}
	return out, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := commandOutput(ctx, "", "go", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(out)
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the incidentbot module (go env GOMOD is empty)")
	}
	return filepath.Dir(mod), nil
}

func build(ctx context.Context, root, bin string) error {
	if _, err := commandOutput(ctx, root, "go", "build", "-o", bin, "./cmd/incidentbot"); err != nil {
		return fmt.Errorf("build the bot: %w", err)
	}
	return nil
}

func writeJSON(root string, res Results) (string, error) {
	dir := filepath.Join(root, "bench", "results")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("results dir: %w", err)
	}
	path := filepath.Join(dir, "ingest-"+time.Now().Format("2006-01-02")+".json")
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write results: %w", err)
	}
	return path, nil
}

func printTable(w io.Writer, r Results) {
	rows := [][2]string{
		{"bot RSS idle (16 incidents)", fmt.Sprintf("%.1f MiB", r.IdleRSSMiB)},
		{"ingest, full path", fmt.Sprintf("%.0f events/s (%d events, %d in flight)", r.IngestPerSec, r.IngestEvents, r.InFlight)},
		{"bot CPU per event", fmt.Sprintf("%.0f µs", r.BotCPUPerEventUS)},
		{"raw XADD, same Redis", fmt.Sprintf("%.0f events/s (%d goroutines)", r.RawXADDPerSec, r.Channels)},
		{"ingest / raw", fmt.Sprintf("%.2f×", r.Ratio)},
		{"paced load", fmt.Sprintf("%d sent in %.1fs = %.0f events/s (target %d)", r.PacedSent, r.PacedSeconds, r.PacedAchieved, r.PacedRate)},
		{"ack latency p50 / p99 / max", fmt.Sprintf("%.2f / %.2f / %.2f ms", r.AckP50MS, r.AckP99MS, r.AckMaxMS)},
		{"bot RSS under load mean / max", fmt.Sprintf("%.1f / %.1f MiB", r.LoadRSSMeanMiB, r.LoadRSSMaxMiB)},
		{"SIGTERM to exit", fmt.Sprintf("%.0f ms (exit code %d)", r.SIGTERMExitSeconds*1000, r.ExitCode)},
	}
	for _, a := range r.Replicated {
		rows = append(rows, [2]string{fmt.Sprintf("ack p50 / p99, replica, WAIT %d", a.WaitReplicas),
			fmt.Sprintf("%.2f / %.2f ms", a.AckP50MS, a.AckP99MS)})
	}
	fmt.Fprintf(w, "incidentbot ingest benchmark — %s, %s, %d CPUs\n\n", r.Date, r.GoVersion, r.CPUs)
	for _, row := range rows {
		fmt.Fprintf(w, "  %-32s %s\n", row[0], row[1])
	}
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
