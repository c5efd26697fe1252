package bot_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/internal/spfake"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/statuspage"
)

const statusCatalog = `services:
  - name: checkout-api
    status_component: Checkout
    statuspage_component_id: abc123def456
  - name: search
    status_component: Search
status_page:
  title: Acme status
  states:
    P2: degraded
`

// withStatuspage mirrors customer updates on fake.
func withStatuspage(fake *spfake.Server) option {
	return withConfig(func(c *config) { c.Statuspage = statuspage.New("sp-key", "pg1", fake.URL(), nil) })
}

func withTemplates() option {
	return withConfig(func(c *config) { c.Drafter = llm.New(llm.Config{}, testLogger()) })
}

// page fetches one of the status page's paths from the bot's HTTP server.
func (h *harness) page(path string) string {
	h.t.Helper()
	res, err := http.Get("http://" + h.bot.HTTPAddr().String() + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s = %d: %s", path, res.StatusCode, b)
	}
	return string(b)
}

// pages is the HTML, the JSON and the feed, joined.
func (h *harness) pages() string {
	return h.page("/status") + "\n" + h.page("/status.json") + "\n" + h.page("/status/feed.atom")
}

// publicDraft asks for a customer update and returns its draft message.
func (h *harness) publicDraft(channelID string, n int) (slackemu.Message, string) {
	h.t.Helper()
	h.command(ali, channelID, "update public")
	h.waitFor("a customer update draft", func() bool { return countButtons(h, channelID, handlers.ActionApprove) == n })
	return h.draftButton(channelID, handlers.ActionApprove)
}

