package bot_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func TestDeclareCreatesChannelHeaderAndAnnouncement(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ack := h.command(ali, general, "declare P1 Checkout returns 500 :fire: after deploy!")
	if !strings.Contains(string(ack), "Declaring") {
		t.Errorf("ack = %s, want a short 'Declaring…' reply", ack)
	}
	var ch slackemu.Channel
	h.waitFor("channel", func() bool {
		var ok bool
		ch, ok = h.emu.ChannelByName("inc-001-checkout-returns-500-fire-after-deploy")
		return ok
	})
	h.waitReply(ali, "Declared *INC-1*")
	h.waitFor("announcement", func() bool { return strings.Contains(h.channelText(announce), "INC-1 declared") })

	ch, _ = h.emu.ChannelByName(ch.Name)
	if !contains(ch.Members, ali) {
		t.Errorf("declarer not invited: members %v", ch.Members)
	}
	if !strings.Contains(ch.Topic, "P1") || !strings.Contains(ch.Topic, "investigating") {
		t.Errorf("topic = %q", ch.Topic)
	}
	inc := h.incident(ch.ID)
	if inc.Severity != incident.P1 || inc.Status != incident.Investigating || inc.Roles[incident.Lead] != ali || inc.HeaderTS == "" {
		t.Errorf("incident = %+v", inc)
	}
	var header slackemu.Message
	for _, m := range h.emu.Messages(ch.ID) {
		if m.Pinned {
			header = m
		}
	}
	for _, want := range []string{"INC-1: Checkout returns 500", "P1", "investigating", "Incident lead", "<@" + ali + ">"} {
		if !strings.Contains(unescape(header.Blocks), want) {
			t.Errorf("pinned header lacks %q: %s", want, header.Blocks)
		}
	}
	if !strings.Contains(h.channelText(announce), "<#"+ch.ID+">") {
		t.Errorf("announcement has no link to the channel: %s", h.channelText(announce))
	}
	if ev := h.events(ch.ID); len(ev) == 0 || ev[0].Kind != incident.KindDeclared {
		t.Errorf("first event = %+v, want declared", ev)
	}
}

func TestDeclareDefaultsAndNameTaken(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	h.emu.FailNext("conversations.create", "name_taken", 1)
	ch := h.declare("db slow")
	if ch.Name != "inc-001-db-slow-2" {
		t.Errorf("channel after name_taken = %q, want inc-001-db-slow-2", ch.Name)
	}
	if inc := h.incident(ch.ID); inc.Severity != incident.P3 {
		t.Errorf("default severity = %s, want P3", inc.Severity)
	}
	ch2 := h.declare("P2 second one")
	if !strings.HasPrefix(ch2.Name, "inc-002-") || h.incident(ch2.ID).Number != 2 {
		t.Errorf("second incident channel %q", ch2.Name)
	}
}

