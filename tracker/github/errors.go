package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// secondaryWait is how long to wait after a secondary rate limit that
// names no time: "wait for at least one minute before retrying"
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
const secondaryWait = time.Minute

// mark turns what go-github returned into an error that carries the HTTP
// status (for retry.Classify), the wait GitHub asked for (retry.After) and
// a sentence a person can act on. what names the thing asked about
// ("repository acme/app", "issue acme/app#12").
func (c *Client) mark(err error, what string) error {
	if err == nil {
		return nil
	}
	if retry.StatusOf(err) != 0 {
		return err // already marked (the App token exchange)
	}
	var (
		status  int
		header  http.Header
		message string
		limited bool // GitHub refused because of a rate limit
		wait    time.Duration
	)
	if e, ok := errors.AsType[*gh.RateLimitError](err); ok && e.Response != nil {
		status, header, message, limited = e.Response.StatusCode, e.Response.Header, e.Message, true
		wait = time.Until(e.Rate.Reset.Time)
	} else if e, ok := errors.AsType[*gh.AbuseRateLimitError](err); ok && e.Response != nil {
		status, header, message, limited = e.Response.StatusCode, e.Response.Header, e.Message, true
		wait = secondaryWait
		if e.RetryAfter != nil {
			wait = *e.RetryAfter
		}
	} else if e, ok := errors.AsType[*gh.ErrorResponse](err); ok && e.Response != nil {
		status, header, message = e.Response.StatusCode, e.Response.Header, e.Message
		for _, d := range e.Errors {
			message += "; " + detail(d)
		}
		// A 429 is always a rate limit; a 403 is one when the primary
		// limit is spent (go-github reports that one above).
		if limited = status == http.StatusTooManyRequests; limited {
			wait = rateWait(header)
		}
	} else if errors.Is(err, context.Canceled) {
		return err // the caller gave up; GitHub is not to blame
	} else {
		// No answer: a dropped connection, a timeout, a refused dial. The
		// cause stays in the chain so retry.Classify still sees it.
		return fmt.Errorf("%w: %w", incident.Errorf(incident.EUnavailable,
			"GitHub could not be reached: check GITHUB_API_URL and the network"), err)
	}
	if c.token != "" {
		message = strings.ReplaceAll(message, c.token, "[redacted]")
	}
	message = strings.ToValidUTF8(message, "")
	if len(message) > 300 {
		message = message[:300] + "…"
	}
	sentence := c.sentence(status, limited, what)
	out := fmt.Errorf("%w (HTTP %d: %s)", incident.Errorf(incident.EUnavailable, "%s", sentence), status, message)
	if limited {
		// Marked 429 even when GitHub said 403: the request was refused
		// before it was acted on, so even a create may be sent again.
		status = http.StatusTooManyRequests
	}
	return retry.After(retry.WithStatus(out, status), wait)
}

// sentence says what a refusal means and which setting to check.
func (c *Client) sentence(status int, limited bool, what string) string {
	switch {
	case limited:
		return fmt.Sprintf("GitHub is rate-limiting %s: try again in a few minutes", c.authEnv)
	case status == http.StatusUnauthorized:
		return fmt.Sprintf("GitHub refused the credentials: check %s", c.authEnv)
	case status == http.StatusForbidden:
		return fmt.Sprintf("GitHub did not allow this on %s: check that %s may read and write its issues (and create its labels)", what, c.authEnv)
	case status == http.StatusNotFound:
		// GitHub answers 404, not 403, for a private repository the
		// credentials cannot see.
		return fmt.Sprintf("GitHub has no %s that %s can see: check the tracker in the config file and the access of %s", what, c.authEnv, c.authEnv)
	case status == http.StatusGone:
		return fmt.Sprintf("GitHub says %s is gone, or issues are turned off in that repository", what)
	case status == http.StatusUnprocessableEntity:
		return fmt.Sprintf("GitHub refused the issue for %s", what)
	case status >= 500:
		return fmt.Sprintf("GitHub is having trouble (HTTP %d): try again in a few minutes, and check GITHUB_API_URL if you use GitHub Enterprise", status)
	}
	return fmt.Sprintf("GitHub refused the request for %s (HTTP %d)", what, status)
}

// rateWait is the wait a rate-limited answer asks for: Retry-After, else
// the primary limit's reset time (x-ratelimit-reset, epoch seconds), else
// a minute (same doc as secondaryWait).
func rateWait(h http.Header) time.Duration {
	if d, ok := retry.RetryAfter(h, time.Now()); ok {
		return d
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			return min(max(time.Until(time.Unix(s, 0)), 0), retry.MaxWait)
		}
	}
	return secondaryWait
}

// detail is one of a 422's validation errors, as GitHub words them
// (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#validation-failed).
func detail(e gh.Error) string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s %s is %s", strings.ToLower(e.Resource), e.Field, e.Code)
}

// unassignable reports whether err is GitHub refusing the assignee (422,
// field "assignees" or "assignee", code "invalid"): the user is not a
// collaborator who can be assigned.
func unassignable(err error) bool {
	e, ok := errors.AsType[*gh.ErrorResponse](err)
	if !ok || e.Response == nil || e.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, d := range e.Errors {
		if d.Field == "assignees" || d.Field == "assignee" {
			return true
		}
	}
	return false
}
