package linear

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// errNoEntity is in the chain of an answer saying the thing asked for
// does not exist: "Entity not found: Issue", code INPUT_ERROR, under HTTP
// 200 (as Linear answers issue(id:) for an unknown id).
var errNoEntity = errors.New("no such entity")

// answerError is a refusal: the sentence for a person, what Linear said,
// and a snippet of the raw answer for the log.
type answerError struct {
	kind     *incident.Error
	status   int // what the answer means, for retry.Classify (see newAnswerError)
	http     int // the HTTP status as sent
	code     string
	noEntity bool
	snippet  string
}

func (a *answerError) Error() string {
	if a.code != "" {
		return fmt.Sprintf("%s (HTTP %d, %s: %s)", a.kind.Message, a.http, a.code, a.snippet)
	}
	return fmt.Sprintf("%s (HTTP %d: %s)", a.kind.Message, a.http, a.snippet)
}

// Unwrap gives the sentence, and errNoEntity when that is what Linear said.
func (a *answerError) Unwrap() []error {
	if a.noEntity {
		return []error{a.kind, errNoEntity}
	}
	return []error{a.kind}
}

// newAnswerError reads a failed answer. Its status is the one that says
// what happened: a rate limit is 429 whether Linear sent HTTP 400 with
// code RATELIMITED (https://linear.app/developers/rate-limiting) or 429;
// otherwise extensions.statusCode when Linear gives one, the codes
// AUTHENTICATION_ERROR and FORBIDDEN as 401 and 403, and a refusal sent
// with HTTP 200 as 400, so it never reads as success.
func newAnswerError(httpStatus int, errs []gqlError, body []byte) *answerError {
	a := &answerError{status: httpStatus, http: httpStatus,
		snippet: strings.TrimSpace(strings.ToValidUTF8(string(body[:min(len(body), 300)]), ""))}
	var first gqlError
	if len(errs) > 0 {
		first = errs[0]
		a.code = first.Extensions.Code
	}
	for _, e := range errs {
		if e.Extensions.Code == "RATELIMITED" || e.Extensions.Type == "ratelimited" {
			a.status, a.code = http.StatusTooManyRequests, "RATELIMITED"
		}
	}
	switch {
	case a.status == http.StatusTooManyRequests || a.status >= 500:
	case first.Extensions.Code == "AUTHENTICATION_ERROR" || first.Extensions.Type == "authentication error":
		a.status = http.StatusUnauthorized
	case first.Extensions.Code == "FORBIDDEN" || first.Extensions.Type == "forbidden":
		a.status = http.StatusForbidden
	case first.Extensions.StatusCode >= 400 && first.Extensions.StatusCode <= 599:
		a.status = first.Extensions.StatusCode
	case a.status/100 == 2:
		a.status = http.StatusBadRequest
	}
	a.noEntity = strings.HasPrefix(first.Message, "Entity not found")
	a.kind = sentence(a.status, first)
	return a
}

// sentence says what a refusal means, naming what to check.
func sentence(status int, e gqlError) *incident.Error {
	said := strings.TrimSpace(or(e.Extensions.UserPresentableMessage, e.Message))
	switch {
	case status == http.StatusUnauthorized:
		return incident.Errorf(incident.EUnavailable, "Linear refused the API key: check %s (a personal API key, lin_api_…, sent without \"Bearer\")", EnvAPIKey)
	case status == http.StatusForbidden:
		return incident.Errorf(incident.EUnavailable, "Linear does not let the key in %s do this: it needs write access (or \"Create issues\") to the team", EnvAPIKey)
	case status == http.StatusNotFound:
		return incident.Errorf(incident.EUnavailable, "Linear's API is not at that address: check %s, or leave it unset for %s", EnvAPIURL, DefaultURL)
	case status == http.StatusTooManyRequests:
		return incident.Errorf(incident.EUnavailable, "Linear is rate-limiting the key in %s; try again in a few minutes", EnvAPIKey)
	case status >= 500:
		return incident.Errorf(incident.EUnavailable, "Linear is having trouble (HTTP %d); try again in a few minutes", status)
	case said != "":
		return incident.Errorf(incident.EInvalid, "Linear refused it: %s", said)
	}
	return incident.Errorf(incident.EInvalid, "Linear refused the request (HTTP %d)", status)
}

// refused reports a refusal that says the request made nothing: not a
// rate limit, a bad key, a server failure or a lost answer.
func refused(err error) bool {
	a, ok := errors.AsType[*answerError](err)
	return ok && a.status >= 400 && a.status < 500 && a.status != http.StatusTooManyRequests &&
		a.status != http.StatusUnauthorized && a.status != http.StatusForbidden
}
