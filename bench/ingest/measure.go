package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// Linux fixes it at 100 on every architecture Go supports.
const clockTicks = 100

// paced sends rate events/s for dur, sampling the bot's RSS meanwhile, then
// reads each event's send→ack latency from the emulator.
func (r *rig) paced(ctx context.Context, res *Results, rate int, dur time.Duration) error {
	total := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)

	stopSampling := make(chan struct{})
	samples := make(chan []int64, 1)
	go func() { samples <- sampleRSS(r.cmd.Process.Pid, 200*time.Millisecond, stopSampling) }()

	start := time.Now()
	for i := range total {
		// Send on a fixed schedule; when behind, catch up at once so the
		// average rate holds even though sleeps overshoot.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if err := r.send(ctx, "EvPaced"); err != nil {
			close(stopSampling)
			<-samples
			return err
		}
	}
	sendTime := time.Since(start)
	err := r.waitFor(ctx, 30*time.Second, "the paced events to be acked", func() bool { return len(r.emu.Unacked()) == 0 })
	close(stopSampling)
	rss := <-samples
	if err != nil {
		return err
	}

	var lat []time.Duration
	for _, a := range r.emu.Acks() {
		if strings.HasPrefix(a.EventID, "EvPaced") {
			lat = append(lat, a.Latency)
		}
	}
	if len(lat) != total {
		return fmt.Errorf("acked %d paced events, want %d", len(lat), total)
	}
	slices.Sort(lat)
	res.PacedSeconds = sendTime.Seconds()
	res.PacedSent = total
	res.PacedAchieved = float64(total) / sendTime.Seconds()
	res.AckP50MS = ms(percentile(lat, 50))
	res.AckP99MS = ms(percentile(lat, 99))
	res.AckMaxMS = ms(lat[len(lat)-1])
	if len(rss) == 0 {
		return errors.New("no RSS sample taken during the paced run")
	}
	var sum int64
	for _, v := range rss {
		sum += v
	}
	res.LoadRSSMeanMiB = mib(sum / int64(len(rss)))
	res.LoadRSSMaxMiB = mib(slices.Max(rss))
	return nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sampleRSS(pid int, every time.Duration, stop <-chan struct{}) []int64 {
	var out []int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return out
		case <-t.C:
			if v, err := rssKiB(pid); err == nil {
				out = append(out, v)
			}
		}
	}
}

// rawXADD is the ceiling: n plain go-redis XADDs of the fields the store
// writes for a message, from workers goroutines over as many streams.
func rawXADD(ctx context.Context, url string, n, workers int) (time.Duration, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return 0, fmt.Errorf("REDIS_URL: %w", err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	values := []string{"kind", "message", "at", strconv.FormatInt(time.Now().UnixMilli(), 10), "actor", user,
		"ts", "1710408413.000100", "thread_ts", "1710408413.000100", "text", text}
	keys := make([]string, workers)
	for i := range keys {
		keys[i] = "bench:raw:{" + strconv.Itoa(i) + "}:events"
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for _, key := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := c.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: values}).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, fmt.Errorf("raw XADD: %w", err)
	}
	// Leave a REDIS_URL the caller gave us as we found it.
	if err := c.Del(ctx, keys...).Err(); err != nil {
		return 0, fmt.Errorf("raw XADD cleanup: %w", err)
	}
	return elapsed, nil
}

// rssKiB reads VmRSS from /proc/<pid>/status.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("bot RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bot RSS %q: %w", line, err)
			}
			return n, nil
		}
	}
	return 0, errors.New("bot RSS: no VmRSS in /proc status")
}

// cpuTicks is the process's user+system CPU time in clock ticks, from
// fields 14 and 15 of /proc/<pid>/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bot CPU: %w", err)
	}
	// The command name (field 2) may hold spaces; fields after it are
	// counted from its closing parenthesis.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bot CPU: short /proc stat %q", s)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("bot CPU: %w", err)
	}
	return ut + st, nil
}