func TestConversationIsRecordedWithEditsDeletesThreadsAndMarks(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 api latency")
	if err := h.emu.JoinChannel(h.ctx, sam, ch.ID); err != nil {
		t.Fatal(err)
	}
	first := h.post(ali, ch.ID, "p99 latency is 4s")
	second := h.post(sam, ch.ID, "looking at the db")
	gone := h.post(sam, ch.ID, "wrong channel, sorry")
	if _, err := h.emu.PostReply(h.ctx, ali, ch.ID, second, "thanks, I'll check the cache"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.emu.PostMessageWithFiles(h.ctx, sam, ch.ID, "graph attached", []string{"latency.png"}); err != nil {
		t.Fatal(err)
	}
	must(t, h.emu.EditMessage(h.ctx, ali, ch.ID, first, "p99 latency is 4.2s"))
	must(t, h.emu.DeleteMessage(h.ctx, ch.ID, gone))
	must(t, h.emu.AddReaction(h.ctx, sam, ch.ID, first, "pushpin"))
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, first, "pushpin"))
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, second, "bulb"))
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, second, "tada")) // not a mark
	must(t, h.emu.RemoveReaction(h.ctx, sam, ch.ID, first, "pushpin"))
	must(t, h.emu.RemoveReaction(h.ctx, ali, ch.ID, second, "bulb"))
	h.settled()

	entries := h.timeline(ch.ID)
	got := messagesOf(entries)
	want := []string{"p99 latency is 4.2s", "looking at the db", "thanks, I'll check the cache", "graph attached"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		for _, ev := range h.events(ch.ID) {
			t.Logf("event %d %s at=%s ts=%s text=%q data=%v", ev.Seq, ev.Kind, ev.At.Format("15:04:05.000000"), ev.TS, ev.Text, ev.Data)
		}
		t.Fatalf("timeline messages = %q, want %q", got, want)
	}
	byText := map[string]incident.Entry{}
	for _, e := range entries {
		byText[e.Text] = e
	}
	if e := byText["p99 latency is 4.2s"]; !e.Edited || len(e.Marks) != 1 || e.Marks[0] != incident.MarkKeyEvent {
		t.Errorf("edited+marked entry = %+v (ali's pushpin remains after sam's is removed)", e)
	}
	if e := byText["looking at the db"]; len(e.Marks) != 0 {
		t.Errorf("unmarked entry still has marks %v", e.Marks)
	}
	if e := byText["thanks, I'll check the cache"]; e.ThreadTS != second {
		t.Errorf("thread reply ThreadTS = %q, want %q", e.ThreadTS, second)
	}
	if e := byText["graph attached"]; len(e.Files) != 1 || e.Files[0] != "latency.png" {
		t.Errorf("files = %v", e.Files)
	}
	// The log keeps everything: the original text and the deleted message.
	var sawOriginal, sawDeleted bool
	for _, ev := range h.events(ch.ID) {
		sawOriginal = sawOriginal || ev.Text == "p99 latency is 4s"
		sawDeleted = sawDeleted || ev.Text == "wrong channel, sorry"
		if ev.Actor == h.emu.BotUserID() && ev.Kind == incident.KindMessage {
			t.Errorf("the bot's own message was recorded as conversation: %+v", ev)
		}
		if strings.Contains(ev.Text, "has joined") {
			t.Errorf("join recorded as conversation: %+v", ev)
		}
	}
	if !sawOriginal || !sawDeleted {
		t.Errorf("log lost history: original %v deleted %v", sawOriginal, sawDeleted)
	}
}

func TestDuplicateAndRetriedDeliveriesRecordOnce(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("dupes")
	inner := map[string]any{"type": "message", "channel": ch.ID, "user": ali, "text": "only once", "ts": "1700000000.000100"}
	for attempt := 0; attempt < 3; attempt++ {
		must(t, h.emu.SendEvent(h.ctx, "Ev0001", inner, attempt))
	}
	// Same message, different event id (Slack can do this across reconnects).
	must(t, h.emu.SendEvent(h.ctx, "Ev0002", inner, 0))
	h.settled()
	if got := messagesOf(h.timeline(ch.ID)); len(got) != 1 || got[0] != "only once" {
		t.Errorf("timeline = %q, want one entry", got)
	}
}

func TestReactionOnUnseenMessageBackfillsIt(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("backfill")
	ts := h.emu.PostMessageSilently(sam, ch.ID, "said while the bot was down")
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "rotating_light"))
	h.settled()
	entries := h.timeline(ch.ID)
	var found bool
	for _, e := range entries {
		if e.Text == "said while the bot was down" {
			found = true
			if len(e.Marks) != 1 || e.Marks[0] != incident.MarkImpact || e.Actor != sam {
				t.Errorf("backfilled entry = %+v", e)
			}
		}
	}
	if !found {
		t.Fatalf("unseen message not fetched: %+v", messagesOf(entries))
	}
}

