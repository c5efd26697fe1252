package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/store"
)

// redisEnv is where Redis is and how the store uses it, from the
// environment: REDIS_URL for one node, or REDIS_ADDRS (with
// REDIS_MASTER_NAME for Sentinel) in go-redis's UniversalOptions terms.
type redisEnv struct {
	conn store.Conn
	opts store.Options
	// urlIgnored is set when REDIS_URL was given too: REDIS_ADDRS wins.
	urlIgnored bool
	// spoolDir and spoolMax are SPOOL_DIR and SPOOL_MAX_BYTES: where events
	// Redis cannot take wait, on this replica's disk ("" is no spool).
	spoolDir string
	spoolMax int64
}

func loadRedisEnv(getenv func(string) string) (redisEnv, error) {
	var r redisEnv
	r.conn.URL = or(getenv("REDIS_URL"), "redis://localhost:6379/0")
	r.opts.Prefix = getenv("REDIS_KEY_PREFIX")
	if s := strings.TrimSpace(getenv("REDIS_ADDRS")); s != "" {
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				r.conn.Addrs = append(r.conn.Addrs, a)
			}
		}
		r.conn.URL = ""
		r.urlIgnored = getenv("REDIS_URL") != ""
	}
	r.conn.MasterName = strings.TrimSpace(getenv("REDIS_MASTER_NAME"))
	if r.conn.MasterName != "" && len(r.conn.Addrs) == 0 {
		return r, fmt.Errorf("REDIS_MASTER_NAME is set but REDIS_ADDRS is not: give the Sentinel addresses in REDIS_ADDRS (host:port,host:port)")
	}
	r.conn.SentinelPassword = getenv("REDIS_SENTINEL_PASSWORD")
	r.conn.Username = getenv("REDIS_USERNAME")
	r.conn.Password = getenv("REDIS_PASSWORD")
	switch s := strings.TrimSpace(getenv("REDIS_TLS")); s {
	case "", "0", "false":
	case "1", "true":
		if len(r.conn.Addrs) == 0 {
			return r, fmt.Errorf("REDIS_TLS goes with REDIS_ADDRS; with REDIS_URL use rediss://")
		}
		r.conn.TLS = true
	default:
		return r, fmt.Errorf("REDIS_TLS: %q must be 1 or 0", s)
	}
	if s := strings.TrimSpace(getenv("REDIS_DB")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return r, fmt.Errorf("REDIS_DB: %q must be a database number, 0 or more", s)
		}
		if len(r.conn.Addrs) == 0 {
			return r, fmt.Errorf("REDIS_DB goes with REDIS_ADDRS; with REDIS_URL put the database at the end of the URL (redis://host:6379/%d)", n)
		}
		if r.conn.Mode() == "cluster" {
			return r, fmt.Errorf("REDIS_DB=%d: a Redis Cluster has only database 0; unset REDIS_DB", n)
		}
		r.conn.DB = n
	}
	if s := strings.TrimSpace(getenv("REDIS_WAIT_REPLICAS")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return r, fmt.Errorf("REDIS_WAIT_REPLICAS: %q must be how many replicas must have an event before it is acked, 0 or more", s)
		}
		r.opts.WaitReplicas = n
	}
	r.opts.WaitTimeout = store.DefaultWaitTimeout
	if s := strings.TrimSpace(getenv("REDIS_WAIT_TIMEOUT")); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return r, fmt.Errorf("REDIS_WAIT_TIMEOUT: %q is not a duration like 500ms", s)
		}
		r.opts.WaitTimeout = d
	}
	r.spoolDir = strings.TrimSpace(getenv("SPOOL_DIR"))
	if s := strings.TrimSpace(getenv("SPOOL_MAX_BYTES")); s != "" {
		n, err := parseBytes(s)
		if err != nil {
			return r, fmt.Errorf("SPOOL_MAX_BYTES: %q is not a size like 268435456, 256MiB or 1GiB", s)
		}
		if r.spoolDir == "" {
			return r, fmt.Errorf("SPOOL_MAX_BYTES is set but SPOOL_DIR is not: name the spool's directory (on a volume that outlives the container)")
		}
		r.spoolMax = n
	}
	return r, nil
}

// parseBytes reads a byte count, bare or with a KiB, MiB or GiB suffix.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = strings.TrimSpace(n), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
