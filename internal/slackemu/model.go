package slackemu

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Call is one Web API call as the emulator received it.
type Call struct {
	// Method is the Web API method, e.g. "chat.postMessage".
	Method string
	// Params are the form (or flattened JSON) parameters, token removed.
	Params url.Values
	// At is when the call arrived.
	At time.Time
	// Response is the JSON body the emulator answered with.
	Response json.RawMessage
}

// Message is a message as a person in Slack would see it, with edits applied.
type Message struct {
	Channel, TS, ThreadTS, User, Text string
	// Subtype is Slack's message subtype ("channel_join", "channel_topic",
	// "file_share", ...), empty for plain messages.
	Subtype string
	// BotID is set on messages the bot posted.
	BotID  string
	Blocks json.RawMessage
	Edited bool
	Pinned bool
	// Ephemeral messages were shown to one user only.
	Ephemeral bool
	// Files holds the names of attached files.
	Files     []string
	Deleted   bool
	Reactions map[string][]string // emoji name -> user IDs
}

// Channel is a conversation in the workspace.
type Channel struct {
	ID, Name, Topic string
	Members         []string
	CreatedBy       string
	// Private is true for a private channel: only its members see it.
	Private bool
}

// File is an uploaded file.
type File struct {
	ID, Channel, Name, Title string
	Content                  []byte
}

// View is a modal opened through views.open (and updated by views.update).
type View struct {
	ID, TriggerID, CallbackID, PrivateMetadata string
	// User is who the modal was opened for.
	User string
	// JSON is the view object as Slack would return it.
	JSON json.RawMessage
	// Closed is true once a submission closed the modal.
	Closed bool
}

// Ack is one envelope acknowledgement received over a socket.
type Ack struct {
	EnvelopeID string
	// Type is the envelope type ("events_api", "slash_commands",
	// "interactive"), empty when the envelope ID was unknown.
	Type string
	// EventID is set for events_api envelopes.
	EventID      string
	RetryAttempt int
	Payload      json.RawMessage
	At           time.Time
	// Latency is from the envelope's hand-off to its socket to the ack
	// (Slack gives slash commands and interactions 3 s).
	Latency time.Duration
}

type message struct {
	channel, ts, threadTS, user, botID, subtype, text string
	blocks                                            json.RawMessage
	files                                             []string // file IDs
	editedBy, editedTS                                string
	pinned, deleted, ephemeral                        bool
	reactions                                         []reaction
	replies                                           []string // reply ts, for thread parents
}

type reaction struct {
	name  string
	users []string
}

type channel struct {
	id, name, creator string
	created           time.Time
	topic             string
	topicBy           string
	topicAt           time.Time
	members           []string
	msgs              []*message
	dm                bool
	private           bool // a private channel: invisible to non-members
}

func (c *channel) addMember(uid string) bool {
	if slices.Contains(c.members, uid) {
		return false
	}
	c.members = append(c.members, uid)
	return true
}

func (c *channel) isMember(uid string) bool { return slices.Contains(c.members, uid) }

// hiddenFrom reports whether uid cannot see the channel: Slack hides a
// private channel from everyone outside it.
func (c *channel) hiddenFrom(uid string) bool { return c.private && !c.isMember(uid) }

func (c *channel) find(ts string) *message {
	i, ok := slices.BinarySearchFunc(c.msgs, ts, func(m *message, ts string) int {
		return compareTS(m.ts, ts)
	})
	if !ok {
		return nil
	}
	return c.msgs[i]
}

type file struct {
	id, name, title, channel, user string
	length                         int
	content                        []byte
	uploaded, shared               bool
}

type view struct {
	id, trigger, user, callbackID, privateMetadata, externalID, hash string
	obj                                                              map[string]any
	closed                                                           bool
}

type responseURL struct {
	channel, user string
	// origTS is the message a button was clicked on (for replace_original).
	origTS      string
	origEphem   bool
	uses        int
	expires     time.Time
	interaction string
}

