package bot_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/alerts"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/pdfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

const (
	alertToken  = "am-t0ken"
	alertSecret = "generic-s3cret"
)

const alertRulesYAML = `
services:
  - name: checkout
  - name: ml-platform
alerts:
  - match: {alertname: HighErrorRate, severity: critical}
    severity: P1
    service: checkout
    page: true
  - match: {alertname: "/^LLM.*/"}
    severity: P2
    service: ml-platform
  - match: {team: data}
    severity: P3
`

func withAlerts(t testing.TB, m *alerts.Metrics) option {
	return func(h *harness) {
		withCatalog(t, alertRulesYAML)(h)
		withConfig(func(c *config) {
			c.Alerts, c.AlertMetrics = alerts.Config{Token: alertToken, Secret: alertSecret}, m
		})(h)
	}
}

func alertFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../alerts/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sendAlert posts body to the monitor endpoint path, authenticated as
// each monitor is, and returns the status and the answer.
func (h *harness) sendAlert(path string, body []byte, auth bool) (int, incident.AlertResult) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, fmt.Sprintf("http://%s%s", h.bot.HTTPAddr(), path), strings.NewReader(string(body)))
	if err != nil {
		h.t.Fatal(err)
	}
	if auth {
		switch path {
		case "/webhooks/alert":
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req.Header.Set(alerts.HeaderTimestamp, ts)
			req.Header.Set(alerts.HeaderSignature, "v1="+hex.EncodeToString(alerts.Sign(alertSecret, ts, body)))
		case "/webhooks/grafana":
			req.SetBasicAuth("grafana", alertToken)
		default:
			req.Header.Set("Authorization", "Bearer "+alertToken)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var out incident.AlertResult
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &out); err != nil {
			h.t.Fatalf("answer %q: %v", b, err)
		}
	}
	return res.StatusCode, out
}

// incidentChannels are the channels the bot created for incidents.
func (h *harness) incidentChannels() []slackemu.Channel {
	var out []slackemu.Channel
	for _, ch := range h.emu.Channels() {
		if strings.HasPrefix(ch.Name, "inc-") {
			out = append(out, ch)
		}
	}
	return out
}

func alertEvents(events []incident.Event) []incident.Event {
	var out []incident.Event
	for _, ev := range events {
		if ev.Kind == incident.KindAlert {
			out = append(out, ev)
		}
	}
	return out
}

func TestAlertmanagerGroupOpensOneIncidentAcrossReplicasAndConcurrentDeliveries(t *testing.T) {
	pd := pdfake.New(t, "pd-token")
	m := alerts.NewMetrics()
	h := newHarness(t, slackemu.Options{}, withAlerts(t, m), withPager(t, pd), withRunbooks(t))
	firing := alertFixture(t, "alertmanager_firing.json")

	other := *h
	other.startBot() // a second replica on the same emulator and Redis

	// 20 deliveries of the group's first notification at once, as several
	// Alertmanager replicas and retries send them, spread over both bots.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	outcomes := make([]string, 20)
	for i := range codes {
		replica := h
		if i%2 == 1 {
			replica = &other
		}
		wg.Go(func() {
			var res incident.AlertResult
			codes[i], res = replica.sendAlert("/webhooks/alertmanager", firing, true)
			outcomes[i] = res.Outcome
		})
	}
	wg.Wait()
	declared := 0
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d answered %d", i, c)
		}
		if outcomes[i] == incident.AlertDeclared {
			declared++
		} else if outcomes[i] != incident.AlertDuplicate {
			t.Errorf("delivery %d: outcome %q, want declared or duplicate", i, outcomes[i])
		}
	}
	chans := h.incidentChannels()
	if declared != 1 || len(chans) != 1 {
		t.Fatalf("%d deliveries said declared and %d channels exist, want 1 and 1", declared, len(chans))
	}
	ch := chans[0]
	inc := h.incident(ch.ID)
	if inc.Severity != incident.P1 || !hasService(inc, "checkout") || inc.Title != "Checkout error rate above 5%" || inc.Source != "alert:alertmanager" {
		t.Errorf("incident %+v", inc)
	}
	if len(alertEvents(h.events(ch.ID))) != 1 {
		t.Errorf("the same notification 20 times left %d alert events, want 1", len(alertEvents(h.events(ch.ID))))
	}
	header := h.headerText(ch.ID)
	for _, want := range []string{"https://runbooks.example.com/checkout/high-error-rate", "Runbook", "db connections look exhausted"} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}
	// The alert's text chose the runbook: "db connections look exhausted".
	if !strings.Contains(strings.ToLower(strings.Join(inc.Runbooks, " ")), "connection") {
		t.Errorf("suggested runbooks %q do not follow the alert's description", inc.Runbooks)
	}
	// page: true pages the service's routing key.
	h.waitFor("the page", func() bool { return len(triggers(pd, "trigger")) == 1 })

	// Resolved goes on the same incident's timeline, once however often
	// it is delivered, and the incident stays open.
	resolved := alertFixture(t, "alertmanager_resolved.json")
	for range 3 {
		if code, res := h.sendAlert("/webhooks/alertmanager", resolved, true); code != 200 || res.Incident != inc.ID() {
			t.Errorf("resolved: %d %+v", code, res)
		}
	}
	evs := alertEvents(h.events(ch.ID))
	if len(evs) != 2 || evs[1].Get("status") != incident.AlertDone || evs[1].Get("firing") != "0" {
		t.Fatalf("alert events %+v", evs)
	}
	h.waitFor("the resolved line", func() bool {
		return strings.Contains(h.channelText(ch.ID), "Alertmanager: Checkout error rate above 5% resolved (2 alerts)")
	})
	if got := h.incident(ch.ID); !got.Active() {
		t.Error("a resolved alert resolved the incident; people decide that")
	}
	// Firing again (a new startsAt) is news again.
	again := strings.ReplaceAll(string(firing), "2026-12-07T10:00", "2026-12-07T11:00")
	if _, res := h.sendAlert("/webhooks/alertmanager", []byte(again), true); res.Outcome != incident.AlertAppended {
		t.Errorf("firing again: %+v", res)
	}
	if len(h.incidentChannels()) != 1 {
		t.Error("a later notification of the group opened a second incident")
	}
}

