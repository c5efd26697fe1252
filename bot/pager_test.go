package bot_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/pager"
)

const webhookSecret = "whsec-test"

func withPager(t testing.TB, pd *pdfake.Server, autoDeclare ...string) option {
	if autoDeclare == nil {
		autoDeclare = []string{"checkout"}
	}
	return withConfig(func(c *config) {
		pc, err := pager.New(pager.Config{
			RoutingKey: "R0UTINGKEYDEFAULT0000000000000000",
			Services:   map[string]string{"checkout": "R0UTINGKEYCHECKOUT000000000000000"},
			APIToken:   pd.Token, EventsURL: pd.URL, APIURL: pd.URL,
			WebhookSecret: webhookSecret, AutoDeclare: autoDeclare,
			Retry: pager.Retry{Attempts: 3, Backoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		}, testLogger())
		if err != nil {
			t.Fatal(err)
		}
		c.Pager = pc
	})
}

func triggers(pd *pdfake.Server, action string) []pdfake.Event {
	var out []pdfake.Event
	for _, e := range pd.Events() {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func TestDeclarePagesAndResolveResolves(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	ch := h.declare("P1 checkout down")
	h.waitFor("trigger", func() bool { return len(triggers(pd, "trigger")) == 1 })
	ev := triggers(pd, "trigger")[0]
	if ev.DedupKey != "INC-1" || ev.Payload == nil || ev.Payload.Severity != "critical" || !strings.Contains(ev.Payload.Summary, "checkout down") {
		t.Errorf("trigger = %+v payload %+v", ev, ev.Payload)
	}
	h.waitFor("page line", func() bool { return strings.Contains(h.channelText(ch.ID), "Paged the on-call") })

	h.command(ali, ch.ID, "page checkout")
	h.waitReply(ali, "Page sent")
	h.command(ali, ch.ID, "page nosuchservice")
	h.waitReply(ali, "checkout")

	h.declare("P3 minor thing")
	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolves", func() bool { return len(triggers(pd, "resolve")) == 2 })
	if n := len(triggers(pd, "trigger")); n != 2 {
		t.Errorf("%d triggers, want 2 (P1 declare and the on-demand page; P3 does not page)", n)
	}
	h.waitFor("page resolve recorded", func() bool { return kindsOf(h.events(ch.ID))[incident.KindPageResolve] == 1 })
	k := kindsOf(h.events(ch.ID))
	if k[incident.KindPage] != 2 || k[incident.KindPageFailed] != 1 {
		t.Errorf("page events = %v", k)
	}
}

func TestPagerDownNeverBlocksDeclaring(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	pd.FailNext(100, http.StatusInternalServerError, "")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	ch := h.declare("P1 pager is down too")
	h.waitFor("told in the channel", func() bool { return strings.Contains(h.channelText(ch.ID), "could not page the on-call") })
	if k := kindsOf(h.events(ch.ID)); k[incident.KindPageFailed] != 1 {
		t.Errorf("events = %v", k)
	}

	pd2 := pdfake.New(t, "pd-token")
	pd2.FailNext(1, http.StatusTooManyRequests, "0")
	h2 := newHarness(t, slackemu.Options{}, withPager(t, pd2))
	ch2 := h2.declare("P2 rate limited once")
	h2.waitFor("page after a 429", func() bool { return strings.Contains(h2.channelText(ch2.ID), "Paged the on-call") })
}

func TestOnCallLookup(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	pd.SetRoster(pdfake.Roster{
		Schedules: []pdfake.Named{{ID: "PSCHED1", Name: "Checkout primary"}},
		Policies:  []pdfake.Named{{ID: "PPOL1", Name: "Checkout"}},
		OnCalls: []pdfake.OnCall{
			{User: pdfake.User{ID: "PU1", Name: "Ada Lovelace", Email: "ada@example.com"}, ScheduleID: "PSCHED1", PolicyID: "PPOL1", Level: 1},
			{User: pdfake.User{ID: "PU2", Name: "Grace Hopper", Email: "grace@example.com"}, PolicyID: "PPOL1", Level: 2},
		},
	})
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	h.command(ali, general, "oncall Checkout primary")
	h.waitReply(ali, "Ada Lovelace")
	h.command(sam, general, "oncall")
	h.waitReply(sam, "Grace Hopper")
}

func (h *harness) webhook(body []byte, secret string) int {
	h.t.Helper()
	url := fmt.Sprintf("http://%s/webhooks/pagerduty", h.bot.HTTPAddr())
	req, err := pdfake.WebhookRequest(h.ctx, url, secret, body)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWebhookOpensAnIncidentExactlyOnce(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	at := time.Now().UTC()
	inc := pdfake.WebhookIncident{ID: "PABC123", Number: 77, Title: "Checkout 5xx above 5%", Urgency: "high",
		Status: "triggered", ServiceID: "PSVC1", ServiceName: "checkout"}
	body := pdfake.WebhookBody("EV1", "incident.triggered", at, inc)

	if code := h.webhook(body, "wrong-secret"); code != http.StatusUnauthorized {
		t.Errorf("forged webhook answered %d, want 401", code)
	}
	if code := h.webhook(body, ""); code != http.StatusUnauthorized {
		t.Errorf("unsigned webhook answered %d, want 401", code)
	}
	if len(h.emu.Channels()) != 2 {
		t.Fatalf("a refused webhook created a channel")
	}
	// Concurrent duplicate deliveries and a replay open one incident.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b := body
			if i%2 == 1 {
				b = pdfake.WebhookBody(fmt.Sprintf("EV1-dup-%d", i), "incident.triggered", at, inc)
			}
			codes[i] = h.webhook(b, webhookSecret)
		}(i)
	}
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusOK && c != http.StatusAccepted && c != http.StatusNoContent {
			t.Errorf("valid webhook answered %d", c)
		}
	}
	h.waitFor("incident channel", func() bool { _, ok := h.emu.ChannelByName("inc-001-checkout-5xx-above-5"); return ok })
	h.webhook(body, webhookSecret)
	h.settled()
	var incChannels int
	for _, c := range h.emu.Channels() {
		if strings.HasPrefix(c.Name, "inc-") {
			incChannels++
		}
	}
	if incChannels != 1 {
		t.Errorf("%d incident channels, want 1", incChannels)
	}
	ch, _ := h.emu.ChannelByName("inc-001-checkout-5xx-above-5")
	h.waitFor("header with the alert link", func() bool { return strings.Contains(h.channelText(ch.ID), "PABC123") })
	got := h.incident(ch.ID)
	if got.ExternalID != "PABC123" || got.Severity != incident.P2 {
		t.Errorf("incident = %+v", got)
	}
	if len(triggers(pd, "trigger")) != 0 {
		t.Error("an incident opened from PagerDuty paged PagerDuty again")
	}

	inc.Agent = "Ada Lovelace"
	inc.Status = "acknowledged"
	h.webhook(pdfake.WebhookBody("EV2", "incident.acknowledged", at.Add(3*time.Minute), inc), webhookSecret)
	h.webhook(pdfake.WebhookBody("EV2", "incident.acknowledged", at.Add(3*time.Minute), inc), webhookSecret)
	h.waitFor("ack line", func() bool { return strings.Contains(h.channelText(ch.ID), "acknowledged by Ada Lovelace") })
	if k := kindsOf(h.events(ch.ID)); k[incident.KindPageAck] != 1 {
		t.Errorf("ack events = %d, want 1 despite redelivery", k[incident.KindPageAck])
	}
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindPageAck && ev.Get("time_to_ack") == "" {
			t.Errorf("time to acknowledge not recorded: %+v", ev)
		}
	}
	// Services that do not auto-declare are ignored.
	other := pdfake.WebhookIncident{ID: "PXYZ", Title: "disk", Urgency: "low", Status: "triggered", ServiceID: "PSVC2", ServiceName: "batch"}
	h.webhook(pdfake.WebhookBody("EV3", "incident.triggered", at, other), webhookSecret)
	h.settled()
	if _, ok := h.emu.ChannelByName("inc-002-disk"); ok {
		t.Error("a service that does not auto-declare opened an incident")
	}
}

