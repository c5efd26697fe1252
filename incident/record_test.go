package incident_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/incidentbot/incidentbot/incident"
)

var (
	setNow  = time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC)
	catalog = incident.Catalog{
		{Name: "checkout", Aliases: []string{"shop"}},
		{Name: "payments"},
	}
)

func TestSetEveryField(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		args string
		cat  incident.Catalog
		loc  *time.Location
		want string // the field's value afterwards
	}{
		{"service checkout", catalog, nil, "checkout"},
		{"service shop, payments", catalog, nil, "checkout, payments"},
		{"services Checkout payments checkout", catalog, nil, "checkout, payments"},
		{"service payment-gateway", nil, nil, "payment-gateway"},
		{"impact EU customers   cannot pay by card", nil, nil, "EU customers cannot pay by card"},
		{"customers 1,200", nil, nil, "1200"},
		{"customers ~ 40", nil, nil, "40"},
		{"customers 0", nil, nil, "0"},
		{"detected-by alert", nil, nil, "alert"},
		{"detected_by Monitoring <https://grafana.example.com/d/abc|graph>", nil, nil, "monitoring https://grafana.example.com/d/abc"},
		{"detected customer https://support.example.com/t/9", nil, nil, "customer https://support.example.com/t/9"},
		{"hypothesis connection pool exhausted", nil, nil, "connection pool exhausted"},
		{"root-cause pool created per request in PR 4411", nil, nil, "pool created per request in PR 4411"},
		{"cause pool created per request", nil, nil, "pool created per request"},
		{"trigger deploy 2026.12.03-2", nil, nil, "deploy 2026.12.03-2"},
		{"ai code", nil, nil, "code"},
		{"ai PROVIDER", nil, nil, "provider"},
		{"postmortem-owner <@U0ALI|ali>", nil, nil, "U0ALI"},
		{"postmortem-due 2026-12-04", nil, nil, "2026-12-04"},
		{"postmortem-due 3d", nil, nil, "2026-12-06"},
		{"postmortem-due tomorrow", nil, nil, "2026-12-04"},
		// 23:30 UTC is already tomorrow in Berlin.
		{"postmortem-due today", nil, berlin, "2026-12-04"},
		{"pm-due 2w", nil, nil, "2026-12-17"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			f, value, err := incident.ParseSet(tt.args)
			if err != nil {
				t.Fatalf("ParseSet: %v", err)
			}
			var r incident.Record
			ev, err := r.Set(f, value, incident.SetEnv{Now: setNow, Location: tt.loc, Catalog: tt.cat})
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := r.Value(f); got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			if ev.Kind != incident.KindField || ev.Get("field") != string(f) || ev.Get("from") != "" || ev.Get("to") != tt.want {
				t.Errorf("event = %+v", ev)
			}
			// Setting it again to the same value is a no-op the person is told about.
			if _, err := r.Set(f, value, incident.SetEnv{Now: setNow, Location: tt.loc, Catalog: tt.cat}); incident.ErrorCode(err) != incident.ENoop {
				t.Errorf("second Set = %v, want a noop", err)
			}
			// And "-" clears it, recording what it was.
			ev, err = r.Set(f, incident.ClearValue, incident.SetEnv{Now: setNow, Catalog: tt.cat})
			if err != nil || r.Value(f) != "" || ev.Get("from") != tt.want || ev.Get("to") != "" {
				t.Errorf("clear: %+v, %v, value %q", ev, err, r.Value(f))
			}
		})
	}
}

