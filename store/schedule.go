package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The schedule is one sorted set of jobs (opaque strings) scored by when
// they fall due, in seconds. Every replica looks at it each minute; ZREM
// decides which one runs a job, since only one removal of a member can
// succeed.

// Schedule adds job to run at due. Scheduling the same job again moves it.
func (s *Store) Schedule(ctx context.Context, job string, due time.Time) error {
	if err := s.rdb.ZAdd(ctx, s.key("schedule"), redis.Z{Score: float64(due.Unix()), Member: job}).Err(); err != nil {
		return fmt.Errorf("store: schedule job: %w", err)
	}
	return nil
}

// Due lists up to limit jobs due at now, earliest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	jobs, err := s.rdb.ZRangeByScore(ctx, s.key("schedule"), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.Unix(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("store: due jobs: %w", err)
	}
	return jobs, nil
}

// Claim takes job off the schedule; true means this caller got it and
// must run it.
func (s *Store) Claim(ctx context.Context, job string) (bool, error) {
	n, err := s.rdb.ZRem(ctx, s.key("schedule"), job).Result()
	if err != nil {
		return false, fmt.Errorf("store: claim job: %w", err)
	}
	return n == 1, nil
}
