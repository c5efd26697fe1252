package insights_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
)

// The fixture: 50 incidents, one every 42 hours from Monday 7 Sep 2026, in
// a 13-week window. Every expected figure below was worked out by hand from
// these rules, not by running the code:
//   - severity: 1–5 P1, 6–15 P2, 16–35 P3, 36–50 P4;
//   - acknowledged i minutes after declaring for i ≤ 40, never after;
//   - resolved 10·i minutes after declaring for i ≤ 45, open after;
//   - every fifth incident is private; otherwise odd ones are on checkout,
//     even ones on search, and multiples of 3 on payments too;
//   - AI: i mod 10 = 1 code, 2 provider, 3 none, 4 unknown, else unset;
//   - i ≤ 20 have an AI draft: rejected when i mod 4 = 0, edited (20% of
//     words) when i mod 4 = 1, approved as written otherwise; 21–30 have a
//     template draft, approved when i is even, waiting when odd.
var (
	since = time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	until = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
)

func fixture() []insights.Facts {
	var out []insights.Facts
	for i := 1; i <= 50; i++ {
		declared := since.Add(time.Duration(i-1) * 42 * time.Hour)
		f := insights.Facts{Number: int64(i), DeclaredAt: declared}
		switch {
		case i <= 5:
			f.Severity = incident.P1
		case i <= 15:
			f.Severity = incident.P2
		case i <= 35:
			f.Severity = incident.P3
		default:
			f.Severity = incident.P4
		}
		if i <= 40 {
			f.AcknowledgedAt = declared.Add(time.Duration(i) * time.Minute)
		}
		if i <= 45 {
			f.ResolvedAt = declared.Add(time.Duration(10*i) * time.Minute)
		}
		switch {
		case i%5 == 0:
			f.Private, f.Services = true, []string{"secret-svc"}
		case i%2 == 1:
			f.Services = []string{"checkout"}
		default:
			f.Services = []string{"search"}
		}
		if i%5 != 0 && i%3 == 0 {
			f.Services = append(f.Services, "payments")
		}
		f.AI = map[int]incident.AIConnection{1: incident.AICode, 2: incident.AIProvider, 3: incident.AINone, 4: incident.AIUnknown}[i%10]
		switch {
		case i <= 20 && i%4 == 0:
			f.Drafts = []insights.Draft{{Kind: incident.DraftUpdate, Source: "llm", Outcome: insights.Rejected}}
		case i <= 20 && i%4 == 1:
			f.Drafts = []insights.Draft{{Kind: incident.DraftUpdate, Source: "llm", Outcome: insights.Edited, ChangeRatio: 0.2}}
		case i <= 20:
			f.Drafts = []insights.Draft{{Kind: incident.DraftUpdate, Source: "llm", Outcome: insights.Approved}}
		case i <= 30 && i%2 == 0:
			f.Drafts = []insights.Draft{{Kind: incident.DraftUpdate, Source: "template", Outcome: insights.Approved}}
		case i <= 30:
			f.Drafts = []insights.Draft{{Kind: incident.DraftUpdate, Source: "template", Outcome: insights.Pending}}
		}
		out = append(out, f)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestComputeMatchesTheHandComputedFixture(t *testing.T) {
	r := insights.Compute(fixture(), since, until, "")

	if r.Incidents != 50 || r.BySeverity["P1"] != 5 || r.BySeverity["P2"] != 10 || r.BySeverity["P3"] != 20 || r.BySeverity["P4"] != 15 {
		t.Errorf("counts = %d %v; want 50: 5 P1, 10 P2, 20 P3, 15 P4", r.Incidents, r.BySeverity)
	}
	// MTTA: 1..40 minutes. MTTR: 10, 20, …, 450 minutes.
	if want := (insights.Stat{Count: 40, Median: 1230, Mean: 1230, P90: 2160}); r.MTTA != want {
		t.Errorf("MTTA = %+v, want %+v", r.MTTA, want)
	}
	if want := (insights.Stat{Count: 45, Median: 13800, Mean: 13800, P90: 24600}); r.MTTR != want {
		t.Errorf("MTTR = %+v, want %+v", r.MTTR, want)
	}
	// P1 is incidents 1–5: resolved in 10..50 minutes.
	if st := r.MTTRBySeverity["P1"]; st.Count != 5 || st.Median != 1800 || st.Mean != 1800 || st.P90 != 3000 {
		t.Errorf("P1 MTTR = %+v; want 5, median and mean 30 min, p90 50 min", st)
	}
	// The window's midpoint falls after incident 26: 10..260 minutes
	// (median 135) against 270..450 (median 360).
	if r.Trend.FirstHalf.Count != 26 || r.Trend.FirstHalf.Median != 8100 || r.Trend.SecondHalf.Count != 19 ||
		r.Trend.SecondHalf.Median != 21600 || r.Trend.Direction != "worse" {
		t.Errorf("trend = %+v", r.Trend)
	}
	if len(r.Weeks) != 13 || !r.Weeks[0].Start.Equal(since) {
		t.Fatalf("weeks = %d starting %v; want 13 from 7 Sep", len(r.Weeks), r.Weeks[0].Start)
	}
	if w := r.Weeks[0]; w.Counts != [4]int{4, 0, 0, 0} || w.MTTASeconds != 150 || w.MTTRSeconds != 1500 {
		t.Errorf("week 1 = %+v; want 4 P1, medians 2.5 and 25 minutes", w)
	}
	if w := r.Weeks[1]; w.Counts != [4]int{1, 3, 0, 0} {
		t.Errorf("week 2 = %+v; want 1 P1 and 3 P2", w)
	}
	if w := r.Weeks[12]; w.Counts != [4]int{0, 0, 0, 2} || w.MTTASeconds != 0 || w.MTTRSeconds != 0 {
		t.Errorf("week 13 = %+v; want 2 P4, neither acknowledged nor resolved", w)
	}
	want := []insights.ServiceCount{{"checkout", 20, 13200}, {"search", 20, 0}, {"payments", 13, 0}, {"private", 10, 0}}
	if len(r.TopServices) != 4 {
		t.Fatalf("top services = %+v", r.TopServices)
	}
	for i, w := range want {
		got := r.TopServices[i]
		if got.Name != w.Name || got.Incidents != w.Incidents || (w.MTTRSeconds != 0 && got.MTTRSeconds != w.MTTRSeconds) {
			t.Errorf("top service %d = %+v, want %+v", i+1, got, w)
		}
	}
	if r.AIConnected != 10 || !near(r.AIShare, 0.2) {
		t.Errorf("AI = %d (%v), want 10 of 50", r.AIConnected, r.AIShare)
	}
	wantAI := map[string]int{"code": 5, "provider": 5, "none": 5, "unknown": 5, "unset": 30}
	for _, a := range r.AI {
		if wantAI[a.Connection] != a.Incidents {
			t.Errorf("AI %s = %d, want %d", a.Connection, a.Incidents, wantAI[a.Connection])
		}
	}
	d := r.Drafts
	if d.Approved != 15 || d.Edited != 5 || d.Rejected != 5 || d.Pending != 5 ||
		!near(d.ApprovalRatio, 0.8) || !near(d.EditRatio, 0.25) || !near(d.MeanChangeRatio, 0.2) {
		t.Errorf("drafts = %+v", d.Outcomes)
	}
	llm := d.BySource["llm"]
	if llm.Approved != 10 || llm.Edited != 5 || llm.Rejected != 5 || !near(llm.ApprovalRatio, 0.75) || !near(llm.EditRatio, 1.0/3) {
		t.Errorf("AI drafts = %+v", llm)
	}
	if tpl := d.BySource["template"]; tpl.Approved != 5 || tpl.Pending != 5 || tpl.ApprovalRatio != 1 || tpl.EditRatio != 0 {
		t.Errorf("template drafts = %+v", tpl)
	}
}

func TestAServicesReportLeavesPrivateIncidentsOut(t *testing.T) {
	r := insights.Compute(fixture(), since, until, "payments")
	// Multiples of 3 not of 5: 3, 6, 9, 12, 18, 21, 24, 27, 33, 36, 39, 42, 48.
	if r.Incidents != 13 || r.Service != "payments" {
		t.Errorf("payments report has %d incidents, want 13", r.Incidents)
	}
	if r := insights.Compute(fixture(), since, until, "secret-svc"); r.Incidents != 0 {
		t.Errorf("a private incident's service can be asked for: %d incidents", r.Incidents)
	}
	for _, s := range insights.Compute(fixture(), since, until, "").TopServices {
		if s.Name == "secret-svc" {
			t.Errorf("a private incident's service is named")
		}
	}
}

func TestMarkdownSaysTheFiguresInWords(t *testing.T) {
	md := insights.Markdown(insights.Compute(fixture(), since, until, ""))
	for _, want := range []string{
		"**Incident insights, 7 Sep 2026 to 6 Dec 2026 (90 days), all services**",
		"50 incidents: 5 P1 · 10 P2 · 20 P3 · 15 P4",
		"**Time to acknowledge:** median 20m 30s, mean 20m 30s, p90 36m (40 of 50 acknowledged)",
		"**Time to resolve:** median 3h 50m, mean 3h 50m, p90 6h 50m (45 of 50 resolved)",
		"time to resolve got worse: median 2h 15m in the first half of the window, 6h in the second",
		"- checkout: 20 incidents, median to resolve 3h 40m",
		"- private: 10 incidents",
		"10 of 50 incidents (20%) were connected to AI",
		"30 drafts: 15 approved as written, 5 edited first, 5 rejected, 5 waiting.",
		"80% of decided drafts were published; 25% of those were edited first, changing 20% of the words on average.",
		"AI drafts: 75% of decided drafts were published; 33% of those were edited first",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "secret-svc") {
		t.Errorf("Markdown names a private incident's service")
	}
	empty := insights.Markdown(insights.Compute(nil, since, until, "checkout"))
	if !strings.Contains(empty, "No incidents were declared in this window.") || !strings.Contains(empty, "service checkout") {
		t.Errorf("empty report:\n%s", empty)
	}
}

func TestJSONIsVersionedAndRoundTrips(t *testing.T) {
	b, err := insights.JSON(insights.Compute(fixture(), since, until, ""))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "since", "until", "incidents", "by_severity", "weeks", "mtta", "mttr",
		"mtta_by_severity", "mttr_by_severity", "mttr_trend", "top_services", "ai", "ai_connected", "ai_share", "drafts"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if doc["schema_version"] != 1.0 || doc["incidents"] != 50.0 {
		t.Errorf("schema_version %v, incidents %v", doc["schema_version"], doc["incidents"])
	}
	drafts := doc["drafts"].(map[string]any)
	if drafts["approved"] != 15.0 || drafts["approval_ratio"] != 0.8 {
		t.Errorf("drafts = %v", drafts)
	}
}

func TestChartDecodesAtItsSize(t *testing.T) {
	for name, facts := range map[string][]insights.Facts{"fixture": fixture(), "empty": nil} {
		out, err := insights.Chart(insights.Compute(facts, since, until, ""))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: PNG does not decode: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != insights.ChartWidth || b.Dy() != insights.ChartHeight {
			t.Errorf("%s: chart is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), insights.ChartWidth, insights.ChartHeight)
		}
	}
}
