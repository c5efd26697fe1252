package slackretry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/internal/retry/slackretry"
	"github.com/incidentbot/incidentbot/internal/slackemu"
)

func newEmu(t *testing.T) (*slackemu.Emulator, *slack.Client) {
	t.Helper()
	emu := slackemu.New(slackemu.Options{SuppressBotEvents: true})
	t.Cleanup(emu.Close)
	emu.AddChannel("CANNOUNCE", "incidents")
	// No slack-go retries: the errors must reach Mark as slack-go makes them.
	return emu, slack.New(emu.BotToken(), slack.OptionAPIURL(emu.URL()))
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestMark sorts the errors slack-go really returns, from the emulator and
// a dead server, through the one classifier.
func TestMark(t *testing.T) {
	post := func(c *slack.Client) func(context.Context) error {
		return func(ctx context.Context) error {
			_, _, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("x", false))
			return err
		}
	}
	tests := []struct {
		name       string
		setup      func(*slackemu.Emulator)
		call       func(emu *slackemu.Emulator, c *slack.Client) func(context.Context) error
		wantStatus int
		wantWait   time.Duration // 0: none
		wantRetry  bool
	}{
		{"rate limited", func(e *slackemu.Emulator) { e.RateLimitNext("chat.postMessage", 1, 3*time.Second) },
			func(_ *slackemu.Emulator, c *slack.Client) func(context.Context) error { return post(c) }, 429, 3 * time.Second, true},
		{"server error", func(e *slackemu.Emulator) { e.ServerErrorNext("chat.postMessage", 1, 503) },
			func(_ *slackemu.Emulator, c *slack.Client) func(context.Context) error { return post(c) }, 503, 0, true},
		{"not implemented", func(e *slackemu.Emulator) { e.ServerErrorNext("chat.postMessage", 1, 501) },
			func(_ *slackemu.Emulator, c *slack.Client) func(context.Context) error { return post(c) }, 501, 0, false},
		{"ok:false answer", func(e *slackemu.Emulator) { e.FailNext("chat.postMessage", "channel_not_found", 1) },
			func(_ *slackemu.Emulator, c *slack.Client) func(context.Context) error { return post(c) }, 0, 0, false},
		{"unknown response_url", nil, func(emu *slackemu.Emulator, _ *slack.Client) func(context.Context) error {
			url := strings.TrimSuffix(emu.URL(), "/api/") + "/response/made-up"
			return func(ctx context.Context) error {
				return slack.PostWebhookCustomHTTPContext(ctx, url, http.DefaultClient, &slack.WebhookMessage{Text: "hi"})
			}
		}, 404, 0, false},
		{"server gone", nil, func(*slackemu.Emulator, *slack.Client) func(context.Context) error {
			dead := httptest.NewServer(http.NotFoundHandler())
			dead.Close()
			return func(ctx context.Context) error {
				return slack.PostWebhookCustomHTTPContext(ctx, dead.URL, http.DefaultClient, &slack.WebhookMessage{Text: "hi"})
			}
		}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, c := newEmu(t)
			if tt.setup != nil {
				tt.setup(emu)
			}
			raw := tt.call(emu, c)(ctxT(t))
			if raw == nil {
				t.Fatal("the call succeeded; want a failure to mark")
			}
			err := slackretry.Mark(raw)
			if err.Error() != raw.Error() {
				t.Errorf("Mark changed the text: %q, was %q", err, raw)
			}
			if got := retry.StatusOf(err); got != tt.wantStatus {
				t.Errorf("StatusOf = %d, want %d (%v)", got, tt.wantStatus, raw)
			}
			if d, ok := retry.WaitOf(err); d != tt.wantWait || ok != (tt.wantWait > 0) {
				t.Errorf("WaitOf = %v, %v, want %v", d, ok, tt.wantWait)
			}
			if got := retry.Retryable(err); got != tt.wantRetry {
				t.Errorf("Retryable(%v) = %v, want %v", err, got, tt.wantRetry)
			}
		})
	}
	if slackretry.Mark(nil) != nil {
		t.Error("Mark(nil) is not nil")
	}
}

// A rate-limited post is retried after Slack's Retry-After and lands once.
func TestPolicyRetriesRateLimit(t *testing.T) {
	emu, c := newEmu(t)
	emu.RateLimitNext("chat.postMessage", 1, 2*time.Second)
	var waits []time.Duration
	p := retry.Policy{MaxRetries: 2, Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}}
	err := p.Do(ctxT(t), func(ctx context.Context) error {
		_, _, err := c.PostMessageContext(ctx, "CANNOUNCE", slack.MsgOptionText("status update", false))
		return slackretry.Mark(err)
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if !slices.Equal(waits, []time.Duration{2 * time.Second}) {
		t.Errorf("waits = %v, want Slack's 2s", waits)
	}
	if n := len(emu.Calls("chat.postMessage")); n != 2 {
		t.Errorf("%d calls, want 429 then ok", n)
	}
	if msgs := emu.Messages("CANNOUNCE"); len(msgs) != 1 || msgs[0].Text != "status update" {
		t.Errorf("messages = %+v, want the update once", msgs)
	}
}
