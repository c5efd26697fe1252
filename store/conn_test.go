package store_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestNewErrors(t *testing.T) {
	ctx := context.Background()
	down := closedAddr(t)
	tests := []struct {
		name    string
		url     string
		opts    store.Options
		want    []string
		mustNot string
	}{
		{"nothing listening", "redis://" + down + "/0", store.Options{},
			[]string{"cannot reach Redis at " + down, "is REDIS_URL right and Redis running?"}, ""},
		{"wrong scheme", "http://localhost:6379", store.Options{}, []string{"REDIS_URL is not a valid Redis URL"}, ""},
		{"unparsable URL keeps the password out", "redis://user:s3cret@local host:6379", store.Options{},
			[]string{"REDIS_URL is not a valid Redis URL"}, "s3cret"},
		{"prefix with a brace", redistest.URL(t), store.Options{Prefix: "a{b}:"}, []string{"must not contain '{'"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.New(ctx, tt.url, tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tt.mustNot != "" && strings.Contains(err.Error(), tt.mustNot) {
				t.Errorf("error %q leaks %q", err, tt.mustNot)
			}
		})
	}
}

func TestNewWrongPassword(t *testing.T) {
	addr := startRedis(t, "--requirepass", "right")
	_, err := store.New(context.Background(), "redis://:s3cret-pw@"+addr+"/0", store.Options{})
	if err == nil || !strings.Contains(err.Error(), "check the user, password and database in REDIS_URL") {
		t.Fatalf("err = %v, want advice about credentials", err)
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q leaks the password", err)
	}
}

func TestPrefixSeparatesBots(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	a := tg.Store(t, store.Options{Prefix: "a:"})
	b := tg.Store(t, store.Options{Prefix: "b:"})
	if err := a.CreateIncident(ctx, fullIncident(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Incident(ctx, 1); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("bot b sees bot a's incident: %v", err)
	}
	if n, _ := b.NextNumber(ctx); n != 1 {
		t.Errorf("bot b's first number = %d, want 1", n)
	}
	if _, ok, _ := b.ChannelIncident(ctx, fullIncident(1).ChannelID); ok {
		t.Error("bot b sees bot a's channel")
	}
}

func TestPing(t *testing.T) {
	if err := mustStore(t, store.Options{}).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDurability(t *testing.T) {
	tests := []struct {
		name             string
		args             []string
		wantAOF, wantRDB bool
		wantErr          error
	}{
		{"nothing on disk", []string{"--appendonly", "no", "--save", ""}, false, false, nil},
		{"aof only", []string{"--appendonly", "yes", "--save", ""}, true, false, nil},
		{"rdb only", []string{"--appendonly", "no", "--save", "900 1"}, false, true, nil},
		{"CONFIG disabled", []string{"--rename-command", "CONFIG", ""}, false, false, store.ErrConfigUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startRedis(t, tt.args...)
			s := mustStoreAt(t, "redis://"+addr+"/0", store.Options{})
			aof, rdb, err := s.Durability(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if aof != tt.wantAOF || rdb != tt.wantRDB {
				t.Errorf("Durability = aof %v rdb %v, want %v %v", aof, rdb, tt.wantAOF, tt.wantRDB)
			}
		})
	}
}

// TestRedisDown checks that a Store whose server went away returns errors
// (so the bot does not ack Slack events it could not record) instead of
// hanging or pretending.
func TestRedisDown(t *testing.T) {
	ctx := context.Background()
	addr := startRedis(t)
	s := mustStoreAt(t, "redis://"+addr+"/0", store.Options{})
	ev := incident.Event{Kind: incident.KindMessage, TS: "1.1", Text: "before"}
	if _, ok, err := s.Append(ctx, 1, "Ev1", ev); err != nil || !ok {
		t.Fatalf("Append while up: %v, %v", ok, err)
	}
	stopRedis(t, addr)
	calls := []struct {
		name string
		call func() error
	}{
		{"Append", func() error { _, _, err := s.Append(ctx, 1, "Ev2", ev); return err }},
		{"Events", func() error { _, err := s.Events(ctx, 1); return err }},
		{"Ping", func() error { return s.Ping(ctx) }},
		{"Lock", func() error { _, err := s.Lock(ctx, "x", time.Second); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err == nil {
				t.Fatalf("%s succeeded with Redis stopped", c.name)
			}
		})
	}
	_, _, err := s.Append(ctx, 1, "Ev2", ev)
	if want := "store: append incident 1:"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Append error %v does not start with %q", err, want)
	}
}

// servers are the redis-server processes this test binary started, by address.
var servers = map[string]*exec.Cmd{}

// startRedis starts a private redis-server with extra args, for tests that
// change its configuration or stop it. It skips the test when redis-server
// is not on PATH.
func startRedis(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; run the tests with scripts/test")
	}
	addr := closedAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	base := []string{"--port", port, "--bind", "127.0.0.1", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}
	cmd := exec.Command(bin, append(base, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	servers[addr] = cmd
	t.Cleanup(func() { stopRedis(t, addr) })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	t.Fatalf("redis-server on %s did not start: %s", addr, log)
	return ""
}

// stopRedis kills the server startRedis started on addr and waits for it.
func stopRedis(t *testing.T, addr string) {
	t.Helper()
	cmd, ok := servers[addr]
	if !ok {
		return
	}
	delete(servers, addr)
	if err := cmd.Process.Kill(); err != nil {
		t.Errorf("stop redis-server on %s: %v", addr, err)
	}
	cmd.Wait()
}

// TestTopology makes sure a matrix run really talks to the topology it names:
// a suite that silently fell back to one node would prove nothing.
func TestTopology(t *testing.T) {
	ctx := context.Background()
	tg := redistest.For(t)
	c := tg.Client(t)
	switch redistest.Mode() {
	case "cluster":
		if tg.Prefix == "" {
			t.Error("a cluster target has no key prefix: tests would share keys")
		}
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			t.Fatalf("CLUSTER INFO = %q, %v", info, err)
		}
		// Incidents on different slots, and every index, through one store.
		s := tg.Store(t, store.Options{})
		for n := int64(1); n <= 20; n++ {
			if err := s.CreateIncident(ctx, fullIncident(n)); err != nil {
				t.Fatalf("incident %d on a cluster: %v", n, err)
			}
		}
		if act, err := s.Active(ctx); err != nil || len(act) != 20 {
			t.Errorf("Active = %d incidents, %v; want 20", len(act), err)
		}
	case "sentinel":
		role, err := c.Do(ctx, "ROLE").Slice()
		if err != nil || len(role) == 0 || role[0] != "master" {
			t.Fatalf("ROLE through Sentinel = %v, %v; want the master", role, err)
		}
	default:
		if tg.Conn.URL == "" {
			t.Errorf("single-node target has no URL: %+v", tg.Conn)
		}
	}
}

func TestConnMode(t *testing.T) {
	tests := []struct {
		conn store.Conn
		want string
	}{
		{store.Conn{URL: "redis://localhost:6379/0"}, "single"},
		{store.Conn{Addrs: []string{"a:1"}}, "single"},
		{store.Conn{Addrs: []string{"a:1", "b:2"}}, "cluster"},
		{store.Conn{Addrs: []string{"a:26379"}, MasterName: "mymaster"}, "sentinel"},
	}
	for _, tt := range tests {
		if got := tt.conn.Mode(); got != tt.want {
			t.Errorf("%+v: Mode = %q, want %q", tt.conn, got, tt.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	down := closedAddr(t)
	tests := []struct {
		name string
		conn store.Conn
		want []string
	}{
		{"cluster seeds down", store.Conn{Addrs: []string{down, closedAddr(t)}, Password: "s3cret"},
			[]string{"cannot reach Redis at " + down, "is REDIS_ADDRS right"}},
		{"sentinels down", store.Conn{Addrs: []string{down}, MasterName: "mymaster", Password: "s3cret"},
			[]string{"cannot reach Redis", "is REDIS_ADDRS right"}},
		{"cluster with a database", store.Conn{Addrs: []string{"a:1", "b:2"}, DB: 3},
			[]string{"REDIS_DB=3", "only database 0"}},
		{"not host:port", store.Conn{Addrs: []string{"redis.internal"}}, []string{`"redis.internal" is not host:port`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, tt.conn, store.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}
