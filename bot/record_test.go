package bot_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

const catalogYAML = `
services:
  - name: checkout
    aliases: [shop]
    owners: [U03OWNER, S0PAYTEAM]
    pagerduty: env:PD_CHECKOUT_KEY
    dashboards:
      - name: Checkout overview
        url: https://grafana.example.com/d/checkout
    runbooks: [checkout]
    status_component: Checkout
  - name: payments
    owners: [U04PAYER]
    pagerduty: R0UTINGKEYPAYMENTSFROMTHEFILE0000
severities:
  P1:
    description: Customers cannot pay or sign in
`

// withCatalog runs the bot with a config file holding yaml.
func withCatalog(t testing.TB, yaml string) option {
	cfg, err := configfile.Parse("incidentbot.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	live := configfile.NewLive(cfg)
	return withConfig(func(c *config) { c.Catalog = live })
}

// headerText is the pinned header of an incident channel as Slack shows it.
func (h *harness) headerText(channelID string) string {
	h.t.Helper()
	for _, m := range h.emu.Messages(channelID) {
		if m.Pinned {
			return textOf([]slackemu.Message{m})
		}
	}
	h.t.Fatal("no pinned header")
	return ""
}

func TestSetEveryFieldEndToEnd(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 checkout returns 500")
	steps := []struct {
		args   string
		field  incident.Field
		to     string
		header string // what the pinned header then shows
	}{
		{"service checkout", incident.FieldService, "checkout", "*Service:* checkout"},
		{"impact EU customers cannot pay by card", incident.FieldImpact, "EU customers cannot pay by card", "*Impact:* EU customers cannot pay by card"},
		{"customers 1200", incident.FieldCustomers, "1200", "(1,200 customers)"},
		{"detected-by alert <https://grafana.example.com/d/abc>", incident.FieldDetectedBy, "alert https://grafana.example.com/d/abc", "*Detected by:* alert (<https://grafana.example.com/d/abc|link>)"},
		{"hypothesis pool exhausted &amp; retries", incident.FieldHypothesis, "pool exhausted & retries", "*Hypothesis:* pool exhausted &amp; retries"},
		{"root-cause pool created per request in PR 4411", incident.FieldRootCause, "pool created per request in PR 4411", "*Root cause:* pool created per request in PR 4411"},
		{"trigger deploy 2026.12.03-2", incident.FieldTrigger, "deploy 2026.12.03-2", "*Trigger:* deploy 2026.12.03-2"},
		{"ai code", incident.FieldAI, "code", "*AI connection:* code — AI-generated code"},
		{"postmortem-owner <@" + sam + "|sam>", incident.FieldPostmortemOwner, sam, "owner <@" + sam + ">"},
		{"postmortem-due 2026-12-04", incident.FieldPostmortemDue, "2026-12-04", "due Fri 4 Dec 2026"},
	}
	for i, st := range steps {
		h.command(ali, ch.ID, "set "+st.args)
		h.waitFor("the field event for "+st.args, func() bool {
			n := 0
			for _, ev := range h.events(ch.ID) {
				if ev.Kind == incident.KindField {
					n++
				}
			}
			return n == i+1
		})
		var ev incident.Event
		for _, e := range h.events(ch.ID) {
			if e.Kind == incident.KindField {
				ev = e
			}
		}
		if ev.Get("field") != string(st.field) || ev.Get("to") != st.to || ev.Get("from") != "" || ev.Actor != ali || ev.At.IsZero() {
			t.Errorf("%s: event %+v", st.args, ev)
		}
		h.waitFor("the header to show "+st.header, func() bool { return strings.Contains(h.headerText(ch.ID), st.header) })
	}
	inc := h.incident(ch.ID)
	if inc.RootCause != "pool created per request in PR 4411" || inc.AI != incident.AICode || inc.PostmortemOwner != sam || inc.Customers != 1200 {
		t.Errorf("record = %+v", inc.Record)
	}
	if got := h.channelText(ch.ID); !strings.Contains(got, "*Root cause* set by <@"+ali+">: pool created per request in PR 4411") {
		t.Errorf("the channel was not told of the root cause:\n%s", got)
	}

	// A change records before and after.
	h.command(sam, ch.ID, "set ai model")
	h.waitFor("the ai change", func() bool { return h.incident(ch.ID).AI == incident.AIModel })
	evs := h.events(ch.ID)
	last := evs[len(evs)-1]
	if last.Get("from") != "code" || last.Get("to") != "model" || last.Actor != sam {
		t.Errorf("change event = %+v", last)
	}
}

func TestSetBadFieldsAndValuesReplyPrivately(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, catalogYAML))
	ch := h.declare("P2 checkout returns 500")
	before := len(h.events(ch.ID))
	for _, tt := range []struct{ args, says string }{
		{"colour red", "I don't know the field `colour`"},
		{"service billing", "The catalog has: `checkout`, `payments`"},
		{"customers loads", "not a number of customers"},
		{"detected-by twitter", "`alert`, `customer`, `internal`, `monitoring`, `other`"},
		{"ai maybe", "`provider` (an LLM provider's outage or limits)"},
		{"postmortem-owner ali", "Mention the postmortem owner with @"},
		{"postmortem-due friday", "YYYY-MM-DD"},
		{"", "The fields:"},
	} {
		h.command(ali, ch.ID, "set "+tt.args)
		h.waitReply(ali, tt.says)
	}
	h.command(ali, general, "set impact none")
	h.waitReply(ali, "This isn't an incident channel")
	h.settled()
	if n := len(h.events(ch.ID)); n != before {
		t.Errorf("bad input added %d events", n-before)
	}
	if strings.Contains(h.channelText(ch.ID), "colour") {
		t.Error("a bad command was answered in the channel instead of privately")
	}
}

