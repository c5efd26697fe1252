package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// followups is the sorted set of exported action items whose issues are
// still open, scored by when they were added: what the poll asks about.
func (s *Store) followupsKey() string { return s.key("followups:open") }

// TrackFollowUp adds incident n's item to the poll's set.
func (s *Store) TrackFollowUp(ctx context.Context, n int64, itemID string) error {
	if err := s.rdb.ZAddNX(ctx, s.followupsKey(), redis.Z{Score: float64(time.Now().Unix()), Member: fmt.Sprintf("%d:%s", n, itemID)}).Err(); err != nil {
		return fmt.Errorf("store: track follow-up %d:%s: %w", n, itemID, err)
	}
	return nil
}

// UntrackFollowUp takes it out again.
func (s *Store) UntrackFollowUp(ctx context.Context, n int64, itemID string) error {
	if err := s.rdb.ZRem(ctx, s.followupsKey(), fmt.Sprintf("%d:%s", n, itemID)).Err(); err != nil {
		return fmt.Errorf("store: untrack follow-up %d:%s: %w", n, itemID, err)
	}
	return nil
}

// TrackedFollowUps lists the poll's set, oldest first.
func (s *Store) TrackedFollowUps(ctx context.Context) ([]incident.FollowUpID, error) {
	members, err := s.rdb.ZRange(ctx, s.followupsKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list follow-ups: %w", err)
	}
	out := make([]incident.FollowUpID, 0, len(members))
	for _, m := range members {
		num, id, ok := strings.Cut(m, ":")
		n, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			continue
		}
		out = append(out, incident.FollowUpID{Number: n, ItemID: id})
	}
	return out, nil
}
