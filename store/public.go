package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// Customer updates: incident:{n}:public is a hash of draft id → the
// approved update as JSON, so publishing a draft twice writes it once;
// public:incidents lists the incidents that have any, scored by when they
// were declared, for the status page's history window.

func (s *Store) publicKey(n int64) string { return s.incKey(n, ":public") }

// PublishPublic records an approved customer update of incident n, once
// per draft: false when that draft was already published.
func (s *Store) PublishPublic(ctx context.Context, n int64, u incident.PublicUpdate) (bool, error) {
	if u.DraftID == "" {
		return false, fmt.Errorf("store: customer update of incident %d has no draft id", n)
	}
	doc, err := json.Marshal(u)
	if err != nil {
		return false, fmt.Errorf("store: encode customer update: %w", err)
	}
	inc, err := s.Incident(ctx, n)
	if err != nil {
		return false, err
	}
	added, err := s.rdb.HSetNX(ctx, s.publicKey(n), u.DraftID, doc).Result()
	if err != nil {
		return false, fmt.Errorf("store: publish customer update of incident %d: %w", n, err)
	}
	// The index is another slot, so it is written after the update: a
	// crash between leaves an update that the next publish (or a retry of
	// this one, which finds the update and writes only the index) lists.
	z := redis.Z{Score: float64(inc.DeclaredAt.Unix()), Member: strconv.FormatInt(n, 10)}
	if err := s.rdb.ZAdd(ctx, s.key("public:incidents"), z).Err(); err != nil {
		return added, fmt.Errorf("store: list incident %d as public: %w", n, err)
	}
	return added, nil
}

// PublicUpdates are incident n's approved customer updates, oldest first.
func (s *Store) PublicUpdates(ctx context.Context, n int64) ([]incident.PublicUpdate, error) {
	m, err := s.rdb.HGetAll(ctx, s.publicKey(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: customer updates of incident %d: %w", n, err)
	}
	return decodePublic(m)
}

// PublicIncidents are the incidents with customer updates that were open
// at some time at or after since (still open, or resolved since), oldest
// first: headers and updates in one round trip. Private incidents are left
// out even if one were listed.
func (s *Store) PublicIncidents(ctx context.Context, since time.Time) ([]incident.PublicIncident, error) {
	nums, err := s.rdb.ZRange(ctx, s.key("public:incidents"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: public incidents: %w", err)
	}
	if len(nums) == 0 {
		return nil, nil
	}
	heads := make([]*redis.MapStringStringCmd, len(nums))
	ups := make([]*redis.MapStringStringCmd, len(nums))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, num := range nums {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return fmt.Errorf("bad incident number %q in public:incidents: %w", num, err)
			}
			heads[i] = p.HGetAll(ctx, s.incKey(n, ""))
			ups[i] = p.HGetAll(ctx, s.publicKey(n))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: public incidents: %w", err)
	}
	var out []incident.PublicIncident
	for i := range nums {
		h := heads[i].Val()
		if len(h) == 0 {
			continue
		}
		inc, err := decodeIncident(h)
		if err != nil {
			return nil, fmt.Errorf("store: public incident %s: %w", nums[i], err)
		}
		if inc.Private || (!inc.Active() && inc.ResolvedAt.Before(since)) {
			continue
		}
		updates, err := decodePublic(ups[i].Val())
		if err != nil {
			return nil, fmt.Errorf("store: public incident %s: %w", nums[i], err)
		}
		if len(updates) == 0 {
			continue
		}
		out = append(out, incident.PublicIncident{
			Number: inc.Number, Severity: inc.Severity, Status: inc.Status, Services: inc.Services,
			DeclaredAt: inc.DeclaredAt, ResolvedAt: inc.ResolvedAt, Updates: updates,
		})
	}
	return out, nil
}

// decodePublic reads a customer-update hash, oldest first.
func decodePublic(m map[string]string) ([]incident.PublicUpdate, error) {
	out := make([]incident.PublicUpdate, 0, len(m))
	for id, doc := range m {
		var u incident.PublicUpdate
		if err := json.Unmarshal([]byte(doc), &u); err != nil {
			return nil, fmt.Errorf("decode customer update %s: %w", id, err)
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b incident.PublicUpdate) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.DraftID, b.DraftID)
	})
	return out, nil
}