func TestCommsAndApprovedUpdateMarkCommunications(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 checkout returns 500")
	h.command(sam, ch.ID, "comms customers")
	h.waitFor("customers comms", func() bool { _, ok := h.incident(ch.ID).Comms[incident.CommCustomers]; return ok })
	if d := h.incident(ch.ID).Comms[incident.CommCustomers]; d.By != sam || d.At.IsZero() {
		t.Errorf("comms = %+v", d)
	}
	h.waitFor("the header to show it", func() bool { return strings.Contains(h.headerText(ch.ID), "customers ✓ <@"+sam+">") })
	h.command(ali, ch.ID, "comms customers")
	h.waitReply(ali, "already marked done")
	h.command(ali, ch.ID, "comms twitter")
	h.waitReply(ali, "`/incident comms status-page`")
}

func TestEditModalRoundTrip(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, catalogYAML))
	ch := h.declare("P2 checkout returns 500")
	h.command(ali, ch.ID, "set hypothesis pool exhausted")
	h.waitFor("the hypothesis", func() bool { return h.incident(ch.ID).Hypothesis != "" })

	// The header's Edit details button opens the form, prefilled.
	var header slackemu.Message
	for _, m := range h.emu.Messages(ch.ID) {
		if m.Pinned {
			header = m
		}
	}
	h.click(sam, ch.ID, header, handlers.ActionEditDetails, "")
	h.waitFor("the details modal", func() bool { return len(h.emu.Views()) == 1 })
	view := h.emu.Views()[0]
	if !strings.Contains(string(view.JSON), `"initial_value":"pool exhausted"`) {
		t.Errorf("the form is not prefilled with the hypothesis:\n%s", view.JSON)
	}

	// A bad value comes back beside its field and nothing is saved.
	ack, err := h.emu.SubmitView(h.ctx, sam, view.ID, map[string]map[string]string{
		"customers": {"customers": "lots"}, "hypothesis": {"hypothesis": "pool exhausted"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), `"response_action":"errors"`) || !strings.Contains(string(ack), "not a number of customers") {
		t.Fatalf("ack = %s", ack)
	}
	// Now a good submission: several fields at once, one cleared.
	if _, err := h.emu.SubmitView(h.ctx, sam, view.ID, map[string]map[string]string{
		"service":          {"service": "checkout,payments"},
		"impact":           {"impact": "EU card payments fail"},
		"customers":        {"customers": "300"},
		"detected-by":      {"detected-by": "customer"},
		"hypothesis":       {"hypothesis": ""},
		"root-cause":       {"root-cause": "pool per request"},
		"ai":               {"ai": "deploy"},
		"postmortem-owner": {"postmortem-owner": ali},
		"postmortem-due":   {"postmortem-due": "2026-12-10"},
	}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the saved details", func() bool { return h.incident(ch.ID).RootCause == "pool per request" })
	inc := h.incident(ch.ID)
	want := incident.Record{Services: []string{"checkout", "payments"}, Impact: "EU card payments fail", Customers: 300, CustomersKnown: true,
		DetectedBy: incident.DetectedCustomer, RootCause: "pool per request", AI: incident.AIDeploy, PostmortemOwner: ali}
	if !slices.Equal(inc.Services, want.Services) || inc.Impact != want.Impact || inc.Customers != 300 || inc.DetectedBy != want.DetectedBy ||
		inc.Hypothesis != "" || inc.AI != want.AI || inc.PostmortemOwner != ali || inc.PostmortemDue.Format("2006-01-02") != "2026-12-10" {
		t.Errorf("record after the form = %+v", inc.Record)
	}
	fields := map[string]int{}
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindField && ev.Actor == sam {
			fields[ev.Get("field")]++
		}
	}
	if len(fields) != 9 {
		t.Errorf("the form recorded %v; want one event per changed field (9)", fields)
	}
	h.waitFor("the dashboards in the header", func() bool {
		return strings.Contains(h.headerText(ch.ID), "<https://grafana.example.com/d/checkout|Checkout overview>")
	})
}

