package insights

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Store is what the loader reads: the headers, and the event logs behind a
// cache of digests.
type Store interface {
	// IncidentsSince lists the incidents declared at or after since,
	// oldest first.
	IncidentsSince(ctx context.Context, since time.Time) ([]incident.Incident, error)
	// Digests returns each incident's event-log length and cached digest
	// ("" for none).
	Digests(ctx context.Context, nums []int64) (lengths []int64, docs []string, err error)
	// SaveDigests caches digests by incident number.
	SaveDigests(ctx context.Context, docs map[int64]string) error
	Events(ctx context.Context, n int64) ([]incident.Event, error)
}

// digest is what incident:{n}:digest holds: the log's facts and the log
// length they were read from.
type digest struct {
	Version int      `json:"v"`
	Length  int64    `json:"len"`
	Facts   logFacts `json:"facts"`
}

// loadWorkers bounds how many event logs are read at once when digests
// are stale (the first load after an upgrade reads them all).
const loadWorkers = 8

// Loader reads the facts of a window's incidents.
type Loader struct{ store Store }

// NewLoader reads from s.
func NewLoader(s Store) *Loader { return &Loader{store: s} }

// Load returns the facts of every incident declared at or after since:
// headers and cached digests in two round trips, and only the logs that
// grew since their digest was made.
func (l *Loader) Load(ctx context.Context, since time.Time) ([]Facts, error) {
	incs, err := l.store.IncidentsSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("insights: %w", err)
	}
	nums := make([]int64, len(incs))
	for i, inc := range incs {
		nums[i] = inc.Number
	}
	lengths, docs, err := l.store.Digests(ctx, nums)
	if err != nil {
		return nil, fmt.Errorf("insights: %w", err)
	}
	out := make([]Facts, len(incs))
	var stale []int
	for i, inc := range incs {
		var d digest
		if docs[i] != "" && json.Unmarshal([]byte(docs[i]), &d) == nil && d.Version == FactsVersion && d.Length == lengths[i] {
			out[i] = facts(inc, d.Facts)
			continue
		}
		stale = append(stale, i)
	}
	if len(stale) == 0 {
		return out, nil
	}

	fresh := make(map[int64]string, len(stale))
	var mu sync.Mutex
	var firstErr error
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(loadWorkers, len(stale)) {
		wg.Go(func() {
			for i := range work {
				inc := incs[i]
				events, err := l.store.Events(ctx, inc.Number)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mu.Unlock()
				lf := fromLog(inc, events)
				doc, _ := json.Marshal(digest{Version: FactsVersion, Length: int64(len(events)), Facts: lf})
				mu.Lock()
				out[i] = facts(inc, lf)
				fresh[inc.Number] = string(doc)
				mu.Unlock()
			}
		})
	}
	for _, i := range stale {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("insights: %w", firstErr)
	}
	// A failed cache write costs the next load time, not correctness.
	_ = l.store.SaveDigests(ctx, fresh)
	return out, nil
}

// Maker answers /incident insights and the CLI: load, compute, render.
type Maker struct {
	loader *Loader
	now    func() time.Time
}

// NewMaker makes reports from s; now nil means time.Now.
func NewMaker(s Store, now func() time.Time) *Maker {
	if now == nil {
		now = time.Now
	}
	return &Maker{loader: NewLoader(s), now: now}
}

// Report computes the report over since to now.
func (m *Maker) Report(ctx context.Context, since time.Time, service string) (Report, error) {
	facts, err := m.loader.Load(ctx, since)
	if err != nil {
		return Report{}, err
	}
	return Compute(facts, since, m.now(), service), nil
}

// Insights is the report as Markdown and the chart as PNG.
func (m *Maker) Insights(ctx context.Context, since time.Time, service string) (string, []byte, error) {
	r, err := m.Report(ctx, since, service)
	if err != nil {
		return "", nil, err
	}
	png, err := Chart(r)
	if err != nil {
		return "", nil, err
	}
	return Markdown(r), png, nil
}
