package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/incident"
)

// Header hash fields. Empty values are not stored.
const (
	hNumber       = "number"
	hTitle        = "title"
	hDescription  = "description"
	hSeverity     = "severity"
	hStatus       = "status"
	hChannelID    = "channel_id"
	hChannelName  = "channel_name"
	hHeaderTS     = "header_ts"
	hRoles        = "roles"
	hDeclaredBy   = "declared_by"
	hDeclaredAt   = "declared_at"
	hResolvedAt   = "resolved_at"
	hSource       = "source"
	hRunbooks     = "runbooks"
	hExternalID   = "external_id"
	hExternalURL  = "external_url"
	hLinks        = "links"
	hLastUpdateAt = "last_update_at"
	hNudgedAt     = "nudged_at"
	hPostmortemID = "postmortem_id"
	hStatuspageID = "statuspage_id"
	hPrivate      = "private"
	hCadence      = "update_cadence"
	// The record.
	hServices     = "services"
	hImpact       = "impact"
	hCustomers    = "customers"
	hDetectedBy   = "detected_by"
	hDetectedLink = "detected_link"
	hHypothesis   = "hypothesis"
	hRootCause    = "root_cause"
	hTrigger      = "trigger"
	hAI           = "ai"
	hComms        = "comms"
	hPMOwner      = "postmortem_owner"
	hPMDue        = "postmortem_due"
	hPMDrafted    = "postmortem_drafted"
)

// storedComm is a communication as the header keeps it.
type storedComm struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// NextNumber allocates the next incident number from incident:seq.
func (s *Store) NextNumber(ctx context.Context) (int64, error) {
	n, err := s.rdb.Incr(ctx, s.key("incident:seq")).Result()
	if err != nil {
		return 0, fmt.Errorf("store: next incident number: %w", err)
	}
	return n, nil
}

// CreateIncident records a new incident: its header, the channel index (when
// it has a channel), the list of all incidents and the active set. It is
// idempotent, so a caller may retry it after a failure.
func (s *Store) CreateIncident(ctx context.Context, inc incident.Incident) error {
	if err := s.writeIncident(ctx, inc); err != nil {
		return fmt.Errorf("store: create incident %d: %w", inc.Number, err)
	}
	return nil
}

// SaveIncident replaces incident inc.Number's header and keeps the channel
// index and the active set in step with it.
func (s *Store) SaveIncident(ctx context.Context, inc incident.Incident) error {
	if err := s.writeIncident(ctx, inc); err != nil {
		return fmt.Errorf("store: save incident %d: %w", inc.Number, err)
	}
	return nil
}

// writeIncident replaces the header in one MULTI on the incident's slot, so a
// reader never sees it half written, then brings the indexes up to date in
// one pipeline. On a Cluster the indexes live on other slots, and a
// transaction cannot span slots. The indexes are derived from the header and
// rewritten on every save: a crash between the two leaves them stale until
// the incident's next change, and readers skip an indexed number whose header
// is missing.
func (s *Store) writeIncident(ctx context.Context, inc incident.Incident) error {
	if inc.Number <= 0 {
		return fmt.Errorf("incident number %d is not positive", inc.Number)
	}
	fields, err := encodeIncident(inc)
	if err != nil {
		return err
	}
	hkey := s.incKey(inc.Number, "")
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, hkey)
		p.HSet(ctx, hkey, fields)
		return nil
	}); err != nil {
		return err
	}
	member := redis.Z{Score: float64(inc.Number), Member: strconv.FormatInt(inc.Number, 10)}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if inc.ChannelID != "" {
			p.Set(ctx, s.key("channel:"+inc.ChannelID), inc.Number, 0)
		}
		p.ZAdd(ctx, s.key("incidents:all"), member)
		if inc.Active() {
			p.ZAdd(ctx, s.key("incidents:active"), member)
		} else {
			p.ZRem(ctx, s.key("incidents:active"), member.Member)
		}
		return nil
	})
	return err
}

// Incident returns incident n's header, or an error wrapping ErrNotFound.
func (s *Store) Incident(ctx context.Context, n int64) (incident.Incident, error) {
	m, err := s.rdb.HGetAll(ctx, s.incKey(n, "")).Result()
	if err != nil {
		return incident.Incident{}, fmt.Errorf("store: incident %d: %w", n, err)
	}
	if len(m) == 0 {
		return incident.Incident{}, fmt.Errorf("store: incident %d: %w", n, ErrNotFound)
	}
	inc, err := decodeIncident(m)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("store: incident %d: %w", n, err)
	}
	return inc, nil
}

