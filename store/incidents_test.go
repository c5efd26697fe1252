package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/store"
)

// fullIncident sets every field of incident.Incident.
func fullIncident(n int64) incident.Incident {
	at := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)
	return incident.Incident{
		Number:       n,
		Title:        "checkout returns 500",
		Description:  "checkout returns 500 for every EU customer — café ☕ included",
		Severity:     incident.P1,
		Status:       incident.Monitoring,
		ChannelID:    "C0123",
		ChannelName:  "inc-042-checkout-returns-500",
		HeaderTS:     "1710408413.000100",
		Roles:        map[incident.Role]string{incident.Lead: "U1", incident.Comms: "U2", incident.Scribe: "U3"},
		DeclaredBy:   "U1",
		DeclaredAt:   at,
		ResolvedAt:   at.Add(2 * time.Hour),
		Source:       "pagerduty:PXYZ",
		Runbooks:     []string{"Payments > Checkout > 500s", "Database > Failover"},
		ExternalID:   "PXYZ",
		ExternalURL:  "https://acme.pagerduty.com/incidents/PXYZ",
		LastUpdateAt: at.Add(20 * time.Minute),
		NudgedAt:     at.Add(40 * time.Minute),
		PostmortemID: "d-77", StatuspageID: "p31zjtct2jer",
		Private: true,
		Cadence: 15 * time.Minute, CadenceSet: true,
		Record: incident.Record{
			Services: []string{"checkout", "payments"}, Impact: "EU customers cannot pay by card",
			Customers: 1200, CustomersKnown: true,
			DetectedBy: incident.DetectedAlert, DetectedLink: "https://grafana.example.com/d/abc",
			Hypothesis: "pool exhausted", RootCause: "pool created per request in PR 4411", Trigger: "deploy 2026.12.03-2",
			AI: incident.AICode,
			Comms: map[incident.Comm]incident.CommDone{
				incident.CommTeam: {By: "U2", At: at.Add(25 * time.Minute)}, incident.CommCustomers: {By: "U2", At: at.Add(30 * time.Minute)},
			},
			PostmortemOwner: "U3", PostmortemDue: time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC), PostmortemDrafted: true,
		},
	}
}

func TestIncidentRoundTrip(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		inc  incident.Incident
	}{
		{"every field set", fullIncident(42)},
		{"only the number", incident.Incident{Number: 7}},
		{"none of a zero customer count is lost", incident.Incident{Number: 9, Record: incident.Record{CustomersKnown: true}}},
		{"a cadence of none", incident.Incident{Number: 10, CadenceSet: true}},
		{"active, no channel yet", incident.Incident{Number: 8, Title: "slow search", Severity: incident.P3, Status: incident.Investigating}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustStore(t, store.Options{})
			if err := s.CreateIncident(ctx, tt.inc); err != nil {
				t.Fatal(err)
			}
			got, err := s.Incident(ctx, tt.inc.Number)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.inc) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.inc)
			}
		})
	}
}

func TestSaveIncidentReplacesHeader(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	full := fullIncident(3)
	if err := s.CreateIncident(ctx, full); err != nil {
		t.Fatal(err)
	}
	// Clearing fields must clear them in Redis too, not leave stale values.
	smaller := incident.Incident{Number: 3, Title: "renamed", Status: incident.Investigating, ChannelID: full.ChannelID}
	if err := s.SaveIncident(ctx, smaller); err != nil {
		t.Fatal(err)
	}
	got, err := s.Incident(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, smaller) {
		t.Errorf("after save:\n got %+v\nwant %+v", got, smaller)
	}
}

func TestIncidentNotFound(t *testing.T) {
	s := mustStore(t, store.Options{})
	_, err := s.Incident(context.Background(), 99)
	if !errors.Is(err, incident.ErrNotFound) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestWriteIncidentRejectsBadNumber(t *testing.T) {
	s := mustStore(t, store.Options{})
	if err := s.CreateIncident(context.Background(), incident.Incident{Title: "no number"}); err == nil {
		t.Fatal("CreateIncident with number 0 succeeded")
	}
}

func TestNextNumber(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	for want := int64(1); want <= 3; want++ {
		n, err := s.NextNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("NextNumber = %d, want %d", n, want)
		}
	}
}

func TestChannelIncident(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	if err := s.CreateIncident(ctx, fullIncident(42)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		channel string
		wantN   int64
		wantOK  bool
	}{
		{"incident channel", "C0123", 42, true},
		{"other channel", "C999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok, err := s.ChannelIncident(ctx, tt.channel)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantN || ok != tt.wantOK {
				t.Errorf("ChannelIncident(%s) = %d, %v; want %d, %v", tt.channel, n, ok, tt.wantN, tt.wantOK)
			}
		})
	}
}

func numbers(incs []incident.Incident) []int64 {
	out := []int64{}
	for _, inc := range incs {
		out = append(out, inc.Number)
	}
	return out
}

func TestActiveAndRecentFollowStatus(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	// Created out of order on purpose: ordering is by number.
	for _, n := range []int64{3, 1, 4, 2, 5} {
		inc := incident.Incident{Number: n, Title: "t", Status: incident.Investigating}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(n int64, st incident.Status) {
		t.Helper()
		inc, err := s.Incident(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		inc.Status = st
		if err := s.SaveIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	resolve(2, incident.Resolved)
	resolve(4, incident.Resolved)
	resolve(4, incident.Investigating) // reopened
	resolve(5, incident.Resolved)

	active, err := s.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := numbers(active), []int64{1, 3, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("Active = %v, want %v", got, want)
	}
	tests := []struct {
		limit int
		want  []int64
	}{
		{0, []int64{}},
		{2, []int64{5, 4}},
		{10, []int64{5, 4, 3, 2, 1}},
	}
	for _, tt := range tests {
		recent, err := s.Recent(ctx, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := numbers(recent); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Recent(%d) = %v, want %v", tt.limit, got, tt.want)
		}
	}
}
