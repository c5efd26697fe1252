//go:build !nodemo

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/incidentbot/incidentbot/bot"
	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/insights"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/store"
	"github.com/incidentbot/incidentbot/tracker/github"
)

const announceChannel = "C0INCIDENTS"

// demoCatalog is the demo's config file: one service with an owner and a
// dashboard, as examples/incidentbot.yaml shows in full.
const demoCatalog = `services:
  - name: checkout
    aliases: [shop]
    owners: [U03KIM]
    dashboards:
      - name: Checkout overview
        url: https://grafana.example.com/d/checkout
    runbooks: [checkout]
    status_component: Checkout
  - name: payments-db
    status_component: Payments
severities:
  P1:
    description: Customers cannot pay or sign in
status_page:
  title: Acme status
  name: Acme
tracker: github:acme/checkout
users:
  - slack: U02SAM
    github: sam-acme
workflows:
  - name: checkout-major
    on: [declared, severity_changed]
    if:
      severity: [P1, P2]
      service: [checkout]
    do:
      - post: "{{.ID}} is on checkout, our paying path. Dashboards:{{range .Service.Dashboards}} <{{.URL}}|{{.Name}}>{{end}}"
      - checklist: comms
      - cadence: 15m
`

// demo runs the real bot against the local Slack emulator and an embedded
// Redis (miniredis, unless REDIS_URL is set), plays a short incident, and
// prints what people in Slack would have seen. No accounts are needed.
func demo(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	emu := slackemu.New(slackemu.Options{})
	defer emu.Close()
	people := []struct{ id, name string }{{"U01ALI", "ali"}, {"U02SAM", "sam"}, {"U03KIM", "kim"}}
	for _, p := range people {
		emu.AddUser(p.id, p.name)
	}
	emu.AddChannel(announceChannel, "incidents")

	redisURL := getenv("REDIS_URL")
	if redisURL == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return fmt.Errorf("start embedded Redis: %w", err)
		}
		defer mr.Close()
		redisURL = "redis://" + mr.Addr()
	}
	st, err := store.New(ctx, redisURL, store.Options{Prefix: "demo:"})
	if err != nil {
		return err
	}
	defer st.Close()
	rb, err := runbooks.Open(ctx, "", logger)
	if err != nil {
		return fmt.Errorf("starter runbooks: %w", err)
	}
	file, err := configfile.Parse("demo.yaml", []byte(demoCatalog))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	// A local GitHub, as the tracker the follow-ups go to.
	gh := githubfake.New("demo-token", "acme/checkout")
	defer gh.Close()
	gh.SetAssignable("sam-acme")
	ghc, err := github.New(github.Config{Token: "demo-token", APIURL: gh.URL()})
	if err != nil {
		return err
	}
	b, _, err := assemble(ctx, parts{
		creds:    bot.Credentials{AppToken: emu.AppToken(), BotToken: emu.BotToken(), APIURL: emu.URL()},
		handlers: handlers.Config{AnnounceChannel: announceChannel},
		bot:      bot.Config{ReminderSpec: "-", HTTPAddr: "127.0.0.1:0"},
		insights: insights.NewMaker(st, nil),
		store:    st, runbooks: rb, logger: logger, catalog: configfile.NewLive(file), getenv: getenv,
		trackers: trackers{clients: map[incident.TrackerKind]handlers.Tracker{incident.TrackerGitHub: ghc}},
		drafter:  llm.New(llm.Config{APIKey: getenv("OPENAI_API_KEY"), BaseURL: getenv("OPENAI_BASE_URL"), Model: getenv("OPENAI_MODEL")}, logger),
	})
	if err != nil {
		return err
	}
	runCtx, stopBot := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	defer func() { stopBot(); <-done }()
	select {
	case <-b.Connected():
	case <-ctx.Done():
		return fmt.Errorf("the bot did not connect to the emulator: %w", ctx.Err())
	}

	s := &script{ctx: ctx, emu: emu, out: stdout}
	if err := s.play(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n════ #incidents (announce channel) ════\n%s\n", emu.Render(announceChannel))
	fmt.Fprintf(stdout, "\n════ #%s, as @ali sees it ════\n%s\n", s.channelName, emu.RenderFor(s.channel, "U01ALI"))
	for _, f := range emu.Files(s.channel) {
		fmt.Fprintf(stdout, "\n════ file %s ════\n%s\n", f.Name, fileHead(f.Name, string(f.Content)))
	}
	fmt.Fprintf(stdout, "\n════ @ali's direct messages with the bot ════\n%s\n", emu.RenderFor(dmOf("U01ALI"), "U01ALI"))
	for _, f := range emu.Files(dmOf("U01ALI")) {
		fmt.Fprintf(stdout, "(with the chart %s, %d KB)\n", f.Name, len(f.Content)/1024)
	}
	page, err := statusPageText(ctx, "http://"+b.HTTPAddr().String())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n════ the status page at http://%s/status, as customers read it ════\n%s", b.HTTPAddr(), page)
	return nil
}

