// Package slackretry lets retry.Policy judge slack-go's errors, for the
// Slack calls slack-go's own retry wrapper does not cover (posting to an
// interaction's response_url, for one). It is apart from package retry so
// that the retry stage imports no vendor.
package slackretry

import (
	"errors"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// Mark marks err with what Slack answered, for retry.Classify: a
// *slack.RateLimitedError becomes HTTP 429 with its RetryAfter as the
// server's wait, a slack.StatusCodeError its Code. Other errors (network
// failures, {"ok":false} answers) are returned as they are, to be
// classified by what they are. Use it inside the function given to
// retry.Policy.Do:
//
//	err := policy.Do(ctx, func(ctx context.Context) error {
//		return slackretry.Mark(slack.PostWebhookCustomHTTPContext(ctx, url, client, msg))
//	})
func Mark(err error) error {
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return retry.After(retry.WithStatus(err, http.StatusTooManyRequests), rl.RetryAfter)
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		return retry.WithStatus(err, sc.Code)
	}
	return err
}
