// Package runbooks finds the runbook section that answers an on-call
// question. Runbooks are Markdown files, optionally with YAML front matter,
// split into sections by their headings (parsed with goldmark) and searched
// with BM25F ranking over headings, heading trails, front matter and body,
// plus a share of the file's score, with English stemming, synonyms, typo
// tolerance and identifiers of pasted errors (snake_case, CamelCase, dotted
// names) matched whole and by their parts. A Library keeps the current
// index and swaps in a new one when the files change.
package runbooks

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Library is the live set of runbooks: searches read the current index while
// Reload builds the next one and swaps it in. It is safe for concurrent use.
type Library struct {
	dir    string // "" for the embedded starter library
	fsys   fs.FS
	logger *slog.Logger

	ix       atomic.Pointer[Index]
	reloadMu sync.Mutex // one reload at a time
	stamp    string     // fingerprint of the files behind ix; under reloadMu
}

// Open loads the runbooks in dir, or the embedded starter library when dir
// is "". Broken files are logged and skipped; the error is for a dir that
// cannot be read at all.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Library, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Library{dir: dir, logger: logger, fsys: Starter()}
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("runbooks dir: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("runbooks dir %s: not a directory", dir)
		}
		l.fsys = os.DirFS(dir)
	}
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload reads the runbooks again and swaps in the new index. On error the
// previous index stays in use.
func (l *Library) Reload(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reload runbooks: %w", err)
	}
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	// Fingerprint first: a file changed during the load then shows up as a
	// new fingerprint on the next poll, and is loaded then.
	stamp, err := l.fingerprint()
	if err != nil {
		return fmt.Errorf("reload runbooks from %s: %w", l.where(), err)
	}
	start := time.Now()
	ix, problems, err := Load(l.fsys)
	if err != nil {
		return fmt.Errorf("reload runbooks from %s: %w", l.where(), err)
	}
	for _, p := range problems {
		level := slog.LevelWarn
		if p.Severity == Error {
			level = slog.LevelError
		}
		l.logger.Log(ctx, level, "runbook problem", "file", p.File, "line", p.Line, "problem", p.Message)
	}
	l.ix.Store(ix)
	l.stamp = stamp
	files, sections := ix.Count()
	l.logger.Info("runbooks loaded", "dir", l.where(), "files", files, "sections", sections,
		"problems", len(problems), "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// Watch polls the directory every interval and reloads when a file was
// added, removed or modified. It returns when ctx is done, or at once for
// the embedded library, which cannot change. Failed reloads are logged and
// retried at the next change.
func (l *Library) Watch(ctx context.Context, interval time.Duration) {
	if l.dir == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stamp, err := l.fingerprint()
		if err != nil {
			l.logger.Warn("watch runbooks", "dir", l.dir, "err", err)
			continue
		}
		l.reloadMu.Lock()
		changed := stamp != l.stamp
		l.reloadMu.Unlock()
		if !changed {
			continue
		}
		if err := l.Reload(ctx); err != nil && ctx.Err() == nil {
			l.logger.Error("reload runbooks", "err", err)
		}
	}
}

// fingerprint summarises the names, sizes and mtimes of the files that make
// up the library; it changes when any of them does.
func (l *Library) fingerprint() (string, error) {
	if l.dir == "" {
		return "embedded", nil
	}
	var b strings.Builder
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == l.dir {
				return err
			}
			return nil // Load reports unreadable entries
		}
		if d.IsDir() {
			if p != l.dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !isRunbook(p) && d.Name() != SynonymsFile {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		b.WriteString(p)
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(info.Size(), 10))
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(info.ModTime().UnixNano(), 10))
		b.WriteByte('\n')
		return nil
	})
	return b.String(), err
}

func (l *Library) where() string {
	if l.dir == "" {
		return "embedded starter library"
	}
	return l.dir
}

// Search returns up to limit sections for query, best first.
func (l *Library) Search(query string, limit int) []incident.RunbookHit {
	return l.ix.Load().Search(query, limit)
}

// Suggest returns up to limit sections worth showing for an incident title;
// weak matches are left out, so it may return fewer, or none.
func (l *Library) Suggest(title string, limit int) []incident.RunbookHit {
	return l.ix.Load().Suggest(title, limit)
}

// Closest returns up to five known words nearest to the words of query, for
// a helpful reply when a search finds nothing.
func (l *Library) Closest(query string) []string {
	return l.ix.Load().Closest(query)
}

// Snippet returns up to maxLines lines of text that contain words of query,
// with those words in *stars*; see Index.Snippet.
func (l *Library) Snippet(text, query string, maxLines int) string {
	return l.ix.Load().Snippet(text, query, maxLines)
}

// Count returns the number of files and sections in the current index.
func (l *Library) Count() (files, sections int) {
	return l.ix.Load().Count()
}
