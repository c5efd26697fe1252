package insights_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func newStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.New(context.Background(), redistest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// declare writes incident n as the bot does: a header and its declared
// event, by a person in Slack, so it is acknowledged when declared.
func declare(t testing.TB, s *store.Store, n int64, sev incident.Severity, at time.Time, services ...string) {
	t.Helper()
	inc := incident.Incident{Number: n, Title: "t", Severity: sev, Status: incident.Investigating, DeclaredBy: "U01ALI",
		Source: "slack", DeclaredAt: at, ChannelID: "C1", Record: incident.Record{Services: services}}
	if err := s.CreateIncident(context.Background(), inc); err != nil {
		t.Fatal(err)
	}
	appendEv(t, s, n, incident.Event{Kind: incident.KindDeclared, At: at, Actor: "U01ALI"})
}

func appendEv(t testing.TB, s *store.Store, n int64, ev incident.Event) {
	t.Helper()
	if _, _, err := s.Append(context.Background(), n, "", ev); err != nil {
		t.Fatal(err)
	}
}

func resolve(t testing.TB, s *store.Store, n int64, at time.Time) {
	t.Helper()
	inc, err := s.Incident(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	inc.Status, inc.ResolvedAt = incident.Resolved, at
	if err := s.SaveIncident(context.Background(), inc); err != nil {
		t.Fatal(err)
	}
	appendEv(t, s, n, incident.Event{Kind: incident.KindResolved, At: at, Actor: "U01ALI"})
}

func draft(t testing.TB, s *store.Store, n int64, id, source string, at time.Time, outcome string, ratio string) {
	t.Helper()
	appendEv(t, s, n, incident.Event{Kind: incident.KindDraftCreated, At: at,
		Data: map[string]string{"draft": id, "kind": "update", "source": source}})
	switch outcome {
	case "edited":
		appendEv(t, s, n, incident.Event{Kind: incident.KindDraftEdited, At: at.Add(time.Minute), Actor: "U02SAM",
			Data: map[string]string{"draft": id, "change_ratio": ratio}})
		appendEv(t, s, n, incident.Event{Kind: incident.KindDraftApproved, At: at.Add(time.Minute), Actor: "U02SAM",
			Data: map[string]string{"draft": id, "kind": "update", "edited": "true", "source": source}})
	case "approved":
		appendEv(t, s, n, incident.Event{Kind: incident.KindDraftApproved, At: at.Add(time.Minute), Actor: "U02SAM",
			Data: map[string]string{"draft": id, "kind": "update", "edited": "false", "source": source}})
	case "rejected":
		appendEv(t, s, n, incident.Event{Kind: incident.KindDraftRejected, At: at.Add(time.Minute), Actor: "U02SAM",
			Data: map[string]string{"draft": id, "kind": "update", "source": source}})
	}
}

func TestLoadReadsTheRecordsAndRereadsOnlyLogsThatGrew(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	declare(t, s, 1, incident.P1, t0, "checkout")
	draft(t, s, 1, "d1", "llm", t0.Add(10*time.Minute), "edited", "0.25")
	draft(t, s, 1, "d2", "template", t0.Add(20*time.Minute), "", "")
	resolve(t, s, 1, t0.Add(90*time.Minute))
	declare(t, s, 2, incident.P3, t0.Add(48*time.Hour), "search")
	declare(t, s, 3, incident.P2, t0.AddDate(0, 0, -40)) // before the window

	l := insights.NewLoader(s)
	facts, err := l.Load(ctx, t0.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) != 2 || facts[0].Number != 1 || facts[1].Number != 2 {
		t.Fatalf("loaded %+v; want incidents 1 and 2, oldest first", facts)
	}
	f := facts[0]
	if !f.AcknowledgedAt.Equal(t0) || !f.ResolvedAt.Equal(t0.Add(90*time.Minute)) || f.Severity != incident.P1 ||
		len(f.Drafts) != 2 || f.Drafts[0] != (insights.Draft{Kind: "update", Source: "llm", Outcome: insights.Edited, ChangeRatio: 0.25}) ||
		f.Drafts[1] != (insights.Draft{Kind: "update", Source: "template", Outcome: insights.Pending}) {
		t.Errorf("incident 1 = %+v", f)
	}

	// The digests are cached now; a log that grew is read again.
	appendEv(t, s, 1, incident.Event{Kind: incident.KindDraftRejected, At: t0.Add(30 * time.Minute), Actor: "U02SAM",
		Data: map[string]string{"draft": "d2", "kind": "update", "source": "template"}})
	facts, err = l.Load(ctx, t0.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	if got := facts[0].Drafts[1].Outcome; got != insights.Rejected {
		t.Errorf("after the log grew, draft d2 is %q, want rejected", got)
	}
	lengths, docs, err := s.Digests(ctx, []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range docs {
		if !strings.Contains(doc, `"v":1`) || !strings.Contains(doc, `"len":`) {
			t.Errorf("digest %d = %q (log length %d)", i+1, doc, lengths[i])
		}
	}
	// A header change with no event (the record is the header) is seen
	// at once: only the log is cached.
	inc, _ := s.Incident(ctx, 2)
	inc.Severity = incident.P1
	if err := s.SaveIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	facts, _ = l.Load(ctx, t0.AddDate(0, 0, -1))
	if facts[1].Severity != incident.P1 {
		t.Errorf("severity from the header = %v, want P1", facts[1].Severity)
	}
}

func TestLoadAgreesWithDigestForEveryIncident(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for n := int64(1); n <= 20; n++ {
		at := t0.Add(time.Duration(n) * time.Hour)
		declare(t, s, n, incident.Severity(1+n%4), at, "svc")
		draft(t, s, n, "a", "llm", at.Add(time.Minute), []string{"approved", "edited", "rejected", ""}[n%4], "0.5")
		if n%3 == 0 {
			resolve(t, s, n, at.Add(time.Duration(n)*time.Minute))
		}
	}
	cold, err := insights.NewLoader(s).Load(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	warm, err := insights.NewLoader(s).Load(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cold {
		inc, _ := s.Incident(ctx, cold[i].Number)
		events, _ := s.Events(ctx, cold[i].Number)
		want := insights.Digest(inc, events)
		for name, got := range map[string]insights.Facts{"cold": cold[i], "cached": warm[i]} {
			if got.Number != want.Number || !got.AcknowledgedAt.Equal(want.AcknowledgedAt) || !got.ResolvedAt.Equal(want.ResolvedAt) ||
				len(got.Drafts) != len(want.Drafts) || (len(got.Drafts) == 1 && got.Drafts[0] != want.Drafts[0]) {
				t.Errorf("%s load of incident %d = %+v, want %+v", name, want.Number, got, want)
			}
		}
	}
}

func TestMetricsComeFromTheRecords(t *testing.T) {
	s := newStore(t)
	declare(t, s, 1, incident.P1, t0, "checkout")
	draft(t, s, 1, "d1", "llm", t0.Add(time.Minute), "edited", "0.25")
	resolve(t, s, 1, t0.Add(40*time.Minute))
	declare(t, s, 2, incident.P1, t0.Add(time.Hour))
	draft(t, s, 2, "d2", "llm", t0.Add(time.Hour), "approved", "")
	inc, _ := s.Incident(context.Background(), 2)
	inc.Private = true
	s.SaveIncident(context.Background(), inc)

	c := insights.NewCollector(s, nil)
	want := `
# HELP incidentbot_incidents_declared_total Incidents declared, by severity and service (none: no service; private: a private incident's).
# TYPE incidentbot_incidents_declared_total counter
incidentbot_incidents_declared_total{service="checkout",severity="P1"} 1
incidentbot_incidents_declared_total{service="private",severity="P1"} 1
# HELP incidentbot_drafts_total Drafts the bot wrote, by kind, source (llm or template) and outcome (approved, edited, rejected, pending).
# TYPE incidentbot_drafts_total counter
incidentbot_drafts_total{kind="update",outcome="approved",source="llm"} 1
incidentbot_drafts_total{kind="update",outcome="edited",source="llm"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "incidentbot_incidents_declared_total", "incidentbot_drafts_total"); err != nil {
		t.Error(err)
	}
	wantHist := `
# HELP incidentbot_incident_time_to_resolve_seconds Time from declaring an incident to resolving it, by severity.
# TYPE incidentbot_incident_time_to_resolve_seconds histogram
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="60"} 0
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="300"} 0
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="900"} 0
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="1800"} 0
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="3600"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="7200"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="14400"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="28800"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="86400"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="259200"} 1
incidentbot_incident_time_to_resolve_seconds_bucket{severity="P1",le="+Inf"} 1
incidentbot_incident_time_to_resolve_seconds_sum{severity="P1"} 2400
incidentbot_incident_time_to_resolve_seconds_count{severity="P1"} 1
# HELP incidentbot_draft_edit_ratio How much of each published draft a person changed first: 0 as written, 1 rewritten.
# TYPE incidentbot_draft_edit_ratio histogram
incidentbot_draft_edit_ratio_bucket{source="llm",le="0"} 1
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.05"} 1
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.1"} 1
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.2"} 1
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.3"} 2
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.5"} 2
incidentbot_draft_edit_ratio_bucket{source="llm",le="0.75"} 2
incidentbot_draft_edit_ratio_bucket{source="llm",le="1"} 2
incidentbot_draft_edit_ratio_bucket{source="llm",le="+Inf"} 2
incidentbot_draft_edit_ratio_sum{source="llm"} 0.25
incidentbot_draft_edit_ratio_count{source="llm"} 2
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(wantHist), "incidentbot_incident_time_to_resolve_seconds", "incidentbot_draft_edit_ratio"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(c, "incidentbot_incident_time_to_acknowledge_seconds"); n != 1 {
		t.Errorf("acknowledge histograms = %d, want one (P1)", n)
	}
}