func TestStatusSeverityRoleResolve(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P3 queue backlog")
	updates := func() int { return len(h.emu.Calls("chat.update")) }

	h.command(ali, ch.ID, "status identified")
	h.waitFor("status line", func() bool { return strings.Contains(h.channelText(ch.ID), "to *identified*") })
	h.waitFor("header update", func() bool { return updates() >= 1 })

	h.command(ali, ch.ID, "severity P1")
	h.waitFor("severity line", func() bool { return strings.Contains(h.channelText(ch.ID), "raised from *P3* to *P1*") })
	h.waitFor("raise announced", func() bool { return strings.Contains(h.channelText(announce), "raised to P1") })

	h.command(ali, ch.ID, "role comms <@"+sam+"|sam>")
	h.waitFor("role line", func() bool { return strings.Contains(h.channelText(ch.ID), "is now the *comms lead*") })

	h.command(ali, ch.ID, "status identified")
	h.waitReply(ali, "already identified")
	h.command(ali, ch.ID, "status bananas")
	h.waitReply(ali, "Status must be one of")
	h.command(ali, ch.ID, "role boss <@"+sam+">")
	h.waitReply(ali, "I don't know the role")
	h.command(ali, ch.ID, "role comms sam")
	h.waitReply(ali, "Mention the person")

	h.command(ali, ch.ID, "resolve")
	h.waitFor("resolve announced", func() bool { return strings.Contains(h.channelText(announce), "INC-1 resolved") })
	h.command(ali, ch.ID, "resolve")
	h.waitReply(ali, "already resolved")
	h.command(ali, ch.ID, "status monitoring")
	h.waitReply(ali, "To reopen it")

	inc := h.incident(ch.ID)
	if inc.Status != incident.Resolved || inc.Severity != incident.P1 || inc.Roles[incident.Comms] != sam || inc.ResolvedAt.IsZero() {
		t.Errorf("incident = %+v", inc)
	}
	var kinds []string
	for _, ev := range h.events(ch.ID) {
		if !ev.Kind.Conversation() {
			kinds = append(kinds, string(ev.Kind))
		}
	}
	want := "declared status severity role status resolved"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("system events = %q, want %q", got, want)
	}
	if !contains(channelMembers(h, ch.ID), sam) {
		t.Errorf("role holder not invited")
	}
	// The reopened incident comes back.
	h.command(ali, ch.ID, "status investigating")
	h.waitFor("reopened", func() bool { return h.incident(ch.ID).Active() })
}

func channelMembers(h *harness, id string) []string {
	for _, c := range h.emu.Channels() {
		if c.ID == id {
			return c.Members
		}
	}
	return nil
}

func TestTimelineAndList(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P2 short one")
	ts := h.post(ali, ch.ID, "first clue")
	must(t, h.emu.EditMessage(h.ctx, ali, ch.ID, ts, "first clue, edited"))
	must(t, h.emu.AddReaction(h.ctx, ali, ch.ID, ts, "pushpin"))
	h.settled()
	h.command(ali, ch.ID, "timeline")
	h.waitReply(ali, "first clue, edited")
	r := h.replies(ali)
	for _, want := range []string{"_(edited)_", "key event", "declared P2"} {
		if !strings.Contains(r, want) {
			t.Errorf("timeline reply lacks %q: %s", want, r)
		}
	}
	h.command(sam, general, "list")
	h.waitReply(sam, "INC-1")

	// A long timeline becomes a Markdown file.
	long := h.declare("P3 chatty")
	for i := 0; i < 45; i++ {
		h.post(ali, long.ID, fmt.Sprintf("update number %d", i))
	}
	h.settled()
	h.command(ali, long.ID, "timeline")
	h.waitFor("timeline file", func() bool { return len(h.emu.Files(long.ID)) == 1 })
	f := h.emu.Files(long.ID)[0]
	if f.Name != "INC-2-timeline.md" || !strings.Contains(string(f.Content), "update number 44") || !strings.Contains(string(f.Content), "@ali") {
		t.Errorf("file %s:\n%s", f.Name, f.Content)
	}
}

