package pager_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/pager"
)

var (
	alice = pdfake.User{ID: "PALICE", Name: "Alice Ng", Email: "alice@example.com"}
	bob   = pdfake.User{ID: "PBOB", Name: "Bob Ruiz", Email: "bob@example.com"}
	carol = pdfake.User{ID: "PCAROL", Name: "Carol Ito", Email: "carol@example.com"}
	until = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
)

func roster() pdfake.Roster {
	return pdfake.Roster{
		Schedules: []pdfake.Named{{ID: "PSCHK", Name: "Checkout Primary"}, {ID: "PSPAY", Name: "Payments Primary"}},
		Policies:  []pdfake.Named{{ID: "PECHK", Name: "Checkout Escalation"}, {ID: "PEPAY", Name: "Payments Escalation"}},
		OnCalls: []pdfake.OnCall{
			{User: bob, PolicyID: "PECHK", Level: 2},
			{User: alice, ScheduleID: "PSCHK", PolicyID: "PECHK", Level: 1, End: until},
			{User: carol, ScheduleID: "PSPAY", PolicyID: "PEPAY", Level: 1, End: until},
		},
	}
}

func TestOnCall(t *testing.T) {
	aliceOC := incident.OnCall{Name: "Alice Ng", Email: "alice@example.com", Schedule: "Checkout Primary",
		Policy: "Checkout Escalation", Level: 1, Until: until}
	bobOC := incident.OnCall{Name: "Bob Ruiz", Email: "bob@example.com", Policy: "Checkout Escalation", Level: 2}
	carolOC := incident.OnCall{Name: "Carol Ito", Email: "carol@example.com", Schedule: "Payments Primary",
		Policy: "Payments Escalation", Level: 1, Until: until}
	tests := []struct {
		name          string
		query         string
		want          []incident.OnCall
		wantSchedules []string
		wantPolicies  []string
	}{
		{"everyone, by level", "", []incident.OnCall{aliceOC, carolOC, bobOC}, nil, nil},
		{"schedule name", "checkout primary", []incident.OnCall{aliceOC}, []string{"PSCHK"}, nil},
		{"schedule id", "PSPAY", []incident.OnCall{carolOC}, []string{"PSPAY"}, nil},
		{"policy name", "Checkout Escalation", []incident.OnCall{aliceOC, bobOC}, nil, []string{"PECHK"}},
		{"policy id", "PEPAY", []incident.OnCall{carolOC}, nil, []string{"PEPAY"}},
		{"partial name prefers schedules", "checkout", []incident.OnCall{aliceOC}, []string{"PSCHK"}, nil},
		{"partial name matching several", "primary", []incident.OnCall{aliceOC, carolOC}, []string{"PSCHK", "PSPAY"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, nil)
			e.fake.SetRoster(roster())
			got, err := e.client.OnCall(context.Background(), tt.query)
			if err != nil {
				t.Fatalf("OnCall: %v", err)
			}
			for i := range got {
				if !strings.HasPrefix(got[i].URL, e.fake.URL+"/users/P") {
					t.Errorf("entry %d URL = %q", i, got[i].URL)
				}
				got[i].URL = ""
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			reqs := e.fake.Requests("/oncalls")
			if len(reqs) != 1 {
				t.Fatalf("/oncalls requests = %d", len(reqs))
			}
			q := reqs[0].Query
			if !slices.Equal(q["schedule_ids[]"], tt.wantSchedules) || !slices.Equal(q["escalation_policy_ids[]"], tt.wantPolicies) ||
				!slices.Equal(q["include[]"], []string{"users"}) {
				t.Errorf("query = %v", q)
			}
			if got := reqs[0].Header.Get("Authorization"); got != "Token token="+apiToken {
				t.Errorf("Authorization = %q", got)
			}
		})
	}
}

func TestOnCallErrors(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*pager.Config)
		query    string
		wantCode string
		wantMsg  string
	}{
		{"no token", func(c *pager.Config) { c.APIToken = "" }, "", incident.EUnavailable, pager.EnvAPIToken},
		{"rejected token", func(c *pager.Config) { c.APIToken = "wrong" }, "", incident.EUnavailable, "rejected the API token"},
		{"rejected token on lookup", func(c *pager.Config) { c.APIToken = "wrong" }, "checkout", incident.EUnavailable, "rejected the API token"},
		{"nothing matches", nil, "search", incident.ENotFound, "Checkout Primary, Payments Primary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEnv(t, tt.edit)
			e.fake.SetRoster(roster())
			_, err := e.client.OnCall(context.Background(), tt.query)
			if ue := wantCode(t, err, tt.wantCode); !strings.Contains(ue.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to mention %q", ue.Message, tt.wantMsg)
			}
			for _, path := range []string{"/oncalls", "/schedules", "/escalation_policies"} {
				if n := len(e.fake.Requests(path)); n > 1 {
					t.Errorf("%d requests to %s: a refusal must not be retried", n, path)
				}
			}
		})
	}
}

func TestOnCallRetries(t *testing.T) {
	e := mustEnv(t, nil)
	e.fake.SetRoster(roster())
	e.fake.FailNext(2, 429, "1")
	got, err := e.client.OnCall(context.Background(), "")
	if err != nil || len(got) != 3 {
		t.Fatalf("OnCall = %v, %v", got, err)
	}
	if s := e.clock.Sleeps(); !slices.Equal(s, []time.Duration{time.Second, time.Second}) {
		t.Errorf("sleeps = %v", s)
	}
}

func TestOnCallCache(t *testing.T) {
	e := mustEnv(t, nil)
	e.fake.SetRoster(roster())
	ctx := context.Background()
	first, err := e.client.OnCall(ctx, "Checkout Primary")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(59 * time.Second)
	second, err := e.client.OnCall(ctx, "checkout primary")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Requests("/oncalls")); n != 1 || !slices.Equal(first, second) {
		t.Fatalf("within the TTL: %d /oncalls requests, answers %v vs %v", n, first, second)
	}
	e.clock.Advance(2 * time.Second)
	if _, err := e.client.OnCall(ctx, "Checkout Primary"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.Requests("/oncalls")); n != 2 {
		t.Errorf("after the TTL: %d /oncalls requests, want 2", n)
	}
	// Schedules and policies are cached for longer than on-calls.
	if n, m := len(e.fake.Requests("/schedules")), len(e.fake.Requests("/escalation_policies")); n != 1 || m != 1 {
		t.Errorf("directory requests = %d schedules, %d policies, want 1 each", n, m)
	}
}

func TestOnCallPages(t *testing.T) {
	e := mustEnv(t, nil)
	r := roster()
	r.OnCalls = nil
	for i := range 130 {
		u := pdfake.User{ID: fmt.Sprintf("PU%03d", i), Name: fmt.Sprintf("User %03d", i)}
		r.OnCalls = append(r.OnCalls, pdfake.OnCall{User: u, PolicyID: "PECHK", Level: 1 + i%3})
	}
	e.fake.SetRoster(r)
	got, err := e.client.OnCall(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 || got[0].Level != 1 || got[129].Level != 3 {
		t.Errorf("got %d entries, levels %d..%d", len(got), got[0].Level, got[len(got)-1].Level)
	}
	if n := len(e.fake.Requests("/oncalls")); n != 2 {
		t.Errorf("/oncalls requests = %d, want 2 pages", n)
	}
}