func TestHypothesisMarkOffersToRecordIt(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 checkout returns 500")
	ts := h.post(sam, ch.ID, "I think the pool is created per request since PR 4411")
	if err := h.emu.AddReaction(h.ctx, sam, ch.ID, ts, "bulb"); err != nil {
		t.Fatal(err)
	}
	var offer slackemu.Message
	h.waitFor("the offer", func() bool {
		for _, m := range h.emu.Ephemerals(sam) {
			if m.ButtonValue(handlers.ActionSetRootCause) == ts {
				offer = m
				return true
			}
		}
		return false
	})
	h.click(sam, ch.ID, offer, handlers.ActionSetRootCause, ts)
	h.waitFor("the root cause", func() bool {
		return h.incident(ch.ID).RootCause == "I think the pool is created per request since PR 4411"
	})
	h.click(sam, ch.ID, offer, handlers.ActionSetHypothesis, ts)
	h.waitFor("the hypothesis", func() bool { return h.incident(ch.ID).Hypothesis != "" })
	// A pushpin is no hypothesis: no offer.
	ts2 := h.post(sam, ch.ID, "deploy rolled back")
	if err := h.emu.AddReaction(h.ctx, sam, ch.ID, ts2, "pushpin"); err != nil {
		t.Fatal(err)
	}
	h.settled()
	for _, m := range h.emu.Ephemerals(sam) {
		if m.ButtonValue(handlers.ActionSetHypothesis) == ts2 {
			t.Error("a pushpin offered to set a hypothesis")
		}
	}
}

func TestConcurrentSetsLoseNothing(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 checkout returns 500")
	const each = 6
	var wg sync.WaitGroup
	for _, who := range []string{ali, sam} {
		wg.Go(func() {
			for i := range each {
				h.command(who, ch.ID, fmt.Sprintf("set hypothesis %s guess %d", who, i))
			}
		})
	}
	wg.Wait()
	h.waitFor("every set recorded", func() bool {
		n := 0
		for _, ev := range h.events(ch.ID) {
			if ev.Kind == incident.KindField {
				n++
			}
		}
		return n == 2*each
	})
	// Every event's "from" is the value before it: no write was lost.
	var prev string
	var last incident.Event
	for _, ev := range h.events(ch.ID) {
		if ev.Kind != incident.KindField {
			continue
		}
		if ev.Get("from") != prev {
			t.Errorf("event %d says from %q, but the value was %q", ev.Seq, ev.Get("from"), prev)
		}
		prev, last = ev.Get("to"), ev
	}
	if got := h.incident(ch.ID).Hypothesis; got != last.Get("to") {
		t.Errorf("header has %q, the last write was %q", got, last.Get("to"))
	}
	h.waitFor("the header to show the last write", func() bool { return strings.Contains(h.headerText(ch.ID), last.Get("to")) })
}

