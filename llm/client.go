package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// complete makes one chat completion, retrying 429, 5xx and network failures
// with backoff (the server's Retry-After when it sends one) while ctx allows.
// Every request passes through Redact once more at this boundary, so nothing
// unredacted can leave even if a caller forgot.
func (d *Drafter) complete(ctx context.Context, system, user string) (string, usage, error) {
	req := openai.ChatCompletionRequest{
		Model: d.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: Redact(system)},
			{Role: openai.ChatMessageRoleUser, Content: Redact(user)},
		},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
		Temperature:    0.2,
	}
	var spent usage
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return "", spent, fmt.Errorf("llm: before attempt %d: %w", attempt+1, context.Cause(ctx))
		}
		content, u, wait, err := d.attempt(ctx, req)
		spent.add(u)
		if err == nil {
			return content, spent, nil
		}
		retry, _ := classify(err)
		if !retry || attempt >= d.cfg.MaxRetries {
			return "", spent, fmt.Errorf("llm: chat completion after %d attempt(s): %w", attempt+1, err)
		}
		if wait <= 0 {
			wait = backoff(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlast the draft's deadline: give up now and
			// let the template answer sooner.
			return "", spent, fmt.Errorf("llm: retry in %s would pass the deadline: %w", wait, err)
		}
		d.log.Info("llm: retrying chat completion", "attempt", attempt+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", spent, fmt.Errorf("llm: waiting to retry: %w (last error: %w)", context.Cause(ctx), err)
		case <-t.C:
		}
	}
}

// attempt is one HTTP call under its own timeout. wait is the server's
// Retry-After, if any.
func (d *Drafter) attempt(ctx context.Context, req openai.ChatCompletionRequest) (content string, u usage, wait time.Duration, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.Timeout, errDeadline)
	defer cancel()
	hint := &retryHint{}
	ctx = context.WithValue(ctx, hintKey{}, hint)
	resp, err := d.client.CreateChatCompletion(ctx, req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return "", usage{}, hint.get(), err
	}
	u = d.usageOf(resp.Usage)
	if len(resp.Choices) == 0 {
		return "", u, 0, fmt.Errorf("%w: no choices", errUnreadable)
	}
	return resp.Choices[0].Message.Content, u, 0, nil
}

// classify sorts a failed call into retryable or not, in one place: 429 and
// 5xx are retried, as are network errors; timeouts and cancellation are not
// (the draft's deadline is spent), nor are other 4xx (they will not change).
func classify(err error) (retryable bool, status int) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, errDeadline) {
		return false, 0
	}
	if apiErr, ok := errors.AsType[*openai.APIError](err); ok {
		status = apiErr.HTTPStatusCode
	} else if reqErr, ok := errors.AsType[*openai.RequestError](err); ok {
		status = reqErr.HTTPStatusCode
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return true, status
	case status != 0:
		return false, status
	}
	// Not an HTTP answer at all: a refused or reset connection.
	return true, 0
}

// reasonFor is the sentence a person sees for why the template was used.
func reasonFor(err error, timeout time.Duration) string {
	if errors.Is(err, errDeadline) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("the AI did not answer within %s", timeout)
	}
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled"
	}
	switch _, status := classify(err); {
	case status == http.StatusTooManyRequests:
		return "the AI provider is rate-limiting us (HTTP 429)"
	case status >= 500:
		return fmt.Sprintf("the AI provider failed (HTTP %d)", status)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Sprintf("the AI provider refused our API key (HTTP %d)", status)
	case status != 0:
		return fmt.Sprintf("the AI provider rejected the request (HTTP %d)", status)
	}
	if errors.Is(err, errUnreadable) {
		return "the AI's answer could not be read as a draft"
	}
	return "the AI provider could not be reached"
}

// backoff is the wait before retry attempt+1 when the server gave none.
func backoff(attempt int) time.Duration {
	return min(250*time.Millisecond<<attempt, 4*time.Second)
}

// go-openai's errors do not carry response headers, so a small HTTPDoer
// records Retry-After into a hint the caller put in the request's context.
type hintKey struct{}

type retryHint struct {
	mu   sync.Mutex
	wait time.Duration
}

func (h *retryHint) get() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wait
}

type hintDoer struct{ c *http.Client }

func (h hintDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := h.c.Do(req)
	if err != nil {
		return resp, err
	}
	if hint, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
		if wait, ok := RetryAfter(resp.Header, time.Now()); ok {
			hint.mu.Lock()
			hint.wait = wait
			hint.mu.Unlock()
		}
	}
	return resp, nil
}

// RetryAfter reads how long a server asked us to wait: OpenAI's
// retry-after-ms, else Retry-After in seconds or as an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