// ChannelIncident returns the number of the incident whose channel is
// channelID; ok is false when there is none.
func (s *Store) ChannelIncident(ctx context.Context, channelID string) (int64, bool, error) {
	n, err := s.rdb.Get(ctx, s.key("channel:"+channelID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: incident of channel %s: %w", channelID, err)
	}
	return n, true, nil
}

// Active lists the incidents that are not resolved, oldest (lowest number)
// first.
func (s *Store) Active(ctx context.Context) ([]incident.Incident, error) {
	nums, err := s.rdb.ZRange(ctx, s.key("incidents:active"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: active incidents: %w", err)
	}
	out, err := s.incidents(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("store: active incidents: %w", err)
	}
	// The index is written after the header (writeIncident): trust the
	// header when a crash left them apart.
	return slices.DeleteFunc(out, func(inc incident.Incident) bool { return !inc.Active() }), nil
}

// Recent lists up to limit incidents, newest (highest number) first,
// resolved ones included.
func (s *Store) Recent(ctx context.Context, limit int) ([]incident.Incident, error) {
	if limit <= 0 {
		return nil, nil
	}
	nums, err := s.rdb.ZRevRange(ctx, s.key("incidents:all"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: recent incidents: %w", err)
	}
	out, err := s.incidents(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("store: recent incidents: %w", err)
	}
	return out, nil
}

// incidents reads the headers of nums in one pipeline, in order. A number
// whose header is gone is skipped.
func (s *Store) incidents(ctx context.Context, nums []string) ([]incident.Incident, error) {
	if len(nums) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(nums))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, num := range nums {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				return fmt.Errorf("bad incident number %q in index: %w", num, err)
			}
			cmds[i] = p.HGetAll(ctx, s.incKey(n, ""))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]incident.Incident, 0, len(nums))
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		inc, err := decodeIncident(c.Val())
		if err != nil {
			return nil, fmt.Errorf("incident %s: %w", nums[i], err)
		}
		out = append(out, inc)
	}
	return out, nil
}

func encodeIncident(inc incident.Incident) (map[string]any, error) {
	m := map[string]any{hNumber: strconv.FormatInt(inc.Number, 10)}
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(hTitle, inc.Title)
	put(hDescription, inc.Description)
	if inc.Severity != 0 {
		m[hSeverity] = strconv.Itoa(int(inc.Severity))
	}
	put(hStatus, string(inc.Status))
	put(hChannelID, inc.ChannelID)
	put(hChannelName, inc.ChannelName)
	put(hHeaderTS, inc.HeaderTS)
	if len(inc.Roles) > 0 {
		b, err := json.Marshal(inc.Roles)
		if err != nil {
			return nil, fmt.Errorf("encode roles: %w", err)
		}
		m[hRoles] = string(b)
	}
	put(hDeclaredBy, inc.DeclaredBy)
	put(hDeclaredAt, formatTime(inc.DeclaredAt))
	put(hResolvedAt, formatTime(inc.ResolvedAt))
	put(hSource, inc.Source)
	if len(inc.Runbooks) > 0 {
		b, err := json.Marshal(inc.Runbooks)
		if err != nil {
			return nil, fmt.Errorf("encode runbooks: %w", err)
		}
		m[hRunbooks] = string(b)
	}
	if len(inc.Links) > 0 {
		b, err := json.Marshal(inc.Links)
		if err != nil {
			return nil, fmt.Errorf("encode links: %w", err)
		}
		m[hLinks] = string(b)
	}
	put(hExternalID, inc.ExternalID)
	put(hExternalURL, inc.ExternalURL)
	put(hLastUpdateAt, formatTime(inc.LastUpdateAt))
	put(hNudgedAt, formatTime(inc.NudgedAt))
	put(hPostmortemID, inc.PostmortemID)
	put(hStatuspageID, inc.StatuspageID)
	if inc.Private {
		m[hPrivate] = "1"
	}
	if inc.CadenceSet {
		m[hCadence] = inc.Cadence.String()
	}
	if err := encodeRecord(inc.Record, put); err != nil {
		return nil, err
	}
	return m, nil
}

func encodeRecord(r incident.Record, put func(k, v string)) error {
	if len(r.Services) > 0 {
		b, err := json.Marshal(r.Services)
		if err != nil {
			return fmt.Errorf("encode services: %w", err)
		}
		put(hServices, string(b))
	}
	put(hImpact, r.Impact)
	if r.CustomersKnown {
		put(hCustomers, strconv.FormatInt(r.Customers, 10))
	}
	put(hDetectedBy, string(r.DetectedBy))
	put(hDetectedLink, r.DetectedLink)
	put(hHypothesis, r.Hypothesis)
	put(hRootCause, r.RootCause)
	put(hTrigger, r.Trigger)
	put(hAI, string(r.AI))
	if len(r.Comms) > 0 {
		comms := make(map[string]storedComm, len(r.Comms))
		for c, d := range r.Comms {
			comms[string(c)] = storedComm{By: d.By, At: d.At.UTC()}
		}
		b, err := json.Marshal(comms)
		if err != nil {
			return fmt.Errorf("encode comms: %w", err)
		}
		put(hComms, string(b))
	}
	put(hPMOwner, r.PostmortemOwner)
	if !r.PostmortemDue.IsZero() {
		put(hPMDue, r.PostmortemDue.Format(time.DateOnly))
	}
	if r.PostmortemDrafted {
		put(hPMDrafted, "1")
	}
	return nil
}

