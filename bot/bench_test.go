package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/store"
)

const (
	// benchChannels is how many incidents the load is spread over; the bot
	// shards events by channel over its 16 default workers.
	benchChannels = 16
	// benchInFlight bounds the envelopes sent and not yet acked, as Slack
	// does not flood a socket without limit either.
	benchInFlight = 256
	// benchText is a typical incident-channel message.
	benchText = "checkout pods are crash-looping again after the 14:40 deploy; rolling back now"
)

// lastIngestRate is BenchmarkIngest's latest events/s, so BenchmarkRawXADD16
// (which runs after it in the same `go test -bench` run) can report the
// ratio against the same Redis.
var lastIngestRate atomic.Uint64

// benchTS makes every message ts unique across the benchmark's repeated
// invocations (the store dedupes messages by ts).
var benchTS atomic.Int64

// ingestRig is the real bot connected to the emulator and a real Redis, with
// benchChannels incidents declared.
type ingestRig struct {
	ctx      context.Context
	emu      *slackemu.Emulator
	channels []string
}

func newIngestRig(tb testing.TB) *ingestRig {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	// No redelivery: an unacked event must show up as a stuck benchmark, not
	// be hidden by a retry. Bot events would only add acks we do not count.
	emu := slackemu.New(slackemu.Options{RedeliverAfter: -1, SuppressBotEvents: true})
	tb.Cleanup(emu.Close)
	emu.AddUser(ali, "ali")
	emu.AddChannel(announce, "incidents")
	emu.AddChannel(general, "general")
	st, err := store.New(ctx, redistest.URL(tb), store.Options{})
	if err != nil {
		tb.Fatalf("store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	b, _, err := assemble(ctx, emu, config{
		Config:   bot.Config{Logger: testLogger(), ReminderSpec: "-"},
		Handlers: handlers.Config{AnnounceChannel: announce},
		Store:    st,
	})
	if err != nil {
		tb.Fatalf("bot.New: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	tb.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("bot.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("bot did not stop within 10s")
		}
	})
	select {
	case <-b.Connected():
	case <-ctx.Done():
		tb.Fatal("bot never connected to the emulator")
	}

	r := &ingestRig{ctx: ctx, emu: emu}
	for i := range benchChannels {
		before := len(emu.Channels())
		if _, err := emu.SlashCommand(ctx, ali, general, fmt.Sprintf("declare P3 bench %d", i+1)); err != nil {
			tb.Fatalf("declare: %v", err)
		}
		var ch string
		r.waitFor(tb, "incident channel", func() bool {
			chans := emu.Channels()
			if len(chans) <= before {
				return false
			}
			ch = chans[len(chans)-1].ID
			_, ok, err := st.ChannelIncident(ctx, ch)
			return err == nil && ok
		})
		// The declare is finished (header pinned, reply sent) before the
		// load starts, so its Web API calls are not measured.
		r.waitFor(tb, "declare reply", func() bool {
			return strings.Count(replyText(emu.Ephemerals(ali)), "Declared") > i
		})
		r.channels = append(r.channels, ch)
	}
	r.waitFor(tb, "declares to settle", func() bool { return len(emu.Unacked()) == 0 })
	return r
}

func replyText(msgs []slackemu.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Text)
		b.WriteString(unescape(m.Blocks))
	}
	return b.String()
}

func (r *ingestRig) waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, time.Minute)
	defer cancel()
	if err := r.emu.WaitFor(ctx, cond); err != nil {
		tb.Fatalf("timed out waiting for %s", what)
	}
}

// sendMessages sends n message events round robin over the incident channels,
// keeping at most benchInFlight unacked, and waits until all are acked.
func (r *ingestRig) sendMessages(tb testing.TB, n int) {
	tb.Helper()
	for sent := 0; sent < n; {
		// Refill only once a quarter of the window is free: Unacked sorts
		// the pending IDs, and asking after every ack would cost the
		// process more than the bot's own work.
		free := benchInFlight - len(r.emu.Unacked())
		if free < benchInFlight/4 && free < n-sent {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		for ; free > 0 && sent < n; free-- {
			i := benchTS.Add(1)
			ts := "1710408413." + strconv.FormatInt(i, 10)
			inner := map[string]any{"type": "message", "channel": r.channels[sent%len(r.channels)], "user": ali,
				"text": benchText, "ts": ts, "event_ts": ts, "channel_type": "channel"}
			if err := r.emu.SendEvent(r.ctx, "EvBench"+strconv.FormatInt(i, 10), inner, 0); err != nil {
				tb.Fatalf("send event: %v", err)
			}
			sent++
		}
	}
	r.waitFor(tb, "every event to be acked", func() bool { return len(r.emu.Unacked()) == 0 })
}

// BenchmarkIngest measures the full ingest path: a socket-mode envelope
// (emulator) → slack-go decode → handlers.Message → dedupe + XADD on real
// Redis → ack, with b.N message events over 16 incident channels and at most
// 256 in flight. The emulator runs in the same process, so its CPU is
// counted too; compare with BenchmarkRawXADD16.
func BenchmarkIngest(b *testing.B) {
	r := newIngestRig(b)
	acksBefore := countEventAcks(r.emu)
	b.ResetTimer()
	r.sendMessages(b, b.N)
	b.StopTimer()
	if got := countEventAcks(r.emu) - acksBefore; got != b.N {
		b.Fatalf("acked %d message events, want %d", got, b.N)
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	lastIngestRate.Store(uint64(rate))
	b.ReportMetric(rate, "events/s")
}

func countEventAcks(emu *slackemu.Emulator) int {
	n := 0
	for _, a := range emu.Acks() {
		if strings.HasPrefix(a.EventID, "EvBench") {
			n++
		}
	}
	return n
}

// BenchmarkRawXADD16 is the ceiling for BenchmarkIngest: a plain go-redis
// XADD of the fields the store writes for a message, from 16 goroutines over
// 16 streams, on the same Redis. When BenchmarkIngest ran first in the same
// run it also reports ingest/raw, the ratio of the two rates.
func BenchmarkRawXADD16(b *testing.B) {
	c := redistest.Client(b)
	ctx := context.Background()
	values := []string{"kind", "message", "at", strconv.FormatInt(time.Now().UnixMilli(), 10), "actor", ali,
		"ts", "1710408413.000100", "thread_ts", "1710408413.000100", "text", benchText}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchChannels)
	b.ResetTimer()
	for g := range benchChannels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := "incident:{" + strconv.Itoa(g+1) + "}:events"
			for next.Add(1) <= int64(b.N) {
				if err := c.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: values}).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatalf("XADD: %v", err)
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "events/s")
	if ingest := lastIngestRate.Load(); ingest > 0 {
		b.ReportMetric(float64(ingest)/rate, "ingest/raw")
	}
}
