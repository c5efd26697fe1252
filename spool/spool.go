// Package spool is a bounded, durable, on-disk queue of byte records. The bot
// spools a Slack event here when Redis cannot take it, so it can still ack
// the event, and replays the spool into Redis, oldest first, once Redis
// answers.
//
// Durability: Append returns nil only after its record is written and
// fsynced, so a process killed at any point and reopened on the same
// directory finds every record whose Append returned nil. A write torn by the
// crash is detected by its checksum and truncated at Open; it is never
// returned as a record and never hides the records before it.
//
// Delivery is at-least-once: Drain removes a record only after its fn
// returned nil, and records the drain position on disk every 256 records and
// when it returns, so a crash mid-drain hands up to 256 records to fn again
// after restart. Callers dedupe; the bot's Redis append dedupes by event key.
//
// On disk, dir holds append-only segment files seg-%016d.log, each record
// framed as length + CRC32C + payload (see segment.go), a "position" file
// with the drain position, replaced atomically (see savePositionEvery), and
// a "lock" file held with flock while the spool is open. Drained segments are
// deleted, so disk use stays within about MaxBytes plus a segment or two.
package spool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// ErrFull is returned, wrapped, by Append when the record would take the
// spool past Options.MaxBytes (a record larger than MaxBytes never fits).
// The caller should not ack the event: Slack redelivers it.
var ErrFull = errors.New("spool full")

// ErrClosed is returned, wrapped, by calls on a closed Spool.
var ErrClosed = errors.New("spool closed")

// Defaults for the zero Options.
const (
	DefaultMaxBytes     = 256 << 20
	DefaultSegmentBytes = 8 << 20
)

// Options tunes a Spool. The zero value is ready to use.
type Options struct {
	// MaxBytes bounds Bytes, the undrained records with their framing
	// (8 bytes each). 0 means DefaultMaxBytes.
	MaxBytes int64
	// SegmentBytes is the size at which appends move to a new segment file.
	// A record larger than this gets a segment of its own. 0 means
	// DefaultSegmentBytes.
	SegmentBytes int64
}

// Spool is a durable FIFO of records in one directory. Its methods are safe
// for concurrent use. Open it with Open.
type Spool struct {
	dir  string
	opts Options
	d    *os.File // the directory, for fsyncs
	lock *os.File

	// sem is held by the one goroutine writing a batch (the group-commit
	// leader); the fields after it belong to that goroutine.
	sem     chan struct{}
	w       *os.File // segment being appended to
	wID     uint64
	wSize   int64 // bytes written and fsynced to w
	wBroken bool  // a write or fsync of w failed: move to a new segment
	nextID  uint64
	buf     []byte

	// drainSem is held by the running Drain; r and rID belong to it.
	drainSem chan struct{}
	r        *os.File // reader of the head segment
	rID      uint64

	mu       sync.Mutex
	closed   bool
	segs     []segment // oldest first; never empty; the last is w's
	headOff  int64     // drain position in segs[0]
	unsaved  int       // records drained since the position was saved; Drain's alone
	count    int       // undrained records
	bytes    int64     // undrained bytes, framing included
	reserved int64     // bytes of queued and in-flight appends
	queue    []*request
	syncs    int64 // segment fsyncs, for the benchmarks
}

// segment is a segment file as the spool knows it.
type segment struct {
	id   uint64
	size int64 // bytes of durable records
}

// request is one Append waiting for a batch to carry it.
type request struct {
	frame     []byte
	done      chan struct{} // closed once err is set
	err       error
	taken     bool // in a leader's batch; can no longer be withdrawn
	cancelled bool // withdrawn by its Append before any leader took it
}

