package bot_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/internal/jirafake"
	"github.com/incidentbot/incidentbot/internal/linearfake"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/tracker/github"
	"github.com/incidentbot/incidentbot/tracker/jira"
	"github.com/incidentbot/incidentbot/tracker/linear"
)

const (
	ghToken  = "ghp_t0ken"
	ghSecret = "gh-s3cret"
	jiraUser = "bot@acme.example"
	jiraKey  = "jira-t0ken"
	jiraHook = "jira-s3cret"
)

var fastRetry = retry.Policy{MaxRetries: 2, Base: 5 * time.Millisecond, Max: 10 * time.Millisecond}

func withGitHub(t testing.TB, fake *githubfake.Server) option {
	return withConfig(func(c *config) {
		cl, err := github.New(github.Config{Token: ghToken, APIURL: fake.URL(), Retry: fastRetry})
		if err != nil {
			t.Fatal(err)
		}
		if c.Trackers == nil {
			c.Trackers, c.TrackerSecrets = map[incident.TrackerKind]handlers.Tracker{}, map[incident.TrackerKind]string{}
		}
		c.Trackers[incident.TrackerGitHub], c.TrackerSecrets[incident.TrackerGitHub] = cl, ghSecret
	})
}

func withJira(t testing.TB, fake *jirafake.Server) option {
	return withConfig(func(c *config) {
		cl, err := jira.New(jira.Config{BaseURL: fake.URL(), Email: jiraUser, Token: jiraKey, Policy: fastRetry})
		if err != nil {
			t.Fatal(err)
		}
		if c.Trackers == nil {
			c.Trackers, c.TrackerSecrets = map[incident.TrackerKind]handlers.Tracker{}, map[incident.TrackerKind]string{}
		}
		c.Trackers[incident.TrackerJira], c.TrackerSecrets[incident.TrackerJira] = cl, jiraHook
	})
}

const followUpsYAML = `
tracker: github:acme/incidents
auto_export: false
users:
  - slack: U01ALI
    github: ali-dev
    jira: 5b10ac8d82e05b22cc7d4ef5
services:
  - name: checkout
    tracker: jira:CHK
  - name: search
`

// clickItem clicks actionID for item id of incident n, as the list's
// button would.
func (h *harness) clickItem(user, channelID, actionID string, n int64, id string) {
	h.t.Helper()
	var msg slackemu.Message
	for _, m := range h.emu.Ephemerals(user) {
		if m.ButtonValue(actionID) != "" {
			msg = m
		}
	}
	h.click(user, channelID, msg, actionID, fmt.Sprintf("%d:%s", n, id))
}

func (h *harness) items(channelID string) []incident.ActionItem {
	return incident.ActionItems(h.events(channelID))
}