// script is the scripted incident.
type script struct {
	ctx         context.Context
	emu         *slackemu.Emulator
	out         io.Writer
	channel     string
	channelName string
	err         error
}

func (s *script) say(user, text string) string {
	if s.err != nil {
		return ""
	}
	ts, err := s.emu.PostMessage(s.ctx, user, s.channel, text)
	s.err = err
	return ts
}

func (s *script) command(user, channel, text string) {
	if s.err != nil {
		return
	}
	fmt.Fprintf(s.out, "» @%s: /incident %s\n", nameOf(user), s.emu.Plain(text))
	_, s.err = s.emu.SlashCommand(s.ctx, user, channel, text)
}

// settle waits until every event was acked and the bot stopped calling
// Slack for a moment, so the next step sees the last one's effects.
func (s *script) settle() {
	if s.err != nil {
		return
	}
	calls := -1
	s.err = s.emu.WaitFor(s.ctx, func() bool {
		n := len(s.emu.Calls(""))
		stable := n == calls && len(s.emu.Unacked()) == 0
		calls = n
		if !stable {
			time.Sleep(40 * time.Millisecond)
		}
		return stable
	})
}

// dmOf is the emulator's DM channel with a person.
func dmOf(userID string) string { return "D" + strings.TrimPrefix(userID, "U") }

func nameOf(id string) string {
	return strings.ToLower(strings.TrimLeft(id, "U0123456789"))
}

func (s *script) play() error {
	const ali, sam, kim = "U01ALI", "U02SAM", "U03KIM"
	s.command(ali, announceChannel, "declare P1 checkout: Checkout returns 500 after deploy")
	s.err = errOr(s.err, s.emu.WaitFor(s.ctx, func() bool { return len(s.emu.Channels()) > 1 }))
	s.settle()
	if s.err != nil {
		return s.err
	}
	for _, ch := range s.emu.Channels() {
		if strings.HasPrefix(ch.Name, "inc-") {
			s.channel, s.channelName = ch.ID, ch.Name
		}
	}
	// kim owns checkout in the catalog, so the bot invited her; sam joins.
	if err := s.emu.JoinChannel(s.ctx, sam, s.channel); err != nil {
		return err
	}
	first := s.say(ali, "Checkout error rate at 38% since 14:02, started right after deploy 2291")
	s.say(sam, "Seeing 'too many connections' from payments-db in the checkout logs")
	hypo := s.say(sam, "Hypothesis: the new build opens a pool per request, exhausting Postgres connections")
	s.say(kim, "pg_stat_activity shows 498/500 connections, mostly idle in transaction from checkout")
	impact := s.say(ali, "Impact: roughly a third of checkouts failing for all EU customers")
	s.say(kim, "I can roll back to build 2290, takes about 4 minutes")
	decision := s.say(ali, "Decision: roll back now, investigate the pool change after")
	s.say(kim, "Rollback started")
	done := s.say(kim, "Rollback to 2290 complete, connections dropping: 212/500")
	s.say(sam, "Error rate back under 0.5%")
	typo := s.say(ali, "Customer support notified; status page updted")
	s.say(ali, "Keeping an eye on it for 15 minutes before resolving")
	s.settle()
	if s.err == nil {
		_, err := s.emu.PostReply(s.ctx, sam, s.channel, hypo, "Confirmed: PR 4411 moved pool creation into the handler")
		s.err = err
	}
	if s.err == nil {
		s.err = s.emu.EditMessage(s.ctx, ali, s.channel, typo, "Customer support notified; status page updated")
	}
	for _, r := range []struct{ user, ts, emoji string }{
		{ali, first, "pushpin"}, {sam, hypo, "bulb"}, {ali, impact, "rotating_light"},
		{ali, decision, "rewind"}, {kim, done, "white_check_mark"},
	} {
		if s.err == nil {
			s.err = s.emu.AddReaction(s.ctx, r.user, s.channel, r.ts, r.emoji)
		}
	}
	s.settle()
	// The :bulb: mark offered sam to record the hypothesis.
	s.clickOffer(sam, handlers.ActionSetHypothesis)
	s.settle()
	// Slack escapes mentions in slash commands (should_escape in the manifest).
	s.command(ali, s.channel, "role comms <@"+sam+"|sam>")
	s.command(ali, s.channel, "set impact about a third of EU checkouts fail")
	s.command(ali, s.channel, "set customers 4200")
	s.command(ali, s.channel, "set detected-by alert")
	s.command(ali, s.channel, "set trigger deploy 2291")
	s.settle()
	s.command(ali, s.channel, "status monitoring")
	s.settle()
	s.command(ali, s.channel, "update")
	s.settle()
	s.approveLatestDraft(sam)
	s.settle()
	// Customers read their own words, and only once someone approves them.
	s.command(sam, s.channel, "update public")
	s.settle()
	s.approveLatestDraft(sam)
	s.settle()
	s.command(sam, s.channel, "comms customers")
	// The workflow attached the comms checklist; sam ticks the two
	// required items, so resolving does not have to ask.
	s.tick(sam, "0")
	s.settle()
	s.tick(sam, "1")
	s.settle()
	s.command(ali, s.channel, "resolve")
	s.settle()
	// Resolving offered the closing customer update.
	s.approveLatestDraft(sam)
	s.settle()
	s.command(sam, s.channel, "set root-cause PR 4411 created a connection pool per request, exhausting payments-db connections")
	s.command(ali, s.channel, "set ai code")
	s.command(ali, s.channel, "set postmortem-owner <@"+sam+"|sam>")
	s.settle()
	s.command(sam, s.channel, "action add Alert when payments-db passes 80% of max_connections <@"+sam+"|sam> due "+
		time.Now().UTC().AddDate(0, 0, 14).Format(time.DateOnly))
	s.settle()
	s.command(sam, s.channel, "actions")
	s.settle()
	s.clickItem(sam, handlers.ActionItemExport, "Open issue in GitHub")
	s.settle()
	s.command(ali, s.channel, "timeline")
	s.command(ali, s.channel, "export")
	s.command(ali, s.channel, "insights 30d")
	// Drawing the chart takes longer than settle's quiet moment.
	s.err = errOr(s.err, s.emu.WaitFor(s.ctx, func() bool { return len(s.emu.Files(dmOf(ali))) > 0 }))
	s.settle()
	return s.err
}

