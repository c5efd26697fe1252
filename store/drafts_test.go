package store_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/store"
)

func fullDraft() incident.Draft {
	at := time.Date(2025, 3, 14, 15, 0, 0, 123456789, time.UTC)
	return incident.Draft{
		ID:            "d-1",
		Incident:      42,
		Kind:          incident.DraftPostmortem,
		State:         incident.DraftPending,
		Text:          "*Summary*: checkout failed [E3]",
		Source:        "template",
		Reason:        "model timed out",
		Model:         "gpt-4o-mini",
		PromptVersion: "pm-3",
		Citations:     []int{3, 12},
		Flags:         []string{"uncited claim"},
		ActionItems:   []incident.ActionItem{{ID: "a1", Text: "add alert", Owner: "U2", Due: at.Add(72 * time.Hour), Done: true}},
		Tokens:        1234,
		CostUSD:       0.0123,
		CreatedAt:     at,
		CreatedBy:     "U1",
		MessageTS:     "1710.5",
		ChannelID:     "C1",
	}
}

func TestDraftRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	d := fullDraft()
	if err := s.SaveDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.Draft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, d)
	}
	// Replacing keeps the latest copy, decided fields included.
	d.State, d.DecidedBy, d.DecidedAt, d.FinalText = incident.DraftApproved, "U9", d.CreatedAt.Add(time.Minute), "edited"
	if err := s.SaveDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Draft(ctx, d.ID); err != nil || !reflect.DeepEqual(got, d) {
		t.Errorf("after replace: got %+v, err %v", got, err)
	}
}

func TestDraftNotFound(t *testing.T) {
	s := mustStore(t, store.Options{})
	if _, err := s.Draft(context.Background(), "nope"); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestDecideDraft(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 14, 15, 5, 0, 0, time.UTC)
	tests := []struct {
		name  string
		start incident.DraftState // "" = no draft saved
		to    incident.DraftState
		want  bool
	}{
		{"approve pending", incident.DraftPending, incident.DraftApproved, true},
		{"reject pending", incident.DraftPending, incident.DraftRejected, true},
		{"approve approved", incident.DraftApproved, incident.DraftApproved, false},
		{"approve rejected", incident.DraftRejected, incident.DraftApproved, false},
		{"missing draft", "", incident.DraftApproved, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustStore(t, store.Options{})
			d := fullDraft()
			d.State = tt.start
			if tt.start != "" {
				if err := s.SaveDraft(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			ok, err := s.DecideDraft(ctx, d.ID, tt.to, "U7", "final words", at)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want {
				t.Fatalf("DecideDraft = %v, want %v", ok, tt.want)
			}
			if tt.start == "" {
				if _, err := s.Draft(ctx, d.ID); !errors.Is(err, incident.ErrNotFound) {
					t.Errorf("deciding a missing draft created it: %v", err)
				}
				return
			}
			got, err := s.Draft(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := d
			if tt.want {
				want.State, want.DecidedBy, want.DecidedAt, want.FinalText = tt.to, "U7", at, "final words"
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("after decide:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDecideDraftConcurrent(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	if err := s.SaveDraft(ctx, fullDraft()); err != nil {
		t.Fatal(err)
	}
	const clickers = 20
	won := make([]bool, clickers)
	errs := make([]error, clickers)
	var wg sync.WaitGroup
	for i := 0; i < clickers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won[i], errs[i] = s.DecideDraft(ctx, "d-1", incident.DraftApproved, "U"+string(rune('A'+i)), "text", time.Now())
		}()
	}
	wg.Wait()
	winners := 0
	for i := range won {
		if errs[i] != nil {
			t.Fatalf("clicker %d: %v", i, errs[i])
		}
		if won[i] {
			winners++
			d, err := s.Draft(ctx, "d-1")
			if err != nil {
				t.Fatal(err)
			}
			if want := "U" + string(rune('A'+i)); d.DecidedBy != want {
				t.Errorf("decided by %s, but the winner was %s", d.DecidedBy, want)
			}
		}
	}
	if winners != 1 {
		t.Fatalf("%d of %d concurrent approvals won, want exactly 1", winners, clickers)
	}
}