func TestBadInputGetsAClearReply(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	h.command(ali, general, "frobnicate")
	h.waitReply(ali, "I don't know `frobnicate`")
	h.command(ali, general, "")
	h.waitReply(ali, "/incident declare")
	h.command(ali, general, "status identified")
	h.waitReply(ali, "isn't an incident channel")
	h.command(ali, general, "timeline")
	h.command(ali, general, "declare P1 ")
	h.waitFor("declare modal", func() bool { return len(h.emu.Views()) == 1 })

	long := "P2 " + strings.Repeat("🔥 db down ", 300)
	ch := h.declare(long)
	if !incident.ValidChannelName(ch.Name) || len(ch.Name) > 80 {
		t.Errorf("channel name %q breaks Slack's rules", ch.Name)
	}
	inc := h.incident(ch.ID)
	if len([]rune(inc.Title)) > incident.MaxTitle || inc.Description == "" {
		t.Errorf("long title not cut with the full text kept: title %d runes, description %d", len([]rune(inc.Title)), len(inc.Description))
	}
	for _, m := range h.emu.Ephemerals(ali) {
		if strings.Contains(m.Text, "panic") || strings.Contains(m.Text, "runtime error") {
			t.Errorf("a Go error reached the user: %s", m.Text)
		}
	}
}

func TestDeclareModal(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	h.command(ali, general, "declare")
	h.waitFor("modal", func() bool { return len(h.emu.Views()) == 1 })
	v := h.emu.Views()[0]
	ack, err := h.emu.SubmitView(h.ctx, ali, v.ID, map[string]map[string]string{
		"title": {"title": "   "}, "severity": {"severity": "P2"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), `"response_action":"errors"`) || !strings.Contains(string(ack), `"title"`) {
		t.Errorf("empty title ack = %s, want field errors", ack)
	}
	if _, err := h.emu.SubmitView(h.ctx, ali, v.ID, map[string]map[string]string{
		"title": {"title": "Payments webhooks failing"}, "severity": {"severity": "P2"},
		"description": {"description": "Stripe says 401"}}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("declared from the modal", func() bool {
		_, ok := h.emu.ChannelByName("inc-001-payments-webhooks-failing")
		return ok
	})
	ch, _ := h.emu.ChannelByName("inc-001-payments-webhooks-failing")
	h.waitFor("incident stored", func() bool {
		n, ok, _ := h.store.ChannelIncident(h.ctx, ch.ID)
		return ok && n == 1
	})
	inc := h.incident(ch.ID)
	if inc.Severity != incident.P2 || inc.Description != "Stripe says 401" {
		t.Errorf("incident from modal = %+v", inc)
	}
}

func TestReconnectsAfterDisconnectAndDroppedNetwork(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("reconnect")
	h.emu.Disconnect("refresh_requested")
	h.waitFor("reconnect", func() bool { return h.emu.Connections() == 2 })
	h.post(ali, ch.ID, "after refresh")
	h.emu.DropConnections()
	h.waitFor("reconnect after drop", func() bool { return h.emu.Connections() == 2 })
	h.post(ali, ch.ID, "after drop")
	h.settled()
	if got := messagesOf(h.timeline(ch.ID)); strings.Join(got, "|") != "after refresh|after drop" {
		t.Errorf("timeline = %q", got)
	}
}

func TestRestartKeepsTheTimeline(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("restart")
	h.post(ali, ch.ID, "before restart")
	h.settled()
	h.stop()
	h.startBot()
	h.post(ali, ch.ID, "after restart")
	h.settled()
	h.command(ali, ch.ID, "timeline")
	h.waitReply(ali, "after restart")
	if !strings.Contains(h.replies(ali), "before restart") {
		t.Errorf("timeline lost a message across restart: %s", h.replies(ali))
	}
}

func TestSlackRateLimitsAreHonoured(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	h.emu.RateLimitNext("chat.postMessage", 1, time.Second)
	ch := h.declare("rate limited")
	h.waitFor("announcement after the 429", func() bool { return strings.Contains(h.channelText(announce), "declared") })
	if len(h.emu.Messages(ch.ID)) == 0 {
		t.Error("header never posted")
	}
}

// TestRedisOutageLosesNothing stops Redis mid-incident: events are not
// acked while it is down, Slack redelivers them, and once Redis is back
// every message is on the timeline exactly once.
func TestRedisOutageLosesNothing(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; scripts/test installs it")
	}
	port := freePort(t)
	dir := t.TempDir()
	startRedis := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			// fsync on every write: the test kills Redis with SIGKILL, and
			// what it checks is the bot's side (nothing acked is lost), not
			// Redis's everysec window.
			"--appendonly", "yes", "--appendfsync", "always", "--save", "")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if quietLogs() {
			cmd.Stdout, cmd.Stderr = nil, nil
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				c.Close()
				return cmd
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("redis did not start")
		return nil
	}
	redis := startRedis()
	t.Cleanup(func() { redis.Process.Kill(); redis.Wait() })

	h := newHarness(t, slackemu.Options{RedeliverAfter: 300 * time.Millisecond, MaxRetries: 100},
		withRedisURL(fmt.Sprintf("redis://127.0.0.1:%d/0", port)))
	ch := h.declare("redis outage")
	h.post(ali, ch.ID, "before outage")
	h.settled()

	redis.Process.Kill()
	redis.Wait()
	h.post(ali, ch.ID, "during outage 1")
	h.post(sam, ch.ID, "during outage 2")
	h.waitFor("unacked while Redis is down", func() bool { return len(h.emu.Unacked()) >= 2 })

	redis = startRedis()
	h.settled()
	got := messagesOf(h.timeline(ch.ID))
	if strings.Join(got, "|") != "before outage|during outage 1|during outage 2" {
		t.Errorf("timeline after outage = %q", got)
	}
}

