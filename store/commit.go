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
// trip) for the batch instead of one per event. A caller that finds one of
// the pipeline slots free sends its append at once from its own goroutine,
// with no hand-off; while every slot is busy, appends queue, and the first
// slot to free up sends them, up to maxBatch a pipeline, until none is left.
// Nothing waits for more to arrive, so an event on an idle store costs no
// latency: batching happens only when Redis is already busy. Each caller
// still gets its own result, and an event is acked only after its own write
// succeeded.
const (
	maxBatch = 128
	// flushers bound the pipelines in flight. Several keep a slow round
	// trip from holding everything behind it; each batches what queued.
	flushers = 4
	// maxQueued bounds the appends waiting for a slot. Past it an append
	// fails at once (ErrBusy): the event is not acked, and Slack redelivers
	// it or the spool takes it, instead of memory growing while Redis stalls.
	maxQueued = 32 * maxBatch
	// batchTimeout bounds one pipeline. Callers' contexts are not used for
	// it: a batch mixes callers, and one giving up must not fail the rest.
	batchTimeout = 5 * time.Second
)

// ErrBusy is wrapped by Append when maxQueued appends already wait for Redis.
var ErrBusy = errors.New("too many writes waiting for Redis")

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
	queue   []*appendReq // waiting for a free slot, oldest first
	leaders int          // slots in use: pipelines being sent, at most flushers
	closed  bool
	wg      sync.WaitGroup // one per slot in use, so close can wait for them
}

func newCommitter(rdb redis.UniversalClient, waitReplicas int, waitTimeout time.Duration) *committer {
	return &committer{rdb: rdb, waitReplicas: waitReplicas, waitTimeout: waitTimeout}
}

var errStoreClosed = errors.New("store closed")

// do sends one append, or queues it while every slot is busy, and returns
// its result. A queued append gives up with ctx (it may still be written;
// a redelivery dedupes); one being sent finishes its pipeline first, within
// batchTimeout.
func (c *committer) do(ctx context.Context, keys []string, args []any) ([]any, error) {
	r := &appendReq{keys: keys, args: args, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errStoreClosed
	}
	if c.leaders >= flushers {
		if len(c.queue) >= maxQueued {
			c.mu.Unlock()
			return nil, ErrBusy
		}
		c.queue = append(c.queue, r)
		c.mu.Unlock()
		select {
		case <-r.done:
			return r.res, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c.leaders++
	c.wg.Add(1)
	c.mu.Unlock()
	// Deferred so that a panic below (recovered by the caller) still gives
	// the slot back, or hands it to what queued meanwhile.
	defer c.release()
	c.flush([]*appendReq{r})
	return r.res, r.err
}

// release gives a slot back once its pipeline is answered, or, when appends
// queued meanwhile, keeps it to send them, off the caller's time.
func (c *committer) release() {
	c.mu.Lock()
	if len(c.queue) > 0 {
		c.mu.Unlock()
		go c.lead()
		return
	}
	c.leaders--
	c.mu.Unlock()
	c.wg.Done()
}

// lead sends what is queued, batch after batch, then gives its slot back.
// Once the store is closing, what is still queued is failed instead.
func (c *committer) lead() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if c.closed {
			c.failQueuedLocked()
		}
		if len(c.queue) == 0 {
			c.leaders--
			c.mu.Unlock()
			return
		}
		n := min(len(c.queue), maxBatch)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil // let the backing array go
		}
		c.mu.Unlock()
		c.flush(batch)
	}
}

// failQueuedLocked answers every queued append with errStoreClosed.
func (c *committer) failQueuedLocked() {
	for _, r := range c.queue {
		r.err = errStoreClosed
		close(r.done)
	}
	c.queue = nil
}

// close refuses appends from now on, fails those still queued, and waits
// for the pipelines in flight (each within batchTimeout).
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.failQueuedLocked()
	c.mu.Unlock()
	c.wg.Wait()
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
