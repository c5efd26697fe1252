package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/handlers"
	"github.com/incidentbot/incidentbot/incident"
)

// API is the Slack Web API adapter the handlers use. 429s are retried by
// slack-go's retry wrapper, which honours Retry-After; idempotent calls also
// retry 5xx and connection errors; other failures are returned, wrapped
// with the method that failed.
type API struct {
	c    *slack.Client // calls that must not be repeated blindly (posts, creates)
	idem *slack.Client // calls that are safe to repeat

	mu    sync.Mutex
	names map[string]string // user ID -> display name
}

var _ handlers.Slack = (*API)(nil)

// NewAPI wraps two slack-go clients: c for calls that must not be repeated
// after an ambiguous failure, idem for calls that are safe to repeat.
func NewAPI(c, idem *slack.Client) *API { return &API{c: c, idem: idem, names: map[string]string{}} }

func slackErr(method string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("slack %s: %w", method, err)
}

func isSlackError(err error, code string) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == code
	}
	return err != nil && err.Error() == code
}

// CreateChannel creates a public channel.
func (a *API) CreateChannel(ctx context.Context, name string) (string, error) {
	return a.create(ctx, name, false)
}

// create makes a channel, never retried blindly: a create that seemed to
// fail may have made it, and the retry would then take a new name.
func (a *API) create(ctx context.Context, name string, private bool) (string, error) {
	ch, err := a.c.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: private})
	if isSlackError(err, "name_taken") {
		return "", fmt.Errorf("slack conversations.create %s: %w", name, handlers.ErrNameTaken)
	}
	if err != nil {
		return "", scopeErr("conversations.create", err)
	}
	return ch.ID, nil
}

// Invite adds users to a channel; users already in it are not an error.
func (a *API) Invite(ctx context.Context, channelID string, userIDs ...string) error {
	_, err := a.idem.InviteUsersToConversationContext(ctx, channelID, userIDs...)
	if isSlackError(err, "already_in_channel") || isSlackError(err, "cant_invite_self") {
		return nil
	}
	return slackErr("conversations.invite", err)
}

// SetTopic sets a channel's topic.
func (a *API) SetTopic(ctx context.Context, channelID, topic string) error {
	_, err := a.idem.SetTopicOfConversationContext(ctx, channelID, topic)
	return slackErr("conversations.setTopic", err)
}

func msgOptions(m handlers.Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// Post posts a message and returns its ts.
func (a *API) Post(ctx context.Context, channelID string, m handlers.Message) (string, error) {
	_, ts, err := a.c.PostMessageContext(ctx, channelID, msgOptions(m)...)
	return ts, slackErr("chat.postMessage", err)
}

// DM posts to a person's direct messages with the bot: posting to a user
// ID opens that DM, with no conversations.open (and no im:write scope).
// It returns the DM's channel ID, for uploads there.
func (a *API) DM(ctx context.Context, userID string, m handlers.Message) (string, error) {
	ch, _, err := a.c.PostMessageContext(ctx, userID, msgOptions(m)...)
	return ch, slackErr("chat.postMessage", err)
}

// Update replaces a message's content.
func (a *API) Update(ctx context.Context, channelID, ts string, m handlers.Message) error {
	_, _, _, err := a.idem.UpdateMessageContext(ctx, channelID, ts, msgOptions(m)...)
	return slackErr("chat.update", err)
}

// Ephemeral shows a message to one user in a channel.
func (a *API) Ephemeral(ctx context.Context, channelID, userID string, m handlers.Message) error {
	_, err := a.c.PostEphemeralContext(ctx, channelID, userID, msgOptions(m)...)
	return slackErr("chat.postEphemeral", err)
}

// Pin pins a message.
func (a *API) Pin(ctx context.Context, channelID, ts string) error {
	err := a.idem.AddPinContext(ctx, channelID, slack.NewRefToMessage(channelID, ts))
	if isSlackError(err, "already_pinned") {
		return nil
	}
	return slackErr("pins.add", err)
}

// Permalink returns a message's permanent link.
func (a *API) Permalink(ctx context.Context, channelID, ts string) (string, error) {
	link, err := a.idem.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channelID, Ts: ts})
	return link, slackErr("chat.getPermalink", err)
}

// OpenView opens a modal.
func (a *API) OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	_, err := a.c.OpenViewContext(ctx, triggerID, view)
	return slackErr("views.open", err)
}

// Upload shares a text file in a channel with files upload v2.
func (a *API) Upload(ctx context.Context, channelID, filename, title, content string) error {
	_, err := a.c.UploadFileContext(ctx, slack.UploadFileParameters{
		Channel: channelID, Filename: filename, Title: title, Content: content, FileSize: len(content),
	})
	return slackErr("files.upload v2", err)
}

// UserName returns a user's display name, cached for the process's life.
func (a *API) UserName(ctx context.Context, userID string) (string, error) {
	a.mu.Lock()
	name, ok := a.names[userID]
	a.mu.Unlock()
	if ok {
		return name, nil
	}
	u, err := a.idem.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", slackErr("users.info", err)
	}
	name = u.Profile.DisplayName
	if name == "" {
		name = u.Name
	}
	a.mu.Lock()
	a.names[userID] = name
	a.mu.Unlock()
	return name, nil
}

// FetchMessage reads one message by ts: from the channel's history, or from
// a thread when it is a reply (history does not list replies).
func (a *API) FetchMessage(ctx context.Context, channelID, ts string) (incident.Event, error) {
	h, err := a.idem.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channelID, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1,
	})
	if err != nil {
		return incident.Event{}, slackErr("conversations.history", err)
	}
	for _, m := range h.Messages {
		if m.Timestamp == ts {
			return msgEvent(m), nil
		}
	}
	msgs, _, _, err := a.idem.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: channelID, Timestamp: ts, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1,
	})
	if isSlackError(err, "thread_not_found") || isSlackError(err, "message_not_found") {
		return incident.Event{}, fmt.Errorf("message %s in %s: %w", ts, channelID, incident.ErrNotFound)
	}
	if err != nil {
		return incident.Event{}, slackErr("conversations.replies", err)
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return msgEvent(m), nil
		}
	}
	return incident.Event{}, fmt.Errorf("message %s in %s: %w", ts, channelID, incident.ErrNotFound)
}

func msgEvent(m slack.Message) incident.Event {
	ev := incident.Event{Actor: m.User, TS: m.Timestamp, ThreadTS: m.ThreadTimestamp, Text: m.Text,
		At: tsTime(m.Timestamp), Files: fileNames(m.Files)}
	if m.BotID != "" {
		ev.Data = map[string]string{"bot_id": m.BotID}
	}
	return ev
}

func fileNames(files []slack.File) []string {
	var out []string
	for _, f := range files {
		name := f.Name
		if name == "" {
			name = f.Title
		}
		out = append(out, name)
	}
	return out
}
