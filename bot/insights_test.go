package bot_test

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/incidentbot/incidentbot/insights"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func withInsights() option {
	return func(h *harness) {
		h.cfg.Insights = insights.NewMaker(h.store, nil)
		h.cfg.Config.Collectors = []prometheus.Collector{insights.NewCollector(h.store, testLogger())}
	}
}

func TestInsightsArriveByDMWithTheChartAndAgreeWithMetrics(t *testing.T) {
	h := newHarness(t, slackemu.Options{}, withCatalog(t, statusCatalog), withTemplates(), withInsights())
	first := h.declare("P1 checkout-api: checkout down")
	h.declare("P3 search: search slow")
	h.command(ali, first.ID, "resolve")
	h.waitFor("resolved", func() bool { return !h.incident(first.ID).Active() })

	h.command(sam, first.ID, "insights 30d")
	h.waitReply(sam, "direct messages")
	h.waitFor("the chart in sam's DMs", func() bool { return len(h.emu.Files("D"+strings.TrimPrefix(sam, "U"))) == 1 })
	dm := textOf(h.emu.DirectMessages(sam))
	for _, want := range []string{"Incident insights", "2 incidents: 1 P1 · 1 P3", "Time to acknowledge", "checkout-api: 1 incident"} {
		if !strings.Contains(dm, want) {
			t.Errorf("the DM lacks %q:\n%s", want, dm)
		}
	}
	f := h.emu.Files("D" + strings.TrimPrefix(sam, "U"))[0]
	img, err := png.Decode(bytes.NewReader(f.Content))
	if err != nil {
		t.Fatalf("the chart does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != insights.ChartWidth || b.Dy() != insights.ChartHeight {
		t.Errorf("chart is %dx%d", b.Dx(), b.Dy())
	}
	if strings.Contains(h.channelText(first.ID), "Incident insights") {
		t.Errorf("private insights were posted in the channel")
	}

	h.command(sam, first.ID, "insights 90d service:search share")
	h.waitFor("shared insights", func() bool {
		return strings.Contains(h.channelText(first.ID), "service search") && len(h.emu.Files(first.ID)) == 1
	})
	h.command(sam, first.ID, "insights 7d")
	h.waitReply(sam, "30d, 90d or 365d")

	res, err := http.Get("http://" + h.bot.HTTPAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, want := range []string{
		`incidentbot_incidents_declared_total{service="checkout-api",severity="P1"} 1`,
		`incidentbot_incidents_declared_total{service="search",severity="P3"} 1`,
		`incidentbot_incident_time_to_resolve_seconds_count{severity="P1"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