func TestSetRejectsBadValuesKindly(t *testing.T) {
	tests := []struct {
		args string
		cat  incident.Catalog
		says []string // what the reply must contain
	}{
		{"", nil, []string{"/incident set <field> <value>", "`root-cause`", "`ai`"}},
		{"colour red", nil, []string{"I don't know the field `colour`", "`postmortem-due`"}},
		{"impact", nil, []string{"Give `impact` a value"}},
		{"service billing", catalog, []string{"I don't know the service `billing`", "`checkout`, `payments`"}},
		{"service Payment Gateway!", nil, []string{"is not a service name"}},
		{"customers lots", nil, []string{"not a number of customers", "1200"}},
		{"customers -5", nil, []string{"not a number of customers"}},
		{"customers 99999999999999999999", nil, []string{"not a number of customers"}},
		{"detected-by twitter", nil, []string{"`alert`, `customer`, `internal`, `monitoring`, `other`"}},
		{"detected-by alert not-a-link", nil, []string{"is not a link"}},
		{"detected-by alert https://a.example https://b.example", nil, []string{"one link and nothing else"}},
		{"ai maybe", nil, []string{"is not an AI connection", "`code` (AI-generated code)", "`unknown`"}},
		{"postmortem-owner ali", nil, []string{"Mention the postmortem owner with @"}},
		{"postmortem-due next friday", nil, []string{"YYYY-MM-DD"}},
		{"postmortem-due 2026-02-30", nil, []string{"YYYY-MM-DD"}},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			f, value, err := incident.ParseSet(tt.args)
			if err == nil {
				var r incident.Record
				_, err = r.Set(f, value, incident.SetEnv{Now: setNow, Catalog: tt.cat})
				if r.Value(f) != "" {
					t.Errorf("a rejected value was kept: %q", r.Value(f))
				}
			}
			if incident.ErrorCode(err) != incident.EInvalid {
				t.Fatalf("err = %v, want an invalid-input error", err)
			}
			for _, s := range tt.says {
				if !strings.Contains(incident.ErrorMessage(err), s) {
					t.Errorf("reply %q does not say %q", incident.ErrorMessage(err), s)
				}
			}
		})
	}
}

func TestSetKeepsTheOldValueOnABadOne(t *testing.T) {
	r := incident.Record{Customers: 40, CustomersKnown: true, AI: incident.AICode}
	env := incident.SetEnv{Now: setNow}
	if _, err := r.Set(incident.FieldCustomers, "many", env); err == nil {
		t.Fatal("want an error")
	}
	if _, err := r.Set(incident.FieldAI, "perhaps", env); err == nil {
		t.Fatal("want an error")
	}
	if r.Value(incident.FieldCustomers) != "40" || r.AI != incident.AICode {
		t.Errorf("record after bad values = %+v", r)
	}
}

