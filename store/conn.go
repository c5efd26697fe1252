package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Conn says where Redis is. It mirrors go-redis's UniversalOptions: a master
// name means Sentinel, several addresses without one mean Cluster, one
// address means a single node. URL is the older single-node form (REDIS_URL);
// Addrs wins when both are set.
type Conn struct {
	URL              string
	Addrs            []string
	MasterName       string
	SentinelPassword string
	Username         string
	Password         string
	TLS              bool
	// DB selects the database on a single node or a Sentinel master; a
	// Cluster has only database 0.
	DB int
}

// Mode names the topology c asks for: "single", "sentinel" or "cluster".
func (c Conn) Mode() string {
	switch {
	case len(c.Addrs) == 0:
		return "single"
	case c.MasterName != "":
		return "sentinel"
	case len(c.Addrs) > 1:
		return "cluster"
	}
	return "single"
}

// Describe says which setting was used and where it points, without
// secrets, for the start-up log.
func (c Conn) Describe() string {
	if len(c.Addrs) == 0 {
		o, err := redis.ParseURL(c.URL)
		if err != nil {
			return "REDIS_URL (invalid)"
		}
		return fmt.Sprintf("REDIS_URL (single node %s, db %d)", o.Addr, o.DB)
	}
	addrs := strings.Join(c.Addrs, ",")
	switch c.Mode() {
	case "sentinel":
		return fmt.Sprintf("REDIS_ADDRS (Sentinel %s, master %q, db %d)", addrs, c.MasterName, c.DB)
	case "cluster":
		return fmt.Sprintf("REDIS_ADDRS (Cluster seeds %s)", addrs)
	}
	return fmt.Sprintf("REDIS_ADDRS (single node %s, db %d)", addrs, c.DB)
}

// setting names the variable a user should check when c does not work.
func (c Conn) setting() string {
	if len(c.Addrs) == 0 {
		return "REDIS_URL"
	}
	return "REDIS_ADDRS"
}

func (c Conn) validate() error {
	if c.Mode() == "cluster" && c.DB != 0 {
		return fmt.Errorf("store: REDIS_DB=%d: a Redis Cluster has only database 0; unset REDIS_DB", c.DB)
	}
	if c.DB < 0 {
		return fmt.Errorf("store: REDIS_DB=%d must be 0 or more", c.DB)
	}
	for _, a := range c.Addrs {
		if a == "" || !strings.Contains(a, ":") {
			return fmt.Errorf("store: REDIS_ADDRS entry %q is not host:port", a)
		}
	}
	return nil
}

// client builds the go-redis client c describes, with the short timeouts
// the ack policy needs.
// A read timeout below readFloor is raised to it, so a WAIT is not cut
// short by the socket.
func (c Conn) client(readFloor time.Duration) (redis.UniversalClient, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if len(c.Addrs) == 0 {
		o, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("store: REDIS_URL is not a valid Redis URL (want redis://[user:password@]host:port/db): %w", redactURLError(err))
		}
		// REDIS_USERNAME and REDIS_PASSWORD fill what the URL leaves out,
		// so a password can come from a secret of its own.
		if o.Username == "" {
			o.Username = c.Username
		}
		if o.Password == "" {
			o.Password = c.Password
		}
		applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries)
		o.ReadTimeout = max(o.ReadTimeout, readFloor)
		o.DialerRetries = dialerRetries
		o.DialerRetryTimeout = dialerRetryTimeout
		// Let a caller's deadline cut a slow command short too.
		o.ContextTimeoutEnabled = true
		return redis.NewClient(o), nil
	}
	u := &redis.UniversalOptions{
		Addrs: c.Addrs, MasterName: c.MasterName, SentinelPassword: c.SentinelPassword,
		Username: c.Username, Password: c.Password, DB: c.DB,
		DialerRetries: dialerRetries, DialerRetryTimeout: dialerRetryTimeout,
		ContextTimeoutEnabled: true,
	}
	if c.TLS {
		u.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	applyDefaults(&u.DialTimeout, &u.ReadTimeout, &u.WriteTimeout, &u.MaxRetries)
	u.ReadTimeout = max(u.ReadTimeout, readFloor)
	return redis.NewUniversalClient(u), nil
}

func applyDefaults(dial, read, write *time.Duration, retries *int) {
	if *dial == 0 {
		*dial = DefaultDialTimeout
	}
	if *read == 0 {
		*read = DefaultReadTimeout
	}
	if *write == 0 {
		*write = DefaultWriteTimeout
	}
	if *retries == 0 {
		*retries = DefaultMaxRetries
	}
}

// Open connects to the Redis c describes and checks that it answers.
func Open(ctx context.Context, c Conn, opts Options) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var floor time.Duration
	if opts.WaitReplicas > 0 {
		floor = max(opts.WaitTimeout, DefaultWaitTimeout) + 500*time.Millisecond
	}
	rdb, err := c.client(floor)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		where := strings.Join(c.Addrs, ",")
		if where == "" {
			o, _ := redis.ParseURL(c.URL)
			where = o.Addr
		}
		var rerr redis.Error
		if errors.As(err, &rerr) {
			// The server answered: the address is right, the credentials or
			// database are not.
			return nil, fmt.Errorf("store: Redis at %s refused the connection: %w — check the user, password and database in %s", where, err, c.setting())
		}
		return nil, fmt.Errorf("store: cannot reach Redis at %s: %w — is %s right and Redis running?", where, err, c.setting())
	}
	return NewFromClient(rdb, opts), nil
}