func TestCustomerUpdatesReachTheStatusPageOnlyWhenApproved(t *testing.T) {
	sp := spfake.New("sp-key", "pg1")
	defer sp.Close()
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates(), withStatuspage(sp))
	ch := h.declare("P1 checkout-api: Checkout returns 500 after deploy 2291")
	h.post(ali, ch.ID, "db-primary-7 is out of connections, rolling back deploy 2291")
	h.settled()

	// A draft nobody approved, and one somebody rejected, never show.
	msg, id := h.publicDraft(ch.ID, 1)
	if !strings.Contains(unescape(msg.Blocks), "customer update") || !strings.Contains(unescape(msg.Blocks), "status page") {
		t.Errorf("the draft does not say it is for the status page: %s", msg.Blocks)
	}
	draft, err := h.store.Draft(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	headline, body := incident.SplitPublic(draft.Text)
	if headline == "" || body == "" {
		t.Fatalf("customer update draft %q has no headline or body", draft.Text)
	}
	for _, internal := range []string{"checkout-api", "db-primary-7", "2291", ch.Name, "INC-1"} {
		if strings.Contains(draft.Text, internal) {
			t.Errorf("the customer update draft names %q:\n%s", internal, draft.Text)
		}
	}
	if got := h.pages(); strings.Contains(got, headline) || strings.Contains(got, body) {
		t.Fatalf("an unapproved draft reached the page")
	}
	h.click(sam, ch.ID, msg, handlers.ActionReject, id)
	h.waitFor("rejected", func() bool { return strings.Contains(h.channelText(ch.ID), "Rejected by <@"+sam+">") })
	if got := h.pages(); strings.Contains(got, headline) {
		t.Fatalf("a rejected draft reached the page")
	}
	if len(sp.Incidents()) != 0 {
		t.Fatalf("Statuspage heard of an unapproved update: %+v", sp.Incidents())
	}

	// Approved: on the page, in the JSON and the feed, on Statuspage, and
	// the status-page communication is marked.
	msg, id = h.publicDraft(ch.ID, 1)
	draft, _ = h.store.Draft(h.ctx, id)
	headline, body = incident.SplitPublic(draft.Text)
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("published", func() bool { return strings.Contains(h.channelText(ch.ID), "Published to the status page") })
	h.waitFor("the status-page communication", func() bool {
		d, ok := h.incident(ch.ID).Comms[incident.CommStatusPage]
		return ok && d.By == sam
	})
	html := h.page("/status")
	if !strings.Contains(html, htmlEscape(headline)) || !strings.Contains(html, "Major outage") {
		t.Errorf("the page lacks the approved update or the outage:\n%s", html)
	}
	var doc struct {
		Incidents []struct {
			Name    string `json:"name"`
			Status  string `json:"status"`
			Updates []struct {
				Body string `json:"body"`
			} `json:"updates"`
		} `json:"incidents"`
		Components []struct {
			Name, Status string
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(h.page("/status.json")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Incidents) != 1 || doc.Incidents[0].Name != headline || len(doc.Incidents[0].Updates) != 1 ||
		doc.Incidents[0].Updates[0].Body != body || doc.Components[0].Status != "major_outage" {
		t.Errorf("status.json = %+v", doc)
	}
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(h.page("/status/feed.atom")), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != 1 || !strings.Contains(feed.Entries[0].Title, headline) {
		t.Errorf("feed entries = %+v", feed.Entries)
	}
	for _, internal := range []string{"checkout-api", "db-primary-7", ch.Name, ch.ID, "INC-1", sam, ali} {
		if strings.Contains(h.pages(), internal) {
			t.Errorf("the status page shows %q", internal)
		}
	}
	h.waitFor("Statuspage to have it", func() bool { return len(sp.Incidents()) == 1 })
	got := sp.Incidents()[0]
	if got.Name != headline || got.Body != body || got.Status != "investigating" || got.Components["abc123def456"] != "major_outage" {
		t.Errorf("Statuspage holds %+v", got)
	}
	h.waitFor("the Statuspage id kept", func() bool { return h.incident(ch.ID).StatuspageID == got.ID })

	// Resolving offers the closing update; approving it closes the page's.
	h.command(ali, ch.ID, "resolve")
	msg, id = func() (slackemu.Message, string) {
		h.waitFor("a resolved customer update", func() bool { return countButtons(h, ch.ID, handlers.ActionApprove) == 1 })
		return h.draftButton(ch.ID, handlers.ActionApprove)
	}()
	if d, _ := h.store.Draft(h.ctx, id); d.Kind != incident.DraftPublic || d.Status != incident.Resolved {
		t.Fatalf("offered draft = %+v", d)
	}
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("the page to say resolved", func() bool {
		html := h.page("/status")
		return strings.Contains(html, "All systems operational") && strings.Contains(html, "Resolved")
	})
	h.waitFor("Statuspage resolved", func() bool {
		inc := sp.Incidents()[0]
		return inc.Status == "resolved" && inc.Components["abc123def456"] == "operational" && len(inc.Updates) == 2
	})
	if n := len(sp.Incidents()); n != 1 {
		t.Errorf("Statuspage has %d incidents, want the one updated", n)
	}
}

func TestPrivateIncidentsNeverReachTheStatusPage(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates())
	ch := h.declare("--private P1 checkout-api: card numbers in logs")
	h.command(ali, ch.ID, "update public")
	h.waitReply(ali, "private")
	if n := countButtons(h, ch.ID, handlers.ActionApprove); n != 0 {
		t.Errorf("a customer update was drafted for a private incident")
	}
	if got := h.pages(); strings.Contains(got, "card numbers") || !strings.Contains(got, "All systems operational") {
		t.Errorf("the page shows the private incident")
	}
}

func TestAnEditedCustomerUpdateShowsItsFindingsOnce(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates())
	ch := h.declare("P2 search: search is slow")
	msg, id := h.publicDraft(ch.ID, 1)
	h.click(sam, ch.ID, msg, handlers.ActionEdit, id)
	h.waitFor("edit modal", func() bool { return len(h.emu.Views()) == 1 })
	view := h.emu.Views()[0]
	text := "Search is slow\n\nThe search service is slow because <@" + ali + "> restarted es-node-3.internal; see #" + ch.Name + "."
	values := map[string]map[string]string{"draft_text_0": {"draft_text_0": text}}
	ack, err := h.emu.SubmitView(h.ctx, sam, view.ID, values)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), "errors") || !strings.Contains(string(ack), "Customers will read this") {
		t.Fatalf("the first submission was not warned: %s", ack)
	}
	if strings.Contains(h.pages(), "es-node-3") {
		t.Fatal("a warned text reached the page")
	}
	// Submitted again as written: the person decided; it is published.
	ack, err = h.emu.SubmitView(h.ctx, sam, view.ID, values)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ack), "errors") {
		t.Fatalf("the second submission was refused: %s", ack)
	}
	h.waitFor("the edited update on the page", func() bool { return strings.Contains(h.page("/status"), "es-node-3.internal") })
	if !strings.Contains(h.page("/status"), "Degraded performance") {
		t.Errorf("a P2 with states P2: degraded does not show as degraded")
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestStatuspageFailuresAreSaidRetriedAndNeverBlock(t *testing.T) {
	sp := spfake.New("sp-key", "pg1")
	defer sp.Close()
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates(), withStatuspage(sp),
		withConfig(func(c *config) {
			c.Handlers.StatuspageRetries = []time.Duration{20 * time.Millisecond, 20 * time.Millisecond}
		}))
	ch := h.declare("P1 checkout-api: checkout down")

	// Down twice, then up: the page has it at once, Statuspage after the retries.
	sp.FailNext(2, http.StatusServiceUnavailable)
	msg, id := h.publicDraft(ch.ID, 1)
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("published", func() bool { return strings.Contains(h.channelText(ch.ID), "Published to the status page") })
	h.waitFor("the failure said", func() bool {
		return strings.Contains(h.channelText(ch.ID), "Statuspage didn't take the customer update")
	})
	h.waitFor("the retry landing", func() bool { return strings.Contains(h.channelText(ch.ID), "Statuspage has the customer update now") })
	if n := len(sp.Incidents()); n != 1 {
		t.Errorf("Statuspage has %d incidents after the retries, want 1", n)
	}

	// A wrong key will not fix itself: said once, not retried.
	h2 := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates(),
		withConfig(func(c *config) { c.Statuspage = statuspage.New("wrong-key", "pg1", sp.URL(), nil) }))
	ch2 := h2.declare("P1 checkout-api: checkout down again")
	before := sp.Requests()
	msg, id = h2.publicDraft(ch2.ID, 1)
	h2.click(sam, ch2.ID, msg, handlers.ActionApprove, id)
	h2.waitFor("the refusal said", func() bool {
		return strings.Contains(h2.channelText(ch2.ID), "I couldn't send the customer update to Statuspage") &&
			strings.Contains(h2.channelText(ch2.ID), "STATUSPAGE_API_KEY")
	})
	if !strings.Contains(h2.page("/status"), "checkout") && !strings.Contains(h2.page("/status"), "Checkout") {
		t.Errorf("our own page lacks the update")
	}
	if n := sp.Requests() - before; n != 1 {
		t.Errorf("a refused key was tried %d times, want once", n)
	}
}

func TestStatusAddrServesThePageAlone(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog),
		withConfig(func(c *config) { c.Config.StatusAddr = "127.0.0.1:0" }))
	get := func(addr, path string) int {
		t.Helper()
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s%s: %v", addr, path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	status, main := h.bot.StatusAddr().String(), h.bot.HTTPAddr().String()
	for _, p := range []string{"/status", "/status.json", "/status/feed.atom"} {
		if code := get(status, p); code != http.StatusOK {
			t.Errorf("STATUS_ADDR %s = %d", p, code)
		}
		if code := get(main, p); code != http.StatusNotFound {
			t.Errorf("HTTP_ADDR %s = %d with STATUS_ADDR set, want 404", p, code)
		}
	}
	for _, p := range []string{"/metrics", "/healthz", "/webhooks/pagerduty"} {
		if code := get(status, p); code != http.StatusNotFound {
			t.Errorf("STATUS_ADDR serves %s (%d)", p, code)
		}
	}
}
