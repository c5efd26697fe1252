// Package redistest gives tests a real, empty Redis database.
//
// scripts/test starts one throwaway redis-server (started with many logical
// databases) and exports TEST_REDIS_URL. Every test gets a database of its
// own, allocated atomically on that server, so packages running in parallel
// never see each other's keys. Without TEST_REDIS_URL the package starts a
// redis-server of its own from PATH, once per test binary.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Databases is how many logical databases scripts/test gives the server.
const Databases = 4096

var (
	once    sync.Once
	baseURL string
	initErr error
	started *exec.Cmd // the server this binary started, if any
)

// Main runs the package's tests and then stops any redis-server this test
// binary started. Use it from TestMain: func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stopAll()
	if started != nil && started.Process != nil {
		started.Process.Kill()
		started.Wait()
	}
	os.Exit(code)
}

// URL returns a redis:// URL to a fresh, empty database reserved for t, and
// flushes it when t ends.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { baseURL, initErr = server() })
	if initErr != nil {
		t.Fatalf("redistest: %v", initErr)
	}
	opts, err := redis.ParseURL(baseURL)
	if err != nil {
		t.Fatalf("redistest: parse %q: %v", baseURL, err)
	}
	ctx := context.Background()
	ctl := redis.NewClient(opts)
	defer ctl.Close()
	// DB 0 keeps the allocation counter; tests use 1..Databases-1.
	n, err := ctl.Incr(ctx, "redistest:next-db").Result()
	if err != nil {
		t.Fatalf("redistest: allocate database: %v", err)
	}
	max := databases(ctx, ctl)
	db := int(1 + (n-1)%int64(max-1))
	opts.DB = db
	c := redis.NewClient(opts)
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("redistest: flush db %d: %v", db, err)
	}
	t.Cleanup(func() {
		c.FlushDB(context.Background())
		c.Close()
	})
	return fmt.Sprintf("redis://%s/%d", opts.Addr, db)
}

// Client returns a go-redis client on a fresh database for t.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func databases(ctx context.Context, c *redis.Client) int {
	v, err := c.ConfigGet(ctx, "databases").Result()
	if err == nil {
		if n, err := strconv.Atoi(v["databases"]); err == nil && n > 1 {
			return n
		}
	}
	return 16
}

// server returns TEST_REDIS_URL, or starts a redis-server on a free port.
func server() (string, error) {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("no TEST_REDIS_URL and no redis-server on PATH: run the tests with scripts/test, which installs and starts one")
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--databases", strconv.Itoa(Databases),
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start redis-server: %w", err)
	}
	started = cmd
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	opts, _ := redis.ParseURL(url)
	c := redis.NewClient(opts)
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return url, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("redis-server on port %d did not answer", port)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