// compareTS orders Slack timestamps numerically (they share a format, so
// comparing seconds then micros is exact).
func compareTS(a, b string) int {
	ta, tb := tsTime(a), tsTime(b)
	return ta.Compare(tb)
}

func (e *Emulator) newChannelLocked(id, name, creator string) *channel {
	ch := &channel{id: id, name: name, creator: creator, created: time.Now()}
	if _, ok := e.channels[id]; !ok {
		e.chanOrder = append(e.chanOrder, id)
	}
	e.channels[id] = ch
	if creator != "" {
		ch.addMember(creator)
	}
	return ch
}

func (e *Emulator) userName(id string) string {
	if u, ok := e.users[id]; ok {
		return u.Name
	}
	return id
}

func (m *message) public(e *Emulator) Message {
	out := Message{
		Channel: m.channel, TS: m.ts, ThreadTS: m.threadTS, User: m.user, Text: m.text,
		Subtype: m.subtype, BotID: m.botID, Blocks: m.blocks, Edited: m.editedTS != "",
		Pinned: m.pinned, Ephemeral: m.ephemeral, Deleted: m.deleted,
	}
	for _, id := range m.files {
		if f, ok := e.files[id]; ok {
			out.Files = append(out.Files, f.name)
		}
	}
	if len(m.reactions) > 0 {
		out.Reactions = map[string][]string{}
		for _, r := range m.reactions {
			out.Reactions[r.name] = slices.Clone(r.users)
		}
	}
	return out
}

// Calls returns the recorded Web API calls of method, or all of them when
// method is "".
func (e *Emulator) Calls(method string) []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Call
	for _, c := range e.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns a channel's messages in order (thread replies included,
// each after the previous by ts), bot messages included, edits applied and
// deleted messages marked Deleted.
func (e *Emulator) Messages(channelID string) []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.channels[channelID]
	if !ok {
		return nil
	}
	out := make([]Message, 0, len(ch.msgs))
	for _, m := range ch.msgs {
		out = append(out, m.public(e))
	}
	return out
}

// Ephemerals returns everything shown privately to a user: chat.postEphemeral
// and ephemeral response_url posts, in order.
func (e *Emulator) Ephemerals(userID string) []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Message
	for _, m := range e.ephemeral[userID] {
		out = append(out, m.public(e))
	}
	return out
}

// DirectMessages returns what the bot sent a user in their DM with the app
// (chat.postMessage to the user's ID), in order; nil when it sent nothing.
func (e *Emulator) DirectMessages(userID string) []Message {
	e.mu.Lock()
	ch, ok := e.channels[dmID(userID)]
	ok = ok && ch.dm
	e.mu.Unlock()
	if !ok {
		return nil
	}
	return e.Messages(dmID(userID))
}

// Channels returns every channel in creation order, private ones included
// (the test sees the whole workspace); DMs are not channels (see
// DirectMessages).
func (e *Emulator) Channels() []Channel {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Channel, 0, len(e.chanOrder))
	for _, id := range e.chanOrder {
		if ch := e.channels[id]; !ch.dm {
			out = append(out, ch.public())
		}
	}
	return out
}

// ChannelByName finds a channel by name (without '#').
func (e *Emulator) ChannelByName(name string) (Channel, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range e.chanOrder {
		if ch := e.channels[id]; ch.name == name && !ch.dm {
			return ch.public(), true
		}
	}
	return Channel{}, false
}

func (c *channel) public() Channel {
	return Channel{ID: c.id, Name: c.name, Topic: c.topic, Members: slices.Clone(c.members), CreatedBy: c.creator,
		Private: c.private}
}

// IsPrivate reports whether a channel is private; false for an unknown one.
func (e *Emulator) IsPrivate(channelID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.channels[channelID]
	return ok && ch.private
}

