package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/store"
)

func TestCustomerUpdatesArePublishedOncePerDraftAndListedForThePage(t *testing.T) {
	ctx := context.Background()
	s := mustStore(t, store.Options{})
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mk := func(n int64, declared time.Time, status incident.Status, private bool) {
		inc := incident.Incident{Number: n, Title: "internal title", Severity: incident.P2, Status: status,
			ChannelID: "C" + string(rune('0'+n)), DeclaredAt: declared, Private: private, Record: incident.Record{Services: []string{"checkout"}}}
		if status == incident.Resolved {
			inc.ResolvedAt = declared.Add(time.Hour)
		}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, day.AddDate(0, 0, -200), incident.Resolved, false)    // outside the window
	mk(2, day.AddDate(0, 0, -200), incident.Monitoring, false)  // old but still open
	mk(3, day.AddDate(0, 0, -10), incident.Resolved, false)     // in the window
	mk(4, day.AddDate(0, 0, -1), incident.Investigating, true)  // private
	mk(5, day.AddDate(0, 0, -1), incident.Investigating, false) // no customer update

	up := func(n int64, id string, at time.Time, st incident.Status) incident.PublicUpdate {
		u := incident.PublicUpdate{DraftID: id, Status: st, Headline: "Checkout errors", Text: "We are looking into it.", At: at, By: "U1"}
		added, err := s.PublishPublic(ctx, n, u)
		if err != nil || !added {
			t.Fatalf("PublishPublic(%d, %s) = %v, %v", n, id, added, err)
		}
		return u
	}
	for _, n := range []int64{1, 2, 4} {
		up(n, "d1", day, incident.Investigating)
	}
	later := up(3, "d-b", day.Add(time.Hour), incident.Resolved)
	first := up(3, "d-a", day, incident.Investigating)
	if added, err := s.PublishPublic(ctx, 3, incident.PublicUpdate{DraftID: "d-a", Headline: "changed", At: day}); err != nil || added {
		t.Errorf("publishing a draft again = %v, %v; want false and nothing written", added, err)
	}

	got, err := s.PublicUpdates(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []incident.PublicUpdate{first, later}; !reflect.DeepEqual(got, want) {
		t.Errorf("PublicUpdates = %+v\nwant oldest first %+v", got, want)
	}

	list, err := s.PublicIncidents(ctx, day.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	var nums []int64
	for _, p := range list {
		nums = append(nums, p.Number)
	}
	if want := []int64{2, 3}; !reflect.DeepEqual(nums, want) {
		t.Fatalf("PublicIncidents = %v, want %v (old resolved, private and never-public left out)", nums, want)
	}
	p := list[1]
	if p.Severity != incident.P2 || p.Status != incident.Resolved || !p.ResolvedAt.Equal(day.AddDate(0, 0, -10).Add(time.Hour)) ||
		!reflect.DeepEqual(p.Services, []string{"checkout"}) || len(p.Updates) != 2 {
		t.Errorf("public incident = %+v", p)
	}
	if l, ok := p.Latest(); !ok || l.DraftID != "d-b" {
		t.Errorf("Latest = %+v, %v", l, ok)
	}
}
