package export_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

func ptr[T any](v T) *T { return &v }

func TestJSONFullIncident(t *testing.T) {
	inc, events := fullIncident(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// The zone and names shape the Markdown only: the JSON is UTC and IDs.
	b, err := export.JSON(inc, events, export.Options{Location: berlin, Names: names})
	if err != nil {
		t.Fatal(err)
	}
	var got export.Document
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, b)
	}
	want := export.Document{
		SchemaVersion: 1, Number: 42, ID: "INC-42", Title: "Checkout returns 500 *again*", Severity: "P1",
		Status: "resolved", Private: true, Services: []string{"checkout", "payments"},
		Impact:     "EU customers cannot pay by card; @U0CY took the first report & more",
		Customers:  ptr(int64(1200)),
		DetectedBy: &export.Detection{Source: "alert", Link: "https://grafana.example.com/d/abc"},
		Hypothesis: "connection pool exhausted", RootCause: "pool created per request in PR 4411",
		Trigger: "deploy 2026.12.03-2", AI: "code",
		Roles:      export.Roles{Lead: "U0ALI", Tech: "U0BO"},
		DeclaredAt: ptr(at(0)), AcknowledgedAt: ptr(at(9)), ResolvedAt: ptr(at(68)),
		TimeToAcknowledgeS: ptr(int64(9 * 60)), TimeToResolveS: ptr(int64(68 * 60)),
		Comms: export.Comms{
			Customers: &export.CommDone{DoneBy: "U0CY", DoneAt: at(30)},
			Team:      &export.CommDone{DoneBy: "U0ALI", DoneAt: at(40)},
		},
		Postmortem: export.Postmortem{State: "approved", Owner: "U0ALI", Due: ptr("2026-12-08"), ApprovedAt: ptr(at(60 * 24))},
		ActionItems: []export.ActionItem{
			{Text: "Cap the pool size", Owner: "U0BO", Due: ptr("2026-12-10"), Done: true},
			{Text: "Alert on pool | saturation", Owner: "platform team"},
		},
	}
	// The timeline is checked line by line below.
	timeline := got.Timeline
	got.Timeline = nil
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("document:\n%s\nwant:\n%s", gj, wj)
	}

	type line struct{ id, kind, actor, text, marks string }
	var lines []line
	for _, e := range timeline {
		if e.At.Location() != time.UTC {
			t.Errorf("%s at %v: not UTC", e.ID, e.At)
		}
		lines = append(lines, line{e.ID, e.Kind, e.Actor, e.Text, strings.Join(e.Marks, ",")})
	}
	wantLines := []line{
		{"E1", "declared", "U0ALI", `declared P1 "Checkout returns 500 *again*"`, ""},
		{"E2", "message", "U0ALI", "checkout p99 is up 10x (https://grafana.example.com/d/x), cc @U0BO", "key_event"},
		{"E4", "role", "U0ALI", "Tech lead → U0BO", ""},
		// The edit applied, its &amp; unescaped; the deleted E8 is gone.
		{"E5", "message", "U0BO", "I think it's the *connection pool* & the deploy", "hypothesis"},
		{"E10", "page", "U0ALI", "paged the on-call for checkout", ""},
		{"E11", "page_ack", "", "page acknowledged by Bo Smith after 9m", ""},
		{"E12", "field", "U0ALI", "impact: EU customers cannot pay by card; @U0CY took the first report & more", ""},
		{"E13", "field", "U0BO", "root cause: pool created per request in PR 4411", ""},
		{"E14", "status", "U0ALI", "status investigating → identified", ""},
		{"E15", "comms", "U0CY", "customers communication sent", ""},
		{"E16", "message", "U0BO", "just chatting, not a key event", ""},
		{"E17", "comms", "U0ALI", "team communication sent", ""},
		{"E18", "status", "U0ALI", "status identified → resolved", ""},
		{"E19", "resolved", "U0ALI", "resolved after 1h 8m", ""},
		{"E20", "draft_approved", "U0ALI", "postmortem approved", ""},
		{"E21", "action_item", "U0ALI", "action item add: Cap the pool size", ""},
		{"E22", "action_item", "U0ALI", "action item add: Alert on pool | saturation", ""},
		{"E23", "action_item", "U0BO", "action item done: ", ""},
	}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("timeline:\n%v\nwant:\n%v", lines, wantLines)
	}
	if strings.Contains(string(b), "SECRET-PLANS") {
		t.Error("the deleted message is in the export")
	}
	for _, raw := range []string{"<@", "<http", "&lt;", "&amp;", `\u003c`, `\u0026`} {
		if strings.Contains(string(b), raw) {
			t.Errorf("JSON holds raw markup or HTML escaping %q", raw)
		}
	}
}

// contract is every key of the JSON, nested keys as parent.child.
var contract = []string{
	"schema_version", "number", "id", "title", "severity", "status", "private", "services", "impact",
	"customers", "detected_by", "hypothesis", "root_cause", "trigger", "ai",
	"roles", "roles.lead", "roles.comms", "roles.tech", "roles.scribe",
	"declared_at", "acknowledged_at", "resolved_at", "time_to_acknowledge_s", "time_to_resolve_s",
	"comms", "comms.customers", "comms.team", "comms.status_page",
	"postmortem", "postmortem.state", "postmortem.owner", "postmortem.due", "postmortem.approved_at",
	"action_items", "timeline",
}

