package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// The private-channel and user-group side of the adapter: the groups:* and
// usergroups:read scopes. Retry policies are those of slackapi.go.

// membersPage is the conversations.members page size Slack recommends
// (at most 200).
const membersPage = 200

// CreatePrivateChannel creates a private channel; handlers.ErrNameTaken when
// the name is taken. Like CreateChannel it is never retried blindly: a
// create that looked failed may have taken effect.
func (a *API) CreatePrivateChannel(ctx context.Context, name string) (string, error) {
	return a.create(ctx, name, true)
}

// IsMember reports whether userID is in channelID (conversations.members,
// paged; cache nothing). Nothing is cached because people are invited and
// leave: a private incident is shown to whoever is in its channel now. A
// channel the bot cannot see (a private one it is not in) is
// incident.ErrNotFound.
func (a *API) IsMember(ctx context.Context, channelID, userID string) (bool, error) {
	p := &slack.GetUsersInConversationParameters{ChannelID: channelID, Limit: membersPage}
	for {
		members, next, err := a.idem.GetUsersInConversationContext(ctx, p)
		if isSlackError(err, "channel_not_found") {
			return false, fmt.Errorf("slack conversations.members %s: %w", channelID, incident.ErrNotFound)
		}
		if err != nil {
			return false, scopeErr("conversations.members", err)
		}
		if slices.Contains(members, userID) {
			return true, nil
		}
		if next == "" {
			return false, nil
		}
		p.Cursor = next
	}
}

// UserGroupMembers lists the users of a user group (S…); an unknown group
// is incident.ErrNotFound.
func (a *API) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	users, err := a.idem.GetUserGroupMembersContext(ctx, groupID)
	if isSlackError(err, "no_such_subteam") {
		return nil, fmt.Errorf("slack usergroups.users.list %s: %w", groupID, incident.ErrNotFound)
	}
	if err != nil {
		return nil, scopeErr("usergroups.users.list", err)
	}
	return users, nil
}

// scopeErr is slackErr, but a missing_scope also carries a sentence for the
// person who hit it: the app was installed without a scope the manifest
// asks for, which only whoever runs incidentbot can fix.
func scopeErr(method string, err error) error {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" {
		return slackErr(method, err)
	}
	scope := se.Needed
	if scope == "" {
		scope = "a scope it needs"
	}
	user := incident.Errorf(incident.EForbidden,
		"incidentbot's Slack app is missing the %s permission, so it cannot do this yet. "+
			"Ask whoever runs incidentbot to grant the app %s (slack/manifest.yaml has the full list) and reinstall it.", scope, scope)
	return fmt.Errorf("slack %s: %w", method, errors.Join(user, err))
}
