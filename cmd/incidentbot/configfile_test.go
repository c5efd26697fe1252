package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

const goodFile = `services:
  - name: checkout
    pagerduty: env:PD_CHECKOUT_KEY
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesABadConfigFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "services:\n  - name: checkout\n    owner: [U0123ABCD]\n")
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, goodFile)
	base := map[string]string{"SLACK_APP_TOKEN": "xapp-1-A1-1-abc", "SLACK_BOT_TOKEN": "xoxb-1-abc"}
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"unknown key", map[string]string{"INCIDENTBOT_CONFIG": bad}, []string{"bad.yaml:3:5:", `"owner"`, "owners"}},
		{"missing file", map[string]string{"INCIDENTBOT_CONFIG": filepath.Join(dir, "nope.yaml")}, []string{"nope.yaml"}},
		{"unset secret", map[string]string{"INCIDENTBOT_CONFIG": good}, []string{"good.yaml:3:16:", "PD_CHECKOUT_KEY"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, func(k string) string { return env[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("run() = %v, want it to say %q", err, w)
				}
			}
		})
	}
}

// TestReloadKeepsTheLastGoodFile changes the file under a running reloader:
// a broken version is refused and reported in the announce channel (in
// Slack, through the emulator), a good one takes over.
func TestReloadKeepsTheLastGoodFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	emu := slackemu.New(slackemu.Options{})
	defer emu.Close()
	emu.AddChannel("C0ANNOUNCE", "incidents")
	session, err := bot.Connect(ctx, bot.Credentials{AppToken: emu.AppToken(), BotToken: emu.BotToken(), APIURL: emu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "incidentbot.yaml")
	writeFile(t, path, goodFile)
	getenv := func(k string) string { return map[string]string{"PD_CHECKOUT_KEY": "KEY1"}[k] }
	first, err := loadConfigFile(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	live := configfile.NewLive(first)
	r := &reloader{path: path, live: live, getenv: getenv, announce: "C0ANNOUNCE", poster: session.API,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	hup := make(chan struct{})
	go r.watch(ctx, hup)
	wait := func(what string, cond func() bool) {
		t.Helper()
		if err := emu.WaitFor(ctx, cond); err != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
	announced := func() string {
		var b strings.Builder
		for _, m := range emu.Messages("C0ANNOUNCE") {
			b.WriteString(m.Text)
		}
		return b.String()
	}

	writeFile(t, path, goodFile+"  - name: Payments\n")
	hup <- struct{}{}
	wait("the refusal", func() bool { return strings.Contains(announced(), "incidentbot.yaml:4:11:") })
	if !strings.Contains(announced(), "last good version stays in force") || live.Current() != first {
		t.Errorf("announce channel: %s; live changed: %v", announced(), live.Current() != first)
	}
	// A new env: reference nobody set is refused too.
	writeFile(t, path, goodFile+"  - name: payments\n    pagerduty: env:PD_PAYMENTS_KEY\n")
	hup <- struct{}{}
	wait("the second refusal", func() bool { return strings.Contains(announced(), "PD_PAYMENTS_KEY") })
	if live.Current() != first {
		t.Error("a file with an unset secret was applied")
	}
	writeFile(t, path, goodFile+"  - name: payments\n")
	hup <- struct{}{}
	wait("the good file", func() bool { return len(live.Services()) == 2 })
	if got := live.Services().Names(); strings.Join(got, ",") != "checkout,payments" {
		t.Errorf("services = %v", got)
	}
}
