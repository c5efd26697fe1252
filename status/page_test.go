package status_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/status"
	"github.com/incidentbot/incidentbot/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// now is the page's clock in these tests: noon, so the 90-day window is
// 89.5 days long.
var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

var catalog = incident.Catalog{
	{Name: "checkout-api", StatusComponent: "Checkout"},
	{Name: "payments-gw", Aliases: []string{"pay"}, StatusComponent: "Payments"},
	{Name: "search", StatusComponent: "Search"},
	{Name: "batch-reports"}, // not on the page
}

func settings() status.Settings {
	return status.Settings{Title: "Acme status", Name: "Acme", LogoURL: "https://acme.example/logo.png",
		Brand: "#ffd33d", Catalog: catalog}
}

type fixture struct {
	t        *testing.T
	store    *store.Store
	page     *status.Page
	clock    time.Time
	settings status.Settings
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := store.New(context.Background(), redistest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{t: t, store: s, clock: now, settings: settings()}
	f.page = status.New(s, func() status.Settings { return f.settings }, status.Options{TTL: 5 * time.Second, Clock: func() time.Time { return f.clock }})
	return f
}

func (f *fixture) incident(n int64, sev incident.Severity, declared time.Time, resolved time.Duration, private bool, services ...string) {
	f.t.Helper()
	inc := incident.Incident{Number: n, Title: "db-primary-7 connection storm", Severity: sev, Status: incident.Investigating,
		ChannelID: "C0NUMBER", ChannelName: "inc-secret-channel", DeclaredAt: declared, Private: private,
		Record: incident.Record{Services: services}}
	if resolved > 0 {
		inc.Status, inc.ResolvedAt = incident.Resolved, declared.Add(resolved)
	}
	if err := f.store.CreateIncident(context.Background(), inc); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) publish(n int64, draft string, at time.Time, st incident.Status, headline, text string) {
	f.t.Helper()
	u := incident.PublicUpdate{DraftID: draft, Status: st, Headline: headline, Text: text, At: at, By: "U0APPROVER"}
	if _, err := f.store.PublishPublic(context.Background(), n, u); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) get(path string, hdr ...string) *http.Response {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://status.acme.example"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.page.ServeHTTP(w, req)
	return w.Result()
}

func (f *fixture) body(path string) string {
	f.t.Helper()
	res := f.get(path)
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("GET %s = %d: %s", path, res.StatusCode, b)
	}
	return string(b)
}

// seed: an open P1 on checkout with two updates, a P2 on payments resolved
// three days ago, a private incident, and an incident nobody wrote to
// customers about.
func seed(f *fixture) {
	open := now.Add(-90 * time.Minute)
	f.incident(41, incident.P1, open, 0, false, "checkout-api", "batch-reports")
	f.publish(41, "d-open-1", open.Add(10*time.Minute), incident.Investigating, "Checkout is failing for some customers",
		"We are investigating failed payments at checkout.")
	f.publish(41, "d-open-2", open.Add(40*time.Minute), incident.Identified, "Checkout is failing for some customers",
		"We found the cause and are **rolling out a fix**.")

	past := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f.incident(42, incident.P2, past, 2*time.Hour+24*time.Minute, false, "pay")
	f.publish(42, "d-past-1", past.Add(5*time.Minute), incident.Investigating, "Card payments delayed", "Some card payments are slow.")
	f.publish(42, "d-past-2", past.Add(2*time.Hour+30*time.Minute), incident.Resolved, "Card payments delayed", "Payments are back to normal.")

	f.incident(43, incident.P1, open, 0, true, "search")
	f.publish(43, "d-private", open.Add(time.Minute), incident.Investigating, "PRIVATE HEADLINE", "private words")

	f.incident(44, incident.P1, open, 0, false, "search") // no customer update: not public
}

