package insights_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
)

// The fixture: 50 incidents, one every 42 hours from Monday 7 Sep 2026, in
// a 90-day, 13-week window. Every expected figure below was worked out by
// hand from these rules, not by running the code:
//   - severity: 1–5 P1, 6–15 P2, 16–35 P3, 36–50 P4;
//   - acknowledged i minutes after declaring for i ≤ 39, 40 after two
//     hours, never after;
//   - resolved 10·i minutes after declaring for i ≤ 44, 45 after three
//     days, 46–50 open (the two outliers pull the means off the medians);
//   - every fifth incident is private, on secret-svc (25 on checkout too);
//     otherwise odd ones are on checkout, even ones on search, and
//     multiples of 3 on payments too;
//   - AI: i mod 10 = 1 code, 2 provider, 3 none, 4 unknown, 6 deploy,
//     else unset;
//   - i ≤ 20 have an AI update draft: rejected when i mod 4 = 0, edited
//     (20% of the text) when i mod 4 = 1, approved as written otherwise;
//     21–30 a template draft, approved when i is even, waiting when odd;
//     41 and 42 an AI postmortem edited by half.
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
		switch {
		case i <= 39:
			f.AcknowledgedAt = declared.Add(time.Duration(i) * time.Minute)
		case i == 40:
			f.AcknowledgedAt = declared.Add(2 * time.Hour)
		}
		switch {
		case i <= 44:
			f.ResolvedAt = declared.Add(time.Duration(10*i) * time.Minute)
		case i == 45:
			f.ResolvedAt = declared.Add(72 * time.Hour)
		}
		switch {
		case i == 25:
			f.Private, f.Services = true, []string{"checkout", "secret-svc"}
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
		f.AI = map[int]incident.AIConnection{1: incident.AICode, 2: incident.AIProvider, 3: incident.AINone,
			4: incident.AIUnknown, 6: incident.AIDeploy}[i%10]
		llm := func(o string, ratio float64) insights.Draft {
			return insights.Draft{Kind: incident.DraftUpdate, Source: "llm", Outcome: o, ChangeRatio: ratio}
		}
		tpl := func(o string) insights.Draft {
			return insights.Draft{Kind: incident.DraftUpdate, Source: "template", Outcome: o}
		}
		switch {
		case i <= 20 && i%4 == 0:
			f.Drafts = []insights.Draft{llm(insights.Rejected, 0)}
		case i <= 20 && i%4 == 1:
			f.Drafts = []insights.Draft{llm(insights.Edited, 0.2)}
		case i <= 20:
			f.Drafts = []insights.Draft{llm(insights.Approved, 0)}
		case i <= 30 && i%2 == 0:
			f.Drafts = []insights.Draft{tpl(insights.Approved)}
		case i <= 30:
			f.Drafts = []insights.Draft{tpl(insights.Pending)}
		case i == 41 || i == 42:
			f.Drafts = []insights.Draft{{Kind: incident.DraftPostmortem, Source: "llm", Outcome: insights.Edited, ChangeRatio: 0.5}}
		}
		out = append(out, f)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestComputeMatchesTheHandComputedFixture(t *testing.T) {
	r := insights.Compute(fixture(), since, until, "")

	if r.SchemaVersion != 1 || r.Incidents != 50 || r.BySeverity["P1"] != 5 || r.BySeverity["P2"] != 10 ||
		r.BySeverity["P3"] != 20 || r.BySeverity["P4"] != 15 || len(r.BySeverity) != 4 {
		t.Errorf("counts = %d %v; want 50: 5 P1, 10 P2, 20 P3, 15 P4", r.Incidents, r.BySeverity)
	}

	stats := []struct {
		name      string
		got, want insights.Stat
	}{
		// 1..39 minutes and 120: median (20+21)/2, mean 900/40 = 22.5
		// minutes, p90 the 36th.
		{"MTTA", r.MTTA, insights.Stat{Count: 40, MedianSeconds: 1230, MeanSeconds: 1350, P90Seconds: 2160}},
		// 10..440 minutes and 4320: median the 23rd (230), mean
		// (9900+4320)/45 = 316 minutes, p90 the 41st (410).
		{"MTTR", r.MTTR, insights.Stat{Count: 45, MedianSeconds: 13800, MeanSeconds: 18960, P90Seconds: 24600}},
		// Incidents 1–5: 1..5 and 10..50 minutes.
		{"P1 MTTA", r.MTTABySeverity["P1"], insights.Stat{Count: 5, MedianSeconds: 180, MeanSeconds: 180, P90Seconds: 300}},
		{"P1 MTTR", r.MTTRBySeverity["P1"], insights.Stat{Count: 5, MedianSeconds: 1800, MeanSeconds: 1800, P90Seconds: 3000}},
		// Incidents 6–15: 60..150 minutes.
		{"P2 MTTR", r.MTTRBySeverity["P2"], insights.Stat{Count: 10, MedianSeconds: 6300, MeanSeconds: 6300, P90Seconds: 8400}},
		// Incidents 36–39 and 40: 36..39 and 120 minutes, mean 270/5.
		{"P4 MTTA", r.MTTABySeverity["P4"], insights.Stat{Count: 5, MedianSeconds: 2280, MeanSeconds: 3240, P90Seconds: 7200}},
		// Incidents 36–45: 360..440 and 4320 minutes; median (400+410)/2,
		// mean (3600+4320)/10 = 792 minutes, p90 the 9th.
		{"P4 MTTR", r.MTTRBySeverity["P4"], insights.Stat{Count: 10, MedianSeconds: 24300, MeanSeconds: 47520, P90Seconds: 26400}},
	}
	for _, s := range stats {
		if s.got != s.want {
			t.Errorf("%s = %+v, want %+v", s.name, s.got, s.want)
		}
	}

	// The window's midpoint, 22 Oct, falls after incident 26: 10..260
	// minutes (median 135) against 270..440 and 4320 (median 360).
	if tr := r.Trend; tr.FirstHalf.Count != 26 || tr.FirstHalf.MedianSeconds != 8100 || tr.SecondHalf.Count != 19 ||
		tr.SecondHalf.MedianSeconds != 21600 || tr.Direction != insights.Worse {
		t.Errorf("trend = %+v; want 135 min (26) then 360 min (19), worse", tr)
	}

	if len(r.Weeks) != 13 || !r.Weeks[0].Start.Equal(since) || !r.Weeks[12].Start.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("weeks = %d starting %v; want 13, 7 Sep to 30 Nov", len(r.Weeks), r.Weeks[0].Start)
	}
	weeks := []struct {
		i          int
		counts     [4]int
		tta, ttr   float64
		whatsThere string
	}{
		{0, [4]int{4, 0, 0, 0}, 150, 1500, "incidents 1–4"},
		{1, [4]int{1, 3, 0, 0}, 390, 3900, "incidents 5–8: 5..8 and 50..80 minutes"},
		{9, [4]int{0, 0, 0, 4}, 2310, 23100, "incidents 37–40: 37, 38, 39, 120 and 370..400 minutes"},
		{11, [4]int{0, 0, 0, 4}, 0, 259200, "incidents 45–48: none acknowledged, 45 resolved in 3 days"},
		{12, [4]int{0, 0, 0, 2}, 0, 0, "incidents 49–50: neither acknowledged nor resolved"},
	}
	for _, w := range weeks {
		got := r.Weeks[w.i]
		if got.Counts != w.counts || got.MTTAMedianSeconds != w.tta || got.MTTRMedianSeconds != w.ttr {
			t.Errorf("week %d = %+v; want %v, medians %v and %v (%s)", w.i+1, got, w.counts, w.tta, w.ttr, w.whatsThere)
		}
	}
	total := 0
	for _, w := range r.Weeks {
		for _, n := range w.Counts {
			total += n
		}
	}
	if total != 50 {
		t.Errorf("weeks hold %d incidents, want 50", total)
	}

	// checkout: 20 odd non-multiples of 5, 18 resolved, median (210+230)/2;
	// search: 20, median (220+240)/2; payments: 13, 12 resolved, median
	// (210+240)/2; private: 10, 9 resolved (50..400 and 4320), median 250.
	wantTop := []insights.ServiceCount{{"checkout", 20, 13200}, {"search", 20, 13800}, {"payments", 13, 13500}, {"private", 10, 15000}}
	if fmt.Sprint(r.TopServices) != fmt.Sprint(wantTop) {
		t.Errorf("top services = %+v\nwant %+v", r.TopServices, wantTop)
	}

	wantAI := []insights.AICount{{"code", 5}, {"deploy", 5}, {"provider", 5}, {"none", 5}, {"unknown", 5}, {"unset", 25}}
	if fmt.Sprint(r.AI) != fmt.Sprint(wantAI) {
		t.Errorf("AI = %+v\nwant %+v", r.AI, wantAI)
	}
	if r.AIConnected != 15 || r.AIRecorded != 25 || !near(r.AIShare, 0.6) {
		t.Errorf("AI share = %d of %d (%v); want 15 of 25, 0.6", r.AIConnected, r.AIRecorded, r.AIShare)
	}

	// 32 drafts: 22 published of 27 decided; 7 of the 22 edited, by
	// 5×0.2 + 2×0.5 = 2 in all.
	d := r.Drafts
	if d.Approved != 15 || d.Edited != 7 || d.Rejected != 5 || d.Pending != 5 ||
		!near(d.ApprovalRatio, 22.0/27) || !near(d.EditRatio, 7.0/22) || !near(d.MeanChangeRatio, 2.0/7) {
		t.Errorf("drafts = %+v", d.Outcomes)
	}
	if llm := d.BySource["llm"]; llm.Approved != 10 || llm.Edited != 7 || llm.Rejected != 5 || llm.Pending != 0 ||
		!near(llm.ApprovalRatio, 17.0/22) || !near(llm.EditRatio, 7.0/17) || !near(llm.MeanChangeRatio, 2.0/7) {
		t.Errorf("AI drafts = %+v", llm)
	}
	if tpl := d.BySource["template"]; tpl.Approved != 5 || tpl.Pending != 5 || tpl.ApprovalRatio != 1 || tpl.EditRatio != 0 || tpl.MeanChangeRatio != 0 {
		t.Errorf("template drafts = %+v", tpl)
	}
	if len(d.BySource) != 2 {
		t.Errorf("sources = %v, want llm and template", d.BySource)
	}
}

