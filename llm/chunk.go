package llm

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Chunked summaries (the map step) kick in when the whole timeline is more
// than chunkFactor times the token budget: condensing alone would then drop
// most of the conversation.
const (
	chunkFactor    = 3
	maxChunks      = 8
	chunkParallel  = 4
	maxSummaryRune = 1200
)

// summarise splits a very long timeline into at most maxChunks stretches and
// asks the model to summarise each, in parallel, within half of the time
// left, so the final call keeps the other half. A stretch whose summary fails
// is simply left to the condensed timeline. Usage is added to spent.
func (d *Drafter) summarise(ctx context.Context, req incident.DraftRequest, entries []incident.Entry, v *voice, spent *usage) []chunkSummary {
	total := 0
	for _, e := range entries {
		total += entryCost(e, maxLineText)
	}
	if total <= chunkFactor*d.cfg.TokenBudget || len(entries) < 2 {
		return nil
	}
	n := min(maxChunks, (total+d.cfg.TokenBudget-1)/d.cfg.TokenBudget, len(entries))
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(dl)/2))
		defer cancel()
	}
	out := make([]chunkSummary, n)
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, chunkParallel)
	)
	size := (len(entries) + n - 1) / n
	for i := range n {
		lo, hi := i*size, min((i+1)*size, len(entries))
		if lo >= hi {
			continue
		}
		part := entries[lo:hi]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// A panic here would not reach Draft's recover, which guards
			// only its own goroutine; a lost chunk is only a shorter prompt.
			defer func() {
				if r := recover(); r != nil {
					d.log.Error("chunk summary panicked", "panic", r)
				}
			}()
			mu.Lock()
			over := d.overCap(req.SpentUSD + spent.cost)
			mu.Unlock()
			if over || ctx.Err() != nil {
				return
			}
			text, u := d.summariseChunk(ctx, part, v)
			mu.Lock()
			spent.add(u)
			mu.Unlock()
			if text != "" {
				out[i] = chunkSummary{first: part[0].Seq, last: part[len(part)-1].Seq, text: text}
			}
		})
	}
	wg.Wait()
	kept := out[:0]
	for _, s := range out {
		if s.text != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

func (d *Drafter) summariseChunk(ctx context.Context, part []incident.Entry, v *voice) (string, usage) {
	view := condense(part, d.cfg.TokenBudget*3/4, v)
	var b strings.Builder
	b.WriteString(dataOpen)
	b.WriteString("\nA stretch of the timeline (times in " + v.zone(part[0].At) + "):\n")
	for _, l := range view.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(dataClose)
	b.WriteString("\nSummarise this stretch as the JSON object described.")
	content, u, err := d.complete(ctx, chunkSystem, b.String())
	if err != nil {
		d.log.Info("llm: chunk summary failed; the condensed timeline covers it", "err", err)
		return "", u
	}
	md, err := parseDraft(content)
	if err != nil {
		return "", u
	}
	// Only citations into this stretch survive into the final prompt.
	valid := newCiteCheck(part, v).valid
	text := md.Summary
	for _, s := range md.Sections {
		text += " " + s.Text
	}
	text = citeMarker.ReplaceAllStringFunc(text, func(m string) string {
		var keep strings.Builder
		for _, n := range markerSeqs(m) {
			if valid[n] {
				keep.WriteString("[E" + strconv.Itoa(n) + "]")
			}
		}
		return keep.String()
	})
	return incident.Truncate(strings.TrimSpace(text), maxSummaryRune), u
}
