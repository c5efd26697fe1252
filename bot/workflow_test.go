package bot_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/webhook"
)

// workflowYAML is the contract example plus a workflow per other
// trigger and step; hook is the webhook target.
func workflowYAML(hook string) string {
	return `
services:
  - name: payments
    owners: [U0PAYOWN]
    pagerduty: R0UTINGKEYPAYMENTS00000000000000
    dashboards:
      - name: Payments overview
        url: https://grafana.example.com/d/payments
  - name: checkout
allow_http_hosts: [127.0.0.1]
workflows:
  - name: payments-major
    on: [declared, severity_changed]
    if:
      severity: [P1, P2]
      service: [payments]
    do:
      - invite: [U0123ABCD, S0456EFGH]
      - page: payments
      - post: "Payments incident {{.ID}} declared: {{.Title}}{{range .Service.Dashboards}} · <{{.URL}}|{{.Name}}>{{end}}"
      - checklist: comms
      - cadence: 15m
  - name: hypothesis-nudge
    on: marked
    if:
      mark: [hypothesis]
    do:
      - post: "A hypothesis was marked on {{.ID}}."
  - name: cause-hook
    on: field_set
    if:
      changed: [root-cause]
    do:
      - webhook:
          url: ` + hook + `
          secret: env:WF_SECRET
  - name: p3-watch
    on: declared
    if:
      severity: P3
    do:
      - set:
          field: detected-by
          value: internal
      - remind:
          after: 30m
          to: lead
          text: "{{.ID}} has had no update for 30 minutes."
          unless:
            status: [monitoring]
`
}

// workflowEvents are the workflow step outcomes on a channel's log.
func (h *harness) workflowEvents(channelID string) []incident.Event {
	var out []incident.Event
	for _, ev := range h.events(channelID) {
		if ev.Kind == incident.KindWorkflow {
			out = append(out, ev)
		}
	}
	return out
}

type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	fail   atomic.Int32 // answer 500 this many more times
}

