package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRedisEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	r, err := loadRedisEnv(env())
	if err != nil || r.conn.URL != "redis://localhost:6379/0" || r.conn.Mode() != "single" || r.opts.WaitTimeout != 500*time.Millisecond {
		t.Errorf("defaults = %+v, %v", r, err)
	}
	r, err = loadRedisEnv(env("REDIS_URL", "redis://x:1/0", "REDIS_ADDRS", "a:1, b:2,c:3", "REDIS_PASSWORD", "pw",
		"REDIS_TLS", "1", "REDIS_WAIT_REPLICAS", "1", "REDIS_WAIT_TIMEOUT", "250ms", "REDIS_KEY_PREFIX", "acme:"))
	if err != nil || r.conn.URL != "" || !slices.Equal(r.conn.Addrs, []string{"a:1", "b:2", "c:3"}) || !r.urlIgnored ||
		r.conn.Mode() != "cluster" || !r.conn.TLS || r.conn.Password != "pw" || r.opts.WaitReplicas != 1 ||
		r.opts.WaitTimeout != 250*time.Millisecond || r.opts.Prefix != "acme:" {
		t.Errorf("cluster = %+v, %v", r, err)
	}
	r, err = loadRedisEnv(env("REDIS_ADDRS", "s1:26379,s2:26379", "REDIS_MASTER_NAME", "mymaster",
		"REDIS_SENTINEL_PASSWORD", "spw", "REDIS_USERNAME", "bot", "REDIS_DB", "2"))
	if err != nil || r.conn.Mode() != "sentinel" || r.conn.DB != 2 || r.conn.SentinelPassword != "spw" || r.conn.Username != "bot" {
		t.Errorf("sentinel = %+v, %v", r, err)
	}
	if !strings.Contains(r.conn.Describe(), `Sentinel s1:26379,s2:26379, master "mymaster", db 2`) {
		t.Errorf("Describe = %q", r.conn.Describe())
	}

	bad := []struct {
		env  []string
		want string
	}{
		{[]string{"REDIS_MASTER_NAME", "m"}, "REDIS_ADDRS is not"},
		{[]string{"REDIS_ADDRS", "a:1,b:2", "REDIS_DB", "1"}, "only database 0"},
		{[]string{"REDIS_DB", "1"}, "with REDIS_URL put the database at the end"},
		{[]string{"REDIS_ADDRS", "a:1", "REDIS_DB", "x"}, "must be a database number"},
		{[]string{"REDIS_TLS", "1"}, "rediss://"},
		{[]string{"REDIS_ADDRS", "a:1", "REDIS_TLS", "yes"}, "must be 1 or 0"},
		{[]string{"REDIS_WAIT_REPLICAS", "-1"}, "REDIS_WAIT_REPLICAS"},
		{[]string{"REDIS_WAIT_TIMEOUT", "soon"}, "like 500ms"},
	}
	for _, b := range bad {
		if _, err := loadRedisEnv(env(b.env...)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: err = %v, want it to say %q", b.env, err, b.want)
		}
	}
}