// Open opens the spool in dir, creating the directory (0o700) if needed. It
// scans the existing segments, truncates each at its first torn or corrupt
// frame, and resumes draining from the saved position. Only one Spool may
// have a directory open at a time; a second Open fails.
func Open(dir string, opts Options) (*Spool, error) {
	if opts.MaxBytes < 0 || opts.SegmentBytes < 0 {
		return nil, fmt.Errorf("spool: open %s: negative MaxBytes or SegmentBytes", dir)
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.SegmentBytes == 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	s := &Spool{
		dir:      dir,
		opts:     opts,
		sem:      make(chan struct{}, 1),
		drainSem: make(chan struct{}, 1),
		nextID:   1,
	}
	if err := s.open(); err != nil {
		_ = s.closeFiles()
		return nil, fmt.Errorf("spool: open %s: %w", dir, err)
	}
	return s, nil
}

func (s *Spool) open() error {
	// Directories MkdirAll creates need their entries fsynced too, or a
	// power cut could take them and every record in them.
	var created []string
	for p := filepath.Clean(s.dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) || p == filepath.Dir(p) {
			break
		}
		created = append(created, p)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	for _, p := range created {
		if err := syncPath(filepath.Dir(p)); err != nil {
			return err
		}
	}
	var err error
	if s.d, err = os.Open(s.dir); err != nil {
		return err
	}
	if s.lock, err = os.OpenFile(filepath.Join(s.dir, lockName), os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return err
	}
	if err := lockFile(s.lock); err != nil {
		return fmt.Errorf("in use by another Spool: %w", err)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	var ids []uint64
	for _, e := range entries {
		if id, ok := parseSegName(e.Name()); ok && e.Type().IsRegular() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	pos, havePos, err := readPosition(filepath.Join(s.dir, posName))
	if err != nil {
		return err
	}
	removed := false
	for i, id := range ids {
		s.nextID = max(s.nextID, id+1)
		if havePos && id < pos.seg {
			// Drained; its deletion had not reached the disk.
			if err := os.Remove(filepath.Join(s.dir, segName(id))); err != nil {
				return err
			}
			removed = true
			continue
		}
		head := len(s.segs) == 0
		if err := s.load(id, head, havePos && id == pos.seg, pos.off, i == len(ids)-1); err != nil {
			return fmt.Errorf("segment %s: %w", segName(id), err)
		}
	}
	if havePos {
		// New segments must sort after the position, or Open would take
		// them for drained ones.
		s.nextID = max(s.nextID, pos.seg+1)
	}
	// Fully drained segments before the last go now rather than at the
	// next Drain.
	for len(s.segs) > 1 && s.headOff == s.segs[0].size {
		if err := os.Remove(filepath.Join(s.dir, segName(s.segs[0].id))); err != nil {
			return err
		}
		s.segs, s.headOff, removed = s.segs[1:], 0, true
	}
	if removed {
		if err := syncDir(s.d); err != nil {
			return err
		}
	}
	if s.w == nil {
		return s.roll()
	}
	return nil
}

// load scans segment id, truncates a torn tail and adds the segment to s. If
// atPos, the drain position is off in this segment. The last segment is kept
// open for appending.
func (s *Spool) load(id uint64, head, atPos bool, off int64, last bool) error {
	f, err := os.OpenFile(filepath.Join(s.dir, segName(id)), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			_ = f.Close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var records, drained int
	var headOff int64
	valid, err := scanSegment(f, fi.Size(), func(start, end int64) {
		records++
		// An offset inside a record (a damaged position file) rounds down
		// to that record's start: replaying beats losing it.
		if atPos && end <= off {
			drained++
			headOff = end
		}
	})
	if err != nil {
		return err
	}
	if valid < fi.Size() {
		if err := f.Truncate(valid); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if head {
		s.headOff = headOff
	}
	s.segs = append(s.segs, segment{id: id, size: valid})
	s.count += records - drained
	s.bytes += valid - headOff
	if last {
		s.w, s.wID, s.wSize, keep = f, id, valid, true
	}
	return nil
}

// Len returns the number of records not yet drained.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Bytes returns the size of the records not yet drained, framing included:
// the figure MaxBytes bounds.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Append adds rec to the spool. When it returns nil, rec is written and
// fsynced: it survives a crash. Appends that arrive while another is being
// fsynced are written together and share the next fsync (group commit).
//
// It returns an error wrapping ErrFull if rec would take Bytes past MaxBytes,
// and ErrClosed after Close. If ctx ends first, Append returns its error;
// the record may then still have been spooled, and will be drained. Append
// does not keep rec.
func (s *Spool) Append(ctx context.Context, rec []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("spool: append: %w", err)
	}
	if uint64(len(rec)) > maxRecord {
		return fmt.Errorf("spool: append: record of %d bytes is too large to frame", len(rec))
	}
	// Framed here, not by the leader, so the caller may reuse rec as soon
	// as Append returns, even on a cancelled ctx.
	r := &request{
		frame: appendFrame(make([]byte, 0, headerSize+len(rec)), rec),
		done:  make(chan struct{}),
	}
	size := int64(len(r.frame))
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("spool: append: %w", ErrClosed)
	}
	if used := s.bytes + s.reserved; used+size > s.opts.MaxBytes {
		s.mu.Unlock()
		return fmt.Errorf("spool: append %d bytes: %w (%d of %d bytes used)", size, ErrFull, used, s.opts.MaxBytes)
	}
	s.reserved += size
	s.queue = append(s.queue, r)
	s.mu.Unlock()

	select {
	case s.sem <- struct{}{}:
		s.lead(r)
		<-s.sem
	case <-r.done:
	case <-ctx.Done():
		s.mu.Lock()
		taken := r.taken
		if !taken {
			r.cancelled = true
			s.reserved -= size
		}
		s.mu.Unlock()
		if taken {
			select {
			case <-r.done:
				return r.err // it made it after all
			default:
			}
		}
		return fmt.Errorf("spool: append: %w", ctx.Err())
	}
	return r.err
}

// lead runs with sem held. Unless an earlier leader already carried r, it
// writes everything queued, r included, as one batch.
func (s *Spool) lead(r *request) {
	s.mu.Lock()
	if r.taken {
		s.mu.Unlock()
		return
	}
	var batch []*request
	for _, q := range s.queue {
		if !q.cancelled {
			q.taken = true
			batch = append(batch, q)
		}
	}
	s.queue = nil
	if s.closed {
		s.finishLocked(batch, fmt.Errorf("spool: append: %w", ErrClosed))
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.write(batch)
}

// write appends batch to the segments, moving to a new segment when one
// fills, and completes each request once an fsync covers it.
func (s *Spool) write(batch []*request) {
	for len(batch) > 0 {
		if s.wBroken || (s.wSize > 0 && s.wSize+int64(len(batch[0].frame)) > s.opts.SegmentBytes) {
			if err := s.roll(); err != nil {
				s.finish(batch, fmt.Errorf("spool: append: %w", err))
				return
			}
		}
		// The requests that fit in this segment; at least one, so a record
		// larger than SegmentBytes fills a segment alone.
		n, size := 1, s.wSize+int64(len(batch[0].frame))
		for n < len(batch) && size+int64(len(batch[n].frame)) <= s.opts.SegmentBytes {
			size += int64(len(batch[n].frame))
			n++
		}
		data := batch[0].frame
		if n > 1 {
			s.buf = s.buf[:0]
			for _, q := range batch[:n] {
				s.buf = append(s.buf, q.frame...)
			}
			data = s.buf
		}
		if err := s.flush(data); err != nil {
			s.finish(batch, fmt.Errorf("spool: append: %s: %w", segName(s.wID), err))
			return
		}
		s.mu.Lock()
		s.segs[len(s.segs)-1].size = s.wSize
		s.count += n
		s.bytes += int64(len(data))
		s.syncs++
		s.finishLocked(batch[:n], nil)
		s.mu.Unlock()
		batch = batch[n:]
	}
	if cap(s.buf) > 1<<20 {
		s.buf = nil // one burst should not pin megabytes
	}
}

// flush writes data at the end of w and fsyncs it.
func (s *Spool) flush(data []byte) error {
	_, err := s.w.WriteAt(data, s.wSize)
	if err == nil {
		err = s.w.Sync()
	}
	if err != nil {
		// After a failed fsync the kernel may have dropped the pages, so
		// w is not trusted again; cutting the partial write off keeps the
		// segment readable to its last durable record (Open would cut it
		// anyway, at the first bad frame).
		s.wBroken = true
		_ = s.w.Truncate(s.wSize)
		return err
	}
	s.wSize += int64(len(data))
	return nil
}

// roll starts a new segment for appends. It runs with sem held.
func (s *Spool) roll() error {
	id := s.nextID
	s.nextID++ // even on failure: never retry a name that may exist
	path := filepath.Join(s.dir, segName(id))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	// The new name must be durable before a record in it counts as such.
	if err := syncDir(s.d); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("create segment %s: %w", segName(id), err)
	}
	if s.w != nil {
		_ = s.w.Close() // its records are fsynced already
	}
	s.w, s.wID, s.wSize, s.wBroken = f, id, 0, false
	s.mu.Lock()
	s.segs = append(s.segs, segment{id: id})
	s.mu.Unlock()
	return nil
}

func (s *Spool) finish(batch []*request, err error) {
	s.mu.Lock()
	s.finishLocked(batch, err)
	s.mu.Unlock()
}

func (s *Spool) finishLocked(batch []*request, err error) {
	for _, q := range batch {
		s.reserved -= int64(len(q.frame))
		q.err = err
		close(q.done)
	}
}

// Drain hands the records to fn one at a time, oldest first, including those
// appended while it runs, and returns how many fn accepted. A record is
// removed, durably, only after fn returns nil for it: the position file is
// replaced (fsynced) or the segment it ended is deleted. A crash in between
// hands the record to fn again after restart, so fn must tolerate
// duplicates.
//
// Drain returns nil once the spool is empty. If fn returns an error, Drain
// stops and returns that error as is, and the record stays first in line for
// the next Drain. It also stops when ctx ends or the spool is closed. Only
// one Drain runs at a time: a second call waits for the first to return (or
// for its ctx to end), then drains what is left. fn must not call Drain or
// Close; rec is fn's to keep.
func (s *Spool) Drain(ctx context.Context, fn func(ctx context.Context, rec []byte) error) (int, error) {
	select {
	case s.drainSem <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("spool: drain: %w", ctx.Err())
	}
	defer func() { <-s.drainSem }()
	n, err := s.drain(ctx, fn)
	if perr := s.flushPosition(); err == nil {
		err = perr
	}
	return n, err
}

func (s *Spool) drain(ctx context.Context, fn func(ctx context.Context, rec []byte) error) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("spool: drain: %w", err)
		}
		rec, seg, off, next, err := s.next()
		if err != nil || rec == nil {
			return n, err
		}
		if err := fn(ctx, rec); err != nil {
			return n, err
		}
		if err := s.remove(seg, off, next); err != nil {
			return n, err
		}
		n++
	}
}

