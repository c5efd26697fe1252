package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/slackui"
)

// Exports uploads an incident's record as files: Markdown for people,
// JSON for scripts.
type Exports struct {
	incidents     *Incidents
	slack         Uploader
	names         Names
	location      *time.Location
	postmortemDue time.Duration
	replies
}

func (x *Exports) command(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := x.incidents.WithEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	opts := export.Options{Location: x.location, Names: x.names.Func(ctx), PostmortemAfter: x.postmortemDue}
	doc, err := export.JSON(inc, events, opts)
	if err != nil {
		return fmt.Errorf("export %s as JSON: %w", inc.ID(), err)
	}
	md := export.Markdown(inc, events, opts)
	for _, f := range []struct{ name, title, content string }{
		{inc.ID() + ".md", inc.ID() + " record", string(md)},
		{inc.ID() + ".json", inc.ID() + " record (JSON)", string(doc)},
	} {
		if err := x.slack.Upload(ctx, inc.ChannelID, f.name, f.title, f.content); err != nil {
			return fmt.Errorf("upload %s: %w", f.name, err)
		}
	}
	x.send(ctx, r, slackui.Plain(fmt.Sprintf("Shared the record of %s in the channel as `%s.md` and `%s.json` (%d events).", inc.ID(), inc.ID(), inc.ID(), len(events))))
	return nil
}
