package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// watched is a watcher whose polls the test runs, one check at a time,
// and what it passed on. Watch's loop only calls check on each tick or
// reload; watch_test.go runs the loop itself.
type watched struct {
	t        *testing.T
	path     string
	w        *watcher
	applied  []*Config
	rejected []error
	live     *Live
}

// startWatch writes content to a fresh file and watches it.
func startWatch(t *testing.T, content string) *watched {
	t.Helper()
	w := &watched{t: t, path: filepath.Join(t.TempDir(), "incidentbot.yaml"), live: NewLive(nil)}
	w.write(content)
	w.w = newWatcher(w.path, func(c *Config) { w.live.Store(c); w.applied = append(w.applied, c) },
		func(err error) { w.rejected = append(w.rejected, err) })
	return w
}

func (w *watched) write(content string) {
	w.t.Helper()
	if err := os.WriteFile(w.path, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// poll is one tick of the poll interval.
func (w *watched) poll() { w.w.check(false) }

// sighup is a value on the reload channel.
func (w *watched) sighup() { w.w.check(true) }

// passed is what was applied and rejected since the previous call.
func (w *watched) passed() (applied []*Config, rejected []error) {
	applied, rejected, w.applied, w.rejected = w.applied, w.rejected, nil, nil
	return applied, rejected
}

const (
	goodA   = "services:\n  - name: checkout\n"
	goodB   = "services:\n  - name: checkout\n  - name: payments\n"
	invalid = "services:\n  - name: checkout\n    owners: [\"@ali\"]\n"
)

func TestWatchAppliesChangesAndKeepsTheLastGood(t *testing.T) {
	w := startWatch(t, goodA)

	w.poll()
	if a, r := w.passed(); len(a)+len(r) != 0 {
		t.Fatalf("the content at the start was passed on again: %v %v", a, r)
	}

	w.write(goodB)
	w.poll()
	a, r := w.passed()
	if len(a) != 1 || len(r) != 0 || len(a[0].Catalog) != 2 {
		t.Fatalf("after a valid change: applied %v, rejected %v; want the two-service file applied", a, r)
	}

	w.write(invalid)
	w.poll()
	a, r = w.passed()
	var ps Problems
	if len(a) != 0 || len(r) != 1 || !errors.As(r[0], &ps) || ps[0].Line != 3 {
		t.Fatalf("after an invalid change: applied %v, rejected %v; want its Problems", a, r)
	}
	if got := w.live.Current(); len(got.Catalog) != 2 {
		t.Errorf("the last good config was replaced: %+v", got)
	}

	w.poll()
	if a, r := w.passed(); len(a)+len(r) != 0 {
		t.Errorf("an unchanged invalid file was passed on again: %v %v", a, r)
	}

	w.write(goodA)
	w.poll()
	if a, _ := w.passed(); len(a) != 1 || len(a[0].Catalog) != 1 {
		t.Errorf("the fixed file was not applied: %v", a)
	}
}

func TestWatchDoesNotReapplyUnchangedContent(t *testing.T) {
	w := startWatch(t, goodA)
	w.write(goodB)
	w.poll()
	if a, _ := w.passed(); len(a) != 1 {
		t.Fatalf("applied %d, want 1", len(a))
	}
	// Rewriting the same bytes (a deploy that changed nothing else, a
	// touch) changes the file's time but not its content.
	w.write(goodB)
	w.poll()
	w.poll()
	if a, r := w.passed(); len(a)+len(r) != 0 {
		t.Errorf("unchanged content passed on: applied %d, rejected %d", len(a), len(r))
	}
}

func TestReloadRereadsEvenUnchanged(t *testing.T) {
	w := startWatch(t, goodA)
	w.sighup()
	a, r := w.passed()
	if len(a) != 1 || len(r) != 0 || a[0].Catalog[0].Name != "checkout" {
		t.Fatalf("reload: applied %v, rejected %v; want the file applied", a, r)
	}
	w.write(invalid)
	w.sighup()
	if a, r := w.passed(); len(a) != 0 || len(r) != 1 {
		t.Fatalf("reload of an invalid file: applied %v, rejected %v", a, r)
	}
	w.sighup()
	if _, r := w.passed(); len(r) != 1 {
		t.Errorf("a second reload of the same invalid file rejected %d times, want 1 (the operator asked)", len(r))
	}
}

func TestWatchReportsAnUnreadableFileOnce(t *testing.T) {
	w := startWatch(t, goodA)
	if err := os.Remove(w.path); err != nil {
		t.Fatal(err)
	}
	w.poll()
	w.poll()
	_, r := w.passed()
	if len(r) != 1 || !strings.Contains(r[0].Error(), w.path) || !errors.Is(r[0], os.ErrNotExist) {
		t.Fatalf("rejected %v, want one error naming the path", r)
	}
	w.write(goodA)
	w.poll()
	if a, r := w.passed(); len(a)+len(r) != 0 {
		t.Errorf("the file came back as it was, yet was passed on: %v %v", a, r)
	}
	w.write(goodB)
	w.poll()
	if a, _ := w.passed(); len(a) != 1 {
		t.Errorf("a change after the file came back was not applied")
	}
}