// next returns the oldest record, the segment and offset it starts at and
// the offset after it, deleting exhausted segments on the way. rec is nil
// when the spool is empty.
func (s *Spool) next() (rec []byte, seg uint64, off, next int64, err error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, 0, 0, 0, fmt.Errorf("spool: drain: %w", ErrClosed)
		}
		head, off, sealed := s.segs[0], s.headOff, len(s.segs) > 1
		s.mu.Unlock()
		if off < head.size {
			rec, next, err := s.read(head, off)
			if err != nil {
				return nil, 0, 0, 0, fmt.Errorf("spool: drain: %s offset %d: %w", segName(head.id), off, err)
			}
			return rec, head.id, off, next, nil
		}
		if !sealed {
			return nil, 0, 0, 0, nil // the writer's segment, drained to its end
		}
		// Exhausted and no longer appended to.
		if err := s.deleteHead(head.id, 0); err != nil {
			return nil, 0, 0, 0, err
		}
	}
}

// read reads the record at off in seg, keeping the file open for the next.
func (s *Spool) read(seg segment, off int64) ([]byte, int64, error) {
	if s.r == nil || s.rID != seg.id {
		s.closeReader()
		f, err := os.Open(filepath.Join(s.dir, segName(seg.id)))
		if err != nil {
			return nil, 0, err
		}
		s.r, s.rID = f, seg.id
	}
	return readRecord(s.r, off, seg.size)
}

