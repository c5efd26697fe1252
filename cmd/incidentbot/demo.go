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
	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/slackemu"
	"github.com/incidentbot/incidentbot/llm"
	"github.com/incidentbot/incidentbot/runbooks"
	"github.com/incidentbot/incidentbot/store"
)

const announceChannel = "C0INCIDENTS"

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
	b, _, err := assemble(ctx, parts{
		creds:    bot.Credentials{AppToken: emu.AppToken(), BotToken: emu.BotToken(), APIURL: emu.URL()},
		handlers: handlers.Config{AnnounceChannel: announceChannel},
		bot:      bot.Config{ReminderSpec: "-"},
		store:    st, runbooks: rb, logger: logger,
		drafter: llm.New(llm.Config{APIKey: getenv("OPENAI_API_KEY"), BaseURL: getenv("OPENAI_BASE_URL"), Model: getenv("OPENAI_MODEL")}, logger),
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
		fmt.Fprintf(stdout, "\n════ file %s ════\n%s\n", f.Name, f.Content)
	}
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
	fmt.Fprintf(s.out, "» @%s: /incident %s\n", nameOf(user), text)
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

func nameOf(id string) string {
	return strings.ToLower(strings.TrimLeft(id, "U0123456789"))
}

func (s *script) play() error {
	const ali, sam, kim = "U01ALI", "U02SAM", "U03KIM"
	s.command(ali, announceChannel, "declare P1 Checkout returns 500 after deploy")
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
	for _, u := range []string{sam, kim} {
		if err := s.emu.JoinChannel(s.ctx, u, s.channel); err != nil {
			return err
		}
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
	// Slack escapes mentions in slash commands (should_escape in the manifest).
	s.command(ali, s.channel, "role comms <@"+sam+"|sam>")
	s.settle()
	s.command(ali, s.channel, "status monitoring")
	s.settle()
	s.command(ali, s.channel, "update")
	s.settle()
	s.approveLatestDraft(sam)
	s.settle()
	s.command(ali, s.channel, "resolve")
	s.settle()
	s.command(ali, s.channel, "timeline")
	s.settle()
	return s.err
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

func errOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
