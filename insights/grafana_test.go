package insights_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/incidentbot/incidentbot/insights"
)

// TestGrafanaDashboardUsesTheseMetrics checks deploy/grafana/incidentbot.json
// against what the bot exports: every metric it queries exists, and the
// insights metrics, the same on every replica, are combined with max.
func TestGrafanaDashboardUsesTheseMetrics(t *testing.T) {
	raw, err := os.ReadFile("../deploy/grafana/incidentbot.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	ours := map[string]bool{}
	ch := make(chan *prometheus.Desc, 10)
	insights.NewCollector(nil, nil).Describe(ch)
	close(ch)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		ours[name.FindStringSubmatch(d.String())[1]] = true
	}
	// The bot's own metrics (bot/http.go), per replica.
	own := map[string]bool{"incidentbot_events_total": true, "incidentbot_commands_total": true, "incidentbot_ack_seconds": true}
	metric := regexp.MustCompile(`incidentbot_[a-z_]+`)
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metric.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
				seen[base] = true
				switch {
				case ours[base]:
					if !strings.Contains(tg.Expr, "max") {
						t.Errorf("panel %q sums %s across replicas: every replica reports the same value, use max", p.Title, base)
					}
				case own[base]:
				default:
					t.Errorf("panel %q queries %s, which the bot does not export", p.Title, m)
				}
			}
		}
	}
	for m := range ours {
		if !seen[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}
