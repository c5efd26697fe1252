// Package slackemu is a Slack emulator for tests and the demo. It speaks the
// real wire protocols: the Web API (form or JSON POSTs, bearer or form tokens,
// {"ok":...} answers, 429 with Retry-After) and socket mode (apps.connections.open,
// a WebSocket with hello, envelopes, acks, pings, disconnect), and it enforces
// the bot token's scopes and channel membership as Slack does. Real clients
// such as slack-go connect to it unchanged; tests act as people in Slack
// through methods like SlashCommand and PostMessage and observe what the bot
// did through Calls, Messages and Render.
package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options tunes an Emulator. The zero value is a sensible default.
type Options struct {
	// BotUserID is the bot's user ID; default "UBOT".
	BotUserID string
	// BotName is the bot's user name; default "incidentbot".
	BotName string
	// TeamID is the workspace ID; default "T0001".
	TeamID string
	// RedeliverAfter is how long an events_api envelope may stay unacked
	// before it is sent again with retry_attempt+1 and retry_reason
	// "timeout", like Slack. 0 means the default of 3s; negative disables.
	RedeliverAfter time.Duration
	// MaxRetries caps redeliveries of one event; default 3.
	MaxRetries int
	// PingInterval is how often the emulator sends WebSocket pings, as Slack
	// does (slack-go reconnects when it hears none for 30s); default 5s.
	PingInterval time.Duration
	// TriggerTTL is how long a trigger_id stays usable for views.open
	// (Slack: 3s). 0 means the default of 3s; negative means forever.
	TriggerTTL time.Duration
	// SuppressBotEvents stops the events Slack would send about the bot's own
	// actions (its messages, edits, reactions, joins and topic changes).
	// By default they are sent, as in Slack, so a bot must ignore them.
	SuppressBotEvents bool
	// Scopes are the scopes granted to the bot token. nil means the bot
	// scopes slack/manifest.yaml requests (ManifestScopes); a test may set
	// fewer (or more). A Web API call lacking its scope gets missing_scope,
	// and events need theirs (channels:history, reactions:read) to be sent.
	Scopes []string
	// Events are the bot events the app subscribes to. nil means the
	// bot_events slack/manifest.yaml lists (ManifestEvents); Slack sends no
	// event the app has not subscribed to (a message in a private channel
	// needs message.groups), whatever its scopes.
	Events []string
	// Logf, when set, receives debug lines. When nil and the environment
	// has SLACKEMU_DEBUG set, they go to the standard logger.
	Logf func(format string, args ...any)
}

const (
	appID     = "A0EMU0001"
	botID     = "B0EMU0001"
	teamName  = "Emulated Workspace"
	teamHost  = "emulated.slack.com"
	maxConns  = 10
	respLimit = 5
)

// Emulator is a running fake Slack workspace. All methods are safe for
// concurrent use.
type Emulator struct {
	opts     Options
	scopes   []string // granted to the bot token
	events   []string // bot events subscribed to
	srv      *httptest.Server
	appToken string
	botToken string

	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	mu        sync.Mutex
	lastTS    int64 // microseconds of the last issued message ts
	seq       int64 // ID counter
	users     map[string]*user
	userOrder []string
	channels  map[string]*channel
	chanOrder []string
	groups    map[string]*userGroup // user groups by ID (S…)
	ephemeral map[string][]*message // by user ID
	files     map[string]*file
	fileOrder []string
	views     map[string]*view
	viewOrder []string
	triggers  map[string]trigger
	responses map[string]*responseURL
	calls     []Call
	failures  map[string][]injected
	// writesLimitedUntil: every write answers 429 until then (RateLimitWritesFor).
	writesLimitedUntil time.Time
	writesRetryAfter   time.Duration

	// socket mode
	tickets   map[string]bool
	conns     []*wsConn
	connected chan struct{} // closed and replaced whenever a socket connects
	pending   map[string]*envelope
	acks      []Ack
	pongs     int
}

type user struct {
	ID, Name string
	Bot      bool
}

type trigger struct {
	user    string
	channel string
	expires time.Time
}

type injected struct {
	slackError string
	retryAfter time.Duration // > 0 means HTTP 429
	rateLimit  bool
	status     int // > 0: answer with this HTTP status (a 5xx outage)
}