func (h *harness) sendWebhook(req *http.Request) int {
	h.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestActionItemsExportToGitHubOnceAndCloseByWebhook(t *testing.T) {
	gh := githubfake.New(ghToken, "acme/incidents")
	t.Cleanup(gh.Close)
	gh.SetAssignable("ali-dev")
	h := newHarness(t, slackemu.Options{}, withCatalog(t, followUpsYAML), withGitHub(t, gh))
	ch := h.declare("P2 search: results are stale")
	n := h.incident(ch.ID).Number

	h.command(sam, ch.ID, "action add")
	h.waitReply(sam, "Say what needs doing")
	h.command(sam, ch.ID, "action add Alert on index lag due 2026-13-40")
	h.waitReply(sam, `"2026-13-40" is not a date`)
	h.command(sam, ch.ID, "action add Alert on index lag <@U01ALI|ali> due 2027-01-15")
	h.waitFor("the item", func() bool { return len(h.items(ch.ID)) == 1 })
	it := h.items(ch.ID)[0]
	if it.Text != "Alert on index lag" || it.Owner != ali || it.Due.Format(time.DateOnly) != "2027-01-15" {
		t.Fatalf("item %+v", it)
	}
	h.waitFor("the channel line", func() bool {
		return strings.Contains(h.channelText(ch.ID), "added an action item: “Alert on index lag”, owner <@U01ALI>, due 2027-01-15")
	})

	h.command(ali, ch.ID, "actions")
	h.waitReply(ali, "Open issue in GitHub")
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, it.ID)
	h.waitFor("the issue link", func() bool { return strings.Contains(h.channelText(ch.ID), "is now <") })
	issues := gh.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues, want 1", len(issues))
	}
	is := issues[0]
	if is.Title != "Alert on index lag" || len(is.Assignees) != 1 || is.Assignees[0] != "ali-dev" || is.Due != "2027-01-15" ||
		!strings.Contains(strings.Join(is.Labels, ","), "incident") || !strings.Contains(strings.Join(is.Labels, ","), "search") ||
		!strings.Contains(is.Body, "INC-1") || !strings.Contains(is.Body, ch.ID) {
		t.Errorf("issue %+v", is)
	}
	if ref := h.items(ch.ID)[0].Issue; ref.Key != "acme/incidents#1" || ref.URL == "" {
		t.Errorf("item's issue %+v", ref)
	}
	// Exporting again shows the link and makes nothing.
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, it.ID)
	h.waitReply(ali, "That item is already")
	if got := gh.Issues(); len(got) != 1 || got[0].Created != 1 {
		t.Errorf("a second export made issues: %+v", got)
	}

	// A create whose answer is lost: the retry finds the issue it made.
	h.command(sam, ch.ID, "action add Page on stale results")
	h.waitFor("the second item", func() bool { return len(h.items(ch.ID)) == 2 })
	second := h.items(ch.ID)[1]
	gh.DropNextCreate()
	h.command(ali, ch.ID, "actions")
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, second.ID)
	h.waitFor("the failure to be said", func() bool {
		return strings.Contains(h.replies(ali), "if the issue was made, it is found, not made twice") && len(gh.Issues()) == 2
	})
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, second.ID)
	h.waitFor("the second link", func() bool { return h.items(ch.ID)[1].Issue.Key != "" })
	if got := gh.Issues(); len(got) != 2 || got[1].Created != 1 {
		t.Errorf("after a lost answer: %+v", got)
	}

	// Closed in GitHub: the webhook marks the item done, once.
	url := fmt.Sprintf("http://%s/webhooks/github", h.bot.HTTPAddr())
	if err := gh.SetDone("1", true); err != nil {
		t.Fatal(err)
	}
	unsigned, _ := gh.WebhookRequest(url, "wrong", "1")
	if code := h.sendWebhook(unsigned); code != http.StatusUnauthorized {
		t.Errorf("a forged webhook answered %d", code)
	}
	req, err := gh.WebhookRequest(url, ghSecret, "1")
	if err != nil {
		t.Fatal(err)
	}
	again := req.Clone(h.ctx)
	body, _ := req.GetBody()
	again.Body = body
	if code := h.sendWebhook(req); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.waitFor("the item done", func() bool { return h.items(ch.ID)[0].Done })
	if code := h.sendWebhook(again); code != http.StatusOK {
		t.Errorf("redelivery answered %d", code)
	}
	dones := 0
	for _, ev := range h.events(ch.ID) {
		if ev.Kind == incident.KindActionItem && ev.Get("op") == incident.ActionDone {
			dones++
		}
	}
	if dones != 1 {
		t.Errorf("%d done events, want 1", dones)
	}
	if !strings.Contains(h.channelText(ch.ID), "acme/incidents#1> was closed in GitHub") {
		t.Errorf("channel:\n%s", h.channelText(ch.ID))
	}
	// Reopened in GitHub: the item is open again.
	if err := gh.SetDone("1", false); err != nil {
		t.Fatal(err)
	}
	reopen, _ := gh.WebhookRequest(url, ghSecret, "1")
	if code := h.sendWebhook(reopen); code != http.StatusOK {
		t.Fatalf("reopen webhook answered %d", code)
	}
	h.waitFor("the item open again", func() bool { return !h.items(ch.ID)[0].Done })
	if !strings.Contains(h.channelText(ch.ID), "was reopened in GitHub") {
		t.Errorf("channel:\n%s", h.channelText(ch.ID))
	}
}

