package handlers

import (
	"context"
	"log/slog"
	"sync"

	"github.com/incidentbot/incidentbot/incident"
)

// Trigger names a change in an incident's life that other capabilities
// react to (the announce channel, paging, and later workflows).
type Trigger string

// The triggers, named as users will name them in configuration.
const (
	Declared        Trigger = "declared"
	StatusChanged   Trigger = "status_changed"
	SeverityChanged Trigger = "severity_changed"
	RoleAssigned    Trigger = "role_assigned"
	Resolved        Trigger = "resolved"
	Reopened        Trigger = "reopened"
	FieldSet        Trigger = "field_set"
	CommsSent       Trigger = "comms_sent"
	Marked          Trigger = "marked"
	UpdateApproved  Trigger = "update_approved"
	// PostmortemApproved fires once the approved postmortem is published.
	PostmortemApproved Trigger = "postmortem_approved"
	ActionOverdue      Trigger = "action_overdue"
)

// Change is one trigger with the incident before and after it.
type Change struct {
	Trigger       Trigger
	Before, After incident.Incident
	Actor         string
	Field         incident.Field // for FieldSet: which field
	Mark          incident.Mark  // for Marked: which mark
	// Event is the logged event that records the change (Seq set), which
	// tells one triggering event from another: workflows run once per
	// event on any replica.
	Event incident.Event
}

// changedBy builds the Change for a logged change; its first event names it.
func changedBy(t Trigger, c Changed, actor string) Change {
	ch := Change{Trigger: t, Before: c.Before, After: c.After, Actor: actor}
	if len(c.Events) > 0 {
		ch.Event = c.Events[0]
	}
	return ch
}

// Listener reacts to changes. It runs after the change is recorded and the
// channel told, and must not fail the command that caused it: it logs.
type Listener interface {
	Changed(ctx context.Context, c Change)
}

// listeners calls each listener in order; a panic in one is logged and
// the rest still run.
type listeners struct {
	list []Listener
	log  *slog.Logger
}

func (l listeners) Changed(ctx context.Context, c Change) {
	for _, x := range l.list {
		_ = Recover(l.log, "on "+string(c.Trigger), func() error {
			x.Changed(ctx, c)
			return nil
		})
	}
}

// Background runs work that outlives the interaction that started it
// (paging with retries), so shutdown can wait for it and, past its
// deadline, cancel it.
type Background struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger
}

// NewBackground makes a Background whose work runs until Cancel.
func NewBackground(log *slog.Logger) *Background {
	ctx, cancel := context.WithCancel(context.Background())
	return &Background{ctx: ctx, cancel: cancel, log: log}
}

// Go runs f in a goroutine that Wait waits for; f's context ends on Cancel.
func (b *Background) Go(f func(ctx context.Context)) {
	b.wg.Go(func() {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("panic in background work", "panic", r)
			}
		}()
		f(b.ctx)
	})
}

// Wait blocks until all work started with Go has returned.
func (b *Background) Wait() { b.wg.Wait() }

// Cancel ends the context of all work, started or to come.
func (b *Background) Cancel() { b.cancel() }