func decodeRecord(m map[string]string) (incident.Record, error) {
	var r incident.Record
	if v := m[hServices]; v != "" {
		if err := json.Unmarshal([]byte(v), &r.Services); err != nil {
			return r, fmt.Errorf("decode services: %w", err)
		}
	}
	r.Impact = m[hImpact]
	if v := m[hCustomers]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return r, fmt.Errorf("decode customers: %w", err)
		}
		r.Customers, r.CustomersKnown = n, true
	}
	r.DetectedBy = incident.Detection(m[hDetectedBy])
	r.DetectedLink = m[hDetectedLink]
	r.Hypothesis = m[hHypothesis]
	r.RootCause = m[hRootCause]
	r.Trigger = m[hTrigger]
	r.AI = incident.AIConnection(m[hAI])
	if v := m[hComms]; v != "" {
		var comms map[string]storedComm
		if err := json.Unmarshal([]byte(v), &comms); err != nil {
			return r, fmt.Errorf("decode comms: %w", err)
		}
		r.Comms = make(map[incident.Comm]incident.CommDone, len(comms))
		for c, d := range comms {
			r.Comms[incident.Comm(c)] = incident.CommDone{By: d.By, At: d.At}
		}
	}
	r.PostmortemOwner = m[hPMOwner]
	if v := m[hPMDue]; v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return r, fmt.Errorf("decode postmortem due: %w", err)
		}
		r.PostmortemDue = d
	}
	r.PostmortemDrafted = m[hPMDrafted] == "1"
	return r, nil
}

func decodeIncident(m map[string]string) (incident.Incident, error) {
	var inc incident.Incident
	var err error
	if inc.Number, err = strconv.ParseInt(m[hNumber], 10, 64); err != nil {
		return inc, fmt.Errorf("decode number: %w", err)
	}
	if v := m[hSeverity]; v != "" {
		sev, err := strconv.Atoi(v)
		if err != nil {
			return inc, fmt.Errorf("decode severity: %w", err)
		}
		inc.Severity = incident.Severity(sev)
	}
	inc.Title = m[hTitle]
	inc.Description = m[hDescription]
	inc.Status = incident.Status(m[hStatus])
	inc.ChannelID = m[hChannelID]
	inc.ChannelName = m[hChannelName]
	inc.HeaderTS = m[hHeaderTS]
	if v := m[hRoles]; v != "" {
		if err := json.Unmarshal([]byte(v), &inc.Roles); err != nil {
			return inc, fmt.Errorf("decode roles: %w", err)
		}
	}
	inc.DeclaredBy = m[hDeclaredBy]
	inc.Source = m[hSource]
	if v := m[hRunbooks]; v != "" {
		if err := json.Unmarshal([]byte(v), &inc.Runbooks); err != nil {
			return inc, fmt.Errorf("decode runbooks: %w", err)
		}
	}
	if v := m[hLinks]; v != "" {
		if err := json.Unmarshal([]byte(v), &inc.Links); err != nil {
			return inc, fmt.Errorf("decode links: %w", err)
		}
	}
	inc.ExternalID = m[hExternalID]
	inc.ExternalURL = m[hExternalURL]
	inc.PostmortemID = m[hPostmortemID]
	inc.StatuspageID = m[hStatuspageID]
	inc.Private = m[hPrivate] == "1"
	if v := m[hCadence]; v != "" {
		if inc.Cadence, err = time.ParseDuration(v); err != nil {
			return inc, fmt.Errorf("decode update cadence: %w", err)
		}
		inc.CadenceSet = true
	}
	if inc.Record, err = decodeRecord(m); err != nil {
		return inc, err
	}
	for _, t := range []struct {
		field string
		dst   *time.Time
	}{
		{hDeclaredAt, &inc.DeclaredAt},
		{hResolvedAt, &inc.ResolvedAt},
		{hLastUpdateAt, &inc.LastUpdateAt},
		{hNudgedAt, &inc.NudgedAt},
	} {
		if *t.dst, err = parseTime(m[t.field]); err != nil {
			return inc, fmt.Errorf("decode %s: %w", t.field, err)
		}
	}
	return inc, nil
}

// formatTime renders t in UTC with full precision; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime reverses formatTime.
func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}