// TestAutoDeclareByServiceID: PAGERDUTY_AUTO_DECLARE may list a service's
// PagerDuty ID, which differs from the name the webhook shows.
func TestAutoDeclareByServiceID(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd, "PSVC7"))
	inc := pdfake.WebhookIncident{ID: "PIDONLY", Title: "Queue backlog", Urgency: "high", Status: "triggered",
		ServiceID: "PSVC7", ServiceName: "Order Queue"}
	if code := h.webhook(pdfake.WebhookBody("EVID1", "incident.triggered", time.Now(), inc), webhookSecret); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.waitFor("incident channel", func() bool { _, ok := h.emu.ChannelByName("inc-001-queue-backlog"); return ok })
}

// TestAckOfOurOwnPageLandsOnTheIncident: PagerDuty opened its incident from
// the bot's trigger (incident_key INC-1); its acknowledgement is recorded on
// INC-1 with the time to acknowledge.
func TestAckOfOurOwnPageLandsOnTheIncident(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	ch := h.declare("P1 our page")
	h.waitFor("trigger", func() bool { return len(triggers(pd, "trigger")) == 1 })
	inc := pdfake.WebhookIncident{ID: "PFROMUS", Title: "INC-1: our page", Urgency: "high", Status: "acknowledged",
		IncidentKey: "INC-1", ServiceID: "PSVC9", ServiceName: "default", Agent: "Grace Hopper"}
	if code := h.webhook(pdfake.WebhookBody("EVACK", "incident.acknowledged", time.Now().Add(time.Minute), inc), webhookSecret); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.waitFor("ack on the timeline", func() bool { return kindsOf(h.events(ch.ID))[incident.KindPageAck] == 1 })
	h.waitFor("ack line", func() bool { return strings.Contains(h.channelText(ch.ID), "acknowledged by Grace Hopper") })
}

// TestStaleWebhookReplaysAreIgnored: a signed acknowledgement replayed days
// later (past the delivery dedupe's memory) adds nothing.
func TestStaleWebhookReplaysAreIgnored(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	h := newHarness(t, slackemu.Options{}, withPager(t, pd))
	ch := h.declare("P1 replayed")
	h.waitFor("trigger", func() bool { return len(triggers(pd, "trigger")) == 1 })
	inc := pdfake.WebhookIncident{ID: "POLD", Title: "INC-1: replayed", Urgency: "high", Status: "acknowledged",
		IncidentKey: "INC-1", ServiceID: "PSVC9", ServiceName: "default", Agent: "Mallory"}
	if code := h.webhook(pdfake.WebhookBody("EVOLD", "incident.acknowledged", time.Now().Add(-72*time.Hour), inc), webhookSecret); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.settled()
	if k := kindsOf(h.events(ch.ID)); k[incident.KindPageAck] != 0 {
		t.Errorf("a three-day-old acknowledgement was recorded: %v", k)
	}
}