func TestPrivateIncidentIsInvisibleOutsideItsChannel(t *testing.T) {
	const privAnnounce = "C0PRIVANN"
	h := newHarness(t, slackemu.Options{}, withConfig(func(c *config) { c.Handlers.PrivateAnnounceChannel = privAnnounce }))
	h.emu.AddChannel(privAnnounce, "incident-leads")
	ch := h.declare("--private P1 payroll export leaks salaries")
	if !h.emu.IsPrivate(ch.ID) {
		t.Fatalf("channel %s is public", ch.Name)
	}
	inc := h.incident(ch.ID)
	if !inc.Private || inc.Title != "payroll export leaks salaries" || inc.Severity != incident.P1 {
		t.Fatalf("incident = %+v", inc)
	}
	// Everything works inside it.
	h.post(ali, ch.ID, "exports disabled")
	h.command(ali, ch.ID, "set impact salary rows visible to managers")
	h.waitFor("the message and the field", func() bool {
		return slices.Contains(messagesOf(h.timeline(ch.ID)), "exports disabled") && h.incident(ch.ID).Impact != ""
	})
	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolution", func() bool { return !h.incident(ch.ID).Active() })

	// The announce channel never hears of it; the leads' channel gets one line.
	h.settled()
	if got := h.channelText(announce); strings.Contains(got, inc.ID()) || strings.Contains(got, "payroll") {
		t.Errorf("the announce channel heard of a private incident:\n%s", got)
	}
	leads := h.channelText(privAnnounce)
	if !strings.Contains(leads, inc.ID()+"* (private incident) declared · lead: ali") || strings.Contains(leads, "payroll") {
		t.Errorf("the private announce channel shows:\n%s", leads)
	}

	// sam is not in the channel: list and search from elsewhere show nothing.
	h.command(sam, general, "list status:resolved")
	h.waitReply(sam, "No incident matches")
	h.command(sam, general, "search payroll")
	h.waitReply(sam, "No incident among the last")
	// ali is in it and sees it.
	h.command(ali, general, "search payroll")
	h.waitFor("ali's search", func() bool { return strings.Contains(h.replies(ali), inc.ID()+"* payroll export leaks salaries") })
	if !strings.Contains(h.replies(ali), ":lock: private") {
		t.Errorf("the result does not say it is private:\n%s", h.replies(ali))
	}
}

func TestDeclareWithACatalogService(t *testing.T) {
	const checkoutKey = "R0UTINGKEYFROMTHECONFIGFILE000000"
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd), withCatalog(t, catalogYAML),
		withConfig(func(c *config) {
			c.Getenv = func(k string) string { return map[string]string{"PD_CHECKOUT_KEY": checkoutKey}[k] }
		}))
	h.emu.AddUser("U03OWNER", "olga")
	h.emu.AddUser("U05GRP", "gus")
	h.emu.AddUserGroup("S0PAYTEAM", "payments-team", "U05GRP")

	ch := h.declare("P1 shop: payment page returns 500")
	inc := h.incident(ch.ID)
	if !slices.Equal(inc.Services, []string{"checkout"}) || inc.Title != "payment page returns 500" {
		t.Fatalf("incident = %+v", inc)
	}
	h.waitFor("the owners invited", func() bool {
		c, _ := h.emu.ChannelByName(ch.Name)
		return slices.Contains(c.Members, "U03OWNER") && slices.Contains(c.Members, "U05GRP")
	})
	if hd := h.headerText(ch.ID); !strings.Contains(hd, "<https://grafana.example.com/d/checkout|Checkout overview>") || !strings.Contains(hd, "*Service:* checkout") {
		t.Errorf("header:\n%s", hd)
	}
	// PAGERDUTY_SERVICES (withPager's) names checkout too, and wins over
	// the file's env:PD_CHECKOUT_KEY.
	paged := func(key string) bool {
		for _, e := range triggers(pd, "trigger") {
			if e.RoutingKey == key {
				return true
			}
		}
		return false
	}
	h.waitFor("the checkout page", func() bool { return paged("R0UTINGKEYCHECKOUT000000000000000") })
	if paged(checkoutKey) {
		t.Error("the file's key was paged although PAGERDUTY_SERVICES sets checkout's")
	}

	// The declare form offers the catalog and a private box.
	before := len(h.emu.Views())
	h.command(ali, general, "declare")
	h.waitFor("the declare modal", func() bool { return len(h.emu.Views()) == before+1 })
	v := h.emu.Views()[before]
	if !strings.Contains(string(v.JSON), `"value":"payments"`) || !strings.Contains(string(v.JSON), "Customers cannot pay or sign in") {
		t.Errorf("the form lacks the catalog or the severity definitions:\n%s", v.JSON)
	}
	chans := len(h.emu.Channels())
	if _, err := h.emu.SubmitView(h.ctx, ali, v.ID, map[string]map[string]string{
		"title": {"title": "card declines"}, "severity": {"severity": "P2"},
		"services": {"services": "payments"}, "private": {"private": "private"},
	}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the second incident", func() bool { return len(h.emu.Channels()) > chans })
	second := h.emu.Channels()[len(h.emu.Channels())-1]
	h.waitFor("its record", func() bool {
		n, ok, _ := h.store.ChannelIncident(h.ctx, second.ID)
		if !ok {
			return false
		}
		got, _ := h.store.Incident(h.ctx, n)
		return got.Private && slices.Equal(got.Services, []string{"payments"})
	})
	if !h.emu.IsPrivate(second.ID) {
		t.Error("the form's private box made a public channel")
	}
	// payments has only the file's key: a P2 pages it.
	h.waitFor("the payments page", func() bool { return paged("R0UTINGKEYPAYMENTSFROMTHEFILE0000") })
}

