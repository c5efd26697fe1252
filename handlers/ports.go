// Package handlers decides what each Slack interaction does: declare, record,
// mark, update, approve, resolve, and the rest. It speaks domain types and the
// small interfaces below; the adapters in bot, store, llm, runbooks and pager
// satisfy them.
package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// ErrNotFound is returned by a Store when the thing asked for does not exist.
var ErrNotFound = incident.ErrNotFound

// ErrNameTaken is returned by Slack.CreateChannel when the name is in use.
var ErrNameTaken = errors.New("channel name taken")

// Store keeps incidents, their event logs and drafts.
type Store interface {
	// NextNumber allocates the next incident number.
	NextNumber(ctx context.Context) (int64, error)
	// CreateIncident records a new incident: header, channel index, active set.
	CreateIncident(ctx context.Context, inc incident.Incident) error
	// SaveIncident replaces the incident's header projection and keeps the
	// active set in step with its status.
	SaveIncident(ctx context.Context, inc incident.Incident) error
	// Incident returns incident n, or ErrNotFound.
	Incident(ctx context.Context, n int64) (incident.Incident, error)
	// ChannelIncident returns the number of the incident whose channel is
	// channelID; ok is false when the channel is not an incident channel.
	ChannelIncident(ctx context.Context, channelID string) (n int64, ok bool, err error)
	// Active lists the incidents that are not resolved, oldest first.
	Active(ctx context.Context) ([]incident.Incident, error)
	// Recent lists up to limit incidents, newest first, resolved included.
	Recent(ctx context.Context, limit int) ([]incident.Incident, error)

	// Append adds ev to incident n's log unless dedupeKey was seen before
	// (an empty key never dedupes). It returns the event with ID and Seq set
	// and whether it was appended.
	Append(ctx context.Context, n int64, dedupeKey string, ev incident.Event) (incident.Event, bool, error)
	// Events returns incident n's whole log in order.
	Events(ctx context.Context, n int64) ([]incident.Event, error)
	// HasMessage reports whether a message with Slack ts is on n's log.
	HasMessage(ctx context.Context, n int64, ts string) (bool, error)

	// SaveDraft stores a draft (insert or replace).
	SaveDraft(ctx context.Context, d incident.Draft) error
	// Draft returns the draft with id, or ErrNotFound.
	Draft(ctx context.Context, id string) (incident.Draft, error)
	// DecideDraft atomically moves a pending draft to state, recording who
	// decided and the final text. It returns false when the draft was no
	// longer pending: someone else decided first.
	DecideDraft(ctx context.Context, id string, state incident.DraftState, by, finalText string, at time.Time) (bool, error)

	// AddUsage adds model tokens and cost to incident n's tally and returns
	// the new total cost.
	AddUsage(ctx context.Context, n int64, tokens int, costUSD float64) (float64, error)
	// Usage returns incident n's model tokens and cost so far.
	Usage(ctx context.Context, n int64) (tokens int, costUSD float64, err error)

	// LinkExternal records that externalID became incident n.
	LinkExternal(ctx context.Context, externalID string, n int64) error
	// ExternalIncident returns the incident an external id became.
	ExternalIncident(ctx context.Context, externalID string) (n int64, ok bool, err error)

	// Lock takes the named lock for ttl and returns the token that releases
	// it; "" means another holder has it.
	Lock(ctx context.Context, name string, ttl time.Duration) (token string, err error)
	// Unlock releases the lock if token still holds it (compare-and-delete,
	// so a lock that expired and was taken by someone else is left alone).
	Unlock(ctx context.Context, name, token string) error
}

// Message is a Slack message to post: text is the notification fallback,
// blocks the rendering.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// Slack is the Web API surface the handlers use.
type Slack interface {
	// CreateChannel creates a public channel; ErrNameTaken if the name is used.
	CreateChannel(ctx context.Context, name string) (id string, err error)
	Invite(ctx context.Context, channelID string, userIDs ...string) error
	SetTopic(ctx context.Context, channelID, topic string) error
	Post(ctx context.Context, channelID string, msg Message) (ts string, err error)
	Update(ctx context.Context, channelID, ts string, msg Message) error
	Ephemeral(ctx context.Context, channelID, userID string, msg Message) error
	Pin(ctx context.Context, channelID, ts string) error
	Permalink(ctx context.Context, channelID, ts string) (string, error)
	OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
	// Upload shares a text file in the channel (files upload v2).
	Upload(ctx context.Context, channelID, filename, title, content string) error
	// UserName returns a user's display name (cached by the adapter).
	UserName(ctx context.Context, userID string) (string, error)
	// FetchMessage returns the message at ts (a thread reply when threadTS is
	// set), for reactions on messages the bot never saw.
	FetchMessage(ctx context.Context, channelID, ts string) (incident.Event, error)
}

// Responder answers the person who issued a command or clicked a button,
// privately (through the interaction's response_url).
type Responder interface {
	Reply(ctx context.Context, msg Message) error
}

// Drafter writes drafts from an incident and its log. It always returns a
// draft within its own timeout: when the model is unavailable it falls back to
// a template and says so in Draft.Source and Draft.Reason.
type Drafter interface {
	Draft(ctx context.Context, req incident.DraftRequest) (incident.Draft, error)
}

// Pager pages people and tells who is on call.
type Pager interface {
	// Pages reports whether declaring at sev pages by default.
	Pages(sev incident.Severity) bool
	// AutoDeclares reports whether a triggered alert on service opens an
	// incident by itself.
	AutoDeclares(service string) bool
	// Trigger pages service ("" for the default) about inc, retrying with
	// backoff until ctx ends.
	Trigger(ctx context.Context, inc incident.Incident, service, link string) (incident.PageResult, error)
	// Resolve resolves the pages sent for inc.
	Resolve(ctx context.Context, inc incident.Incident, services []string) error
	// OnCall lists who is on call for a schedule or escalation policy name or
	// ID ("" for all).
	OnCall(ctx context.Context, query string) ([]incident.OnCall, error)
}

// Runbooks finds runbook sections by keyword.
type Runbooks interface {
	Search(query string, limit int) []incident.RunbookHit
	// Suggest is Search for an incident title, stricter so weak matches do
	// not crowd the header.
	Suggest(title string, limit int) []incident.RunbookHit
}

// Clock tells the time; tests inject a controllable one.
type Clock interface {
	Now() time.Time
}
