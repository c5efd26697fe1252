package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Usage hash fields on incident:{n}:usage.
const (
	uTokens = "tokens"
	uCost   = "cost_usd"
)

// AddUsage adds model tokens and cost to incident n's tally and returns the
// new total cost.
func (s *Store) AddUsage(ctx context.Context, n int64, tokens int, costUSD float64) (float64, error) {
	key := s.incKey(n, ":usage")
	var cost *redis.FloatCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, key, uTokens, int64(tokens))
		cost = p.HIncrByFloat(ctx, key, uCost, costUSD)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: add usage to incident %d: %w", n, err)
	}
	return cost.Val(), nil
}

// Usage returns incident n's model tokens and cost so far (zero when none).
func (s *Store) Usage(ctx context.Context, n int64) (int, float64, error) {
	v, err := s.rdb.HMGet(ctx, s.incKey(n, ":usage"), uTokens, uCost).Result()
	if err != nil {
		return 0, 0, fmt.Errorf("store: usage of incident %d: %w", n, err)
	}
	var tokens int
	var cost float64
	if t, ok := v[0].(string); ok {
		if tokens, err = strconv.Atoi(t); err != nil {
			return 0, 0, fmt.Errorf("store: usage of incident %d: bad tokens %q", n, t)
		}
	}
	if c, ok := v[1].(string); ok {
		if cost, err = strconv.ParseFloat(c, 64); err != nil {
			return 0, 0, fmt.Errorf("store: usage of incident %d: bad cost %q", n, c)
		}
	}
	return tokens, cost, nil
}

func (s *Store) externalKey(id string) string { return s.key("external:" + id) }

// LinkExternal records, for good, that externalID became incident n.
func (s *Store) LinkExternal(ctx context.Context, externalID string, n int64) error {
	if err := s.rdb.Set(ctx, s.externalKey(externalID), n, 0).Err(); err != nil {
		return fmt.Errorf("store: link external %s to incident %d: %w", externalID, n, err)
	}
	return nil
}

// FirstTime reports whether name was not seen in the last ttl, and
// remembers it for ttl: one SET NX, so replicas agree.
func (s *Store) FirstTime(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.key("seen:"+name), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("store: remember %s: %w", name, err)
	}
	return ok, nil
}

// ExternalIncident returns the incident externalID became; ok is false when
// it is unknown.
func (s *Store) ExternalIncident(ctx context.Context, externalID string) (int64, bool, error) {
	v, err := s.rdb.Get(ctx, s.externalKey(externalID)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: external %s: %w", externalID, err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("store: external %s: bad incident number %q", externalID, v)
	}
	return n, true, nil
}

// unlockScript deletes a lock only if it still holds our token, so a holder
// whose lock expired cannot release someone else's.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock takes the lock name for ttl and returns the token that releases
// it; "" means another holder has it (another replica, or another goroutine
// of this one). Each taker gets its own token, so a holder whose lock
// expired can never release the next holder's.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		// A lock without expiry would outlive a crashed holder for good.
		return "", fmt.Errorf("store: lock %s: ttl %v is not positive", name, ttl)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: lock %s: token: %w", name, err)
	}
	token := hex.EncodeToString(b[:])
	ok, err := s.rdb.SetNX(ctx, s.key("lock:"+name), token, ttl).Result()
	if err != nil {
		return "", fmt.Errorf("store: lock %s: %w", name, err)
	}
	if !ok {
		return "", nil
	}
	return token, nil
}

// Unlock releases the lock name if token still holds it. Releasing a lock
// that expired, or that another holder took since, is not an error.
func (s *Store) Unlock(ctx context.Context, name, token string) error {
	if token == "" {
		return nil
	}
	if err := unlockScript.Run(ctx, s.rdb, []string{s.key("lock:" + name)}, token).Err(); err != nil {
		return fmt.Errorf("store: unlock %s: %w", name, err)
	}
	return nil
}