// keys lists the keys of v's objects (not inside arrays), nested as a.b.
func keys(prefix string, v map[string]any) []string {
	var out []string
	for k, x := range v {
		out = append(out, prefix+k)
		if m, ok := x.(map[string]any); ok {
			out = append(out, keys(prefix+k+".", m)...)
		}
	}
	slices.Sort(out)
	return out
}

func TestJSONBareIncident(t *testing.T) {
	inc, events := bareIncident()
	b, err := export.JSON(inc, events, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(contract)
	slices.Sort(want)
	if got := keys("", doc); !slices.Equal(got, want) {
		t.Errorf("keys:\n%v\nwant exactly:\n%v", got, want)
	}
	for _, k := range []string{"customers", "detected_by", "acknowledged_at", "resolved_at", "time_to_acknowledge_s",
		"time_to_resolve_s"} {
		if v, ok := doc[k]; !ok || v != nil {
			t.Errorf("%s = %#v, want null", k, v)
		}
	}
	for _, k := range []string{"customers", "team", "status_page"} {
		if v := doc["comms"].(map[string]any)[k]; v != nil {
			t.Errorf("comms.%s = %#v, want null", k, v)
		}
	}
	pm := doc["postmortem"].(map[string]any)
	if pm["state"] != "pending" || pm["owner"] != "" || pm["due"] != nil || pm["approved_at"] != nil {
		t.Errorf("postmortem = %v, want pending, no owner, due and approved_at null", pm)
	}
	for _, k := range []string{"impact", "hypothesis", "root_cause", "trigger", "ai"} {
		if doc[k] != "" {
			t.Errorf("%s = %#v, want \"\"", k, doc[k])
		}
	}
	if r := doc["roles"].(map[string]any); r["lead"] != "" || r["scribe"] != "" {
		t.Errorf("roles = %v, want \"\" when unassigned", r)
	}
	for _, k := range []string{"services", "action_items"} {
		if a, ok := doc[k].([]any); !ok || len(a) != 0 {
			t.Errorf("%s = %#v, want []", k, doc[k])
		}
	}
	tl, ok := doc["timeline"].([]any)
	if !ok || len(tl) != 2 {
		t.Fatalf("timeline = %#v, want the declaration and the alert", doc["timeline"])
	}
	for _, e := range tl {
		e := e.(map[string]any)
		var ks []string
		for k := range e {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		if !slices.Equal(ks, []string{"actor", "at", "id", "kind", "marks", "text"}) {
			t.Errorf("timeline entry keys = %v", ks)
		}
		if m, ok := e["marks"].([]any); !ok || len(m) != 0 {
			t.Errorf("%v: marks = %#v, want []", e["id"], e["marks"])
		}
		if e["actor"] != "" {
			t.Errorf("%v: actor = %#v, want \"\" for the bot", e["id"], e["actor"])
		}
	}
	if doc["severity"] != "P3" || doc["id"] != "INC-7" || doc["number"] != float64(7) || doc["private"] != false {
		t.Errorf("header = %v %v %v %v", doc["severity"], doc["id"], doc["number"], doc["private"])
	}
}

func TestPostmortemDueDefaultsAfterResolution(t *testing.T) {
	inc, events := bareIncident()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// Resolved 2026-12-03 23:30 UTC: 18:30 in New York, so two days on is
	// the 5th there and already the 6th in UTC.
	inc.Status, inc.ResolvedAt = incident.Resolved, time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		opts export.Options
		want *string
	}{
		{"default delay, UTC", export.Options{}, ptr("2026-12-05")},
		{"set delay, in the zone", export.Options{PostmortemAfter: 48*time.Hour + time.Hour, Location: ny}, ptr("2026-12-05")},
		{"set delay, UTC", export.Options{PostmortemAfter: 48*time.Hour + time.Hour}, ptr("2026-12-06")},
		{"no default", export.Options{PostmortemAfter: -1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := export.Build(inc, events, tc.opts).Postmortem.Due
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("due = %v, want %v", deref(got), deref(tc.want))
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func TestJSONActionItemCarriesItsIssueOnceExported(t *testing.T) {
	inc, events := bareIncident()
	at := inc.DeclaredAt
	open := incident.ActionItem{ID: "1", Text: "Alert on pool saturation", Owner: "U01ALI"}
	sent := incident.ActionItem{ID: "2", Text: "Canary config changes"}
	events = append(events, incident.ActionItemEvent(incident.ActionAdd, open, "U01ALI", at),
		incident.ActionItemEvent(incident.ActionAdd, sent, "U01ALI", at))
	sent.Issue = incident.TrackerRef{Kind: incident.TrackerJira, Project: "CHK", ID: "10001", Key: "CHK-7", URL: "https://acme.atlassian.net/browse/CHK-7"}
	events = append(events, incident.ActionItemEvent(incident.ActionExported, sent, "", at))
	b, err := export.JSON(inc, events, export.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ActionItems []map[string]any `json:"action_items"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.ActionItems) != 2 {
		t.Fatalf("action items %v", doc.ActionItems)
	}
	if _, ok := doc.ActionItems[0]["issue"]; ok {
		t.Errorf("an item not exported has an issue: %v", doc.ActionItems[0])
	}
	want := map[string]any{"tracker": "jira", "key": "CHK-7", "url": "https://acme.atlassian.net/browse/CHK-7"}
	if got, _ := doc.ActionItems[1]["issue"].(map[string]any); !maps.Equal(got, want) {
		t.Errorf("issue %v, want %v", got, want)
	}
}
