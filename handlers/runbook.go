package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// runbookResults is how many sections /incident runbook shows.
const runbookResults = 3

// RunbookSearcher finds runbook sections by keyword.
type RunbookSearcher interface {
	Search(query string, limit int) []incident.RunbookHit
}

// closest is what a runbook library may offer when nothing matches.
type closest interface {
	Closest(query string) []string
}

// Runbooks answers /incident runbook and shares sections in the channel.
type Runbooks struct {
	incidents *Incidents
	runbooks  RunbookSearcher // nil: no runbooks loaded
	slack     Poster
	replies
}

var errNoRunbooks = incident.Errorf(incident.EUnavailable, "No runbooks are loaded. Set RUNBOOKS_DIR to a folder of Markdown runbooks, or use the built-in starter library.")

func (x *Runbooks) search(ctx context.Context, c SlashCommand, args string, r Responder) error {
	if x.runbooks == nil {
		return errNoRunbooks
	}
	query := incident.CleanText(args)
	if query == "" {
		return incident.Errorf(incident.EInvalid, "Tell me what to look for, for example `/incident runbook db connections` or `/incident runbook tls expired`.")
	}
	hits := x.runbooks.Search(query, runbookResults)
	if len(hits) == 0 {
		msg := fmt.Sprintf("No runbook section matches “%s”. Try fewer or broader words (a service, a symptom such as `5xx` or `disk full`, a technology such as `postgres` or `dns`).", slackui.Escape(incident.Truncate(query, 100)))
		if cl, ok := x.runbooks.(closest); ok {
			if terms := cl.Closest(query); len(terms) > 0 {
				msg += " Closest words I know: " + slackui.Escape(strings.Join(terms, ", ")) + "."
			}
		}
		msg += " To browse every runbook, run `incidentbot runbooks search <words>` in a terminal or open the runbooks folder."
		x.send(ctx, r, slackui.Plain(msg))
		return nil
	}
	_, inIncident, err := x.incidents.lookup(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	x.send(ctx, r, slackui.RunbookHits(query, hits, inIncident))
	return nil
}

func (x *Runbooks) share(ctx context.Context, a BlockAction, _ Responder) error {
	if x.runbooks == nil {
		return errNoRunbooks
	}
	parts := strings.Split(a.Value, slackui.ShareSep)
	if len(parts) != 3 {
		return incident.Errorf(incident.EInvalid, "That button is out of date. Search again with `/incident runbook`.")
	}
	query, file, path := parts[0], parts[1], parts[2]
	var hit *incident.RunbookHit
	for _, h := range x.runbooks.Search(query, 20) {
		if h.File == file && h.Path == path {
			hit = &h
			break
		}
	}
	if hit == nil {
		return incident.Errorf(incident.ENotFound, "That runbook section has changed since you searched. Search again with `/incident runbook %s`.", slackui.Escape(query))
	}
	inc, err := x.incidents.ForChannel(ctx, a.ChannelID)
	if err != nil {
		return err
	}
	if _, err := x.slack.Post(ctx, inc.ChannelID, slackui.SharedRunbook(a.UserID, *hit)); err != nil {
		return fmt.Errorf("share runbook in %s: %w", inc.ID(), err)
	}
	x.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindRunbookShared, Actor: a.UserID, Text: hit.Path,
		Data: map[string]string{"file": hit.File, "path": hit.Path, "query": query}})
	return nil
}