func TestAlertsRefusedOrMalformedRecordNothing(t *testing.T) {
	m := alerts.NewMetrics()
	h := newHarness(t, slackemu.Options{}, withAlerts(t, m))
	firing := alertFixture(t, "alertmanager_firing.json")
	if code, _ := h.sendAlert("/webhooks/alertmanager", firing, false); code != http.StatusUnauthorized {
		t.Errorf("unauthenticated: %d, want 401", code)
	}
	if code, _ := h.sendAlert("/webhooks/alertmanager", []byte(`{"version":"4",`), true); code != http.StatusBadRequest {
		t.Errorf("malformed: %d, want 400", code)
	}
	generic := []byte(`{"title":"Nightly backup failed","dedup_key":"backup-1","labels":{"team":"data"}}`)
	// A signed delivery replayed: the second copy is refused.
	req := func() *http.Request {
		r, _ := http.NewRequestWithContext(h.ctx, http.MethodPost, fmt.Sprintf("http://%s/webhooks/alert", h.bot.HTTPAddr()), strings.NewReader(string(generic)))
		return r
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := "v1=" + hex.EncodeToString(alerts.Sign(alertSecret, ts, generic))
	var codes []int
	for range 2 {
		r := req()
		r.Header.Set(alerts.HeaderTimestamp, ts)
		r.Header.Set(alerts.HeaderSignature, sig)
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 200 || codes[1] != http.StatusUnauthorized {
		t.Errorf("signed then replayed: %v, want [200 401]", codes)
	}
	if n := len(h.incidentChannels()); n != 1 {
		t.Errorf("%d incident channels, want the 1 from the signed delivery", n)
	}
	// No rule matches: acknowledged, counted, not declared.
	code, res := h.sendAlert("/webhooks/alert", []byte(`{"title":"Cert renews in 29 days","severity":"info"}`), true)
	if code != 200 || res.Outcome != incident.AlertUnmatched || len(h.incidentChannels()) != 1 {
		t.Errorf("unmatched: %d %+v", code, res)
	}
	// A resolved notification for a group without an incident is ignored.
	if _, res := h.sendAlert("/webhooks/alertmanager", alertFixture(t, "alertmanager_resolved.json"), true); res.Outcome != incident.AlertIgnored {
		t.Errorf("resolved without an incident: %+v", res)
	}
	metrics := h.metricsText()
	for _, want := range []string{
		`incidentbot_alerts_total{outcome="refused",source="alertmanager"} 1`,
		`incidentbot_alerts_total{outcome="malformed",source="alertmanager"} 1`,
		`incidentbot_alerts_total{outcome="refused",source="alert"} 1`,
		`incidentbot_alerts_total{outcome="declared",source="alert"} 1`,
		`incidentbot_alerts_total{outcome="unmatched",source="alert"} 1`,
		`incidentbot_alerts_total{outcome="ignored",source="alertmanager"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestGrafanaAlertDeclaresByRegexRule(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withAlerts(t, nil))
	body := alertFixture(t, "grafana_firing.json")
	code, res := h.sendAlert("/webhooks/grafana", body, true)
	if code != 200 || res.Outcome != incident.AlertDeclared {
		t.Fatalf("grafana: %d %+v", code, res)
	}
	ch := h.incidentChannels()[0]
	inc := h.incident(ch.ID)
	if inc.Severity != incident.P2 || !hasService(inc, "ml-platform") {
		t.Errorf("incident %+v", inc)
	}
	header := h.headerText(ch.ID)
	for _, want := range []string{"Dashboard", "Panel", "https://grafana.example.com/d/llm-gateway?orgId=1"} {
		if !strings.Contains(header, want) {
			t.Errorf("header lacks %q:\n%s", want, header)
		}
	}
	evs := alertEvents(h.events(ch.ID))
	if len(evs) != 1 || !strings.Contains(evs[0].Get("values"), "value=11.2") {
		t.Errorf("alert events %+v", evs)
	}
}

// metricsText is what /metrics serves.
func (h *harness) metricsText() string {
	h.t.Helper()
	res, err := http.Get("http://" + h.bot.HTTPAddr().String() + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func hasService(inc incident.Incident, name string) bool { return slices.Contains(inc.Services, name) }