func TestPageShowsOnlyApprovedUpdatesAndDerivedStates(t *testing.T) {
	f := newFixture(t)
	seed(f)
	html := f.body("/status")

	for _, want := range []string{
		`<html lang="en">`, `name="viewport"`,
		`<h1>Acme status</h1>`, `alt="Acme logo"`,
		"Major outage: some systems are unavailable",
		"Checkout is failing for some customers",
		"<strong>rolling out a fix</strong>",
		"Card payments delayed", "Payments are back to normal.",
		"4 Dec 2026, 10:00 to 12:24 UTC (2h 24m)",
		"Affects Checkout",
		`href="status/feed.atom"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, never := range []string{"PRIVATE", "private words", "db-primary-7", "inc-secret-channel", "C0NUMBER",
		"U0APPROVER", "checkout-api", "batch-reports", "payments-gw", "#41", "41 ", "INC-"} {
		if strings.Contains(html, never) {
			t.Errorf("page shows %q, which customers must not read", never)
		}
	}
	// The newest update comes first within an incident.
	if i, j := strings.Index(html, "rolling out a fix"), strings.Index(html, "investigating failed payments"); i < 0 || j < 0 || i > j {
		t.Errorf("updates are not newest first (fix at %d, first update at %d)", i, j)
	}
	// Components carry their state as words, not colour alone.
	comp := regexp.MustCompile(`<span class="name">(\w+)</span><span class="c-\w+">([\w ]+)</span>`)
	got := map[string]string{}
	for _, m := range comp.FindAllStringSubmatch(html, -1) {
		got[m[1]] = m[2]
	}
	want := map[string]string{"Checkout": "Major outage", "Payments": "Operational", "Search": "Operational"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("component %s shows %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	// 2h24m of partial outage in an 89.5-day window: 1 - 8640/7732800.
	if !strings.Contains(html, `aria-label="Payments: 99.88% uptime over the last 90 days"`) {
		t.Errorf("Payments' bar is not labelled with 99.88%% uptime")
	}
	if !strings.Contains(html, "<title>4 Dec 2026: Partial outage, down 2h 24m</title>") {
		t.Errorf("the day of the payments outage is not described")
	}
}

func TestJSONIsTheSameFactsAsThePage(t *testing.T) {
	f := newFixture(t)
	seed(f)
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Page          struct {
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"page"`
		Status struct {
			Indicator string `json:"indicator"`
		} `json:"status"`
		Components []struct {
			Name   string  `json:"name"`
			Status string  `json:"status"`
			Uptime float64 `json:"uptime_percent"`
			Days   []struct {
				Date     string `json:"date"`
				Status   string `json:"status"`
				Downtime int64  `json:"downtime_seconds"`
			} `json:"days"`
		} `json:"components"`
		Incidents []struct {
			ID         string     `json:"id"`
			Name       string     `json:"name"`
			Status     string     `json:"status"`
			Impact     string     `json:"impact"`
			Components []string   `json:"components"`
			ResolvedAt *time.Time `json:"resolved_at"`
			Updates    []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Body   string `json:"body"`
			} `json:"updates"`
		} `json:"incidents"`
	}
	raw := f.body("/status.json")
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("status.json: %v\n%s", err, raw)
	}
	if doc.SchemaVersion != 1 || doc.Page.Title != "Acme status" || doc.Status.Indicator != "major_outage" {
		t.Errorf("head = %d %q %q", doc.SchemaVersion, doc.Page.Title, doc.Status.Indicator)
	}
	if doc.Page.URL != "http://status.acme.example/status" {
		t.Errorf("page url = %q, want the address it was asked at", doc.Page.URL)
	}
	for set, want := range map[string]string{"https://status.acme.example": "https://status.acme.example/status",
		"https://acme.example/help/status/": "https://acme.example/help/status"} {
		f.settings.URL, f.clock = set, f.clock.Add(time.Minute)
		var d struct {
			Page struct{ URL string } `json:"page"`
		}
		json.Unmarshal([]byte(f.body("/status.json")), &d)
		if d.Page.URL != want {
			t.Errorf("with url %s the page says it is at %q, want %q", set, d.Page.URL, want)
		}
	}
	if len(doc.Components) != 3 || doc.Components[1].Name != "Payments" || doc.Components[1].Uptime != 99.888 {
		t.Fatalf("components = %+v", doc.Components)
	}
	days := doc.Components[1].Days
	if len(days) != 90 || days[89].Date != "2026-12-07" || days[86].Date != "2026-12-04" ||
		days[86].Status != "partial_outage" || days[86].Downtime != 8640 || days[85].Status != "operational" {
		t.Errorf("payments' days around the outage: %+v", days[84:])
	}
	if len(doc.Incidents) != 2 {
		t.Fatalf("incidents = %+v; want the open one and the past one only", doc.Incidents)
	}
	open, past := doc.Incidents[0], doc.Incidents[1]
	if open.ID != "d-open-1" || open.Status != "identified" || open.Impact != "major_outage" || open.ResolvedAt != nil ||
		len(open.Components) != 1 || open.Components[0] != "Checkout" || len(open.Updates) != 2 || open.Updates[0].ID != "d-open-2" {
		t.Errorf("open incident = %+v", open)
	}
	if past.Status != "resolved" || past.Impact != "partial_outage" || past.ResolvedAt == nil || past.Updates[0].Body != "Payments are back to normal." {
		t.Errorf("past incident = %+v", past)
	}
	if strings.Contains(raw, "PRIVATE") || strings.Contains(raw, "U0APPROVER") || strings.Contains(raw, "checkout-api") {
		t.Errorf("status.json shows internal facts:\n%s", raw)
	}
}

