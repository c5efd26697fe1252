package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrClosed is returned by deliveries attempted after Close.
var ErrClosed = errors.New("slackemu: emulator closed")

var upgrader = websocket.Upgrader{
	// slack-go dials with Origin: https://api.slack.com, which is not this
	// host; Slack accepts it, so do we.
	CheckOrigin: func(*http.Request) bool { return true },
}

// wsConn is one socket-mode connection. Only its writer goroutine writes
// data frames (gorilla allows one concurrent writer); control frames may be
// written from anywhere.
type wsConn struct {
	id   int64
	ws   *websocket.Conn
	out  chan outFrame
	done chan struct{}
	once sync.Once
}

type outFrame struct {
	data       []byte
	closeAfter bool
}

func (c *wsConn) abort() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// envelope is one socket-mode delivery.
type envelope struct {
	ID           string          `json:"envelope_id"`
	Type         string          `json:"type"`
	Accepts      bool            `json:"accepts_response_payload"`
	RetryAttempt int             `json:"retry_attempt"`
	RetryReason  string          `json:"retry_reason"`
	Payload      json.RawMessage `json:"payload"`

	chain  *chain
	timer  *time.Timer
	sentAt time.Time
}

func (p *envelope) stopTimer() {
	if p.timer != nil {
		p.timer.Stop()
	}
}

// chain links the deliveries of one logical request (an event and its
// retries), so an ack of any delivery settles them all.
type chain struct {
	eventID string
	latest  string // envelope ID of the latest delivery
	acked   bool
	ack     chan json.RawMessage // buffered 1; gets the first ack's payload
}

func (e *Emulator) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	e.mu.Lock()
	valid := e.tickets[ticket]
	delete(e.tickets, ticket) // tickets are single use, as in Slack
	e.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		e.logf("upgrade: %v", err)
		return
	}
	c := &wsConn{ws: ws, out: make(chan outFrame, 256), done: make(chan struct{})}
	ws.SetPongHandler(func(string) error {
		e.mu.Lock()
		e.pongs++
		e.mu.Unlock()
		return nil
	})

	e.mu.Lock()
	if e.ctx.Err() != nil {
		e.mu.Unlock()
		c.abort()
		return
	}
	e.seq++
	c.id = e.seq
	e.conns = append(e.conns, c)
	n := len(e.conns)
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host": "applink-emu-" + fmt.Sprint(c.id), "build_number": 1, "approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": appID},
	})
	// hello goes first: queue it before anyone can pick this connection.
	c.out <- outFrame{data: hello}
	close(e.connected)
	e.connected = make(chan struct{})
	e.bg.Add(2) // under the lock, after the closed check, so Close waits for them
	e.mu.Unlock()
	e.logf("socket %d connected (%d open)", c.id, n)

	go e.writeLoop(c)
	go e.readLoop(c)
}

func (e *Emulator) writeLoop(c *wsConn) {
	defer e.bg.Done()
	ping := time.NewTicker(e.opts.PingInterval)
	defer ping.Stop()
	sendPing := func() bool {
		return c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) == nil
	}
	first := true
	for {
		select {
		case <-c.done:
			return
		case f := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
				e.dropConn(c)
				return
			}
			if first && !sendPing() {
				// Slack pings right after hello; slack-go's dead-man timer
				// expects pings from the start.
				e.dropConn(c)
				return
			}
			first = false
			if f.closeAfter {
				// Slack closes the socket shortly after a disconnect message.
				_ = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "disconnect"), time.Now().Add(time.Second))
				select {
				case <-c.done:
				case <-time.After(500 * time.Millisecond):
				}
				e.dropConn(c)
				return
			}
		case <-ping.C:
			if !sendPing() {
				e.dropConn(c)
				return
			}
		}
	}
}

func (e *Emulator) readLoop(c *wsConn) {
	defer e.bg.Done()
	defer e.dropConn(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil || ack.EnvelopeID == "" {
			e.logf("socket %d: unexpected frame %s", c.id, data)
			continue
		}
		e.recordAck(ack.EnvelopeID, ack.Payload)
	}
}

func (e *Emulator) recordAck(envID string, payload json.RawMessage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := Ack{EnvelopeID: envID, Payload: slices.Clone(payload), At: time.Now()}
	if p, ok := e.pending[envID]; ok {
		a.Type, a.RetryAttempt, a.EventID = p.Type, p.RetryAttempt, p.chain.eventID
		a.Latency = a.At.Sub(p.sentAt)
		p.stopTimer()
		delete(e.pending, envID)
		if !p.chain.acked {
			p.chain.acked = true
			p.chain.ack <- a.Payload
		}
	}
	e.acks = append(e.acks, a)
	e.logf("ack %s (%s) %s", envID, a.Type, payload)
}

func (e *Emulator) dropConn(c *wsConn) {
	e.mu.Lock()
	if i := slices.Index(e.conns, c); i >= 0 {
		e.conns = slices.Delete(e.conns, i, i+1)
		e.logf("socket %d closed (%d open)", c.id, len(e.conns))
	}
	e.mu.Unlock()
	c.abort()
}

