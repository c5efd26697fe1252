// Package store keeps incidents in Redis (go-redis v9): incident headers, the
// per-incident event streams, drafts, delivery dedupe, usage tallies, external
// ids and locks. *Store satisfies handlers.Store.
//
// Keys that belong to one incident carry its number as a Redis Cluster hash
// tag (incident:{42}, incident:{42}:events, incident:{42}:seen:<key>, ...) so
// the scripts that touch several of them stay on one slot. docs/store.md lists
// every key.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// ErrNotFound is incident.ErrNotFound: lookups of a missing incident or draft
// return it wrapped, so errors.Is works against either name.
var ErrNotFound = incident.ErrNotFound

// ErrConfigUnavailable is returned (wrapped) by Durability when the server
// will not answer CONFIG GET, as on many managed Redis services. Callers
// should treat durability as unknown rather than off.
var ErrConfigUnavailable = errors.New("CONFIG GET unavailable")

// DefaultDedupeTTL is how long a delivery's dedupe key is remembered. Slack
// retries a failed event delivery for a few hours at most.
const DefaultDedupeTTL = 24 * time.Hour

// Connection defaults applied by New when REDIS_URL does not set them. They
// are short on purpose: when Redis is down the bot must get an error quickly
// so it does not ack Slack events it could not record.
const (
	DefaultDialTimeout  = 2 * time.Second
	DefaultReadTimeout  = time.Second
	DefaultWriteTimeout = time.Second
	DefaultMaxRetries   = 1
	// go-redis otherwise redials 5 times, 100 ms apart, on every command
	// while Redis is down: 0.8 s before each error instead of 0.1 s.
	dialerRetries      = 2
	dialerRetryTimeout = 50 * time.Millisecond
)

// pingTimeout bounds the start-up check in New.
const pingTimeout = 3 * time.Second

// Options tunes a Store. The zero value is ready to use.
type Options struct {
	// Prefix is put before every key so several bots can share one Redis
	// (for example "acme:"). It must not contain '{' or '}', which would
	// break the Cluster hash tags.
	Prefix string
	// DedupeTTL is how long Append remembers a dedupe key; DefaultDedupeTTL
	// when zero.
	DedupeTTL time.Duration
	// WaitReplicas, when above 0, makes every event write wait (Redis WAIT)
	// until that many replicas have it, so an acknowledged event survives
	// the master's loss. A write not confirmed within WaitTimeout
	// (DefaultWaitTimeout when zero) returns ErrNotReplicated.
	WaitReplicas int
	WaitTimeout  time.Duration
}

// DefaultWaitTimeout bounds the wait for replicas (REDIS_WAIT_TIMEOUT).
const DefaultWaitTimeout = 500 * time.Millisecond

// Store is the Redis adapter. It is safe for concurrent use.
type Store struct {
	rdb       redis.UniversalClient
	p         string
	dedupeTTL time.Duration
	commit    *committer
}

// New connects to the Redis at redisURL (redis://, rediss:// or unix://, as in
// REDIS_URL) and checks that it answers. Timeouts and retries not set in the
// URL's query get the Default* values above.
func New(ctx context.Context, redisURL string, opts Options) (*Store, error) {
	return Open(ctx, Conn{URL: redisURL}, opts)
}

// NewFromClient wraps a client the caller built (Sentinel, Cluster, custom
// TLS). The Store takes ownership: Close closes c.
func NewFromClient(c redis.UniversalClient, opts Options) *Store {
	ttl := opts.DedupeTTL
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	wt := opts.WaitTimeout
	if wt <= 0 {
		wt = DefaultWaitTimeout
	}
	return &Store{rdb: c, p: opts.Prefix, dedupeTTL: ttl, commit: newCommitter(c, opts.WaitReplicas, wt)}
}

func (o Options) validate() error {
	for _, r := range o.Prefix {
		if r == '{' || r == '}' {
			return fmt.Errorf("store: key prefix %q must not contain '{' or '}' (they would break Redis Cluster hash tags)", o.Prefix)
		}
	}
	return nil
}

// redactURLError drops the URL that url.Parse puts in its errors: it may hold
// a password.
func redactURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// Close stops taking appends, answers those queued, and closes the Redis
// client.
func (s *Store) Close() error {
	s.commit.close()
	return s.rdb.Close()
}

// Ping checks that Redis answers, for readiness probes.
// On a Cluster every master must answer: a PING to any one node would say
// ready while a dead master's slots take no writes.
func (s *Store) Ping(ctx context.Context) error {
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			if err := c.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("master %s: %w", c.Options().Addr, err)
			}
			return nil
		})
		if err == nil {
			err = clusterOK(ctx, cc)
		}
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		return nil
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Durability reports whether the server persists with an append-only file
// (aof) and with RDB snapshots (rdb). When the server refuses CONFIG GET the
// error wraps ErrConfigUnavailable.
func (s *Store) Durability(ctx context.Context) (aof bool, rdb bool, err error) {
	v, err := s.rdb.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		return false, false, configErr(err)
	}
	ao, ok := v["appendonly"]
	if !ok {
		return false, false, fmt.Errorf("store: durability: appendonly not reported: %w", ErrConfigUnavailable)
	}
	v, err = s.rdb.ConfigGet(ctx, "save").Result()
	if err != nil {
		return false, false, configErr(err)
	}
	save, ok := v["save"]
	if !ok {
		return false, false, fmt.Errorf("store: durability: save not reported: %w", ErrConfigUnavailable)
	}
	return ao == "yes", save != "", nil
}

func configErr(err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return fmt.Errorf("store: durability: %w (%v)", ErrConfigUnavailable, err)
	}
	return fmt.Errorf("store: durability: %w", err)
}

// incKey names a key of incident n: prefix + "incident:{n}" + suffix. The
// braces are the Cluster hash tag that keeps all of n's keys on one slot.
func (s *Store) incKey(n int64, suffix string) string {
	return s.p + "incident:{" + strconv.FormatInt(n, 10) + "}" + suffix
}

// key names a key that belongs to no incident.
func (s *Store) key(name string) string { return s.p + name }

// clusterOK asks a node whether every slot is served.
func clusterOK(ctx context.Context, cc *redis.ClusterClient) error {
	info, err := cc.ClusterInfo(ctx).Result()
	if err != nil {
		return err
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return errors.New("cluster_state is not ok (a master is down and not yet replaced)")
	}
	return nil
}