// New starts an emulator on 127.0.0.1 at a random port. Close it when done.
func New(opts Options) *Emulator {
	if opts.BotUserID == "" {
		opts.BotUserID = "UBOT"
	}
	if opts.BotName == "" {
		opts.BotName = "incidentbot"
	}
	if opts.TeamID == "" {
		opts.TeamID = "T0001"
	}
	if opts.RedeliverAfter == 0 {
		opts.RedeliverAfter = 3 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 5 * time.Second
	}
	if opts.Logf == nil && os.Getenv("SLACKEMU_DEBUG") != "" {
		opts.Logf = log.Printf
	}
	if opts.TriggerTTL == 0 {
		opts.TriggerTTL = 3 * time.Second
	}
	scopes := slices.Clone(opts.Scopes)
	if opts.Scopes == nil {
		scopes = ManifestScopes()
	}
	events := slices.Clone(opts.Events)
	if opts.Events == nil {
		events = ManifestEvents()
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Emulator{
		opts:      opts,
		scopes:    scopes,
		events:    events,
		appToken:  "xapp-1-" + appID + "-1-" + randHex(16),
		botToken:  "xoxb-1-" + randHex(6) + "-" + randHex(12),
		ctx:       ctx,
		cancel:    cancel,
		users:     map[string]*user{},
		channels:  map[string]*channel{},
		groups:    map[string]*userGroup{},
		ephemeral: map[string][]*message{},
		files:     map[string]*file{},
		views:     map[string]*view{},
		triggers:  map[string]trigger{},
		responses: map[string]*responseURL{},
		failures:  map[string][]injected{},
		tickets:   map[string]bool{},
		connected: make(chan struct{}),
		pending:   map[string]*envelope{},
	}
	e.addUserLocked(opts.BotUserID, opts.BotName, true)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", e.serveAPI)
	mux.HandleFunc("/link/", e.serveSocket)
	mux.HandleFunc("/upload/v1/", e.serveUpload)
	mux.HandleFunc("/response/", e.serveResponseURL)
	e.srv = httptest.NewServer(mux)
	return e
}

// URL is the Web API base ending in "/api/", for slack.OptionAPIURL and
// SLACK_API_URL.
func (e *Emulator) URL() string { return e.srv.URL + "/api/" }

// AppToken returns the app-level token ("xapp-...") apps.connections.open accepts.
func (e *Emulator) AppToken() string { return e.appToken }

// BotToken returns the bot token ("xoxb-...") the Web API methods accept.
func (e *Emulator) BotToken() string { return e.botToken }

// BotUserID returns the bot's user ID.
func (e *Emulator) BotUserID() string { return e.opts.BotUserID }

// TeamID returns the workspace ID.
func (e *Emulator) TeamID() string { return e.opts.TeamID }

// Close drops every socket, stops background deliveries and shuts the
// server down.
func (e *Emulator) Close() {
	e.cancel()
	e.mu.Lock()
	conns := append([]*wsConn(nil), e.conns...)
	e.conns = nil
	for _, p := range e.pending {
		p.stopTimer()
	}
	e.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
	e.bg.Wait()
	e.srv.Close()
}

// AddUser adds a person to the workspace, e.g. AddUser("U1", "ali").
func (e *Emulator) AddUser(id, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addUserLocked(id, name, false)
}

func (e *Emulator) addUserLocked(id, name string, bot bool) {
	if _, ok := e.users[id]; !ok {
		e.userOrder = append(e.userOrder, id)
	}
	e.users[id] = &user{ID: id, Name: name, Bot: bot}
}

// AddChannel adds a pre-existing public channel (such as the announce
// channel) of which the bot and every user added so far are members.
func (e *Emulator) AddChannel(id, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch := e.newChannelLocked(id, name, e.opts.BotUserID)
	for _, uid := range e.userOrder {
		ch.addMember(uid)
	}
}

// AddForeignChannel adds a channel someone else created, without the bot
// (for testing not_in_channel and conversations.join); creator is a member.
func (e *Emulator) AddForeignChannel(id, name, creator string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.newChannelLocked(id, name, creator)
}

// AddPrivateChannel adds a pre-existing private channel whose members are
// exactly members (the first is its creator); include BotUserID() for the
// bot to be in it. Everyone else, the bot included, cannot see it.
func (e *Emulator) AddPrivateChannel(id, name string, members ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	creator := ""
	if len(members) > 0 {
		creator = members[0]
	}
	ch := e.newChannelLocked(id, name, creator)
	ch.private = true
	for _, uid := range members {
		ch.addMember(uid)
	}
}

// AddChannelMember makes a user a member of a channel without any event,
// as if they had always been there.
func (e *Emulator) AddChannelMember(channelID, userID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.channels[channelID]
	if !ok {
		return fmt.Errorf("slackemu: channel %s not found", channelID)
	}
	ch.addMember(userID)
	return nil
}

// WaitFor polls cond until it is true or ctx ends; tests use it instead of
// sleeping.
func (e *Emulator) WaitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slackemu: condition not met: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func (e *Emulator) logf(format string, args ...any) {
	if e.opts.Logf != nil {
		e.opts.Logf("slackemu: "+format, args...)
	}
}

// nextTSLocked returns a unique, increasing message ts in Slack's
// "seconds.micros" form, close to the wall clock so it looks real.
func (e *Emulator) nextTSLocked() string {
	now := time.Now().UnixMicro()
	if now <= e.lastTS {
		now = e.lastTS + 1
	}
	e.lastTS = now
	return fmt.Sprintf("%d.%06d", now/1e6, now%1e6)
}

// nextIDLocked returns an ID in Slack's style: a type letter and upper-case
// alphanumerics, unique within this emulator.
func (e *Emulator) nextIDLocked(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s0%s%05d", prefix, strings.ToUpper(randHex(2)), e.seq)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

func tsTime(ts string) time.Time {
	var sec, micro int64
	_, _ = fmt.Sscanf(ts, "%d.%d", &sec, &micro)
	return time.Unix(sec, micro*1000)
}