// remove makes the record at off in seg, ending at next, drained.
func (s *Spool) remove(seg uint64, off, next int64) error {
	s.mu.Lock()
	endsSealed := len(s.segs) > 1 && next == s.segs[0].size
	s.mu.Unlock()
	if endsSealed {
		// Deleting the segment removes its last record as durably as a
		// position write would, for fewer fsyncs.
		return s.deleteHead(seg, 1)
	}
	s.mu.Lock()
	s.headOff = next
	s.count--
	s.bytes -= next - off
	s.mu.Unlock()
	s.unsaved++
	if s.unsaved >= savePositionEvery {
		return s.savePosition(seg, next)
	}
	return nil
}

// savePositionEvery is how many drained records may go unrecorded on disk.
// Writing the position after every record (temp file, fsync, rename, fsync
// of the directory) held a drain to about 600 records a second; after a
// crash the unrecorded ones are handed to fn again, and the bot's append
// dedupes them.
const savePositionEvery = 256

// savePosition records that everything before off in seg is drained.
func (s *Spool) savePosition(seg uint64, off int64) error {
	if err := replaceFile(s.d, s.dir, posName, encodePosition(position{seg: seg, off: off})); err != nil {
		return fmt.Errorf("spool: drain: save position: %w", err)
	}
	s.unsaved = 0
	return nil
}

