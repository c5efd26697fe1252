package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// Config holds the handlers' settings.
type Config struct {
	// AnnounceChannel is the channel ID where declarations, updates and
	// resolutions are broadcast; "" disables announcements.
	AnnounceChannel string
	// BotUserID is the bot's own Slack user, whose messages are not recorded
	// as conversation and who may never approve a draft.
	BotUserID string
	// BotID is the bot's own bot_id: its messages carry it. Messages from
	// other bots (alerting tools, workflows) are conversation and recorded.
	BotID string
	// Marks maps reaction names to the marks they set.
	Marks map[string]incident.Mark
	// UpdateCadence is how often an approved status update is due, per
	// severity; a missing or zero entry means no reminders.
	UpdateCadence map[incident.Severity]time.Duration
	// PostmortemDue is how long after resolution a postmortem may stay
	// unapproved before the channel is reminded.
	PostmortemDue time.Duration
	// RunbookSuggestions is how many runbook sections the header suggests.
	RunbookSuggestions int
}

// Deps are the adapters a Handler uses. Drafter, Pager and Runbooks are
// optional: nil disables the commands that need them, with a clear reply.
type Deps struct {
	Slack    Slack
	Store    Store
	Drafter  Drafter
	Pager    Pager
	Runbooks Runbooks
	Clock    Clock
	Logger   *slog.Logger
}

// Handler carries out interactions. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	slack    Slack
	store    Store
	drafter  Drafter
	pager    Pager
	runbooks Runbooks
	clock    Clock
	log      *slog.Logger
	// bg runs work that outlives the interaction that started it (paging
	// with retries); the bot drains it on shutdown. bgCtx is its parent,
	// cancelled when the drain overruns.
	bg    func(func())
	bgCtx context.Context
	// channels caches channel ID -> incident number. The mapping never
	// changes once made, so every replica may cache it forever; this saves a
	// Redis round trip on every recorded message. Channels that are not
	// incident channels are not cached: one may become one at any moment.
	channels sync.Map
}

// New builds a Handler.
func New(cfg Config, d Deps) *Handler {
	if cfg.Marks == nil {
		cfg.Marks = incident.DefaultMarks()
	}
	if cfg.UpdateCadence == nil {
		cfg.UpdateCadence = incident.DefaultUpdateCadence()
	}
	if cfg.PostmortemDue == 0 {
		cfg.PostmortemDue = 48 * time.Hour
	}
	if cfg.RunbookSuggestions == 0 {
		cfg.RunbookSuggestions = 3
	}
	if d.Clock == nil {
		d.Clock = systemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Handler{
		cfg: cfg, slack: d.Slack, store: d.Store, drafter: d.Drafter, pager: d.Pager,
		runbooks: d.Runbooks, clock: d.Clock, log: d.Logger,
		bg: func(f func()) { go f() }, bgCtx: context.Background(),
	}
}

// SetBackground sets how the Handler starts background work and the context
// that work runs under; the bot tracks it in a WaitGroup so shutdown can
// drain it, and cancels ctx if draining takes too long.
func (h *Handler) SetBackground(ctx context.Context, run func(func())) { h.bgCtx, h.bg = ctx, run }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (h *Handler) now() time.Time { return h.clock.Now().UTC() }

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

// fail tells the user what went wrong and logs internal causes. Errors with a
// user-facing code are answered with their message; anything else is logged
// with its chain and answered with an apology.
func (h *Handler) fail(ctx context.Context, r Responder, what string, err error, attrs ...any) {
	code := incident.ErrorCode(err)
	if code == incident.EInternal || code == incident.EUnavailable {
		h.log.Error(what, append(attrs, "err", err)...)
	} else {
		h.log.Info(what, append(attrs, "code", code, "err", err)...)
	}
	if r == nil {
		return
	}
	msg := incident.ErrorMessage(err)
	if rerr := r.Reply(ctx, Message{Text: ":warning: " + msg}); rerr != nil {
		h.log.Error("reply failed", "what", what, "err", rerr)
	}
}

// reply sends text privately to the person who acted, logging failures.
func (h *Handler) reply(ctx context.Context, r Responder, msg Message) {
	if r == nil {
		return
	}
	if err := r.Reply(ctx, msg); err != nil {
		h.log.Error("reply failed", "err", err)
	}
}

// channelIncident is Store.ChannelIncident behind the cache.
func (h *Handler) channelIncident(ctx context.Context, channelID string) (int64, bool, error) {
	if n, ok := h.channels.Load(channelID); ok {
		return n.(int64), true, nil
	}
	n, ok, err := h.store.ChannelIncident(ctx, channelID)
	if err == nil && ok {
		h.channels.Store(channelID, n)
	}
	return n, ok, err
}

// incidentFor returns the incident whose channel is channelID, or a user
// error saying the command needs an incident channel.
func (h *Handler) incidentFor(ctx context.Context, channelID string) (incident.Incident, error) {
	n, ok, err := h.channelIncident(ctx, channelID)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("look up channel %s: %w", channelID, err)
	}
	if !ok {
		return incident.Incident{}, incident.Errorf(incident.ENotIncident,
			"This isn't an incident channel. Run this in the incident's channel — `/incident list` shows the active ones.")
	}
	inc, err := h.store.Incident(ctx, n)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("load incident %d: %w", n, err)
	}
	return inc, nil
}

// withIncident runs f holding incident n's lock, so concurrent commands that
// change the header never overwrite each other, on one replica or many.
func (h *Handler) withIncident(ctx context.Context, n int64, f func() error) error {
	name := fmt.Sprintf("incident:%d", n)
	deadline := time.Now().Add(5 * time.Second)
	var token string
	for {
		// The TTL only matters if this replica dies holding the lock; it is
		// generous because the work under it may wait out Slack rate limits.
		var err error
		if token, err = h.store.Lock(ctx, name, 2*time.Minute); err != nil {
			return fmt.Errorf("lock incident %d: %w", n, err)
		}
		if token != "" {
			break
		}
		if time.Now().After(deadline) {
			return incident.Errorf(incident.EConflict, "Someone else is changing this incident right now. Please try again in a moment.")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	defer func() {
		if err := h.store.Unlock(context.WithoutCancel(ctx), name, token); err != nil {
			h.log.Warn("unlock incident", "incident", n, "err", err)
		}
	}()
	return f()
}

// record appends a system event to incident n's log.
func (h *Handler) record(ctx context.Context, n int64, ev incident.Event) (incident.Event, error) {
	if ev.At.IsZero() {
		ev.At = h.now()
	}
	out, _, err := h.store.Append(ctx, n, "", ev)
	if err != nil {
		return out, fmt.Errorf("record %s on incident %d: %w", ev.Kind, n, err)
	}
	return out, nil
}

// isNotFound reports whether err means a missing record.
func isNotFound(err error) bool { return errors.Is(err, incident.ErrNotFound) }
