package linear

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/internal/retry"
)

// request is a GraphQL request as Linear takes it: POST, JSON
// {query, variables, operationName} (https://linear.app/developers/graphql).
type request struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
	OperationName string         `json:"operationName,omitempty"`
}

// gqlError is one entry of a GraphQL answer's errors. Linear puts its own
// code (RATELIMITED, AUTHENTICATION_ERROR, INPUT_ERROR, …) and often the
// intended HTTP status in extensions, and a sentence meant for people in
// userPresentableMessage (@linear/sdk src/error.ts reads type,
// userError and userPresentableMessage; the rate-limit page,
// https://linear.app/developers/rate-limiting, names code RATELIMITED).
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code                   string `json:"code"`
		Type                   string `json:"type"`
		StatusCode             int    `json:"statusCode"`
		UserPresentableMessage string `json:"userPresentableMessage"`
	} `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do sends one GraphQL request and decodes its data into out. A failure
// is an *answerError (or a transport error) marked with the status that
// says what happened, for retry.Classify: GraphQL failures come back as
// HTTP 200 or 400 with an errors array, so the status alone says little.
func (c *Client) do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	b, err := json.Marshal(request{Query: query, Variables: vars, OperationName: op})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	// A personal API key is sent as it is, without "Bearer" (which is for
	// OAuth tokens): https://linear.app/developers/graphql, "Authentication".
	req.Header.Set("Authorization", c.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return retry.WithStatus(fmt.Errorf("read the answer: %w", err), res.StatusCode)
	}
	var r response
	jerr := json.Unmarshal(data, &r)
	if res.StatusCode/100 == 2 && jerr == nil && len(r.Errors) == 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("decode the answer: %w", err)
		}
		return nil
	}
	if res.StatusCode/100 == 2 && jerr != nil {
		return fmt.Errorf("decode the answer: %w", jerr)
	}
	// A server that echoes the request must not put the key in a log.
	data = bytes.ReplaceAll(data, []byte(c.key), []byte("[redacted]"))
	a := newAnswerError(res.StatusCode, r.Errors, data)
	return retry.After(retry.WithStatus(a, a.status), rateLimitWait(res.Header, time.Now()))
}

// rateLimitWait is how long Linear asked us to wait: Retry-After when
// sent (@linear/sdk reads it), else the reset of whichever budget is
// spent. The X-RateLimit-{Requests,Complexity,Endpoint-Requests}-
// {Remaining,Reset} headers and resets in UTC epoch milliseconds are from
// https://linear.app/developers/rate-limiting. Zero means the backoff.
func rateLimitWait(h http.Header, now time.Time) time.Duration {
	if d, ok := retry.RetryAfter(h, now); ok {
		return d
	}
	for _, budget := range []string{"Requests", "Complexity", "Endpoint-Requests"} {
		if strings.TrimSpace(h.Get("X-RateLimit-"+budget+"-Remaining")) != "0" {
			continue
		}
		if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-"+budget+"-Reset")), 10, 64); err == nil {
			if d := time.UnixMilli(ms).Sub(now); d > 0 {
				return min(d, retry.MaxWait)
			}
		}
	}
	return 0
}