func quietLogs() bool { return os.Getenv("TEST_LOG") == "" }

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSlackOutagesAreRetriedOnlyWhereSafe: a 5xx on an idempotent call
// (chat.update of the header, conversations.setTopic) is retried; a 5xx on
// chat.postMessage is not, because the first attempt may have posted.
func TestSlackOutagesAreRetriedOnlyWhereSafe(t *testing.T) {
	h := newHarness(t, slackemu.Options{})
	ch := h.declare("P3 flaky slack")
	h.emu.ServerErrorNext("chat.update", 1, 503)
	h.emu.ServerErrorNext("conversations.setTopic", 1, 500)
	h.command(ali, ch.ID, "status identified")
	h.waitFor("header updated after a 503", func() bool {
		for _, m := range h.emu.Messages(ch.ID) {
			if m.Pinned && strings.Contains(string(m.Blocks), "identified") {
				return true
			}
		}
		return false
	})
	h.waitFor("topic set after a 500", func() bool {
		c, _ := h.emu.ChannelByName(ch.Name)
		return strings.Contains(c.Topic, "identified")
	})
	posts := len(h.emu.Calls("chat.postMessage"))
	h.emu.ServerErrorNext("chat.postMessage", 1, 500)
	h.command(ali, ch.ID, "status monitoring")
	// The topic is set after the status line is posted.
	h.waitFor("the topic to follow", func() bool {
		c, _ := h.emu.ChannelByName(ch.Name)
		return strings.Contains(c.Topic, "monitoring")
	})
	if n := len(h.emu.Calls("chat.postMessage")) - posts; n != 1 {
		t.Errorf("chat.postMessage called %d times after a 500, want 1 (never blindly repeated)", n)
	}
}
