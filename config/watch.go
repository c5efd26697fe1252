package config

import (
	"context"
	"crypto/sha256"
	"sync/atomic"
	"time"
)

// Live holds the current good config for readers on any goroutine. Readers
// take the pointer once per use and never see a half-applied file.
type Live struct {
	p atomic.Pointer[Config]
}

// NewLive holds c.
func NewLive(c *Config) *Live {
	l := &Live{}
	l.p.Store(c)
	return l
}

// Current is the config last stored.
func (l *Live) Current() *Config { return l.p.Load() }

// Store makes c the current config.
func (l *Live) Store(c *Config) { l.p.Store(c) }

// Watch reloads path when its content changes or when a value arrives on
// reload (the caller wires SIGHUP to it). A valid new file goes to apply;
// an invalid or unreadable one goes to reject with its error (Problems for
// an invalid file), and whatever apply last received stays in force. The
// content at the start is taken as already applied. interval ≤ 0 turns
// polling off. Watch returns when ctx ends.
//
// It polls, comparing a hash of the bytes, rather than using inotify: a
// Kubernetes ConfigMap updates by swapping a symlink to a new directory,
// which an inotify watch on the file never sees, and editors save by
// renaming a new file over the old one. Reading a small file every few
// seconds costs nothing and needs no dependency.
func Watch(ctx context.Context, path string, interval time.Duration, reload <-chan struct{}, apply func(*Config), reject func(error)) {
	w := newWatcher(path, apply, reject)
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			w.check(false)
		case <-reload:
			w.check(true)
		}
	}
}

// watcher remembers what it last saw, so an unchanged file is neither
// applied nor rejected again on every poll.
type watcher struct {
	path    string
	apply   func(*Config)
	reject  func(error)
	sum     [sha256.Size]byte // of the content last read
	readErr string            // the last read's error, "" when it read
}

// newWatcher takes the file's content now as already applied.
func newWatcher(path string, apply func(*Config), reject func(error)) *watcher {
	w := &watcher{path: path, apply: apply, reject: reject}
	if data, err := readFile(path); err == nil {
		w.sum = sha256.Sum256(data)
	} else {
		w.readErr = err.Error()
	}
	return w
}

// check reads the file and passes it on when it changed, or always when
// forced (an explicit reload).
func (w *watcher) check(force bool) {
	data, err := readFile(w.path)
	if err != nil {
		// A file that stays unreadable is reported once, not every poll.
		if force || err.Error() != w.readErr {
			w.reject(err)
		}
		w.readErr = err.Error()
		return
	}
	sum := sha256.Sum256(data)
	changed := sum != w.sum
	w.sum, w.readErr = sum, ""
	if !changed && !force {
		return
	}
	cfg, err := Parse(w.path, data)
	if err != nil {
		w.reject(err)
		return
	}
	w.apply(cfg)
}
