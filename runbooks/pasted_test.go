package runbooks_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/incidentbot/incidentbot/runbooks"
)

// TestPastedErrors checks the tokenising of what responders paste: error
// messages, identifiers and commands.
func TestPastedErrors(t *testing.T) {
	ix, ps, err := runbooks.Load(fstest.MapFS{
		"pool.md":     file("# Connection pool\nThe app pool has no free connection; raise the pool size.\n"),
		"throttle.md": file("# Provider throttling\nThe provider throttles requests.\n"),
		"conf.md":     file("# Server settings\nRaise `max_connections` in the server config.\n"),
		"prose.md":    file("# Limits\nThe max number of connections.\n"),
		"node.md":     file("# Node conditions\nThe node reports DiskPressure.\n"),
		"vms.md":      file("# Hosts\nRestart the VMs.\n"),
		"steps.md":    file("# Steps\nStep 1, then step 2.\n"),
		"crash.md":    file("# Crash\nPods in CrashLoopBackOff.\n"),
	})
	if err != nil || len(ps) > 0 {
		t.Fatalf("load: %v %v", err, ps)
	}
	tests := []struct {
		name, query, want string // want "" = no hit
	}{
		{"an unknown CamelCase word is searched by its parts", "HikariPool-1 - Connection is not available", "pool.md"},
		{"parts of an acronym and a word", "ThrottlingException", "throttle.md"},
		{"a CamelCase word in the text is found by its parts", "disk pressure", "node.md"},
		{"an identifier quoted in a runbook beats its words in prose", "max_connections reached", "conf.md"},
		{"an acronym's plural is not split", "ms", ""},
		{"one- and two-digit numbers say nothing", "line 1 column 12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.query, 3)
			switch {
			case tt.want == "" && len(hits) > 0:
				t.Fatalf("Search(%q) = %v, want none", tt.query, paths(hits))
			case tt.want != "" && (len(hits) == 0 || hits[0].File != tt.want):
				t.Fatalf("Search(%q) = %v, want %s first", tt.query, paths(hits), tt.want)
			}
		})
	}
	t.Run("snippets mark a CamelCase word whole, or the parts that matched", func(t *testing.T) {
		for _, tt := range []struct{ text, query, want string }{
			{"HikariPool-1 timed out", "pool", "Hikari*Pool*-1 timed out"},
			{"Pods in CrashLoopBackOff.", "crashloopbackoff", "Pods in *CrashLoopBackOff*."},
		} {
			if got := ix.Snippet(tt.text, tt.query, 1); got != tt.want {
				t.Errorf("Snippet(%q, %q) = %q, want %q", tt.text, tt.query, got, tt.want)
			}
		}
	})
}

// TestWholeFileEvidence checks that of two sections matching a query
// equally, the one whose runbook matches more of it across its other
// sections comes first, whatever the order of the files.
func TestWholeFileEvidence(t *testing.T) {
	ix, ps, err := runbooks.Load(fstest.MapFS{
		"a-queue.md": file("# Queue\n## Symptoms\nSessions lost and evictions rising in the queue tier.\n## Recover\nAdd workers.\n"),
		"b-cache.md": file("# Cache\n## Symptoms\nSessions lost and evictions rising in the cache tier.\n## Recover\nRaise maxmemory.\n"),
		"c-other.md": file("# Other\nNothing about it.\n## More\nStill nothing.\n"),
	})
	if err != nil || len(ps) > 0 {
		t.Fatalf("load: %v %v", err, ps)
	}
	got := paths(ix.Search("sessions lost evictions maxmemory", 5))
	cache, queue := slices.Index(got, "Cache > Symptoms"), slices.Index(got, "Queue > Symptoms")
	if cache < 0 || queue >= 0 && queue < cache {
		t.Fatalf("got %v, want Cache > Symptoms above Queue > Symptoms", got)
	}
}
