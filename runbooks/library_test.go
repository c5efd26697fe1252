package runbooks_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/runbooks"
)

// syncBuffer is a log sink safe for the watcher goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustOpen(t *testing.T, dir string, log *syncBuffer) *runbooks.Library {
	t.Helper()
	lib, err := runbooks.Open(t.Context(), dir, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func firstFile(lib *runbooks.Library, q string) string {
	hits := lib.Search(q, 1)
	if len(hits) == 0 {
		return ""
	}
	return hits[0].File
}

func TestOpenEmbedded(t *testing.T) {
	lib := mustOpen(t, "", &syncBuffer{})
	files, sections := lib.Count()
	if files < 14 || sections < files*5 {
		t.Errorf("starter library has %d files, %d sections; want at least 14 files of several sections", files, sections)
	}
	if got := firstFile(lib, "redis eviction"); got != "redis-memory-eviction.md" {
		t.Errorf("first hit for redis eviction = %q", got)
	}
	// The embedded library cannot change: Watch has nothing to do.
	lib.Watch(t.Context(), time.Millisecond)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "plain", "x")
	for name, d := range map[string]string{
		"missing dir":     filepath.Join(dir, "nope"),
		"not a directory": filepath.Join(dir, "plain"),
	} {
		if _, err := runbooks.Open(t.Context(), d, nil); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "disk.md", "# Disk full\ndf -h\n")
	log := &syncBuffer{}
	lib := mustOpen(t, dir, log)
	if got := firstFile(lib, "kafka lag"); got != "" {
		t.Fatalf("kafka found before it was written: %s", got)
	}

	writeFile(t, dir, "sub/kafka.md", "# Kafka consumer lag\nkafka-consumer-groups.sh --describe\n")
	writeFile(t, dir, "broken.md", "---\ntitle: [oops\n---\n# Broken kafka\n")
	if err := lib.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := firstFile(lib, "kafka lag"); got != "sub/kafka.md" {
		t.Errorf("after reload, kafka lag -> %q, want sub/kafka.md", got)
	}
	if files, _ := lib.Count(); files != 2 {
		t.Errorf("%d files after reload, want 2 (the broken one skipped)", files)
	}
	if !strings.Contains(log.String(), "broken.md") {
		t.Errorf("broken file not logged:\n%s", log)
	}

	// A directory that disappears fails the reload and keeps the old index.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := lib.Reload(t.Context()); err == nil {
		t.Error("reload of a removed dir succeeded")
	}
	if got := firstFile(lib, "kafka lag"); got != "sub/kafka.md" {
		t.Errorf("old index lost after failed reload: %q", got)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := lib.Reload(ctx); err == nil {
		t.Error("reload with a done context succeeded")
	}
}

func TestWatchPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "disk.md", "# Disk full\ndf -h\n")
	lib := mustOpen(t, dir, &syncBuffer{})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		lib.Watch(ctx, 5*time.Millisecond)
	}()
	// Searches run while the watcher swaps indexes (the race detector checks
	// this is safe).
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			lib.Search("disk", 3)
		}
	})

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("watch never picked up: %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	writeFile(t, dir, "dns.md", "# DNS failure\ndig +trace example.com\n")
	waitFor("a new file", func() bool { return firstFile(lib, "dig trace") == "dns.md" })

	writeFile(t, dir, "dns.md", "# DNS failure\ncoredns pods crash looping in kube-system\n")
	waitFor("an edited file", func() bool { return firstFile(lib, "coredns") == "dns.md" })

	writeFile(t, dir, "synonyms.yaml", "- [dns, bind9]\n")
	waitFor("a new synonyms file", func() bool { return firstFile(lib, "bind9") == "dns.md" })

	if err := os.Remove(filepath.Join(dir, "dns.md")); err != nil {
		t.Fatal(err)
	}
	waitFor("a removed file", func() bool { return firstFile(lib, "coredns") == "" })

	cancel()
	wg.Wait()
	<-done
}
