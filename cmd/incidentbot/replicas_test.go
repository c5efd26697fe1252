package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/store"
)

// The bot as real processes: this test binary re-runs itself as
// `incidentbot run` (childEnv), so a replica can be SIGKILLed like a crashed
// pod, with nothing flushed and no shutdown hook run.

const childEnv = "INCIDENTBOT_TEST_CHILD"

func init() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// replica is one bot process.
type replica struct {
	t    *testing.T
	env  []string
	log  string
	http string
	cmd  *exec.Cmd
	done chan struct{}
}

func startReplica(t *testing.T, emu *slackemu.Emulator, name string, env map[string]string) *replica {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &replica{t: t, log: filepath.Join(t.TempDir(), name+".log"), http: addr}
	r.env = []string{childEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.URL(),
		"HTTP_ADDR=" + addr, "INCIDENT_ANNOUNCE_CHANNEL=C0ANNOUNCE", "LOG_LEVEL=info", "LOG_FORMAT=text"}
	for k, v := range env {
		r.env = append(r.env, k+"="+v)
	}
	r.start()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			b, _ := os.ReadFile(r.log)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("replica %s log (tail):\n%s", name, b)
		}
	})
	return r
}

func (r *replica) start() {
	r.t.Helper()
	f, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	r.cmd = exec.Command(os.Args[0], "run")
	r.cmd.Env, r.cmd.Stdout, r.cmd.Stderr = r.env, f, f
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	done := make(chan struct{})
	r.done = done
	go func() { r.cmd.Wait(); f.Close(); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + r.http + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			b, _ := os.ReadFile(r.log)
			r.t.Fatalf("replica exited at start:\n%s", b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	r.t.Fatal("replica not ready within 30s")
}

// kill SIGKILLs the process and waits for it.
func (r *replica) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
	}
}

const drillConfig = `
workflows:
  - name: drill-status
    on: status_changed
    do:
      - post: "Workflow: {{.ID}} changed status"
      - remind:
          after: 1s
          text: "Reminder: {{.ID}} changed status a moment ago"
`

// drill is an emulated workspace with one incident declared and Redis.
type drill struct {
	t   *testing.T
	ctx context.Context
	emu *slackemu.Emulator
	srv *redistest.Server
	ch  slackemu.Channel
}

func newDrill(t *testing.T, ctx context.Context, emuOpts slackemu.Options) *drill {
	d := &drill{t: t, ctx: ctx, srv: redistest.StartServer(t, "--appendonly", "yes"), emu: slackemu.New(emuOpts)}
	t.Cleanup(d.emu.Close)
	d.emu.AddUser("U01ALI", "ali")
	d.emu.AddChannel("C0ANNOUNCE", "incidents")
	d.emu.AddChannel("C0GENERAL", "general")
	return d
}

// declare declares an incident and waits for its channel.
func (d *drill) declare() {
	if _, err := d.emu.SlashCommand(d.ctx, "U01ALI", "C0GENERAL", "declare P2 replica drill"); err != nil {
		d.t.Fatal(err)
	}
	waitUntil(d.t, d.ctx, "the incident channel", func() bool {
		for _, c := range d.emu.Channels() {
			if strings.HasPrefix(c.Name, "inc-") {
				d.ch = c
				return true
			}
		}
		return false
	})
}

// stop ends the load and returns what it posted.
func (d *drill) stop(l *slackemu.Load) []string {
	posted, err := l.Stop()
	if err != nil {
		d.t.Error(err)
	}
	return posted
}

// lostAndDoubled reads the incident's timeline from Redis and counts the
// posted texts missing from it and those on it more than once.
func (d *drill) lostAndDoubled(posted []string) (lost, doubled int) {
	d.t.Helper()
	st, err := store.Open(d.ctx, store.Conn{Addrs: []string{d.srv.Addr()}}, store.Options{})
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	n, ok, err := st.ChannelIncident(d.ctx, d.ch.ID)
	if err != nil || !ok {
		d.t.Fatalf("channel incident: %v %v", ok, err)
	}
	events, err := st.Events(d.ctx, n)
	if err != nil {
		d.t.Fatal(err)
	}
	recorded := make([]string, 0, len(events))
	for _, ev := range events {
		recorded = append(recorded, ev.Text)
	}
	return slackemu.Tally(posted, recorded)
}

