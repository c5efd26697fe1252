package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is wrapped by Append when Options.WaitReplicas replicas
// did not confirm the write within Options.WaitTimeout. The event is on the
// master, and its dedupe key with it, but the caller must not tell Slack it
// is safe: Slack redelivers it, the redelivery dedupes, and it waits again.
var ErrNotReplicated = errors.New("not confirmed by enough replicas")

// Group commit. Appends that arrive while earlier ones are on the wire are
// sent together: one pipeline (one write and one read syscall, one round
// trip) for the batch instead of one per event. The caller that finds a
// pipeline slot free sends its own append at once, with whatever is queued
// (up to maxBatch), from its own goroutine; while every slot is busy,
// appends queue for the next free one. Nothing waits for more to arrive,
// so an append on an idle store costs no hand-off and no latency: batching
// happens only when Redis is already busy. Each caller still gets its own
// result, and an event is acked only after its own write succeeded.
const (
	maxBatch = 128
	// flushers bound the pipelines in flight. Several keep a slow round
	// trip from holding everything behind it; each batches what queued.
	flushers = 4
	// batchTimeout bounds one pipeline. Callers' contexts are not used for
	// it: a batch mixes callers, and one giving up must not fail the rest.
	batchTimeout = 5 * time.Second
)

type appendReq struct {
	keys []string
	args []any
	res  []any
	err  error
	done chan struct{}
}

// committer batches appends.
type committer struct {
	rdb          redis.UniversalClient
	waitReplicas int
	waitTimeout  time.Duration

	mu      sync.Mutex
	queue   []*appendReq // waiting for a free pipeline slot
	leaders int          // pipelines being sent, at most flushers
	closed  bool
	wg      sync.WaitGroup // one per leader, so close can wait for them
}

func newCommitter(rdb redis.UniversalClient, waitReplicas int, waitTimeout time.Duration) *committer {
	return &committer{rdb: rdb, waitReplicas: waitReplicas, waitTimeout: waitTimeout}
}

var errStoreClosed = errors.New("store closed")

// do sends one append, or queues it behind the pipelines in flight, and
// waits for its result or ctx.
func (c *committer) do(ctx context.Context, keys []string, args []any) ([]any, error) {
	r := &appendReq{keys: keys, args: args, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errStoreClosed
	}
	if c.leaders >= flushers {
		c.queue = append(c.queue, r)
		c.mu.Unlock()
		select {
		case <-r.done:
			return r.res, r.err
		case <-ctx.Done():
			// It may still be written; a redelivery dedupes.
			return nil, ctx.Err()
		}
	}
	c.leaders++
	c.wg.Add(1)
	batch := c.takeLocked([]*appendReq{r})
	c.mu.Unlock()
	c.flush(batch)
	// What queued meanwhile goes next, but not on this caller's time.
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.leaders--
		c.mu.Unlock()
		c.wg.Done()
	} else {
		c.mu.Unlock()
		go c.lead()
	}
	return r.res, r.err
}

// lead sends what is queued, batch after batch, until nothing is, then
// gives its pipeline slot back.
func (c *committer) lead() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.leaders--
			c.mu.Unlock()
			return
		}
		batch := c.takeLocked(make([]*appendReq, 0, min(len(c.queue), maxBatch)))
		c.mu.Unlock()
		c.flush(batch)
	}
}

// takeLocked moves the oldest queued requests into batch, up to maxBatch.
func (c *committer) takeLocked(batch []*appendReq) []*appendReq {
	n := min(len(c.queue), maxBatch-len(batch))
	batch = append(batch, c.queue[:n]...)
	rest := copy(c.queue, c.queue[n:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	return batch
}

// close waits for the pipelines in flight, which send what is queued, and
// refuses appends from then on.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	for _, r := range c.queue {
		r.err = errStoreClosed
		close(r.done)
	}
	c.queue = nil
	c.mu.Unlock()
}

// flush writes a batch, one pipeline per master (a Cluster's events live on
// several), and answers every request in it.
func (c *committer) flush(batch []*appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	for node, reqs := range c.byNode(ctx, batch) {
		c.flushNode(ctx, node, reqs)
	}
	for _, r := range batch {
		close(r.done)
	}
}