func TestFeedHasAnEntryPerApprovedUpdate(t *testing.T) {
	f := newFixture(t)
	seed(f)
	raw := f.body("/status/feed.atom")
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(raw), &feed); err != nil {
		t.Fatalf("feed: %v\n%s", err, raw)
	}
	if feed.Title != "Acme status" || len(feed.Entries) != 4 {
		t.Fatalf("feed %q has %d entries, want 4:\n%s", feed.Title, len(feed.Entries), raw)
	}
	first := feed.Entries[0]
	if first.Title != "Identified: Checkout is failing for some customers" || !strings.Contains(first.Content, "<strong>rolling out a fix</strong>") ||
		first.Updated != "2026-12-07T11:10:00Z" || feed.Updated != first.Updated {
		t.Errorf("newest entry = %+v (feed updated %s)", first, feed.Updated)
	}
	if strings.Contains(raw, "PRIVATE") || strings.Contains(raw, "private words") {
		t.Errorf("the feed carries a private incident")
	}
}

func TestNothingPublicShowsAnAllClearPage(t *testing.T) {
	f := newFixture(t)
	f.incident(1, incident.P1, now.Add(-time.Hour), 0, false, "checkout-api") // no approved update
	html := f.body("/status")
	for _, want := range []string{"All systems operational", "No incidents in the last 90 days.", "100% uptime"} {
		if !strings.Contains(html, want) {
			t.Errorf("all-clear page lacks %q", want)
		}
	}
	if strings.Contains(html, "Current incidents") {
		t.Errorf("all-clear page lists current incidents")
	}
}

func TestUpdatesAreMarkdownWithoutRawHTMLOrScriptLinks(t *testing.T) {
	f := newFixture(t)
	f.incident(1, incident.P3, now.Add(-time.Hour), 0, false, "search")
	f.publish(1, "d1", now.Add(-50*time.Minute), incident.Investigating, `Search <b>slow</b>`,
		"<script>alert(1)</script>\n\n[click](javascript:alert(1)) and [our blog](https://acme.example/blog)")
	html := f.body("/status")
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "javascript:") || strings.Contains(html, "<b>slow</b>") {
		t.Errorf("raw HTML or a script link reached the page")
	}
	if !strings.Contains(html, `<a href="https://acme.example/blog">our blog</a>`) || !strings.Contains(html, "Search &lt;b&gt;slow&lt;/b&gt;") {
		t.Errorf("safe Markdown or the escaped headline is missing")
	}
	if !strings.Contains(html, `<span class="c-degraded">Degraded performance</span>`) {
		t.Errorf("a P3 does not show its component as degraded")
	}
}

func TestCacheServesOneRenderingPerTTLAndTheLastGoodOneWhenRedisFails(t *testing.T) {
	f := newFixture(t)
	f.incident(1, incident.P2, now.Add(-time.Hour), 0, false, "search")
	f.publish(1, "d1", now.Add(-50*time.Minute), incident.Investigating, "Search is slow", "Looking into it.")
	first := f.get("/status")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || first.Header.Get("Cache-Control") != "public, max-age=5" {
		t.Fatalf("first GET = %d, etag %q, cache %q", first.StatusCode, etag, first.Header.Get("Cache-Control"))
	}
	if res := f.get("/status", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET with the same ETag = %d, want 304", res.StatusCode)
	}

	// Within the TTL a new update is not yet shown; after it, it is.
	f.publish(1, "d2", now.Add(-time.Minute), incident.Monitoring, "Search is slow", "A fix is out; we are watching.")
	if strings.Contains(f.body("/status"), "we are watching") {
		t.Errorf("the page refreshed within its TTL")
	}
	f.clock = f.clock.Add(6 * time.Second)
	if !strings.Contains(f.body("/status"), "we are watching") {
		t.Errorf("the page did not refresh after its TTL")
	}

	// Redis goes away: the last rendering keeps being served; a format
	// never rendered gets a kind 503.
	f.store.Close()
	f.clock = f.clock.Add(time.Minute)
	if !strings.Contains(f.body("/status"), "we are watching") {
		t.Errorf("the last good page was not served while Redis is down")
	}
	res := f.get("/status.json")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "try again") || res.Header.Get("Retry-After") == "" {
		t.Errorf("status.json with Redis down = %d %q", res.StatusCode, b)
	}
}

func TestOtherPathsAreNotFound(t *testing.T) {
	f := newFixture(t)
	if res := f.get("/status/anything"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /status/anything = %d", res.StatusCode)
	}
}

func TestPageIsGzippedForClientsThatAskForIt(t *testing.T) {
	f := newFixture(t)
	seed(f)
	plain := f.body("/status")
	res := f.get("/status", "Accept-Encoding", "br, gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("encoding %q, vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || string(b) != plain {
		t.Errorf("gzipped page differs from the plain one (err %v)", err)
	}
	if res := f.get("/status", "Accept-Encoding", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip sent to a client that refused it")
	}
}
