package config_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/config"
)

// configMapDir lays out a directory the way Kubernetes mounts a ConfigMap:
// the file is a symlink through ..data, a symlink to a versioned directory
// that an update replaces in one rename.
type configMapDir struct {
	t    *testing.T
	dir  string
	vers int
}

func newConfigMapDir(t *testing.T, content string) *configMapDir {
	d := &configMapDir{t: t, dir: t.TempDir()}
	d.update(content)
	if err := os.Symlink(filepath.Join("..data", "incidentbot.yaml"), d.path()); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *configMapDir) path() string { return filepath.Join(d.dir, "incidentbot.yaml") }

// update writes content to a new version directory and swaps ..data to it.
func (d *configMapDir) update(content string) {
	d.t.Helper()
	d.vers++
	ver := fmt.Sprintf("..v%d", d.vers)
	if err := os.Mkdir(filepath.Join(d.dir, ver), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.dir, ver, "incidentbot.yaml"), []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
	tmp := filepath.Join(d.dir, "..data_tmp")
	if err := os.Symlink(ver, tmp); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(d.dir, "..data")); err != nil {
		d.t.Fatal(err)
	}
}

// within waits for a value from ch; the bound only keeps a broken build
// from hanging, it measures nothing.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

func TestWatchFollowsAConfigMapSymlinkSwap(t *testing.T) {
	cm := newConfigMapDir(t, "services:\n  - name: checkout\n")
	live := config.NewLive(mustParse(t, "services:\n  - name: checkout\n"))
	applied, rejected, reload := make(chan *config.Config, 10), make(chan error, 10), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		config.Watch(ctx, cm.path(), time.Millisecond, reload, func(c *config.Config) {
			live.Store(c)
			applied <- c
		}, func(err error) { rejected <- err })
	}()
	// Once a reload is answered, Watch has read the first version: a swap
	// after this is a change.
	reload <- struct{}{}
	within(t, applied, "apply after reload")

	cm.update("services:\n  - name: checkout\n  - name: payments\n")
	if c := within(t, applied, "apply after the swap"); len(c.Catalog) != 2 || c.Path != cm.path() {
		t.Errorf("applied %+v", c)
	}
	cm.update("services:\n  - name: Payments\n")
	if err := within(t, rejected, "reject of the invalid version"); err == nil {
		t.Fatal("nil error rejected")
	}
	if got := live.Current(); len(got.Catalog) != 2 {
		t.Errorf("the last good config did not stay: %+v", got.Catalog)
	}
	cancel()
	within(t, done, "return from Watch after the context ended")
}

func TestWatchReloadsOnTheChannel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incidentbot.yaml")
	if err := os.WriteFile(path, []byte("marks:\n  eyes: observation\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reload, applied := make(chan struct{}), make(chan *config.Config, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// No polling: only the channel makes it read.
	go config.Watch(ctx, path, 0, reload, func(c *config.Config) { applied <- c }, func(err error) { t.Errorf("rejected: %v", err) })
	reload <- struct{}{}
	if c := within(t, applied, "apply after reload"); c.Marks["eyes"] != "observation" {
		t.Errorf("applied %+v", c)
	}
}

func TestLiveIsSafeForConcurrentUse(t *testing.T) {
	// Each config's one service is named for its version, so a reader can
	// tell a whole config from a torn one.
	configs := make([]*config.Config, 50)
	for i := range configs {
		configs[i] = mustParse(t, fmt.Sprintf("services:\n  - name: v%d\n    aliases: [a%d]\n", i, i))
	}
	live := config.NewLive(configs[0])
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := live.Current()
				if s := c.Catalog[0]; "a"+s.Name[1:] != s.Aliases[0] {
					t.Errorf("torn config: %+v", s)
					return
				}
			}
		})
	}
	for _, c := range configs[1:] {
		live.Store(c)
	}
	close(stop)
	wg.Wait()
	if live.Current() != configs[len(configs)-1] {
		t.Errorf("Current is not the last stored")
	}
}
