// Package handlers decides what each Slack interaction does. Each capability
// (declaring, the lifecycle, recording, drafts, runbooks, paging, search,
// reminders…) is a small type of its own that declares the narrow ports it
// consumes; App wires them together and holds the one routing table that
// maps subcommands, action_ids and view callback_ids to them. Handlers speak
// the domain; slackui renders for Slack.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Message is a rendered Slack message.
type Message = slackui.Message

// SlashCommand is an "/incident ..." invocation.
type SlashCommand struct {
	UserID    string
	ChannelID string
	Text      string
	TriggerID string
}

// BlockAction is a click on a button or a checkbox.
type BlockAction struct {
	UserID    string
	ChannelID string
	MessageTS string
	BlockID   string
	ActionID  string
	Value     string
	// Selected is a checkboxes element's whole new selection (option
	// values); Slack sends no value for checkboxes.
	Selected  []string
	TriggerID string
}

// ViewSubmission is a submitted modal.
type ViewSubmission struct {
	UserID          string
	CallbackID      string
	PrivateMetadata string
	// Values maps block_id -> action_id -> value.
	Values map[string]map[string]string
}

// Responder answers the person who issued a command or clicked a button,
// privately (through the interaction's response_url, or a DM).
type Responder interface {
	Reply(ctx context.Context, msg Message) error
}

// Clock tells the time; tests inject a controllable one.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Recover turns a panic in f into a logged error, so one bad interaction
// never takes the bot down. It returns the panic as an error.
func Recover(log *slog.Logger, what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic in handler", "what", what, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("%s: panic: %v", what, r)
		}
	}()
	return f()
}

// replies tells people privately what happened. Errors with a user-facing
// code are answered with their message; anything else is logged with its
// chain and answered with an apology.
type replies struct{ log *slog.Logger }

func (p replies) fail(ctx context.Context, r Responder, what string, err error, attrs ...any) {
	code := incident.ErrorCode(err)
	if code == incident.EInternal || code == incident.EUnavailable {
		p.log.Error(what, append(attrs, "err", err)...)
	} else {
		p.log.Info(what, append(attrs, "code", code, "err", err)...)
	}
	p.send(ctx, r, slackui.Warning(incident.ErrorMessage(err)))
}

func (p replies) send(ctx context.Context, r Responder, msg Message) {
	if r == nil {
		return
	}
	if err := r.Reply(ctx, msg); err != nil {
		p.log.Error("reply failed", "err", err)
	}
}
