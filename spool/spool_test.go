package spool_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/spool"
)

// mustOpen opens a spool in dir and closes it when the test ends.
func mustOpen(t *testing.T, dir string, opts spool.Options) *spool.Spool {
	t.Helper()
	s, err := spool.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rec is record i: its index and some padding, so sizes vary.
func rec(i int) []byte {
	return []byte(fmt.Sprintf("rec-%06d-%s", i, strings.Repeat("x", i%37)))
}

func mustAppend(t *testing.T, s *spool.Spool, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := s.Append(context.Background(), rec(i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

// drainAll drains s and returns the records.
func drainAll(t *testing.T, s *spool.Spool) []string {
	t.Helper()
	var got []string
	n, err := s.Drain(context.Background(), func(_ context.Context, r []byte) error {
		got = append(got, string(r))
		return nil
	})
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n != len(got) {
		t.Fatalf("Drain returned %d, fn saw %d", n, len(got))
	}
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Fatalf("after Drain: Len %d Bytes %d, want 0 0", s.Len(), s.Bytes())
	}
	return got
}

// want returns the records from..to-1 as drainAll reports them.
func want(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, string(rec(i)))
	}
	return out
}

func assertRecords(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got %d records %.3q..., want %d %.3q...", len(got), got, len(want), want)
	}
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

// errStop is what test fns return to stop a Drain.
var errStop = errors.New("stop")

// drainN drains exactly n records (stopping with errStop on the next one)
// and returns them.
func drainN(t *testing.T, s *spool.Spool, n int) []string {
	t.Helper()
	var got []string
	k, err := s.Drain(context.Background(), func(_ context.Context, r []byte) error {
		if len(got) == n {
			return errStop
		}
		got = append(got, string(r))
		return nil
	})
	if k != n || !errors.Is(err, errStop) {
		t.Fatalf("Drain = %d, %v; want %d, errStop", k, err, n)
	}
	return got
}

func TestOrderAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, spool.Options{SegmentBytes: 256})
	mustAppend(t, s, 0, 200)
	if s.Len() != 200 {
		t.Fatalf("Len = %d, want 200", s.Len())
	}
	if n := len(segments(t, dir)); n < 10 {
		t.Fatalf("%d segments, want many with SegmentBytes 256", n)
	}
	assertRecords(t, drainAll(t, s), want(0, 200))
	if segs := segments(t, dir); len(segs) != 1 {
		t.Errorf("after a full drain %d segments remain, want only the one appended to", len(segs))
	}
	mustAppend(t, s, 200, 210)
	assertRecords(t, drainAll(t, s), want(200, 210))
}

