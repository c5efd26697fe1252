package incident

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned by stores when the thing asked for does not exist.
// Adapters return it (wrapped) so callers can test with errors.Is.
var ErrNotFound = errors.New("not found")

// Error codes. A code says what kind of failure it is; the Message says it to
// a person.
const (
	EInvalid     = "invalid"      // the user's input cannot be used
	ENotFound    = "not_found"    // the thing asked for does not exist
	ENotIncident = "not_incident" // the command needs an incident channel
	ENoop        = "noop"         // nothing to do: already in that state
	EConflict    = "conflict"     // someone else got there first
	EForbidden   = "forbidden"    // not allowed for this user
	EUnavailable = "unavailable"  // a dependency is down; try again
	EInternal    = "internal"     // our fault; the log has the details
)

// Error is a failure with a code and a sentence written for the person who
// hit it. Internal causes belong in a wrapped error, never in Message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message a user should see for err. Errors that are
// not *Error are internal: the user gets an apology, the log gets err.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Sorry, something went wrong on our side. It has been logged; please try again in a moment."
}
