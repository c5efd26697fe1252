package bot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/internal/retry/slackretry"
)

// urlResponder answers through an interaction's response_url: it works in
// any channel, including ones the bot is not a member of.
type urlResponder struct {
	url    string
	client *http.Client
}

// replyRetry repeats a reply Slack refused with a 429 only: a response_url
// takes five posts, and after a 5xx the first may already have landed.
var replyRetry = retry.Policy{MaxRetries: 3, Base: 250 * time.Millisecond, Max: 2 * time.Second, RejectedOnly: true}

func (r urlResponder) Reply(ctx context.Context, m handlers.Message) error {
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text}
	if len(m.Blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: m.Blocks}
	}
	err := replyRetry.Do(ctx, func(ctx context.Context) error {
		return slackretry.Mark(slack.PostWebhookCustomHTTPContext(ctx, r.url, r.client, msg))
	})
	if err != nil {
		return fmt.Errorf("reply via response_url: %w", err)
	}
	return nil
}

// ephemeralResponder answers with chat.postEphemeral, for interactions that
// have no response_url (modal submissions). postEphemeral only works where
// the bot is a member, and a modal can be opened from any channel, so when
// Slack refuses it for that reason (or there is no channel) the reply goes
// to the person's DM with the app instead: a private reply is never lost.
type ephemeralResponder struct {
	api interface {
		handlers.Ephemeral
		handlers.Poster
	}
	channel string
	user    string
}

func (r ephemeralResponder) Reply(ctx context.Context, m handlers.Message) error {
	if r.channel != "" {
		err := r.api.Ephemeral(ctx, r.channel, r.user, m)
		if !isSlackError(err, "not_in_channel") && !isSlackError(err, "channel_not_found") &&
			!isSlackError(err, "user_not_in_channel") {
			return err
		}
	}
	// chat.postMessage to a user ID posts in their DM with the app.
	if _, err := r.api.Post(ctx, r.user, m); err != nil {
		return fmt.Errorf("reply to %s by DM: %w", r.user, err)
	}
	return nil
}

// tsTime turns a Slack ts ("1700000000.000100") into a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000).UTC()
}
