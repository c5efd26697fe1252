package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// complete makes one chat completion, retrying what retry.Classify calls
// temporary (429, 5xx, network failures) with backoff, or the server's
// Retry-After when it sends one, while ctx allows. Every request passes
// through Redact once more at this boundary, so nothing unredacted can
// leave even if a caller forgot.
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
	var (
		spent   usage
		content string
	)
	// When a retry's wait would pass the draft's deadline, Do gives up at
	// once, so the template answers sooner.
	err := d.policy.Do(ctx, func(ctx context.Context) error {
		c, u, err := d.attempt(ctx, req)
		spent.add(u)
		content = c
		return err
	})
	if err != nil {
		return "", spent, fmt.Errorf("llm: chat completion: %w", err)
	}
	return content, spent, nil
}

// attempt is one HTTP call under its own timeout. A failure is marked with
// the HTTP status and the server's Retry-After, for the retry policy.
func (d *Drafter) attempt(ctx context.Context, req openai.ChatCompletionRequest) (content string, u usage, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.Timeout, errDeadline)
	defer cancel()
	hint := &retryHint{}
	ctx = context.WithValue(ctx, hintKey{}, hint)
	resp, err := d.client.CreateChatCompletion(ctx, req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return "", usage{}, retry.After(retry.WithStatus(err, httpStatus(err)), hint.get())
	}
	u = d.usageOf(resp.Usage)
	if len(resp.Choices) == 0 {
		return "", u, fmt.Errorf("%w: no choices", errUnreadable)
	}
	return resp.Choices[0].Message.Content, u, nil
}

// httpStatus is the status of the HTTP answer behind err, 0 when none came.
func httpStatus(err error) int {
	if apiErr, ok := errors.AsType[*openai.APIError](err); ok {
		return apiErr.HTTPStatusCode
	}
	if reqErr, ok := errors.AsType[*openai.RequestError](err); ok {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// reasonFor is the sentence a person sees for why the template was used.
func reasonFor(err error, timeout time.Duration) string {
	if errors.Is(err, errDeadline) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("the AI did not answer within %s", timeout)
	}
	if errors.Is(err, context.Canceled) {
		return "the request was cancelled"
	}
	switch status := httpStatus(err); {
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
		if wait, ok := retry.RetryAfter(resp.Header, time.Now()); ok {
			hint.mu.Lock()
			hint.wait = wait
			hint.mu.Unlock()
		}
	}
	return resp, nil
}
