package redistest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/store"
)

// The suites run against whichever Redis scripts/test started:
// TEST_REDIS_ADDRS (comma-separated) with TEST_REDIS_MASTER_NAME for
// Sentinel, TEST_REDIS_ADDRS alone for a Cluster, else TEST_REDIS_URL (or a
// server of this binary's own) for one node.

// Target is an isolated piece of the test Redis for one test: where it is
// and the key prefix that keeps the test's keys apart. A single node or a
// Sentinel master gives each test a database of its own and no prefix; a
// Cluster has one database, so each test gets a prefix instead.
type Target struct {
	Conn   store.Conn
	Prefix string
}

// Mode is the topology the tests run against: "single", "sentinel" or
// "cluster".
func Mode() string {
	return topology().Mode()
}

func topology() store.Conn {
	addrs := os.Getenv("TEST_REDIS_ADDRS")
	if addrs == "" {
		return store.Conn{}
	}
	return store.Conn{Addrs: strings.Split(addrs, ","), MasterName: os.Getenv("TEST_REDIS_MASTER_NAME")}
}

// For reserves a fresh, empty Target for t and empties it when t ends.
func For(t testing.TB) Target {
	t.Helper()
	top := topology()
	switch top.Mode() {
	case "single":
		return Target{Conn: store.Conn{URL: URL(t)}}
	case "sentinel":
		ctx := context.Background()
		ctl := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: top.MasterName, SentinelAddrs: top.Addrs})
		defer ctl.Close()
		n, err := ctl.Incr(ctx, "redistest:next-db").Result()
		if err != nil {
			t.Fatalf("redistest: allocate database through Sentinel: %v", err)
		}
		top.DB = int(1 + (n-1)%int64(databases(ctx, ctl)-1))
		flush(t, top)
		return Target{Conn: top}
	default:
		ctl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: top.Addrs})
		defer ctl.Close()
		n, err := ctl.Incr(context.Background(), "redistest:next-prefix").Result()
		if err != nil {
			t.Fatalf("redistest: allocate a key prefix on the cluster: %v", err)
		}
		// The keys are left behind: the cluster is thrown away with the run.
		return Target{Conn: top, Prefix: fmt.Sprintf("t%d:", n)}
	}
}

func flush(t testing.TB, c store.Conn) {
	t.Helper()
	rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: c.MasterName, SentinelAddrs: c.Addrs, DB: c.DB})
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		rdb.Close()
		t.Fatalf("redistest: flush db %d: %v", c.DB, err)
	}
	t.Cleanup(func() {
		rdb.FlushDB(context.Background())
		rdb.Close()
	})
}

// Store opens a Store on a fresh Target for t, with opts' other fields; the
// Target's prefix goes before opts.Prefix.
func Store(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	return For(t).Store(t, opts)
}

// Store opens a Store on tg (another replica, when called again).
func (tg Target) Store(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	opts.Prefix = tg.Prefix + opts.Prefix
	s, err := store.Open(context.Background(), tg.Conn, opts)
	if err != nil {
		t.Fatalf("redistest: open store (%s): %v", tg.Conn.Describe(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Client is a plain go-redis client on tg, to look at raw keys (prefix them
// with tg.Prefix).
func (tg Target) Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	var c redis.UniversalClient
	if tg.Conn.URL != "" {
		o, err := redis.ParseURL(tg.Conn.URL)
		if err != nil {
			t.Fatal(err)
		}
		c = redis.NewClient(o)
	} else {
		c = redis.NewUniversalClient(&redis.UniversalOptions{Addrs: tg.Conn.Addrs, MasterName: tg.Conn.MasterName, DB: tg.Conn.DB})
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Env is tg as the bot's environment variables (REDIS_URL, or REDIS_ADDRS,
// REDIS_MASTER_NAME and REDIS_DB; REDIS_KEY_PREFIX), for tests that run the
// program.
func (tg Target) Env() map[string]string {
	env := map[string]string{}
	if tg.Conn.URL != "" {
		env["REDIS_URL"] = tg.Conn.URL
	} else {
		env["REDIS_ADDRS"] = strings.Join(tg.Conn.Addrs, ",")
		if tg.Conn.MasterName != "" {
			env["REDIS_MASTER_NAME"] = tg.Conn.MasterName
			env["REDIS_DB"] = fmt.Sprint(tg.Conn.DB)
		}
	}
	if tg.Prefix != "" {
		env["REDIS_KEY_PREFIX"] = tg.Prefix
	}
	return env
}
