package handlers

import (
	"context"
	"strings"
)

// UserNamer resolves a Slack user's display name (the adapter caches).
type UserNamer interface {
	UserName(ctx context.Context, userID string) (string, error)
}

// Names turns user IDs into the names people read. Stakeholders, files and
// the model see names, never <@U…> mentions, so nothing they read pings
// anyone and the model's prose names people.
type Names struct{ api UserNamer }

// Of is id's display name: "incidentbot" for the bot's own actions, "an
// integration" for other bots, "a responder" when Slack does not know.
func (n Names) Of(ctx context.Context, id string) string {
	switch {
	case id == "":
		return "incidentbot"
	case strings.HasPrefix(id, "B"):
		return "an integration"
	}
	if n.api != nil {
		if name, err := n.api.UserName(ctx, id); err == nil && name != "" {
			return name
		}
	}
	return "a responder"
}

// Func is Of bound to ctx, with an "@" before people's names, for
// renderers; it remembers what it resolved.
func (n Names) Func(ctx context.Context) func(string) string {
	seen := map[string]string{}
	return func(id string) string {
		if s, ok := seen[id]; ok {
			return s
		}
		s := n.Of(ctx, id)
		if strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") {
			if s != "a responder" {
				s = "@" + s
			}
		}
		seen[id] = s
		return s
	}
}

// Map resolves the people among ids to display names, for the drafter;
// those Slack does not know are left out, and the drafter shows them as
// bare IDs, never as mentions.
func (n Names) Map(ctx context.Context, ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	if n.api == nil {
		return out
	}
	for _, id := range ids {
		if _, ok := out[id]; ok || !(strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W")) {
			continue
		}
		if name, err := n.api.UserName(ctx, id); err == nil && name != "" {
			out[id] = name
		}
	}
	return out
}