func TestExportUploadsTheRecord(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P1 checkout returns 500")
	ts := h.post(sam, ch.ID, "error rate 38% since the deploy <@"+ali+">")
	if err := h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "pushpin"); err != nil {
		t.Fatal(err)
	}
	// Commands run concurrently once acked; people type one after another.
	for _, cmd := range []string{"set root-cause pool created per request in PR 4411", "set ai code", "set customers 1200",
		"comms customers", "role comms <@" + sam + "|sam>", "resolve"} {
		before := len(h.events(ch.ID))
		h.command(ali, ch.ID, cmd)
		h.waitFor(cmd, func() bool { return len(h.events(ch.ID)) > before })
	}
	h.command(ali, ch.ID, "export")
	inc := h.incident(ch.ID)
	h.waitReply(ali, "Shared the record of "+inc.ID())
	files := map[string]string{}
	for _, f := range h.emu.Files(ch.ID) {
		files[f.Name] = string(f.Content)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(files[inc.ID()+".json"]), &doc); err != nil {
		t.Fatalf("%s.json: %v\n%s", inc.ID(), err, files[inc.ID()+".json"])
	}
	if doc["id"] != inc.ID() || doc["root_cause"] != "pool created per request in PR 4411" || doc["ai"] != "code" ||
		doc["customers"] != float64(1200) || doc["status"] != "resolved" || doc["private"] != false {
		t.Errorf("JSON = %v", doc)
	}
	roles, _ := doc["roles"].(map[string]any)
	comms, _ := doc["comms"].(map[string]any)
	if roles["lead"] != ali || roles["comms"] != sam || comms["customers"] == nil || comms["status_page"] != nil {
		t.Errorf("roles %v, comms %v", roles, comms)
	}
	if tl, _ := doc["timeline"].([]any); len(tl) < 5 || doc["resolved_at"] == nil || doc["time_to_resolve_s"] == nil {
		t.Errorf("timeline %d entries, resolved_at %v", len(tl), doc["resolved_at"])
	}
	md := files[inc.ID()+".md"]
	for _, want := range []string{"# " + inc.ID() + ": checkout returns 500", "## Root cause", "pool created per request in PR 4411",
		"## Timeline of key events", "error rate 38% since the deploy @ali", "## Communications", "## Postmortem"} {
		if !strings.Contains(md, want) {
			t.Errorf("%s.md lacks %q:\n%s", inc.ID(), want, md)
		}
	}
	if strings.Contains(md, "<@") || strings.Contains(md, "&lt;") {
		t.Errorf("%s.md has Slack markup:\n%s", inc.ID(), md)
	}
	h.command(ali, general, "export")
	h.waitReply(ali, "This isn't an incident channel")
}