// deliver sends env over a connected socket, waiting for one to connect.
// events_api envelopes are redelivered when not acked in time.
func (e *Emulator) deliver(ctx context.Context, env *envelope) error {
	for {
		e.mu.Lock()
		if e.ctx.Err() != nil {
			e.mu.Unlock()
			return ErrClosed
		}
		if len(e.conns) == 0 {
			wait := e.connected
			e.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return fmt.Errorf("slackemu: no bot connected: %w", ctx.Err())
			case <-e.ctx.Done():
				return ErrClosed
			}
		}
		// Slack picks any open connection of the app, whichever process
		// holds it: replicas each get a random share, not a fair turn.
		c := e.conns[rand.IntN(len(e.conns))]
		env.chain.latest = env.ID
		env.sentAt = time.Now()
		e.pending[env.ID] = env
		data, _ := json.Marshal(env)
		e.mu.Unlock()

		select {
		case c.out <- outFrame{data: data}:
		case <-c.done:
			continue // that socket died; pick another
		case <-ctx.Done():
			return ctx.Err()
		}
		e.logf("sent %s %s attempt %d", env.Type, env.ID, env.RetryAttempt)
		if env.Type == "events_api" && e.opts.RedeliverAfter > 0 {
			e.mu.Lock()
			if !env.chain.acked {
				env.timer = time.AfterFunc(e.opts.RedeliverAfter, func() { e.redeliver(env) })
			}
			e.mu.Unlock()
		}
		return nil
	}
}

func (e *Emulator) redeliver(prev *envelope) {
	e.mu.Lock()
	if prev.chain.acked || e.ctx.Err() != nil || prev.RetryAttempt >= e.opts.MaxRetries ||
		prev.chain.latest != prev.ID {
		e.mu.Unlock()
		return
	}
	next := &envelope{
		ID: newEnvelopeID(), Type: prev.Type, Accepts: prev.Accepts,
		RetryAttempt: prev.RetryAttempt + 1, RetryReason: "timeout",
		Payload: prev.Payload, chain: prev.chain,
	}
	e.bg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.bg.Done()
		if err := e.deliver(e.ctx, next); err != nil {
			e.logf("redeliver %s: %v", next.chain.eventID, err)
		}
	}()
}

// send builds and delivers a new envelope; it returns the chain to wait on.
func (e *Emulator) send(ctx context.Context, typ string, payload any, accepts bool, eventID string, retry int) (*chain, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("slackemu: encode payload: %w", err)
	}
	ch := &chain{eventID: eventID, ack: make(chan json.RawMessage, 1)}
	env := &envelope{ID: newEnvelopeID(), Type: typ, Accepts: accepts, RetryAttempt: retry, Payload: raw, chain: ch}
	if retry > 0 {
		env.RetryReason = "timeout"
	}
	return ch, e.deliver(ctx, env)
}

// sendAsync delivers in the background, for events Slack sends on its own
// (about the bot's actions, which must not block the bot's HTTP call). The
// caller holds e.mu.
func (e *Emulator) sendAsync(payload any, eventID string) {
	if e.ctx.Err() != nil {
		return
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		if _, err := e.send(e.ctx, "events_api", payload, false, eventID, 0); err != nil {
			e.logf("async event %s: %v", eventID, err)
		}
	}()
}

// request sends an envelope that expects an ack and waits for it.
func (e *Emulator) request(ctx context.Context, typ string, payload any) (json.RawMessage, error) {
	ch, err := e.send(ctx, typ, payload, typ != "events_api", "", 0)
	if err != nil {
		return nil, err
	}
	select {
	case p := <-ch.ack:
		return p, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("slackemu: %s not acked: %w", typ, ctx.Err())
	}
}

func newEnvelopeID() string {
	h := randHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Acks returns every envelope ack received, in order.
func (e *Emulator) Acks() []Ack {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.acks)
}

// Unacked returns the envelope IDs of deliveries still waiting for an ack:
// the latest delivery of each request or event none of whose deliveries was
// acked.
func (e *Emulator) Unacked() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for id, p := range e.pending {
		if !p.chain.acked && p.chain.latest == id {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Pongs counts the WebSocket pongs the clients sent back to the emulator's pings.
func (e *Emulator) Pongs() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pongs
}

// Connections returns how many socket-mode connections are open.
func (e *Emulator) Connections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.conns)
}

// Disconnect sends {"type":"disconnect","reason":reason} on every socket and
// then closes them, as Slack does ("refresh_requested", "warning",
// "link_disabled"). slack-go reconnects on its own.
func (e *Emulator) Disconnect(reason string) {
	msg, _ := json.Marshal(map[string]any{
		"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": "applink-emu"},
	})
	e.mu.Lock()
	conns := slices.Clone(e.conns)
	// Take them out of rotation now so no envelope is sent after the
	// disconnect message.
	e.conns = nil
	e.mu.Unlock()
	for _, c := range conns {
		select {
		case c.out <- outFrame{data: msg, closeAfter: true}:
		case <-c.done:
		}
	}
}

// DropConnections closes every socket abruptly, like a network failure.
func (e *Emulator) DropConnections() {
	e.mu.Lock()
	conns := slices.Clone(e.conns)
	e.conns = nil
	e.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
}
