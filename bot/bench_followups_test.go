package bot_test

import (
	"fmt"
	"testing"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/internal/jirafake"
	"github.com/incidentbot/incidentbot/internal/linearfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/tracker/linear"
)

// BenchmarkExport is the time from an action item's Open issue click to
// its issue recorded on the timeline, against each tracker's fake over
// loopback, and the same click path for Done as the baseline (no tracker).
func BenchmarkExport(b *testing.B) {
	gh := githubfake.New(ghToken, "acme/incidents")
	b.Cleanup(gh.Close)
	jf := jirafake.New(jiraUser, jiraKey, "CHK")
	b.Cleanup(jf.Close)
	lf := linearfake.New("lin_api_t0ken", "ENG")
	b.Cleanup(lf.Close)
	for _, tc := range []struct{ name, tracker string }{
		{"baseline-done", "github:acme/incidents"}, {"github", "github:acme/incidents"}, {"jira", "jira:CHK"}, {"linear", "linear:ENG"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHarness(b, slackemu.Options{}, withCatalog(b, "tracker: "+tc.tracker+"\n"), withGitHub(b, gh), withJira(b, jf),
				withConfig(func(c *config) {
					cl, err := linear.New(linear.Config{APIKey: "lin_api_t0ken", URL: lf.URL(), Policy: fastRetry})
					if err != nil {
						b.Fatal(err)
					}
					c.Trackers[incident.TrackerLinear] = cl
				}))
			ch := h.declare("P3 bench follow-ups")
			inc := h.incident(ch.ID)
			for i := range b.N {
				it := incident.ActionItem{ID: fmt.Sprintf("b%d", i), Text: fmt.Sprintf("follow-up %d", i)}
				if _, _, err := h.store.Append(h.ctx, inc.Number, "", incident.ActionItemEvent(incident.ActionAdd, it, ali, inc.DeclaredAt)); err != nil {
					b.Fatal(err)
				}
			}
			h.command(ali, ch.ID, "actions")
			h.waitReply(ali, "Action items for")
			action := handlers.ActionItemExport
			if tc.name == "baseline-done" {
				action = handlers.ActionItemDone
			}
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("b%d", i)
				if action == handlers.ActionItemDone {
					id += ":done"
				}
				h.clickItem(ali, ch.ID, action, inc.Number, id)
				spin(b, func() bool {
					items := h.items(ch.ID)
					return items[i].Issue.Key != "" || items[i].Done
				})
			}
		})
	}
}