func TestEmptyAndLargeRecords(t *testing.T) {
	s := mustOpen(t, t.TempDir(), spool.Options{SegmentBytes: 64})
	big := strings.Repeat("b", 1000) // larger than a segment
	for _, r := range []string{"", big, "", "small"} {
		if err := s.Append(context.Background(), []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	assertRecords(t, drainAll(t, s), []string{"", big, "", "small"})
}

func TestFull(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, t.TempDir(), spool.Options{MaxBytes: 1000, SegmentBytes: 300})
	r := make([]byte, 92) // 100 bytes framed
	for i := 0; i < 10; i++ {
		if err := s.Append(ctx, r); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	if got := s.Bytes(); got != 1000 {
		t.Fatalf("Bytes = %d, want 1000", got)
	}
	if err := s.Append(ctx, r); !errors.Is(err, spool.ErrFull) {
		t.Fatalf("Append to a full spool: %v, want ErrFull", err)
	}
	if err := s.Append(ctx, make([]byte, 2000)); !errors.Is(err, spool.ErrFull) {
		t.Fatalf("Append larger than MaxBytes: %v, want ErrFull", err)
	}
	if s.Len() != 10 {
		t.Fatalf("Len = %d after refused appends, want 10", s.Len())
	}

	drainN(t, s, 3)
	if got := s.Bytes(); got != 700 {
		t.Fatalf("Bytes = %d after draining 3, want 700", got)
	}
	for i := 0; i < 3; i++ {
		if err := s.Append(ctx, r); err != nil {
			t.Fatalf("Append after Drain freed space: %v", err)
		}
	}
	if err := s.Append(ctx, r); !errors.Is(err, spool.ErrFull) {
		t.Fatalf("Append to a full spool again: %v, want ErrFull", err)
	}
}

func TestDrainErrorKeepsRecord(t *testing.T) {
	s := mustOpen(t, t.TempDir(), spool.Options{SegmentBytes: 128})
	mustAppend(t, s, 0, 10)
	calls := 0
	n, err := s.Drain(context.Background(), func(_ context.Context, r []byte) error {
		calls++
		if string(r) == string(rec(4)) {
			return errStop
		}
		return nil
	})
	if n != 4 || !errors.Is(err, errStop) || calls != 5 {
		t.Fatalf("Drain = %d, %v after %d calls; want 4, errStop after 5", n, err, calls)
	}
	if s.Len() != 6 {
		t.Fatalf("Len = %d, want 6: the failed record stays", s.Len())
	}
	assertRecords(t, drainAll(t, s), want(4, 10))
}

func TestDrainSeesConcurrentAppends(t *testing.T) {
	s := mustOpen(t, t.TempDir(), spool.Options{SegmentBytes: 128})
	mustAppend(t, s, 0, 5)
	var got []string
	next := 5
	_, err := s.Drain(context.Background(), func(_ context.Context, r []byte) error {
		got = append(got, string(r))
		if next < 20 { // each delivery appends one more
			if err := s.Append(context.Background(), rec(next)); err != nil {
				return err
			}
			next++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assertRecords(t, got, want(0, 20))
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	opts := spool.Options{SegmentBytes: 200}
	s := mustOpen(t, dir, opts)
	mustAppend(t, s, 0, 50)
	assertRecords(t, drainN(t, s, 20), want(0, 20))
	length, size := s.Len(), s.Bytes()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir, opts)
	if s.Len() != length || s.Bytes() != size {
		t.Fatalf("reopened: Len %d Bytes %d, want %d %d", s.Len(), s.Bytes(), length, size)
	}
	assertRecords(t, drainAll(t, s), want(20, 50))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir, opts)
	if s.Len() != 0 {
		t.Fatalf("reopened after a full drain: Len %d, want 0", s.Len())
	}
	mustAppend(t, s, 50, 60)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, opts)
	assertRecords(t, drainAll(t, s), want(50, 60))
}

func TestTornTail(t *testing.T) {
	// A record of 20 payload bytes, framed, for the torn variants.
	whole := func() []byte {
		dir := t.TempDir()
		s := mustOpen(t, dir, spool.Options{})
		if err := s.Append(context.Background(), []byte("twenty bytes payload")); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(segments(t, dir)[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	badCRC := slices.Clone(whole)
	badCRC[len(badCRC)-1] ^= 1
	cases := []struct {
		name string
		tail []byte
	}{
		{"garbage", []byte("\xde\xad\xbe\xef garbage that is no frame at all")},
		{"partial header", whole[:3]},
		{"header only", whole[:8]},
		{"half payload", whole[:18]},
		{"bad checksum", badCRC},
		{"zeros", make([]byte, 4096)},
		{"huge length", []byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := spool.Options{SegmentBytes: 300}
			s := mustOpen(t, dir, opts)
			mustAppend(t, s, 0, 30)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			segs := segments(t, dir)
			last := segs[len(segs)-1]
			size := fileSize(t, last)
			appendFile(t, last, tc.tail)

			s = mustOpen(t, dir, opts)
			if s.Len() != 30 {
				t.Fatalf("Len = %d, want 30", s.Len())
			}
			if got := fileSize(t, last); got != size {
				t.Fatalf("tail segment is %d bytes, want truncated to %d", got, size)
			}
			mustAppend(t, s, 30, 40)
			assertRecords(t, drainAll(t, s), want(0, 40))
		})
	}
}

// A bad frame at the end of a segment before the last (a write whose fsync
// failed before the spool moved on) loses nothing after it.
func TestTornEarlierSegment(t *testing.T) {
	dir := t.TempDir()
	opts := spool.Options{SegmentBytes: 300}
	s := mustOpen(t, dir, opts)
	mustAppend(t, s, 0, 30)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segments(t, dir)
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	appendFile(t, segs[1], []byte("\x10\x00\x00\x00torn"))
	s = mustOpen(t, dir, opts)
	assertRecords(t, drainAll(t, s), want(0, 30))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// A crash after fn accepted a record but before its removal was saved
// replays that record and at most 255 before it, in order, and none twice.
// The directory is copied from inside fn, which is the state such a crash
// leaves, for record after record: with small segments progress is saved by
// deleting drained segments, with one large segment by the position file,
// written every 256 records.
func TestCrashMidDrainReplaysABoundedTail(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		opts  spool.Options
		crash []int
	}{
		{"small segments", 20, spool.Options{SegmentBytes: 100}, []int{0, 1, 5, 10, 13, 19}},
		{"one segment", 700, spool.Options{}, []int{0, 255, 256, 300, 511, 512, 699}},
	} {
		for _, k := range tc.crash {
			t.Run(tc.name+"/"+strconv.Itoa(k), func(t *testing.T) {
				dir, snap := t.TempDir(), t.TempDir()
				s := mustOpen(t, dir, tc.opts)
				mustAppend(t, s, 0, tc.n)
				i := 0
				_, err := s.Drain(context.Background(), func(context.Context, []byte) error {
					if i == k {
						copyDir(t, dir, snap)
					}
					i++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				got := drainAll(t, mustOpen(t, snap, tc.opts))
				from := tc.n - len(got)
				if from > k || k-from >= 256 {
					t.Fatalf("crash at record %d replays from record %d: want from %d-255 to %d", k, from, k, k)
				}
				assertRecords(t, got, want(from, tc.n))
			})
		}
	}
}

// copyDir copies the spool's files (not its lock) from src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "lock" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// An old position file, as a crash before its replacement leaves it, makes
// the next Open resume from that position.
func TestOldPositionReplaysFromThere(t *testing.T) {
	dir := t.TempDir()
	opts := spool.Options{}
	s := mustOpen(t, dir, opts)
	mustAppend(t, s, 0, 10)
	drainN(t, s, 3)
	old, err := os.ReadFile(filepath.Join(dir, "position"))
	if err != nil {
		t.Fatal(err)
	}
	drainN(t, s, 4)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "position"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, opts)
	assertRecords(t, drainAll(t, s), want(3, 10))
}

// A damaged position file costs replays, never records.
func TestDamagedPositionReplaysAll(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, spool.Options{})
	mustAppend(t, s, 0, 10)
	drainN(t, s, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "position"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, spool.Options{})
	assertRecords(t, drainAll(t, s), want(0, 10))
}

func TestConcurrentAppendsWhileDraining(t *testing.T) {
	const writers, each = 16, 150
	s := mustOpen(t, t.TempDir(), spool.Options{SegmentBytes: 2048})
	ctx := context.Background()

	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				if err := s.Append(ctx, []byte(fmt.Sprintf("%d %d", g, i))); err != nil {
					t.Errorf("Append %d %d: %v", g, i, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	next := make([]int, writers) // per writer, the index expected next
	deliver := func(_ context.Context, r []byte) error {
		var g, i int
		if _, err := fmt.Sscanf(string(r), "%d %d", &g, &i); err != nil {
			return fmt.Errorf("bad record %q: %w", r, err)
		}
		if i != next[g] {
			return fmt.Errorf("writer %d: got record %d, want %d", g, i, next[g])
		}
		next[g]++
		return nil
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true // one last Drain below picks up the rest
		default:
		}
		if _, err := s.Drain(ctx, deliver); err != nil {
			t.Fatal(err)
		}
	}
	for g, n := range next {
		if n != each {
			t.Errorf("writer %d: %d records delivered, want %d", g, n, each)
		}
	}
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Errorf("Len %d Bytes %d, want 0 0", s.Len(), s.Bytes())
	}
}

func TestSecondDrainWaits(t *testing.T) {
	s := mustOpen(t, t.TempDir(), spool.Options{})
	mustAppend(t, s, 0, 3)
	inFn, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	var once sync.Once
	go func() {
		_, err := s.Drain(context.Background(), func(context.Context, []byte) error {
			// The first record holds the drain until released, whenever
			// the test gets to wait for it.
			once.Do(func() {
				close(inFn)
				<-release
			})
			return nil
		})
		first <- err
	}()
	<-inFn

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n, err := s.Drain(ctx, func(context.Context, []byte) error { return nil })
	if n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Drain = %d, %v; want 0, deadline exceeded while the first runs", n, err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n, err := s.Drain(context.Background(), func(context.Context, []byte) error { return nil }); n != 0 || err != nil {
		t.Fatalf("Drain of an empty spool = %d, %v", n, err)
	}
}

func TestAppendCanceled(t *testing.T) {
	s := mustOpen(t, t.TempDir(), spool.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Append(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append = %v, want context.Canceled", err)
	}
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Fatalf("Len %d Bytes %d, want 0 0", s.Len(), s.Bytes())
	}
}

func TestClosed(t *testing.T) {
	s, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Append(context.Background(), []byte("x")); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Append = %v, want ErrClosed", err)
	}
	if _, err := s.Drain(context.Background(), func(context.Context, []byte) error { return nil }); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Drain = %v, want ErrClosed", err)
	}
}

// Close during appends: each Append either returned nil and its record is
// on disk, or failed with ErrClosed and it is not.
func TestCloseDuringAppends(t *testing.T) {
	dir := t.TempDir()
	s, err := spool.Open(dir, spool.Options{SegmentBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for {
				err := s.Append(context.Background(), []byte("r"))
				if errors.Is(err, spool.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s = mustOpen(t, dir, spool.Options{})
	if s.Len() != ok {
		t.Fatalf("reopened with %d records, want the %d appended", s.Len(), ok)
	}
}

func TestOpenCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "spool")
	s := mustOpen(t, dir, spool.Options{})
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("spool directory mode %v, want no group or other access", perm)
	}
	mustAppend(t, s, 0, 1)
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, spool.Options{})
	if s2, err := spool.Open(dir, spool.Options{}); err == nil {
		_ = s2.Close()
		t.Fatal("second Open of an open directory succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = s2.Close()
}

// Environment of the child process in TestKill.
const (
	killDirEnv   = "SPOOL_KILL_DIR"
	killRoundEnv = "SPOOL_KILL_ROUND"
)

var killOpts = spool.Options{SegmentBytes: 16 << 10}

// TestKill SIGKILLs a child process that appends in a loop, several times
// over one directory, and checks that every record the child reported as
// appended is there, in order, with no gaps.
func TestKill(t *testing.T) {
	if os.Getenv(killDirEnv) != "" {
		killChild()
		return
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const rounds, writers = 3, 4
	dir := t.TempDir()
	acked := map[string]bool{}
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), killDirEnv+"="+dir, killRoundEnv+"="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killed := false
		for n := 0; sc.Scan(); n++ {
			acked[sc.Text()] = true
			if n == 300+100*round {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); !killed {
			t.Fatalf("round %d: child exited before the kill: %v", round, err)
		}
		// Reopen here too, to see whether the kill tore a write.
		var onDisk int64
		for _, seg := range segments(t, dir) {
			onDisk += fileSize(t, seg)
		}
		s, err := spool.Open(dir, killOpts)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() < len(acked) {
			t.Errorf("round %d: %d records after the kill, want at least the %d acked", round, s.Len(), len(acked))
		}
		t.Logf("round %d: %d acked so far, %d spooled, %d torn bytes cut", round, len(acked), s.Len(), onDisk-s.Bytes())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	s := mustOpen(t, dir, killOpts)
	next := map[[2]int]int{} // (round, writer) -> next index
	_, err := s.Drain(context.Background(), func(_ context.Context, r []byte) error {
		var round, g, i int
		if _, err := fmt.Sscanf(string(r), "%d %d %d", &round, &g, &i); err != nil {
			return fmt.Errorf("bad record %q: %w", r, err)
		}
		if k := [2]int{round, g}; i != next[k] {
			return fmt.Errorf("round %d writer %d: got record %d, want %d", round, g, i, next[k])
		}
		next[[2]int{round, g}]++
		delete(acked, recordLine(r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) > 0 {
		t.Fatalf("%d appended records lost, e.g. %q", len(acked), slices.Collect(maps.Keys(acked))[0])
	}
	t.Logf("%d records recovered over %d kills", sumValues(next), rounds)
}

// recordLine is the line the child printed for a record: the record's first
// three fields.
func recordLine(r []byte) string {
	f := strings.Fields(string(r))
	return strings.Join(f[:3], " ")
}

func sumValues(m map[[2]int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// killChild appends records from several goroutines until it is killed,
// printing each one's line once Append returns.
func killChild() {
	round, _ := strconv.Atoi(os.Getenv(killRoundEnv))
	s, err := spool.Open(os.Getenv(killDirEnv), killOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex // one whole line per write
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				line := fmt.Sprintf("%d %d %d", round, g, i)
				pad := strings.Repeat("p", (i*7919)%500)
				if err := s.Append(context.Background(), []byte(line+" "+pad)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Println(line)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
