package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// Stream entry fields. Empty values are not stored; at is unix microseconds.
const (
	fKind     = "kind"
	fAt       = "at"
	fActor    = "actor"
	fTS       = "ts"
	fThreadTS = "thread_ts"
	fText     = "text"
	fFiles    = "files" // JSON array of names
	fMark     = "mark"
	fReaction = "reaction"
	fData     = "data" // JSON object
)

// eventsPage is how many entries Events reads per XRANGE.
const eventsPage = 5000

// appendScript dedupes and appends in one round trip.
//
// KEYS: 1 the stream, 2 the dedupe key, 3 the message index (ts -> seq).
// ARGV: 1 dedupe TTL in seconds, 2 "1" to dedupe, 3 the message ts to index
// ("" for none), 4.. the entry's field/value pairs.
// It returns {1, seq, id} when it appended and {0, "seq id"} when the key was
// seen before. Seq is XLEN after XADD: the log is never trimmed, so the
// length is the new entry's 1-based position.
var appendScript = redis.NewScript(`
if ARGV[2] == '1' then
  local prev = redis.call('GET', KEYS[2])
  if prev then return {0, prev} end
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
local seq = redis.call('XLEN', KEYS[1])
if ARGV[2] == '1' then
  redis.call('SET', KEYS[2], seq .. ' ' .. id, 'EX', ARGV[1])
end
if ARGV[3] ~= '' then
  redis.call('HSETNX', KEYS[3], ARGV[3], seq)
end
return {1, seq, id}
`)

// Append adds ev to incident n's log unless dedupeKey was seen within the
// dedupe TTL (an empty key never dedupes). It returns ev with ID and Seq set
// and whether it was appended; for a duplicate it returns the first
// delivery's ID and Seq.
func (s *Store) Append(ctx context.Context, n int64, dedupeKey string, ev incident.Event) (incident.Event, bool, error) {
	args, err := encodeEvent(ev, s.dedupeTTL, dedupeKey != "")
	if err != nil {
		return ev, false, fmt.Errorf("store: append incident %d: %w", n, err)
	}
	keys := []string{s.incKey(n, ":events"), s.incKey(n, ":seen:"+dedupeKey), s.incKey(n, ":msgs")}
	res, err := s.commit.do(ctx, keys, args)
	if err != nil {
		return ev, false, fmt.Errorf("store: append incident %d: %w", n, err)
	}
	appended, seq, id, err := parseAppend(res)
	if err != nil {
		return ev, false, fmt.Errorf("store: append incident %d: %w", n, err)
	}
	ev.Seq, ev.ID = seq, id
	return ev, appended, nil
}

func parseAppend(res []any) (appended bool, seq int, id string, err error) {
	switch {
	case len(res) == 3 && res[0] == int64(1):
		s, ok1 := res[1].(int64)
		id, ok2 := res[2].(string)
		if ok1 && ok2 {
			return true, int(s), id, nil
		}
	case len(res) == 2 && res[0] == int64(0):
		if v, ok := res[1].(string); ok {
			s, id, _ := strings.Cut(v, " ")
			seq, err := strconv.Atoi(s)
			if err != nil {
				return false, 0, "", fmt.Errorf("bad dedupe record %q", v)
			}
			return false, seq, id, nil
		}
	}
	return false, 0, "", fmt.Errorf("unexpected script reply %v", res)
}

// encodeEvent builds the script's ARGV: TTL, dedupe flag, message ts, then
// the entry's non-empty fields.
func encodeEvent(ev incident.Event, ttl time.Duration, dedupe bool) ([]any, error) {
	flag, msgTS := "0", ""
	if dedupe {
		flag = "1"
	}
	if ev.Kind == incident.KindMessage {
		msgTS = ev.TS
	}
	secs := int64(ttl / time.Second)
	if secs < 1 {
		secs = 1
	}
	args := make([]any, 0, 3+2*10)
	args = append(args, secs, flag, msgTS)
	put := func(k, v string) {
		if v != "" {
			args = append(args, k, v)
		}
	}
	put(fKind, string(ev.Kind))
	if !ev.At.IsZero() {
		// Microseconds, Slack's own ts resolution: events a millisecond
		// apart must keep their order in the timeline.
		args = append(args, fAt, strconv.FormatInt(ev.At.UnixMicro(), 10))
	}
	put(fActor, ev.Actor)
	put(fTS, ev.TS)
	put(fThreadTS, ev.ThreadTS)
	put(fText, ev.Text)
	if len(ev.Files) > 0 {
		b, err := json.Marshal(ev.Files)
		if err != nil {
			return nil, fmt.Errorf("encode files: %w", err)
		}
		args = append(args, fFiles, string(b))
	}
	put(fMark, string(ev.Mark))
	put(fReaction, ev.Reaction)
	if len(ev.Data) > 0 {
		b, err := json.Marshal(ev.Data)
		if err != nil {
			return nil, fmt.Errorf("encode data: %w", err)
		}
		args = append(args, fData, string(b))
	}
	if len(args) == 3 {
		// XADD needs at least one field.
		args = append(args, fKind, "")
	}
	return args, nil
}