func TestAutoExportToTheServicesJiraAndPollBringsDoneBack(t *testing.T) {
	jf := jirafake.New(jiraUser, jiraKey, "CHK")
	t.Cleanup(jf.Close)
	fake := openaifake.New(t)
	clk := &clock{now: time.Now().UTC()}
	h := newHarness(t, slackemu.Options{}, withCatalog(t, strings.Replace(followUpsYAML, "auto_export: false", "auto_export: true", 1)),
		withJira(t, jf), withLLM(fake, 5*time.Second), withClock(clk))
	ch := h.declare("P1 checkout: card payments fail")
	ts := h.post(ali, ch.ID, "payments API returning 502")
	h.settled()
	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolved", func() bool { return !h.incident(ch.ID).Active() })
	var cite int
	for _, ev := range h.events(ch.ID) {
		if ev.Text == "payments API returning 502" {
			cite = ev.Seq
		}
	}
	_ = ts
	fake.SetReply(fmt.Sprintf(`{"summary":"Payments failed [E%[1]d].",
	"sections":[{"title":"Summary","text":"Payments failed [E%[1]d].","citations":[%[1]d]}],
	"action_items":[{"text":"Add a canary for gateway config","owner":"<@%[2]s>","due":"2027-02-01"},{"text":"Alert on payment 5xx","owner":"sam"}]}`, cite, ali))
	h.command(ali, ch.ID, "postmortem")
	msg, id := h.draftButton(ch.ID, handlers.ActionApprove)
	h.click(sam, ch.ID, msg, handlers.ActionApprove, id)
	h.waitFor("both items exported", func() bool {
		items := h.items(ch.ID)
		return len(items) == 2 && items[0].Issue.Key != "" && items[1].Issue.Key != ""
	})
	issues := jf.Issues()
	if len(issues) != 2 || issues[0].Project != "CHK" || issues[0].Assignee != "5b10ac8d82e05b22cc7d4ef5" || issues[0].Due != "2027-02-01" {
		t.Fatalf("issues %+v", issues)
	}
	// No webhook reaches the bot: the poll notices the issue is done.
	if err := jf.SetDone(issues[1].Key, true); err != nil {
		t.Fatal(err)
	}
	h.remind()
	h.waitFor("the polled item done", func() bool { return h.items(ch.ID)[1].Done })
	if h.items(ch.ID)[0].Done {
		t.Error("the poll marked an open issue's item done")
	}
	if !strings.Contains(h.channelText(ch.ID), "was closed in Jira") {
		t.Errorf("channel:\n%s", h.channelText(ch.ID))
	}
	// And by Jira's webhook: the other issue moved to Done.
	if err := jf.SetDone(issues[0].Key, true); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s/webhooks/jira", h.bot.HTTPAddr())
	forged, _ := jf.WebhookRequest(url, "wrong", issues[0].Key)
	if code := h.sendWebhook(forged); code != http.StatusUnauthorized {
		t.Errorf("a forged Jira webhook answered %d", code)
	}
	req, err := jf.WebhookRequest(url, jiraHook, issues[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if code := h.sendWebhook(req); code != http.StatusOK {
		t.Fatalf("Jira webhook answered %d", code)
	}
	h.waitFor("the webhook's item done", func() bool { return h.items(ch.ID)[0].Done })
}

func TestOverdueOwnerIsRemindedDailyUntilSnoozed(t *testing.T) {
	clk := &clock{now: time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)}
	h := newHarness(t, slackemu.Options{}, withClock(clk))
	ch := h.declare("P3 nightly export slow")
	n := h.incident(ch.ID).Number
	h.command(sam, ch.ID, "action add Index the export table <@U01ALI> due 2027-01-12")
	h.waitFor("the item", func() bool { return len(h.items(ch.ID)) == 1 })
	item := h.items(ch.ID)[0]

	h.remind()
	if len(h.emu.DirectMessages(ali)) != 0 {
		t.Fatal("reminded before the due date")
	}
	clk.advance(4 * 24 * time.Hour) // 14 Jan: overdue
	h.remind()
	h.waitFor("the DM", func() bool { return len(h.emu.DirectMessages(ali)) == 1 })
	dm := h.emu.DirectMessages(ali)[0]
	if text := textOf([]slackemu.Message{dm}); !strings.Contains(text, "was due 2027-01-12") || !strings.Contains(text, "Snooze 1 week") {
		t.Errorf("DM: %s", text)
	}
	clk.advance(30 * time.Minute)
	h.remind()
	clk.advance(2 * time.Hour) // the same day, a later pass: no second DM
	h.remind()
	if got := len(h.emu.DirectMessages(ali)); got != 1 {
		t.Errorf("%d DMs the same day, want 1", got)
	}
	clk.advance(24 * time.Hour)
	h.remind()
	h.waitFor("the next day's DM", func() bool { return len(h.emu.DirectMessages(ali)) == 2 })
	if _, err := h.emu.ClickButton(h.ctx, ali, dm.Channel, dm.TS, handlers.ActionItemSnooze, fmt.Sprintf("%d:%s", n, item.ID)); err != nil {
		t.Fatal(err)
	}
	h.waitReply(ali, "Snoozed “Index the export table”")
	for range 3 {
		clk.advance(24 * time.Hour)
		h.remind()
	}
	if got := len(h.emu.DirectMessages(ali)); got != 2 {
		t.Errorf("%d DMs after the snooze, want still 2", got)
	}
	clk.advance(5 * 24 * time.Hour) // the week is over
	h.remind()
	h.waitFor("the reminder after the snooze", func() bool { return len(h.emu.DirectMessages(ali)) == 3 })
}

func TestActionItemsExportToLinearAndComplete(t *testing.T) {
	lf := linearfake.New("lin_api_t0ken", "ENG")
	t.Cleanup(lf.Close)
	h := newHarness(t, slackemu.Options{}, withCatalog(t, `
tracker: linear:ENG
users:
  - slack: U01ALI
    linear: 2f1b2c3d-0000-4000-8000-00000000a11
`), withConfig(func(c *config) {
		cl, err := linear.New(linear.Config{APIKey: "lin_api_t0ken", URL: lf.URL(), Policy: fastRetry})
		if err != nil {
			t.Fatal(err)
		}
		c.Trackers = map[incident.TrackerKind]handlers.Tracker{incident.TrackerLinear: cl}
		c.TrackerSecrets = map[incident.TrackerKind]string{incident.TrackerLinear: "lin-s3cret"}
	}))
	ch := h.declare("P2 model gateway timeouts")
	n := h.incident(ch.ID).Number
	h.command(sam, ch.ID, "action add Add a timeout budget per provider <@U01ALI> due 2027-03-01")
	h.waitFor("the item", func() bool { return len(h.items(ch.ID)) == 1 })
	it := h.items(ch.ID)[0]
	h.command(ali, ch.ID, "actions")
	h.waitReply(ali, "Open issue in Linear")
	lf.DropNextCreate() // the first create lands but its answer is lost
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, it.ID)
	h.waitFor("the failure", func() bool { return strings.Contains(h.replies(ali), "not made twice") })
	h.clickItem(ali, ch.ID, handlers.ActionItemExport, n, it.ID)
	h.waitFor("the link", func() bool { return h.items(ch.ID)[0].Issue.Key == "ENG-1" })
	issues := lf.Issues()
	if len(issues) != 1 || issues[0].Created != 1 || issues[0].Assignee != "2f1b2c3d-0000-4000-8000-00000000a11" || issues[0].Due != "2027-03-01" {
		t.Fatalf("issues %+v", issues)
	}
	if err := lf.SetDone("ENG-1", true); err != nil {
		t.Fatal(err)
	}
	req, err := lf.WebhookRequest(fmt.Sprintf("http://%s/webhooks/linear", h.bot.HTTPAddr()), "lin-s3cret", "ENG-1")
	if err != nil {
		t.Fatal(err)
	}
	if code := h.sendWebhook(req); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	h.waitFor("the item done", func() bool { return h.items(ch.ID)[0].Done })
	if !strings.Contains(h.channelText(ch.ID), "ENG-1> was closed in Linear") {
		t.Errorf("channel:\n%s", h.channelText(ch.ID))
	}
}