// byNode groups a batch by the client that reaches its stream's master. WAIT
// counts the replicas of the connection it runs on, so the scripts it
// vouches for must go down that same connection: on a Cluster, the pipeline
// is sent to the master itself rather than split by go-redis.
func (c *committer) byNode(ctx context.Context, batch []*appendReq) map[redis.Cmdable][]*appendReq {
	cc, ok := c.rdb.(*redis.ClusterClient)
	if !ok {
		return map[redis.Cmdable][]*appendReq{c.rdb: batch}
	}
	out := map[redis.Cmdable][]*appendReq{}
	for _, r := range batch {
		node, err := cc.MasterForKey(ctx, r.keys[0])
		if err != nil {
			r.err = err
			continue
		}
		out[node] = append(out[node], r)
	}
	return out
}

func (c *committer) flushNode(ctx context.Context, node redis.Cmdable, reqs []*appendReq) {
	evals, wait := c.send(ctx, node, reqs, false)
	// A master that has not seen the script (a new one after a failover, or
	// after SCRIPT FLUSH) refuses EVALSHA and runs nothing: send the
	// refused ones again with the script's text.
	var again []*appendReq
	for i, r := range reqs {
		if err := evals[i].Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			again = append(again, r)
		}
	}
	if len(again) > 0 {
		evals2, wait2 := c.send(ctx, node, again, true)
		for i, r := range again {
			r.res, r.err = evals2[i].Slice()
		}
		c.checkWait(again, wait2)
	}
	for i, r := range reqs {
		if r.err != nil || redis.HasErrorPrefix(evals[i].Err(), "NOSCRIPT") {
			continue
		}
		r.res, r.err = evals[i].Slice()
	}
	c.checkWait(reqs, wait)
	if cc, ok := c.rdb.(*redis.ClusterClient); ok && movedOrDown(reqs) {
		// The slot moved (a failover, a reshard): learn the new masters
		// before the redeliveries arrive.
		cc.ReloadState(ctx)
	}
}

// send pipelines the scripts of reqs, then WAIT when replicas are wanted.
func (c *committer) send(ctx context.Context, node redis.Cmdable, reqs []*appendReq, text bool) ([]*redis.Cmd, *redis.Cmd) {
	evals := make([]*redis.Cmd, len(reqs))
	var wait *redis.Cmd
	pipe := node.Pipeline()
	for i, r := range reqs {
		if r.err != nil {
			evals[i] = redis.NewCmd(ctx)
			evals[i].SetErr(r.err)
			continue
		}
		if text {
			evals[i] = appendScript.Eval(ctx, pipe, r.keys, r.args...)
		} else {
			evals[i] = appendScript.EvalSha(ctx, pipe, r.keys, r.args...)
		}
	}
	if c.waitReplicas > 0 {
		// Pipeliner has no Wait method; the command is the same.
		wait = pipe.Do(ctx, "WAIT", c.waitReplicas, c.waitTimeout.Milliseconds())
	}
	// Exec's error is the first command's; each command keeps its own.
	_, _ = pipe.Exec(ctx)
	return evals, wait
}

// checkWait fails the written requests of a pipeline whose WAIT came back
// with fewer replicas than asked.
func (c *committer) checkWait(reqs []*appendReq, wait *redis.Cmd) {
	if wait == nil {
		return
	}
	got, err := wait.Int64()
	if err == nil && got >= int64(c.waitReplicas) {
		return
	}
	for _, r := range reqs {
		if r.err != nil {
			continue
		}
		if err != nil {
			r.err = fmt.Errorf("WAIT %d: %w", c.waitReplicas, err)
		} else {
			r.err = fmt.Errorf("%w: %d of %d replicas within %s", ErrNotReplicated, got, c.waitReplicas, c.waitTimeout)
		}
		r.res = nil
	}
}

func movedOrDown(reqs []*appendReq) bool {
	for _, r := range reqs {
		if r.err == nil {
			continue
		}
		msg := r.err.Error()
		if strings.HasPrefix(msg, "MOVED") || strings.HasPrefix(msg, "CLUSTERDOWN") ||
			strings.HasPrefix(msg, "READONLY") || !isRedisError(r.err) {
			return true
		}
	}
	return false
}

func isRedisError(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}