// tick ticks item value of the newest checklist message in the channel.
func (s *script) tick(user, value string) {
	if s.err != nil {
		return
	}
	msgs := s.emu.Messages(s.channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(string(msgs[i].Blocks), handlers.ActionChecklistToggle) {
			fmt.Fprintf(s.out, "» @%s ticks %q on the checklist\n", nameOf(user), msgs[i].CheckboxLabel(handlers.ActionChecklistToggle, value))
			_, s.err = s.emu.ToggleCheckbox(s.ctx, user, s.channel, msgs[i].TS, handlers.ActionChecklistToggle, value)
			return
		}
	}
	s.err = fmt.Errorf("no checklist was posted in the channel")
}

// clickItem clicks actionID on the newest action item list user was shown.
func (s *script) clickItem(user, actionID, label string) {
	if s.err != nil {
		return
	}
	msgs := s.emu.Ephemerals(user)
	for i := len(msgs) - 1; i >= 0; i-- {
		if v := msgs[i].ButtonValue(actionID); v != "" {
			fmt.Fprintf(s.out, "» @%s clicks %q\n", nameOf(user), label)
			_, s.err = s.emu.ClickButton(s.ctx, user, s.channel, msgs[i].TS, actionID, v)
			return
		}
	}
	s.err = fmt.Errorf("no action item list with %s was shown to %s", actionID, user)
}

// clickOffer clicks a button on the newest private message user has.
func (s *script) clickOffer(user, actionID string) {
	if s.err != nil {
		return
	}
	msgs := s.emu.Ephemerals(user)
	for i := len(msgs) - 1; i >= 0; i-- {
		if v := msgs[i].ButtonValue(actionID); v != "" {
			fmt.Fprintf(s.out, "» @%s clicks %q on the :bulb: offer\n", nameOf(user), "Set as hypothesis")
			_, s.err = s.emu.ClickButton(s.ctx, user, s.channel, msgs[i].TS, actionID, v)
			return
		}
	}
	s.err = fmt.Errorf("no private message with %s was shown to %s", actionID, user)
}

// approveLatestDraft clicks Approve on the newest draft message.
func (s *script) approveLatestDraft(user string) {
	if s.err != nil {
		return
	}
	msgs := s.emu.Messages(s.channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		id := msgs[i].ButtonValue(handlers.ActionApprove)
		if id == "" {
			continue
		}
		fmt.Fprintf(s.out, "» @%s clicks Approve on the draft\n", nameOf(user))
		_, s.err = s.emu.ClickButton(s.ctx, user, s.channel, msgs[i].TS, handlers.ActionApprove, id)
		return
	}
	s.err = fmt.Errorf("no draft with an Approve button was posted")
}

// fileHead shortens a JSON file to its first lines: the Markdown says the
// same for people, and the JSON is for scripts.
func fileHead(name, content string) string {
	const keep = 30
	lines := strings.Split(content, "\n")
	if !strings.HasSuffix(name, ".json") || len(lines) <= keep {
		return content
	}
	return strings.Join(lines[:keep], "\n") + fmt.Sprintf("\n… %d more lines", len(lines)-keep)
}

func errOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