// flushPosition saves the drain position if records were drained since it
// was last saved; Drain calls it on its way out.
func (s *Spool) flushPosition() error {
	if s.unsaved == 0 {
		return nil
	}
	s.mu.Lock()
	seg, off := s.segs[0].id, s.headOff
	s.mu.Unlock()
	return s.savePosition(seg, off)
}

// deleteHead deletes the head segment, id, which is sealed and holds records
// undrained records (0, or 1 when its last record was just drained).
func (s *Spool) deleteHead(id uint64, records int) error {
	if s.rID == id {
		s.closeReader()
	}
	if err := os.Remove(filepath.Join(s.dir, segName(id))); err != nil {
		return fmt.Errorf("spool: drain: delete %s: %w", segName(id), err)
	}
	s.mu.Lock()
	s.bytes -= s.segs[0].size - s.headOff
	s.count -= records
	s.segs, s.headOff = s.segs[1:], 0
	s.mu.Unlock()
	// Removed from memory either way: the file is gone. A crash before
	// this fsync brings it back, and its last record is replayed.
	if err := syncDir(s.d); err != nil {
		return fmt.Errorf("spool: drain: delete %s: %w", segName(id), err)
	}
	return nil
}

func (s *Spool) closeReader() {
	if s.r != nil {
		_ = s.r.Close()
		s.r, s.rID = nil, 0
	}
}

// Close waits for the batch being written and for a running Drain's current
// fn call, fails queued Appends with ErrClosed, and releases the directory.
// Records stay on disk for the next Open. Closing twice is a no-op.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.sem <- struct{}{}
	s.mu.Lock()
	var queued []*request
	for _, q := range s.queue {
		if !q.cancelled {
			q.taken = true // so a late ctx cannot withdraw it twice
			queued = append(queued, q)
		}
	}
	s.queue = nil
	s.finishLocked(queued, fmt.Errorf("spool: append: %w", ErrClosed))
	s.mu.Unlock()
	<-s.sem

	s.drainSem <- struct{}{}
	defer func() { <-s.drainSem }()
	if err := s.closeFiles(); err != nil {
		return fmt.Errorf("spool: close %s: %w", s.dir, err)
	}
	return nil
}

// closeFiles closes whatever files are open. The last one closed is the
// lock, which releases the directory.
func (s *Spool) closeFiles() error {
	var errs []error
	s.closeReader()
	for _, f := range []*os.File{s.w, s.d, s.lock} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	s.w, s.d, s.lock = nil, nil, nil
	return errors.Join(errs...)
}
