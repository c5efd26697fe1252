package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) { Main(m) }

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real redis processes")
	}
}

// alive reports whether a process with pid exists.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func TestServerStopStartKeepsAOF(t *testing.T) {
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := StartServer(t, "--appendonly", "yes", "--appendfsync", "always")
	c := s.Client()
	pid := s.PID()
	if pid == 0 {
		t.Fatal("PID is 0 for a running server")
	}
	if err := c.Set(ctx, "stopped", "v1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	s.Stop()
	if s.PID() != 0 || alive(pid) {
		t.Fatalf("pid %d still running after Stop", pid)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Stop")
	}
	s.Start()
	if s.PID() == 0 || s.PID() == pid {
		t.Fatalf("PID after Start is %d (was %d)", s.PID(), pid)
	}
	if v, err := c.Get(ctx, "stopped").Result(); err != nil || v != "v1" {
		t.Fatalf("after Stop and Start: GET = %q, %v; want v1", v, err)
	}

	// With appendfsync always even a SIGKILL loses nothing acknowledged.
	if err := c.Set(ctx, "killed", "v2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	pid = s.PID()
	s.Kill()
	if alive(pid) {
		t.Fatalf("pid %d still running after Kill", pid)
	}
	s.Start()
	if v, err := c.Get(ctx, "killed").Result(); err != nil || v != "v2" {
		t.Fatalf("after Kill and Start: GET = %q, %v; want v2", v, err)
	}
}

func TestServerCleanupKillsAndRemoves(t *testing.T) {
	skipShort(t)
	var pid int
	var dir string
	t.Run("inner", func(t *testing.T) {
		s := StartServer(t)
		pid, dir = s.PID(), s.Dir()
	})
	if alive(pid) {
		t.Errorf("pid %d still running after the test's cleanup", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dir %s still there after the test's cleanup: %v", dir, err)
	}
}

func TestServerBadArgsReportsLog(t *testing.T) {
	skipShort(t)
	_, err := launch(t, false, func(port int, dir string) ([]string, error) {
		return serverArgv(port, dir, []string{"--no-such-directive", "x"})
	})
	if err == nil {
		t.Fatal("a server with a bad directive started")
	}
	t.Logf("error (expected): %v", err)
}

func TestClusterFailoverKeepsKeys(t *testing.T) {
	skipShort(t)
	start := time.Now()
	cl := StartCluster(t)
	t.Logf("cluster up in %v", time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if len(cl.Addrs()) != 6 || len(cl.Nodes()) != 6 {
		t.Fatalf("%d addrs, %d nodes; want 6", len(cl.Addrs()), len(cl.Nodes()))
	}
	masters, err := cl.Masters(ctx)
	if err != nil || len(masters) != 3 {
		t.Fatalf("Masters = %v, %v; want 3", masters, err)
	}

	// One connection per node, so a WAIT on it covers every write made
	// to that master.
	w := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), PoolSize: 1})
	defer w.Close()
	const n = 1000
	for i := 0; i < n; i++ {
		if err := w.Set(ctx, "key:"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}
	err = w.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		acked, err := m.Do(ctx, "WAIT", 1, 5000).Int()
		if err != nil {
			return fmt.Errorf("%s: WAIT: %w", m.Options().Addr, err)
		}
		if acked < 1 {
			return fmt.Errorf("%s: WAIT 1: %d replicas acknowledged", m.Options().Addr, acked)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	rc := cl.Client()
	if err := rc.Get(ctx, "key:0").Err(); err != nil { // learn the slot map
		t.Fatal(err)
	}
	failAt := time.Now()
	victim, err := cl.KillMasterOf(ctx, "key:0")
	if err != nil {
		t.Fatal(err)
	}
	if victim.PID() != 0 {
		t.Fatalf("%s still running after KillMasterOf", victim.Addr())
	}
	if err := cl.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed master %s; healthy again in %v", victim.Addr(), time.Since(failAt))

	for i := 0; i < n; i++ {
		k := "key:" + strconv.Itoa(i)
		v, err := rc.Get(ctx, k).Int()
		if err != nil || v != i {
			t.Fatalf("after failover GET %s = %d, %v; want %d", k, v, err, i)
		}
	}
	if err := rc.Set(ctx, "key:0", "after", 0).Err(); err != nil {
		t.Fatalf("SET after failover: %v", err)
	}
	masters, err = cl.Masters(ctx)
	if err != nil || len(masters) != 3 {
		t.Fatalf("Masters after failover = %v, %v; want 3", masters, err)
	}
	for _, m := range masters {
		if m == victim {
			t.Fatalf("killed %s still among the masters", victim.Addr())
		}
	}
	t.Logf("total %v", time.Since(start))
}

func TestSentinelFailover(t *testing.T) {
	skipShort(t)
	start := time.Now()
	sn := StartSentinel(t)
	t.Logf("sentinel deployment up in %v", time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if sn.MasterName() != "mymaster" || len(sn.SentinelAddrs()) != 3 {
		t.Fatalf("MasterName %q, SentinelAddrs %v", sn.MasterName(), sn.SentinelAddrs())
	}
	c := sn.Client()

	// writeSynced writes key and waits until both replicas have it (a
	// demoted master rejoins as a replica only a few seconds after a
	// failover), asking again until the deadline.
	writeSynced := func(key string) {
		t.Helper()
		at := time.Now()
		var lastErr error
		for ctx.Err() == nil {
			if lastErr = setAndWait(ctx, c, key, 2); lastErr == nil {
				t.Logf("%s on both replicas in %v", key, time.Since(at))
				return
			}
			// Right after a failover the client may still reach the old
			// master, paused or read-only: ask again on a new connection.
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("SET %s and WAIT 2: %v (by the deadline)", key, lastErr)
	}

	// A manual failover first, with everything up.
	first, err := sn.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writeSynced("before-failover")
	at := time.Now()
	if err := sn.Failover(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := sn.WaitMasterChange(ctx, first.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SENTINEL FAILOVER: %s -> %s in %v", first.Addr(), second, time.Since(at))

	// Then a crash: the demoted master must have rejoined as a replica
	// before the write is on both.
	writeSynced("before-kill")
	at = time.Now()
	killed, err := sn.KillMaster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if killed.Addr() != second {
		t.Fatalf("KillMaster killed %s, want the master %s", killed.Addr(), second)
	}
	third, err := sn.WaitMasterChange(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed master %s -> %s in %v", second, third, time.Since(at))

	if err := c.Set(ctx, "after-kill", "v", 0).Err(); err != nil {
		t.Fatalf("SET through the failover client after the failover: %v", err)
	}
	for _, k := range []string{"before-failover", "before-kill", "after-kill"} {
		if err := c.Get(ctx, k).Err(); err != nil {
			t.Fatalf("GET %s after the failover: %v", k, err)
		}
	}
	m, err := sn.Master(ctx)
	if err != nil || m.Addr() != third {
		t.Fatalf("Master = %v, %v; want %s", m, err, third)
	}
	t.Logf("total %v", time.Since(start))
}

// proxied is a server behind a proxy and a client through the proxy.
func proxied(t *testing.T) (*Proxy, *redis.Client) {
	t.Helper()
	s := StartServer(t)
	p := NewProxy(t, s.Addr())
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING through the proxy: %v", err)
	}
	return p, c
}

func roundTrip(t *testing.T, c *redis.Client) time.Duration {
	t.Helper()
	at := time.Now()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING through the proxy: %v", err)
	}
	return time.Since(at)
}

func TestProxyLatency(t *testing.T) {
	skipShort(t)
	p, c := proxied(t)
	base := roundTrip(t, c)
	const lat = 100 * time.Millisecond
	p.SetLatency(lat)
	slow := roundTrip(t, c)
	// The request and the reply are each delayed.
	if slow < 2*lat {
		t.Errorf("round trip with latency %v took %v; want >= %v", lat, slow, 2*lat)
	}
	p.SetLatency(0)
	fast := roundTrip(t, c)
	if fast >= lat {
		t.Errorf("round trip with latency back to 0 took %v", fast)
	}
	t.Logf("round trip: %v, with %v latency %v, after %v", base, lat, slow, fast)
}

func TestProxyPause(t *testing.T) {
	skipShort(t)
	p, c := proxied(t)
	p.Pause()
	res := make(chan error, 1)
	go func() { res <- c.Ping(context.Background()).Err() }()

	// A connection made while paused is accepted, but stalls too.
	raw, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatalf("dial the paused proxy: %v", err)
	}
	defer raw.Close()
	if _, err := raw.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-res:
		t.Fatalf("PING returned while paused: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	p.Resume()
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("PING after Resume: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("PING still stalled 2s after Resume")
	}
	raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(raw).ReadString('\n')
	if err != nil || line != "+PONG\r\n" {
		t.Fatalf("raw PING after Resume: %q, %v", line, err)
	}
}

func TestProxyDrop(t *testing.T) {
	skipShort(t)
	p, c := proxied(t)
	raw, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	r := bufio.NewReader(raw)
	if _, err := raw.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "+PONG\r\n" {
		t.Fatalf("raw PING: %q, %v", line, err)
	}

	p.Drop()
	raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = r.ReadByte()
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("read after Drop: %v; want the connection closed", err)
	}
	// The proxy still takes new connections (the client's pool finds its
	// idle one dead and dials again).
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING on a new connection after Drop: %v", err)
	}
}

// setAndWait writes key on one connection and WAITs, in rounds shorter
// than the client's read timeout, until replicas have it.
func setAndWait(ctx context.Context, c *redis.Client, key string, replicas int) error {
	conn := c.Conn()
	defer conn.Close()
	if err := conn.Set(ctx, key, "v", 0).Err(); err != nil {
		return fmt.Errorf("SET: %w", err)
	}
	for ctx.Err() == nil {
		acked, err := conn.Do(ctx, "WAIT", replicas, 1000).Int()
		if err != nil {
			return fmt.Errorf("WAIT: %w", err)
		}
		if acked >= replicas {
			return nil
		}
	}
	return ctx.Err()
}
