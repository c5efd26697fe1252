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
)

// Change is one trigger with the incident before and after it.
type Change struct {
	Trigger       Trigger
	Before, After incident.Incident
	Actor         string
	Field         incident.Field // for FieldSet: which field
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