func TestAServicesReportLeavesPrivateIncidentsOut(t *testing.T) {
	// checkout: the 20 public ones; private incident 25 is on checkout
	// too but must not say so. By severity: 1, 3 | 7–13 | 17–33 | 37–49.
	r := insights.Compute(fixture(), since, until, "checkout")
	if r.Incidents != 20 || r.Service != "checkout" || r.BySeverity["P1"] != 2 || r.BySeverity["P2"] != 4 ||
		r.BySeverity["P3"] != 8 || r.BySeverity["P4"] != 6 || r.MTTR.Count != 18 || r.MTTR.MedianSeconds != 13200 {
		t.Errorf("checkout report = %d incidents %v, MTTR %+v; want 20 (2, 4, 8, 6), 18 resolved, median 220 min",
			r.Incidents, r.BySeverity, r.MTTR)
	}
	// Odd multiples of 3, not of 5: 3, 9, 21, 27, 33, 39, resolved in
	// 30..390 minutes: median (210+270)/2 = 240.
	if want := "[{checkout 20 13200} {payments 6 14400}]"; fmt.Sprint(r.TopServices) != want {
		t.Errorf("checkout's top services = %v, want %s", r.TopServices, want)
	}
	// Multiples of 3 not of 5: 3, 6, 9, 12, 18, 21, 24, 27, 33, 36, 39, 42, 48.
	if r := insights.Compute(fixture(), since, until, "payments"); r.Incidents != 13 {
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

func TestComputeWindowAndOrdering(t *testing.T) {
	at := func(d time.Duration) time.Time { return since.Add(d) }
	facts := []insights.Facts{
		{Number: 1, Severity: incident.P2, DeclaredAt: at(-time.Second)}, // before the window
		{Number: 2, Severity: incident.P2, DeclaredAt: since},            // on its first instant
		{Number: 3, Severity: incident.P2, DeclaredAt: until},            // on its last
		{Number: 4, Severity: incident.P2, DeclaredAt: until.Add(time.Second)},
	}
	if r := insights.Compute(facts, since, until, ""); r.Incidents != 2 || r.Weeks[0].Counts[1] != 1 || r.Weeks[12].Counts[1] != 1 {
		t.Errorf("window holds %d incidents (weeks %v, %v); want 2 and 3", r.Incidents, r.Weeks[0].Counts, r.Weeks[12].Counts)
	}

	// Ten services of 10 down to 1 incidents, two tied at 5: the report
	// names eight, most first, ties by name.
	var many []insights.Facts
	n := int64(0)
	for s, count := range []int{1, 2, 3, 4, 5, 5, 6, 7, 8, 9} {
		for range count {
			n++
			many = append(many, insights.Facts{Number: n, Severity: incident.P3, DeclaredAt: at(time.Duration(n) * time.Hour),
				Services: []string{fmt.Sprintf("svc-%c", 'j'-s)}})
		}
	}
	r := insights.Compute(many, since, until, "")
	var names []string
	for _, s := range r.TopServices {
		names = append(names, fmt.Sprintf("%s:%d", s.Name, s.Incidents))
	}
	if got, want := strings.Join(names, " "), "svc-a:9 svc-b:8 svc-c:7 svc-d:6 svc-e:5 svc-f:5 svc-g:4 svc-h:3"; got != want {
		t.Errorf("top services = %s\nwant %s", got, want)
	}
	// The same facts in reverse give the same report.
	rev := make([]insights.Facts, len(many))
	for i, f := range many {
		rev[len(many)-1-i] = f
	}
	a, _ := insights.JSON(r)
	b, _ := insights.JSON(insights.Compute(rev, since, until, ""))
	if !bytes.Equal(a, b) {
		t.Errorf("the report depends on the order the facts came in")
	}
}

func TestTrendDirection(t *testing.T) {
	// One incident in each half of a 10-day window; the first takes 100
	// minutes to resolve.
	s, u := since, since.AddDate(0, 0, 10)
	for _, c := range []struct {
		second time.Duration
		want   string
	}{
		{80 * time.Minute, insights.Better},
		{91 * time.Minute, insights.Flat},
		{110 * time.Minute, insights.Flat},
		{111 * time.Minute, insights.Worse},
		{0, insights.Unknown}, // the second still open
	} {
		facts := []insights.Facts{
			{Number: 1, Severity: incident.P2, DeclaredAt: s.Add(time.Hour), ResolvedAt: s.Add(time.Hour + 100*time.Minute)},
			{Number: 2, Severity: incident.P2, DeclaredAt: s.AddDate(0, 0, 8)},
		}
		if c.second > 0 {
			facts[1].ResolvedAt = facts[1].DeclaredAt.Add(c.second)
		}
		if got := insights.Compute(facts, s, u, "").Trend.Direction; got != c.want {
			t.Errorf("100 min then %v: %s, want %s", c.second, got, c.want)
		}
	}
}

func TestZeroIncidents(t *testing.T) {
	for name, r := range map[string]insights.Report{
		"none at all":          insights.Compute(nil, since, until, ""),
		"none for the service": insights.Compute(fixture(), since, until, "no-such-service"),
	} {
		if r.Incidents != 0 || len(r.BySeverity) != 4 || r.BySeverity["P1"] != 0 || len(r.Weeks) != 13 ||
			r.MTTA != (insights.Stat{}) || r.MTTR != (insights.Stat{}) || r.Trend.Direction != insights.Unknown ||
			len(r.TopServices) != 0 || len(r.AI) != 0 || r.AIShare != 0 || r.Drafts.ApprovalRatio != 0 {
			t.Errorf("%s: %+v", name, r)
		}
		b, err := insights.JSON(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Empty lists are [], not null, so scripts can iterate them.
		for _, want := range []string{`"top_services": []`, `"ai": []`, `"incidents": 0`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s: JSON lacks %s:\n%s", name, want, b)
			}
		}
		md := insights.Markdown(r)
		if !strings.Contains(md, "No incidents were declared in this window.") || strings.Contains(md, "NaN") {
			t.Errorf("%s: Markdown:\n%s", name, md)
		}
	}
}

func TestMarkdownSaysTheFiguresInWords(t *testing.T) {
	md := insights.Markdown(insights.Compute(fixture(), since, until, ""))
	for _, want := range []string{
		"**Incident insights, 2026-09-07 to 2026-12-06 (90 days), all services**",
		"50 incidents: 5 P1 · 10 P2 · 20 P3 · 15 P4",
		"**Time to acknowledge:** median 20m 30s, mean 22m 30s, p90 36m (40 of 50 acknowledged)",
		"**Time to resolve:** median 3h 50m, mean 5h 16m, p90 6h 50m (45 of 50 resolved)",
		"**Median time to resolve by severity:** P1 30m, P2 1h 45m, P3 4h 15m, P4 6h 45m",
		"time to resolve got worse: median 2h 15m in the first half of the window, 6h in the second.",
		"- checkout: 20 incidents, median to resolve 3h 40m",
		"- search: 20 incidents, median to resolve 3h 50m",
		"- payments: 13 incidents, median to resolve 3h 45m",
		"- private: 10 incidents, median to resolve 4h 10m",
		"15 of the 25 incidents with an AI connection recorded (60%) were connected to AI. " +
			"By connection: code 5, deploy 5, provider 5, none 5, unknown 5, unset 25.",
		"32 drafts: 15 approved as written, 7 edited first, 5 rejected, 5 waiting.",
		"81% of decided drafts were published; 32% of those were edited first, changing 29% of the text on average.",
		"AI drafts: 77% of decided drafts were published; 41% of those were edited first, changing 29% of the text on average.",
		"Template drafts: 100% of decided drafts were published; 0% of those were edited first.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	for _, leak := range []string{"secret-svc", "INC-", "NaN"} {
		if strings.Contains(md, leak) {
			t.Errorf("Markdown contains %q:\n%s", leak, md)
		}
	}
	empty := insights.Markdown(insights.Compute(nil, since, until, "checkout"))
	if !strings.Contains(empty, "No incidents were declared in this window.") || !strings.Contains(empty, "service checkout") {
		t.Errorf("empty report:\n%s", empty)
	}
}

func TestMarkdownDurations(t *testing.T) {
	// One incident acknowledged after d: the Markdown says d as a person
	// would.
	for d, want := range map[time.Duration]string{
		45 * time.Second:                               "median 45s,",
		4*time.Minute + 10*time.Second:                 "median 4m 10s,",
		12 * time.Minute:                               "median 12m,",
		2*time.Hour + 5*time.Minute:                    "median 2h 5m,",
		2*time.Hour + 5*time.Minute + 29*time.Second:   "median 2h 5m,",
		23*time.Hour + 59*time.Minute + 50*time.Second: "median 1d,",
		3*24*time.Hour + 4*time.Hour:                   "median 3d 4h,",
	} {
		f := insights.Facts{Number: 1, Severity: incident.P1, DeclaredAt: since, AcknowledgedAt: since.Add(d)}
		if md := insights.Markdown(insights.Compute([]insights.Facts{f}, since, until, "")); !strings.Contains(md, want) {
			t.Errorf("%v: Markdown lacks %q:\n%s", d, want, md)
		}
	}
}

func TestJSONIsVersionedAndRoundTrips(t *testing.T) {
	r := insights.Compute(fixture(), since, until, "")
	b, err := insights.JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte("\n  \"schema_version\": 1,")) {
		t.Errorf("JSON is not indented with a final newline:\n%.200s", b)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "since", "until", "incidents", "by_severity", "weeks", "mtta", "mttr",
		"mtta_by_severity", "mttr_by_severity", "mttr_trend", "top_services", "ai", "ai_connected", "ai_recorded", "ai_share", "drafts"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if doc["schema_version"] != 1.0 || doc["incidents"] != 50.0 || doc["ai_share"] != 0.6 {
		t.Errorf("schema_version %v, incidents %v, ai_share %v", doc["schema_version"], doc["incidents"], doc["ai_share"])
	}
	mttr := doc["mttr"].(map[string]any)
	if mttr["median_seconds"] != 13800.0 || mttr["mean_seconds"] != 18960.0 || mttr["p90_seconds"] != 24600.0 {
		t.Errorf("mttr = %v", mttr)
	}
	drafts := doc["drafts"].(map[string]any)
	if drafts["approved"] != 15.0 || drafts["edited"] != 7.0 || drafts["by_source"].(map[string]any)["template"] == nil {
		t.Errorf("drafts = %v", drafts)
	}
	var back insights.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.MTTR != r.MTTR || back.Trend != r.Trend || len(back.Weeks) != 13 || back.Weeks[11] != r.Weeks[11] {
		t.Errorf("the report does not survive a round trip")
	}
}

func TestChartDecodesAtItsSize(t *testing.T) {
	noServices := fixture()
	for i := range noServices {
		noServices[i].Services, noServices[i].Private, noServices[i].Drafts, noServices[i].AI = nil, false, nil, ""
	}
	year := benchFacts(10000)
	for name, r := range map[string]insights.Report{
		"fixture":     insights.Compute(fixture(), since, until, ""),
		"empty":       insights.Compute(nil, since, until, ""),
		"no services": insights.Compute(noServices, since, until, ""),
		"a year":      insights.Compute(year, year[0].DeclaredAt, year[len(year)-1].DeclaredAt, ""),
		"one day":     insights.Compute(fixture()[:1], since, since.Add(24*time.Hour), ""),
		// Declared in Slack, so acknowledged at once, and resolved within
		// seconds: every median the same tiny value on a log axis.
		"instant": insights.Compute([]insights.Facts{{Number: 1, Severity: incident.P1, DeclaredAt: since.Add(time.Hour),
			AcknowledgedAt: since.Add(time.Hour), ResolvedAt: since.Add(time.Hour + time.Second)}}, since, until, ""),
		"reversed window": insights.Compute(fixture(), until, since, ""),
	} {
		out, err := insights.Chart(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: PNG does not decode: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != insights.ChartWidth || b.Dy() != insights.ChartHeight || b.Dx() != 1600 || b.Dy() != 1000 {
			t.Errorf("%s: chart is %dx%d, want 1600x1000", name, b.Dx(), b.Dy())
		}
		// The README shows the fixture's chart; UPDATE_SCREENSHOTS=1 draws
		// it again.
		if name == "fixture" && os.Getenv("UPDATE_SCREENSHOTS") == "1" {
			if err := os.WriteFile("../docs/img/insights.png", out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
