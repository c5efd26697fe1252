package store_test

import (
	"context"
	"testing"

	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// mustStore returns a Store on a fresh, empty database.
func mustStore(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	return redistest.Store(t, opts)
}

// mustStoreAt returns a Store on the database at url.
func mustStoreAt(t testing.TB, url string, opts store.Options) *store.Store {
	t.Helper()
	s, err := store.New(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("store.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
