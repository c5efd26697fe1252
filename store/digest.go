package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// Insights read every incident of a window. incident:{n}:digest caches
// what its event log says (insights decide the format); the caller
// compares the log's length with the length the digest was made from,
// since the log only grows.

func (s *Store) digestKey(n int64) string { return s.incKey(n, ":digest") }

// incidentsPage is how many headers IncidentsSince reads per round trip.
const incidentsPage = 500

// IncidentsSince lists the incidents declared at or after since, oldest
// first. Numbers grow with declaration, so it reads newest first and stops
// at the first page that reaches back past since.
func (s *Store) IncidentsSince(ctx context.Context, since time.Time) ([]incident.Incident, error) {
	var out []incident.Incident
	for start := int64(0); ; start += incidentsPage {
		nums, err := s.rdb.ZRevRange(ctx, s.key("incidents:all"), start, start+incidentsPage-1).Result()
		if err != nil {
			return nil, fmt.Errorf("store: incidents since %s: %w", since.Format(time.DateOnly), err)
		}
		page, err := s.incidents(ctx, nums)
		if err != nil {
			return nil, fmt.Errorf("store: incidents since %s: %w", since.Format(time.DateOnly), err)
		}
		older := false
		for _, inc := range page {
			if inc.DeclaredAt.Before(since) {
				older = true
				continue
			}
			out = append(out, inc)
		}
		if older || len(nums) < incidentsPage {
			break
		}
	}
	// Newest first as read; the callers want time order.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Digests returns, for each incident in nums, the length of its event log
// and its cached digest ("" when there is none), in one round trip.
func (s *Store) Digests(ctx context.Context, nums []int64) (lengths []int64, docs []string, err error) {
	lens := make([]*redis.IntCmd, len(nums))
	gets := make([]*redis.StringCmd, len(nums))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range nums {
			lens[i] = p.XLen(ctx, s.incKey(n, ":events"))
			gets[i] = p.Get(ctx, s.digestKey(n))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, nil, fmt.Errorf("store: digests of %d incidents: %w", len(nums), err)
	}
	lengths, docs = make([]int64, len(nums)), make([]string, len(nums))
	for i := range nums {
		// A missing digest is redis.Nil, which Pipelined may have returned
		// in place of a real failure further on: check each reply.
		if err := errors.Join(lens[i].Err(), ignoreNil(gets[i].Err())); err != nil {
			return nil, nil, fmt.Errorf("store: digest of incident %d: %w", nums[i], err)
		}
		lengths[i] = lens[i].Val()
		docs[i] = gets[i].Val()
	}
	return lengths, docs, nil
}

func ignoreNil(err error) error {
	if err == redis.Nil {
		return nil
	}
	return err
}

// SaveDigests caches digests by incident number, in one round trip.
func (s *Store) SaveDigests(ctx context.Context, docs map[int64]string) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for n, doc := range docs {
			p.Set(ctx, s.digestKey(n), doc, 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save %d digests: %w", len(docs), err)
	}
	return nil
}