// Events returns incident n's whole log in order, with Seq its 1-based
// position and ID its stream id. It reads in pages of 5,000 entries.
func (s *Store) Events(ctx context.Context, n int64) ([]incident.Event, error) {
	key := s.incKey(n, ":events")
	// The length sizes the slice once instead of growing it through a
	// 100k-event log; entries appended meanwhile are read all the same.
	size, err := s.rdb.XLen(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("store: events of incident %d: %w", n, err)
	}
	out := make([]incident.Event, 0, size)
	start := "-"
	for {
		reply, err := s.rdb.Do(ctx, "XRANGE", key, start, "+", "COUNT", eventsPage).Slice()
		if err != nil {
			return nil, fmt.Errorf("store: events of incident %d: %w", n, err)
		}
		for _, entry := range reply {
			ev, err := decodeEntry(entry)
			if err != nil {
				return nil, fmt.Errorf("store: events of incident %d, entry %d: %w", n, len(out)+1, err)
			}
			ev.Seq = len(out) + 1
			out = append(out, ev)
		}
		if len(reply) < eventsPage {
			return out, nil
		}
		if start, err = nextID(out[len(out)-1].ID); err != nil {
			return nil, fmt.Errorf("store: events of incident %d: %w", n, err)
		}
	}
}

// nextID returns the smallest stream id after id, so the next page starts
// just past the last entry read (works on servers without exclusive ranges).
func nextID(id string) (string, error) {
	ms, sq, ok := strings.Cut(id, "-")
	m, err1 := strconv.ParseUint(ms, 10, 64)
	q, err2 := strconv.ParseUint(sq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return "", fmt.Errorf("bad stream id %q", id)
	}
	if q == ^uint64(0) {
		return strconv.FormatUint(m+1, 10) + "-0", nil
	}
	return ms + "-" + strconv.FormatUint(q+1, 10), nil
}

var errEntryShape = errors.New("unexpected XRANGE entry shape")

// decodeEntry turns one XRANGE entry, [id, [field, value, ...]], into an
// event. It switches on field names instead of going through a map.
func decodeEntry(entry any) (incident.Event, error) {
	var ev incident.Event
	pair, ok := entry.([]any)
	if !ok || len(pair) != 2 {
		return ev, errEntryShape
	}
	id, ok1 := pair[0].(string)
	fields, ok2 := pair[1].([]any)
	if !ok1 || !ok2 || len(fields)%2 != 0 {
		return ev, errEntryShape
	}
	ev.ID = id
	for i := 0; i < len(fields); i += 2 {
		k, ok1 := fields[i].(string)
		v, ok2 := fields[i+1].(string)
		if !ok1 || !ok2 {
			return ev, errEntryShape
		}
		switch k {
		case fKind:
			ev.Kind = incident.Kind(v)
		case fAt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ev, fmt.Errorf("bad at %q", v)
			}
			ev.At = atTime(n)
		case fActor:
			ev.Actor = v
		case fTS:
			ev.TS = v
		case fThreadTS:
			ev.ThreadTS = v
		case fText:
			ev.Text = v
		case fFiles:
			if err := json.Unmarshal([]byte(v), &ev.Files); err != nil {
				return ev, fmt.Errorf("decode files: %w", err)
			}
		case fMark:
			ev.Mark = incident.Mark(v)
		case fReaction:
			ev.Reaction = v
		case fData:
			if err := json.Unmarshal([]byte(v), &ev.Data); err != nil {
				return ev, fmt.Errorf("decode data: %w", err)
			}
		}
	}
	return ev, nil
}

// HasMessage reports whether a message with Slack ts is on incident n's log.
func (s *Store) HasMessage(ctx context.Context, n int64, ts string) (bool, error) {
	ok, err := s.rdb.HExists(ctx, s.incKey(n, ":msgs"), ts).Result()
	if err != nil {
		return false, fmt.Errorf("store: message %s on incident %d: %w", ts, n, err)
	}
	return ok, nil
}

// atTime reads the at field: unix microseconds, or milliseconds in logs
// written before microseconds (any value below 1e14 is a millisecond count:
// as microseconds it would be a date in 1973).
func atTime(n int64) time.Time {
	if n < 1e14 {
		return time.UnixMilli(n).UTC()
	}
	return time.UnixMicro(n).UTC()
}
