package bot_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// BenchmarkAlertToChannel is the time from an Alertmanager webhook being
// sent to its answer, which comes once the incident's channel exists and
// its header is pinned: one group alone (the baseline), and 50 new alert
// groups arriving at once. Each iteration is one burst; p50 and p99 are
// over every delivery of the run.
func BenchmarkAlertToChannel(b *testing.B) {
	for _, groups := range []int{1, 50} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) { benchAlertBurst(b, groups) })
	}
}

func benchAlertBurst(b *testing.B, groups int) {
	h := newHarness(b, slackemu.Options{}, withAlerts(b, nil))
	body := string(alertFixture(b, "alertmanager_firing.json"))
	var lat []time.Duration
	var mu sync.Mutex
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		for g := range groups {
			one := strings.Replace(body, `"groupKey": "{}/{severity=\"critical\"}:{alertname=\"HighErrorRate\"}"`,
				fmt.Sprintf(`"groupKey": "{}:{alertname=\"HighErrorRate\", burst=\"%d-%d\"}"`, i, g), 1)
			wg.Go(func() {
				start := time.Now()
				code, res := h.sendAlert("/webhooks/alertmanager", []byte(one), true)
				d := time.Since(start)
				if code != http.StatusOK || res.Outcome != incident.AlertDeclared {
					b.Errorf("delivery: %d %+v", code, res)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	if got := len(h.incidentChannels()); got != b.N*groups {
		b.Fatalf("%d channels for %d groups", got, b.N*groups)
	}
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