func TestMarkComm(t *testing.T) {
	var r incident.Record
	ev, err := r.MarkComm(incident.CommTeam, "U1", setNow)
	if err != nil || ev.Kind != incident.KindComms || ev.Get("comm") != "team" || ev.Actor != "U1" {
		t.Fatalf("MarkComm = %+v, %v", ev, err)
	}
	if d := r.Comms[incident.CommTeam]; d.By != "U1" || !d.At.Equal(setNow) {
		t.Errorf("comms = %+v", r.Comms)
	}
	if _, err := r.MarkComm(incident.CommTeam, "U2", setNow.Add(time.Minute)); incident.ErrorCode(err) != incident.ENoop {
		t.Errorf("marking twice = %v, want a noop", err)
	}
	if r.Comms[incident.CommTeam].By != "U1" {
		t.Error("the second mark replaced the first")
	}
	for in, want := range map[string]incident.Comm{"status_page": incident.CommStatusPage, "statuspage": incident.CommStatusPage, "Customers": incident.CommCustomers} {
		if got, ok := incident.ParseComm(in); !ok || got != want {
			t.Errorf("ParseComm(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := incident.ParseComm("twitter"); ok {
		t.Error("ParseComm accepted twitter")
	}
}

func TestPostmortemDueAndState(t *testing.T) {
	inc := incident.Incident{ResolvedAt: setNow}
	if got := inc.PostmortemDueAt(48 * time.Hour); !got.Equal(setNow.Add(48 * time.Hour)) {
		t.Errorf("default due = %v", got)
	}
	if got := (incident.Incident{}).PostmortemDueAt(48 * time.Hour); !got.IsZero() {
		t.Errorf("due while active = %v, want none", got)
	}
	inc.PostmortemDue = time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	if got := inc.PostmortemDueAt(48 * time.Hour); !got.Equal(inc.PostmortemDue) {
		t.Errorf("set due = %v", got)
	}
	for _, tt := range []struct {
		inc  incident.Incident
		want incident.PostmortemState
	}{
		{incident.Incident{}, incident.PostmortemPending},
		{incident.Incident{Record: incident.Record{PostmortemDrafted: true}}, incident.PostmortemDrafted},
		{incident.Incident{PostmortemID: "d1", Record: incident.Record{PostmortemDrafted: true}}, incident.PostmortemApproved},
	} {
		if got := tt.inc.PostmortemState(); got != tt.want {
			t.Errorf("state of %+v = %s, want %s", tt.inc, got, tt.want)
		}
	}
}

func TestCloneSharesNothing(t *testing.T) {
	inc := incident.Incident{Roles: map[incident.Role]string{incident.Lead: "U1"},
		Record: incident.Record{Services: []string{"checkout"}, Comms: map[incident.Comm]incident.CommDone{incident.CommTeam: {By: "U1"}}}}
	c := inc.Clone()
	c.Roles[incident.Lead] = "U2"
	c.Services[0] = "payments"
	c.Comms[incident.CommCustomers] = incident.CommDone{By: "U2"}
	if inc.Roles[incident.Lead] != "U1" || inc.Services[0] != "checkout" || len(inc.Comms) != 1 {
		t.Errorf("the clone changed the original: %+v", inc)
	}
}

// FuzzSet feeds any text to the set parser and the field setters: they
// never panic, a rejection is a user error and leaves the record as it
// was, and whatever is accepted is stored within the limits and reads back
// through Value to the same value.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"service checkout", "customers 1,200", "detected-by alert <https://x.example/a|a>",
		"postmortem-due 2026-12-04", "postmortem-owner <@U1|ali>", "ai code", "impact \x00\u2028x", "root-cause -", "hypothesis  ", "pm-due 999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		field, value, err := incident.ParseSet(args)
		if err != nil {
			if incident.ErrorCode(err) != incident.EInvalid {
				t.Fatalf("ParseSet(%q) = %v, want a user error", args, err)
			}
			return
		}
		for _, cat := range []incident.Catalog{nil, catalog} {
			r := incident.Record{Impact: "before"}
			before := r.Value(field)
			ev, err := r.Set(field, value, incident.SetEnv{Now: setNow, Catalog: cat})
			if err != nil {
				if code := incident.ErrorCode(err); code != incident.EInvalid && code != incident.ENoop {
					t.Fatalf("Set(%s, %q) = %v, want a user error", field, value, err)
				}
				if r.Value(field) != before {
					t.Fatalf("rejected Set(%s, %q) changed the record", field, value)
				}
				continue
			}
			got := r.Value(field)
			if ev.Get("to") != got || ev.Get("from") != before {
				t.Fatalf("event %+v does not match the change %q -> %q", ev.Data, before, got)
			}
			if utf8.RuneCountInString(got) > incident.MaxFieldText+200 || !utf8.ValidString(got) {
				t.Fatalf("stored value out of bounds: %q", got)
			}
			// The canonical value parses back to itself.
			if got != "" {
				again, canonical := r, got
				if field == incident.FieldPostmortemOwner {
					canonical = "<@" + got + ">"
				}
				if _, err := again.Set(field, canonical, incident.SetEnv{Now: setNow, Catalog: cat}); incident.ErrorCode(err) != incident.ENoop {
					t.Fatalf("Set(%s, %q) again = %v, want a noop", field, got, err)
				}
			}
		}
	})
}