// Files returns the files shared in a channel, or all files when channelID
// is "".
func (e *Emulator) Files(channelID string) []File {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []File
	for _, id := range e.fileOrder {
		f := e.files[id]
		if !f.shared || (channelID != "" && f.channel != channelID) {
			continue
		}
		out = append(out, File{ID: f.id, Channel: f.channel, Name: f.name, Title: f.title, Content: slices.Clone(f.content)})
	}
	return out
}

// Views returns every modal opened, in order, as last updated.
func (e *Emulator) Views() []View {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]View, 0, len(e.viewOrder))
	for _, id := range e.viewOrder {
		v := e.views[id]
		b, _ := json.Marshal(v.obj)
		out = append(out, View{ID: v.id, TriggerID: v.trigger, CallbackID: v.callbackID,
			PrivateMetadata: v.privateMetadata, User: v.user, JSON: b, Closed: v.closed})
	}
	return out
}

// FailNext makes the next n calls of method answer {"ok":false,"error":slackError}.
func (e *Emulator) FailNext(method, slackError string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for range n {
		e.failures[method] = append(e.failures[method], injected{slackError: slackError})
	}
}

// RateLimitNext makes the next n calls of method answer HTTP 429 with a
// Retry-After of retryAfter in whole seconds, rounded up, at least 1.
func (e *Emulator) RateLimitNext(method string, n int, retryAfter time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for range n {
		e.failures[method] = append(e.failures[method], injected{rateLimit: true, retryAfter: retryAfter})
	}
}

// RateLimitWritesFor makes every call that changes something (posts,
// updates, creates, invites, topics, pins, reactions, uploads, views) answer
// HTTP 429 with a Retry-After of retryAfter until d has passed, as Slack
// does to an app that writes too fast. Reads keep working.
func (e *Emulator) RateLimitWritesFor(d, retryAfter time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writesLimitedUntil = time.Now().Add(d)
	e.writesRetryAfter = retryAfter
}

// writeVerbs are the method verbs (after the dot) that change something.
var writeVerbs = map[string]bool{
	"postMessage": true, "postEphemeral": true, "update": true, "delete": true, "create": true,
	"invite": true, "setTopic": true, "setPurpose": true, "join": true, "kick": true, "archive": true,
	"add": true, "remove": true, "open": true, "push": true, "publish": true, "upload": true,
	"getUploadURLExternal": true, "completeUploadExternal": true, "rename": true,
}

func isWrite(method string) bool {
	_, verb, _ := strings.Cut(method, ".")
	return writeVerbs[verb] && method != "apps.connections.open"
}

// ServerErrorNext makes the next n calls of method answer with HTTP status
// (e.g. 500 or 503), as Slack does during an outage.
func (e *Emulator) ServerErrorNext(method string, n, status int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for range n {
		e.failures[method] = append(e.failures[method], injected{status: status})
	}
}

// ButtonValue returns the value of the message's button with actionID, in
// an actions block or as a section's accessory, or "" when it has none:
// how a person finds the button to click.
func (m Message) ButtonValue(actionID string) string {
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
		Accessory *struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
	}
	if json.Unmarshal(m.Blocks, &blocks) != nil {
		return ""
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == actionID {
				return e.Value
			}
		}
		if b.Accessory != nil && b.Accessory.ActionID == actionID {
			return b.Accessory.Value
		}
	}
	return ""
}

// CheckboxLabel is the text of the option with value in the message's
// checkboxes element actionID, or "" when there is none: what a person
// reads beside the box they tick.
func (m Message) CheckboxLabel(actionID, value string) string {
	_, el := findElement(m.Blocks, func(o map[string]any) bool { return o["action_id"] == actionID })
	opts, _ := el["options"].([]any)
	for _, o := range opts {
		opt, _ := o.(map[string]any)
		if opt["value"] != value {
			continue
		}
		text, _ := opt["text"].(map[string]any)
		label, _ := text["text"].(string)
		return label
	}
	return ""
}