// posts counts the channel's messages that contain s.
func (d *drill) posts(s string) int {
	n := 0
	for _, m := range d.emu.Messages(d.ch.ID) {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// TestReplicaKilledMidIncident: two replicas share the Slack app and Redis;
// people write 200 messages a second and change the status now and then;
// one replica is SIGKILLed midway and started again. Slack (the emulator)
// spreads envelopes over every open connection at random and redelivers
// the unacked ones. Afterwards: every message once on the timeline, every
// status change's workflow post once, every reminder once.
func TestReplicaKilledMidIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("starts bot processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := newDrill(t, ctx, slackemu.Options{RedeliverAfter: time.Second, MaxRetries: 30})
	cfgPath := filepath.Join(t.TempDir(), "incidentbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(drillConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_ADDRS": d.srv.Addr(), "INCIDENTBOT_CONFIG": cfgPath, "SLACK_SOCKET_CONNECTIONS": "2"}
	a := startReplica(t, d.emu, "a", env)
	startReplica(t, d.emu, "b", env)
	d.declare()

	load := d.emu.StartLoad(ctx, "U01ALI", d.ch.ID, 5*time.Millisecond)
	statuses := []string{"identified", "monitoring", "investigating", "identified", "monitoring"}
	for i, s := range statuses {
		time.Sleep(2 * time.Second)
		if i == 2 {
			a.kill() // mid-load, with a status change's reminder pending
			time.Sleep(2 * time.Second)
			a.start()
		}
		if _, err := d.emu.SlashCommand(ctx, "U01ALI", d.ch.ID, "status "+s); err != nil {
			t.Fatalf("status %s: %v", s, err)
		}
	}
	time.Sleep(2 * time.Second)
	texts := d.stop(load)

	// Reminders fall due a second after each change and are looked for
	// every minute; wait for all of them, then a little more for doubles.
	waitUntil(t, ctx, "every event acked, workflow posted and reminder sent", func() bool {
		return len(d.emu.Unacked()) == 0 && d.posts("Workflow: ") >= len(statuses) && d.posts("Reminder: ") >= len(statuses)
	})
	time.Sleep(3 * time.Second)
	lost, doubled := d.lostAndDoubled(texts)
	wf, rem := d.posts("Workflow: "), d.posts("Reminder: ")
	t.Logf("two replicas, one SIGKILLed and restarted: %d messages, %d lost, %d doubled; %d status changes, %d workflow posts, %d reminders",
		len(texts), lost, doubled, len(statuses), wf, rem)
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d messages lost, %d doubled", lost, len(texts), doubled)
	}
	if wf != len(statuses) || rem != len(statuses) {
		t.Errorf("%d status changes gave %d workflow posts and %d reminders, want one each", len(statuses), wf, rem)
	}
}

// TestReplicaKilledWithSpool: Redis is down, so the replica spools and
// acks; Slack never redelivers. The replica is SIGKILLed with the spool
// full of events only it holds, and started again on the same directory
// once Redis is back: it drains the spool before it connects, and every
// message is on the timeline once.
func TestReplicaKilledWithSpool(t *testing.T) {
	if testing.Short() {
		t.Skip("starts bot processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := newDrill(t, ctx, slackemu.Options{RedeliverAfter: -1})
	dir := t.TempDir()
	r := startReplica(t, d.emu, "a", map[string]string{"REDIS_ADDRS": d.srv.Addr(), "SPOOL_DIR": dir})
	d.declare()

	d.srv.Stop()
	load := d.emu.StartLoad(ctx, "U01ALI", d.ch.ID, 5*time.Millisecond)
	time.Sleep(3 * time.Second)
	texts := d.stop(load)
	waitUntil(t, ctx, "every event acked from the spool", func() bool { return len(d.emu.Unacked()) == 0 })
	spooled := r.metric("incidentbot_spool_events")
	r.kill()
	if spooled == 0 {
		t.Fatalf("the spool was empty when the replica was killed")
	}

	d.srv.Start()
	r.start() // ready only once the spool is drained
	waitUntil(t, ctx, "the spool to drain", func() bool { return r.metric("incidentbot_spool_events") == 0 })
	lost, doubled := d.lostAndDoubled(texts)
	t.Logf("replica SIGKILLed with %d events spooled, restarted on the same SPOOL_DIR: %d messages, %d lost, %d doubled",
		int(spooled), len(texts), lost, doubled)
	if lost != 0 || doubled != 0 {
		t.Errorf("%d of %d messages lost, %d doubled", lost, len(texts), doubled)
	}
}

// metric reads one unlabelled gauge or counter from the replica's /metrics.
func (r *replica) metric(name string) float64 {
	r.t.Helper()
	resp, err := http.Get("http://" + r.http + "/metrics")
	if err != nil {
		r.t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("metrics: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				r.t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	r.t.Fatalf("no metric %s", name)
	return 0
}

func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