func newHookServer(t *testing.T) *hookServer {
	hs := &hookServer{}
	hs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hs.mu.Lock()
		hs.bodies = append(hs.bodies, body)
		hs.sigs = append(hs.sigs, r.Header.Get(webhook.Header))
		hs.mu.Unlock()
		if hs.fail.Add(-1) >= 0 {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{"ignored": "never shown to anyone"}`)
	}))
	t.Cleanup(hs.Close)
	return hs
}

func (hs *hookServer) calls() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.bodies)
}

func withWorkflows(t *testing.T, hook string) option {
	return withCatalog(t, workflowYAML(hook))
}

func TestWorkflowOnDeclareRunsEveryStep(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	hs := newHookServer(t)
	h := newHarness(t, slackemu.Options{}, withPager(t, pd), withWorkflows(t, hs.URL))
	for _, u := range []string{"U0123ABCD", "U0PAYOWN", "U0GROUPIE"} {
		h.emu.AddUser(u, strings.ToLower(u[2:]))
	}
	h.emu.AddUserGroup("S0456EFGH", "payments-oncall", "U0GROUPIE")

	ch := h.declare("P1 payments: card declines")
	h.waitFor("five step outcomes", func() bool { return len(h.workflowEvents(ch.ID)) >= 5 })
	evs := h.workflowEvents(ch.ID)
	for _, ev := range evs {
		if ev.Get("workflow") != "payments-major" || ev.Get("outcome") != "ok" {
			t.Errorf("step %s: %s %q", ev.Get("step"), ev.Get("outcome"), ev.Text)
		}
	}
	if len(evs) != 5 {
		t.Errorf("%d step outcomes, want 5", len(evs))
	}
	c, _ := h.emu.ChannelByName(ch.Name)
	for _, u := range []string{"U0123ABCD", "U0GROUPIE", "U0PAYOWN"} {
		if !slices.Contains(c.Members, u) {
			t.Errorf("%s not invited: %v", u, c.Members)
		}
	}
	paged := false
	for _, e := range triggers(pd, "trigger") {
		paged = paged || e.RoutingKey == "R0UTINGKEYPAYMENTS00000000000000"
	}
	if !paged {
		t.Error("payments was not paged")
	}
	inc := h.incident(ch.ID)
	if !strings.Contains(h.channelText(ch.ID), "Payments incident "+inc.ID()+" declared: card declines · <https://grafana.example.com/d/payments|Payments overview>") {
		t.Errorf("the post is missing:\n%s", h.channelText(ch.ID))
	}
	if !inc.CadenceSet || inc.Cadence != 15*time.Minute {
		t.Errorf("cadence = %v (set %v), want 15m", inc.Cadence, inc.CadenceSet)
	}
	if lists := incident.Checklists(h.events(ch.ID)); len(lists) != 1 || lists[0].Name != "comms" {
		t.Errorf("checklists = %+v", lists)
	}
	// The timeline names people, the file-bound form of it too.
	found := false
	for _, e := range incident.Fold(h.events(ch.ID)) {
		if e.Kind == incident.KindWorkflow && strings.Contains(e.DescribeAs(func(id string) string { return "@" + id }), "workflow payments-major: invited @U0123ABCD, @U0GROUPIE") {
			found = true
		}
	}
	if !found {
		t.Error("no timeline entry says who the workflow invited")
	}

	// Conditions that do not hold run nothing.
	p3 := h.declare("P3 payments: slow refunds page")
	checkout := h.declare("P1 checkout: card form broken")
	h.settled()
	if n := len(h.workflowEvents(checkout.ID)); n != 0 {
		t.Errorf("a checkout P1 ran %d workflow steps", n)
	}
	for _, ev := range h.workflowEvents(p3.ID) {
		if ev.Get("workflow") == "payments-major" {
			t.Errorf("a P3 ran payments-major: %+v", ev)
		}
	}
	// Raising the P3 to P2 triggers it (severity_changed).
	h.command(ali, p3.ID, "severity P2")
	h.waitFor("payments-major on the raise", func() bool {
		for _, ev := range h.workflowEvents(p3.ID) {
			if ev.Get("workflow") == "payments-major" && ev.Get("step") == "cadence" {
				return true
			}
		}
		return false
	})
}

func TestWorkflowMarkFieldSetWebhookAndRemind(t *testing.T) {
	hs := newHookServer(t)
	hs.fail.Store(1) // the first delivery fails: it is retried
	clk := &clock{now: time.Now().UTC()}
	h := newHarness(t, slackemu.Options{}, withWorkflows(t, hs.URL), withClock(clk),
		withConfig(func(c *config) {
			c.Getenv = func(k string) string { return map[string]string{"WF_SECRET": "s3cret"}[k] }
		}))
	ch := h.declare("P3 checkout: slow search")

	// declared + P3: set detected-by, schedule a reminder.
	h.waitFor("p3-watch's two steps", func() bool { return len(h.workflowEvents(ch.ID)) >= 2 })
	if got := h.incident(ch.ID).DetectedBy; got != incident.DetectedInternal {
		t.Errorf("detected-by = %q, want internal", got)
	}
	// A hypothesis mark runs the marked workflow once, however often the
	// reaction is redelivered.
	ts := h.post(sam, ch.ID, "maybe the index is cold")
	reaction := map[string]any{"type": "reaction_added", "user": sam, "reaction": "bulb",
		"item": map[string]any{"type": "message", "channel": ch.ID, "ts": ts}, "event_ts": ts}
	for attempt := range 3 {
		must(t, h.emu.SendEvent(h.ctx, "EvBulb1", reaction, attempt))
	}
	h.waitFor("the hypothesis nudge", func() bool { return strings.Contains(h.channelText(ch.ID), "A hypothesis was marked on") })
	h.settled()
	if n := h.countMessages(ch.ID, "A hypothesis was marked on"); n != 1 {
		t.Errorf("the marked workflow posted %d times, want 1", n)
	}

	// field_set root-cause: the webhook, signed, retried after a 500.
	h.command(ali, ch.ID, "set root-cause cold index after the reindex job")
	h.waitFor("the webhook outcome", func() bool {
		for _, ev := range h.workflowEvents(ch.ID) {
			if ev.Get("workflow") == "cause-hook" {
				return true
			}
		}
		return false
	})
	if hs.calls() != 2 {
		t.Errorf("the webhook was called %d times, want 2 (a 500, then a retry)", hs.calls())
	}
	hs.mu.Lock()
	body, sig := hs.bodies[1], hs.sigs[1]
	hs.mu.Unlock()
	if sig != webhook.Sign([]byte("s3cret"), body) {
		t.Errorf("signature %q does not sign the body", sig)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc["root_cause"] != "cold index after the reindex job" {
		t.Errorf("webhook body: %v %v", err, doc["root_cause"])
	}
	if strings.Contains(h.channelText(ch.ID), "never shown") {
		t.Error("the webhook's answer reached the channel")
	}

	// The reminder falls due after 30 minutes, on one of two replicas.
	other := *h
	other.startBot()
	clk.advance(31 * time.Minute)
	var wg sync.WaitGroup
	for _, r := range []*harness{h, &other} {
		wg.Go(func() {
			if err := r.app.Remind(r.ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lead := "<@" + ali + "> "
	if n := h.countMessages(ch.ID, lead+h.incident(ch.ID).ID()+" has had no update for 30 minutes."); n != 1 {
		t.Errorf("the reminder was posted %d times, want 1:\n%s", n, h.channelText(ch.ID))
	}
}

func TestWorkflowReminderSkippedWhenItsConditionHolds(t *testing.T) {
	clk := &clock{now: time.Now().UTC()}
	h := newHarness(t, slackemu.Options{}, withWorkflows(t, "https://hooks.example.com/x"), withClock(clk))
	ch := h.declare("P3 checkout: slow search")
	h.waitFor("the reminder scheduled", func() bool { return len(h.workflowEvents(ch.ID)) >= 2 })
	h.command(ali, ch.ID, "status monitoring")
	h.waitFor("monitoring", func() bool { return h.incident(ch.ID).Status == incident.Monitoring })
	clk.advance(31 * time.Minute)
	if err := h.app.Remind(h.ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.channelText(ch.ID), "has had no update for 30 minutes") {
		t.Error("the reminder was posted although its unless-condition held")
	}
	last := h.workflowEvents(ch.ID)
	if len(last) == 0 || !strings.Contains(last[len(last)-1].Text, "condition holds") {
		t.Errorf("no event says the reminder was not needed: %+v", last)
	}
}

func TestWorkflowWebhookFailureIsReportedAndBlocksNothing(t *testing.T) {
	hs := newHookServer(t)
	hs.fail.Store(100) // always 500
	h := newHarness(t, slackemu.Options{}, withWorkflows(t, hs.URL),
		withConfig(func(c *config) {
			c.Getenv = func(k string) string { return map[string]string{"WF_SECRET": "s3cret"}[k] }
		}))
	ch := h.declare("P2 checkout: pool exhausted")
	h.command(ali, ch.ID, "set root-cause pool per request")
	// The command answered and recorded at once; the failing webhook did not hold it.
	h.waitFor("the field", func() bool { return h.incident(ch.ID).RootCause != "" })
	h.waitFor("the failure told", func() bool {
		return strings.Contains(h.channelText(ch.ID), "Workflow *cause-hook* could not POST "+hs.URL)
	})
	if got := h.channelText(ch.ID); !strings.Contains(got, "it answered 500, even after retrying") {
		t.Errorf("the failure does not give the reason:\n%s", got)
	}
	if hs.calls() != 3 {
		t.Errorf("%d attempts, want 3 (the first and two retries)", hs.calls())
	}
	failed := false
	for _, ev := range h.workflowEvents(ch.ID) {
		failed = failed || (ev.Get("workflow") == "cause-hook" && ev.Get("outcome") == "failed")
	}
	if !failed {
		t.Error("no failed outcome on the timeline")
	}
}