func TestListAndSearchFilters(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, catalogYAML))
	a := h.declare("P1 shop: card payments fail")
	b := h.declare("P3 payments: slow refunds")
	c := h.declare("P2 checkout: pool exhausted after deploy")
	for _, step := range []struct{ ch, cmd string }{{c.ID, "set ai code"}, {c.ID, "set root-cause connection pool per request"}, {c.ID, "resolve"}} {
		before := len(h.events(step.ch))
		h.command(ali, step.ch, step.cmd)
		h.waitFor(step.cmd, func() bool { return len(h.events(step.ch)) > before })
	}
	ia, ib, ic := h.incident(a.ID), h.incident(b.ID), h.incident(c.ID)
	ask := func(cmd string) string {
		t.Helper()
		n := len(h.emu.Ephemerals(sam))
		h.command(sam, general, cmd)
		h.waitFor("a reply to "+cmd, func() bool { return len(h.emu.Ephemerals(sam)) > n })
		return textOf(h.emu.Ephemerals(sam)[n:])
	}
	has := func(got string, inc incident.Incident) bool { return strings.Contains(got, "*"+inc.ID()+"*") }

	got := ask("list service:checkout")
	if !has(got, ia) || has(got, ib) || has(got, ic) {
		t.Errorf("list service:checkout (active only) =\n%s", got)
	}
	got = ask("list service:checkout status:resolved")
	if has(got, ia) || !has(got, ic) {
		t.Errorf("list service:checkout status:resolved =\n%s", got)
	}
	got = ask("list severity:<=P2 since:7d status:active,resolved")
	if !has(got, ia) || has(got, ib) || !has(got, ic) {
		t.Errorf("list severity:<=P2 =\n%s", got)
	}
	got = ask("search ai:code pool")
	if has(got, ia) || has(got, ib) || !has(got, ic) || !strings.Contains(got, "AI: code") {
		t.Errorf("search ai:code pool =\n%s", got)
	}
	got = ask("search service:payments")
	if !has(got, ib) || has(got, ia) {
		t.Errorf("search service:payments =\n%s", got)
	}
	if got = ask("list sev:P9"); !strings.Contains(got, "severities are P1 to P4") {
		t.Errorf("a bad filter got:\n%s", got)
	}
	if got = ask("list service:billing"); !strings.Contains(got, "the catalog has `checkout`, `payments`") {
		t.Errorf("an unknown service got:\n%s", got)
	}
	if got = ask("list pool"); !strings.Contains(got, "`/incident search pool`") {
		t.Errorf("words in list got:\n%s", got)
	}
}

// TestConfigFileMarksCadenceAndRunbooks: the file's marks replace the
// defaults, and a service's runbooks are suggested before the title's.
func TestConfigFileMarksAndServiceRunbooks(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withRunbooks(t), withCatalog(t, `
services:
  - name: cache
    runbooks: [redis memory eviction]
marks:
  eyes: key_event
`))
	plain := h.declare("P2 checkout returns 500")
	ch := h.declare("P2 cache: checkout returns 500")
	if a, b := h.incident(plain.ID).Runbooks, h.incident(ch.ID).Runbooks; len(b) == 0 || len(a) == 0 ||
		!strings.Contains(strings.ToLower(b[0]), "redis") || strings.Contains(strings.ToLower(a[0]), "redis") {
		t.Errorf("suggestions without the service %q, with it %q", a, b)
	}
	ts := h.post(sam, ch.ID, "checkout p99 at 9s")
	for _, r := range []string{"eyes", "pushpin"} {
		if err := h.emu.AddReaction(h.ctx, ali, ch.ID, ts, r); err != nil {
			t.Fatal(err)
		}
	}
	h.settled()
	var marks []incident.Event
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindMark {
			marks = append(marks, ev)
		}
	}
	if len(marks) != 1 || marks[0].Reaction != "eyes" || marks[0].Mark != incident.MarkKeyEvent {
		t.Errorf("marks = %+v; want only :eyes: as a key event (the file replaces the defaults)", marks)
	}
}

func TestServiceNamedLaterIsPagedAndItsOwnersInvited(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd), withCatalog(t, catalogYAML))
	h.emu.AddUser("U04PAYER", "pia")
	ch := h.declare("P1 card declines")
	h.command(ali, ch.ID, "set service payments")
	h.waitFor("the payments page", func() bool {
		for _, e := range triggers(pd, "trigger") {
			if e.RoutingKey == "R0UTINGKEYPAYMENTSFROMTHEFILE0000" {
				return true
			}
		}
		return false
	})
	h.waitFor("the owner invited", func() bool {
		c, _ := h.emu.ChannelByName(ch.Name)
		return slices.Contains(c.Members, "U04PAYER")
	})
}
