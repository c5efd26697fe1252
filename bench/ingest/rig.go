package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/internal/slackemu"
)

const (
	// channels is how many incidents the load is spread over; the bot
	// shards events by channel over 16 workers.
	channels = 16
	// inFlight bounds envelopes sent and not yet acked in the throughput run.
	inFlight = 256
	user     = "U01ALI"
	announce = "C0ANNOUNCE"
	general  = "C0GENERAL"
	text     = "checkout pods are crash-looping again after the 14:40 deploy; rolling back now"
)

// rig is the emulator in this process and the bot binary as a child.
type rig struct {
	emu      *slackemu.Emulator
	cmd      *exec.Cmd
	exited   chan error
	redisURL string
	logPath  string
	channels []string
	seq      int64
}

// startRedis starts a throwaway redis-server on a free loopback port, or
// uses REDIS_URL when it is set.
func startRedis(ctx context.Context, dir string) (url string, stop func(), err error) {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u, func() {}, nil
	}
	addr, stop, err := startServer(ctx, filepath.Join(dir, "master"))
	if err != nil {
		return "", nil, err
	}
	return "redis://" + addr + "/0", stop, nil
}

// startReplica starts a redis-server replicating master (host:port) and
// waits until the link is up.
func startReplica(ctx context.Context, dir, master string) (stop func(), err error) {
	host, port, _ := strings.Cut(master, ":")
	addr, stop, err := startServer(ctx, filepath.Join(dir, "replica"), "--replicaof", host, port)
	if err != nil {
		return nil, err
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		info, err := c.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "master_link_status:up") {
			return stop, nil
		}
		if i == 200 {
			stop()
			return nil, fmt.Errorf("replica %s never linked to %s", addr, master)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServer runs redis-server on a free loopback port in dir, without
// persistence, and waits until it answers PING.
func startServer(ctx context.Context, dir string, args ...string) (addr string, stop func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("redis dir: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command("redis-server", argv...)
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start redis-server (install it, or set REDIS_URL): %w", err)
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(ctx).Err() == nil {
			return addr, stop, nil
		}
		if i == 100 {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s did not answer PING", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startRig starts the emulator and the bot binary against it, and waits
// until the bot is connected and ready.
// extra is more environment for the bot, NAME=value.
func startRig(ctx context.Context, bin, redisURL, dir string, extra ...string) (*rig, error) {
	// No redelivery: a lost ack must show as a stuck run, not be hidden by a
	// retry. Events about the bot's own posts would only add noise.
	emu := slackemu.New(slackemu.Options{RedeliverAfter: -1, SuppressBotEvents: true})
	emu.AddUser(user, "ali")
	emu.AddChannel(announce, "incidents")
	emu.AddChannel(general, "general")
	port, err := freePort()
	if err != nil {
		emu.Close()
		return nil, err
	}
	r := &rig{emu: emu, redisURL: redisURL, logPath: filepath.Join(dir, "bot.log"), exited: make(chan error, 1)}
	logFile, err := os.Create(r.logPath)
	if err != nil {
		emu.Close()
		return nil, fmt.Errorf("bot log: %w", err)
	}
	r.cmd = exec.Command(bin, "run")
	r.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.URL(),
		"REDIS_URL=" + redisURL, "HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"INCIDENT_ANNOUNCE_CHANNEL=" + announce, "LOG_LEVEL=warn",
	}
	r.cmd.Env = append(r.cmd.Env, extra...)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		logFile.Close()
		emu.Close()
		return nil, fmt.Errorf("start the bot: %w", err)
	}
	go func() {
		r.exited <- r.cmd.Wait()
		logFile.Close()
	}()
	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", port)
	err = r.waitFor(ctx, 30*time.Second, "the bot to connect and be ready", func() bool {
		if emu.Connections() == 0 {
			return false
		}
		resp, err := http.Get(readyz)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		r.kill()
		return nil, err
	}
	return r, nil
}

// waitFor polls cond, failing early with the bot's log if the bot exits.
func (r *rig) waitFor(ctx context.Context, limit time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case err := <-r.exited:
			r.exited <- err
			return fmt.Errorf("the bot exited (%v) while waiting for %s; its log:\n%s", err, what, r.log())
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s; the bot's log:\n%s", what, r.log())
		case <-t.C:
		}
	}
	return nil
}

func (r *rig) log() string {
	b, _ := os.ReadFile(r.logPath)
	return string(b)
}

// declare declares n incidents with /incident declare and waits until each
// is fully set up (channel mapped, declarer told) so setup is not measured.
func (r *rig) declare(ctx context.Context, n int) error {
	for i := range n {
		before := len(r.emu.Channels())
		if _, err := r.emu.SlashCommand(ctx, user, general, fmt.Sprintf("declare P3 bench %d", i+1)); err != nil {
			return fmt.Errorf("declare: %w", err)
		}
		var ch string
		err := r.waitFor(ctx, 20*time.Second, "the incident channel and reply", func() bool {
			chans := r.emu.Channels()
			if len(chans) <= before {
				return false
			}
			ch = chans[len(chans)-1].ID
			replies := 0
			for _, m := range r.emu.Ephemerals(user) {
				replies += strings.Count(m.Text+string(m.Blocks), "Declared")
			}
			return replies > i
		})
		if err != nil {
			return err
		}
		r.channels = append(r.channels, ch)
	}
	return r.waitFor(ctx, 20*time.Second, "declares to settle", func() bool { return len(r.emu.Unacked()) == 0 })
}

// send sends one message event into the next incident channel, with an
// event_id starting with prefix and a ts no other event has.
func (r *rig) send(ctx context.Context, prefix string) error {
	r.seq++
	ts := "1710408413." + strconv.FormatInt(r.seq, 10)
	inner := map[string]any{"type": "message", "channel": r.channels[int(r.seq)%len(r.channels)], "user": user,
		"text": text, "ts": ts, "event_ts": ts, "channel_type": "channel"}
	if err := r.emu.SendEvent(ctx, prefix+strconv.FormatInt(r.seq, 10), inner, 0); err != nil {
		return fmt.Errorf("send event: %w", err)
	}
	return nil
}

// flood sends n events as fast as the bot acks them, at most inFlight
// unacked, and returns the time until the last ack.
func (r *rig) flood(ctx context.Context, n int) (time.Duration, error) {
	start := time.Now()
	for sent := 0; sent < n; {
		// Refill only once a quarter of the window is free: Unacked sorts
		// the pending IDs, and asking after every ack would cost this
		// process (which shares the CPUs with the bot) more than it saves.
		free := inFlight - len(r.emu.Unacked())
		if free < inFlight/4 && free < n-sent {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		for ; free > 0 && sent < n; free-- {
			if err := r.send(ctx, "EvFlood"); err != nil {
				return 0, err
			}
			sent++
		}
	}
	if err := r.waitFor(ctx, time.Minute, "every event to be acked", func() bool { return len(r.emu.Unacked()) == 0 }); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if got := r.countAcks("EvFlood"); got != n {
		return 0, fmt.Errorf("acked %d events, want %d", got, n)
	}
	return elapsed, nil
}

func (r *rig) countAcks(prefix string) int {
	n := 0
	for _, a := range r.emu.Acks() {
		if strings.HasPrefix(a.EventID, prefix) {
			n++
		}
	}
	return n
}

// terminate sends SIGTERM and times the exit.
func (r *rig) terminate(limit time.Duration) (seconds float64, code int, err error) {
	start := time.Now()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, 0, fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case werr := <-r.exited:
		r.exited <- werr
		return time.Since(start).Seconds(), r.cmd.ProcessState.ExitCode(), nil
	case <-time.After(limit):
		return 0, 0, fmt.Errorf("the bot did not exit within %s of SIGTERM", limit)
	}
}

// kill stops the child if it is still running and closes the emulator.
func (r *rig) kill() {
	select {
	case err := <-r.exited:
		r.exited <- err
	default:
		_ = r.cmd.Process.Kill()
		<-r.exited
		r.exited <- nil
	}
	r.emu.Close()
}

func commandOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
