package spool

import (
	"context"
	"slices"
	"testing"
)

// A failed write is reported, leaves no record behind, and the next Append
// goes to a fresh segment and succeeds.
func TestWriteFailureMovesToNewSegment(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for _, r := range []string{"a", "b"} {
		if err := s.Append(ctx, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	broken := s.wID
	_ = s.w.Close() // every write and fsync on it now fails
	if err := s.Append(ctx, []byte("lost")); err == nil {
		t.Fatal("Append on a failing segment returned nil")
	}
	if s.Len() != 2 || s.Bytes() != 2*(headerSize+1) {
		t.Fatalf("after a failed Append: Len %d Bytes %d, want 2 %d", s.Len(), s.Bytes(), 2*(headerSize+1))
	}
	if err := s.Append(ctx, []byte("c")); err != nil {
		t.Fatalf("Append after a failure: %v", err)
	}
	if s.wID == broken {
		t.Fatal("still appending to the failed segment")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if _, err := s.Drain(ctx, func(_ context.Context, r []byte) error {
		got = append(got, string(r))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
