package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// A draft is a hash: "doc" holds the whole draft as JSON, and the fields a
// decision changes (state, decided_by, decided_at, final_text) are also
// stored on their own, where decideScript can test and set them atomically.
// On read the separate fields win over the copies in doc.
const (
	dDoc       = "doc"
	dState     = "state"
	dDecidedBy = "decided_by"
	dDecidedAt = "decided_at"
	dFinalText = "final_text"
)

// decideScript moves a pending draft to a final state. KEYS: 1 the draft.
// ARGV: state, decided_by, decided_at, final_text. Returns 1 when it decided,
// 0 when the draft was missing or no longer pending.
var decideScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'decided_by', ARGV[2], 'decided_at', ARGV[3], 'final_text', ARGV[4])
return 1
`)

func (s *Store) draftKey(id string) string { return s.key("draft:" + id) }

// SaveDraft stores d, replacing any draft with the same id.
func (s *Store) SaveDraft(ctx context.Context, d incident.Draft) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store: save draft %s: %w", d.ID, err)
	}
	err = s.rdb.HSet(ctx, s.draftKey(d.ID),
		dDoc, doc,
		dState, string(d.State),
		dDecidedBy, d.DecidedBy,
		dDecidedAt, formatTime(d.DecidedAt),
		dFinalText, d.FinalText,
	).Err()
	if err != nil {
		return fmt.Errorf("store: save draft %s: %w", d.ID, err)
	}
	return nil
}

// Draft returns the draft with id, or an error wrapping ErrNotFound.
func (s *Store) Draft(ctx context.Context, id string) (incident.Draft, error) {
	var d incident.Draft
	m, err := s.rdb.HGetAll(ctx, s.draftKey(id)).Result()
	if err != nil {
		return d, fmt.Errorf("store: draft %s: %w", id, err)
	}
	if len(m) == 0 {
		return d, fmt.Errorf("store: draft %s: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal([]byte(m[dDoc]), &d); err != nil {
		return d, fmt.Errorf("store: draft %s: decode: %w", id, err)
	}
	d.State = incident.DraftState(m[dState])
	d.DecidedBy = m[dDecidedBy]
	d.FinalText = m[dFinalText]
	if d.DecidedAt, err = parseTime(m[dDecidedAt]); err != nil {
		return d, fmt.Errorf("store: draft %s: decode decided_at: %w", id, err)
	}
	return d, nil
}

// DecideDraft atomically moves a pending draft to state, recording who
// decided, when, and the final text. It returns false when the draft was not
// pending (someone else decided first) or does not exist.
func (s *Store) DecideDraft(ctx context.Context, id string, state incident.DraftState, by, finalText string, at time.Time) (bool, error) {
	n, err := decideScript.Run(ctx, s.rdb, []string{s.draftKey(id)}, string(state), by, formatTime(at), finalText).Int()
	if err != nil {
		return false, fmt.Errorf("store: decide draft %s: %w", id, err)
	}
	return n == 1, nil
}
