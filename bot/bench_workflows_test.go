package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

// fiftyWorkflows is a 50-workflow config: matching of them start on a
// P1 payments declare (a post and a cadence each), the rest want another
// service or severity.
func fiftyWorkflows(matching int) string {
	var b strings.Builder
	b.WriteString("services:\n  - name: payments\n  - name: checkout\nworkflows:\n")
	for i := range 50 {
		svc, sev := "checkout", "P4"
		if i < matching {
			svc, sev = "payments", "P1"
		}
		fmt.Fprintf(&b, "  - name: wf-%02d\n    on: [declared, severity_changed]\n    if:\n      severity: [%s]\n      service: [%s]\n"+
			"    do:\n      - post: \"{{.ID}} ({{.Severity}}) step of wf-%02d: {{.Title}}\"\n      - cadence: 15m\n", i, sev, svc, i)
	}
	return b.String()
}

// BenchmarkDeclareToWorkflows is the time from "/incident declare P1
// payments: …" typed in Slack to the last step of the workflows it starts,
// on a 50-workflow config of which 10 match (two steps each, so 20
// outcomes on the timeline). "baseline" is the same declare with no config
// file, to its pinned header: what declaring costs without workflows.
func BenchmarkDeclareToWorkflows(b *testing.B) {
	for _, tc := range []struct {
		name  string
		yaml  string
		steps int
	}{{"baseline", "", 0}, {"50-workflows", fiftyWorkflows(10), 20}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := []option{}
			if tc.yaml != "" {
				opts = append(opts, withCatalog(b, tc.yaml))
			}
			h := newHarness(b, slackemu.Options{}, opts...)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				before := len(h.emu.Channels())
				if _, err := h.emu.SlashCommand(h.ctx, ali, general, fmt.Sprintf("declare P1 payments: bench %d", i)); err != nil {
					b.Fatal(err)
				}
				spin(b, func() bool { return len(h.emu.Channels()) > before })
				ch := h.emu.Channels()[len(h.emu.Channels())-1]
				spin(b, func() bool {
					n, ok, err := h.store.ChannelIncident(h.ctx, ch.ID)
					if err != nil || !ok {
						return false
					}
					events, err := h.store.Events(h.ctx, n)
					if err != nil {
						return false
					}
					steps, pinned := 0, false
					for _, ev := range events {
						steps += boolInt(ev.Kind == incident.KindWorkflow)
					}
					for _, m := range h.emu.Messages(ch.ID) {
						pinned = pinned || m.Pinned
					}
					return pinned && steps >= tc.steps
				})
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
