package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// InsightsMaker works out a team's numbers from the incident records.
type InsightsMaker interface {
	// Insights is the report over the window from since to now, for one
	// service or all (""): the numbers as Markdown, and the chart as PNG.
	Insights(ctx context.Context, since time.Time, service string) (markdown string, png []byte, err error)
}

// DMer posts to a person's direct messages with the bot.
type DMer interface {
	// DM posts m to userID's DM with the bot and returns that channel.
	DM(ctx context.Context, userID string, m Message) (channelID string, err error)
}

type insightsSlack interface {
	DMer
	Poster
	Uploader
}

// Insights answers `/incident insights`: the chart and the numbers, in the
// person's DMs, or in the channel with `share`.
type Insights struct {
	maker   InsightsMaker // nil: off, with a clear reply
	slack   insightsSlack
	catalog Catalog
	clock   Clock
	replies
}

// insightsWindows are the windows people may ask for, in days.
var insightsWindows = []int{30, 90, 365}

const insightsUsage = "`/incident insights [30d|90d|365d] [service:NAME] [share]`, e.g. `/incident insights 90d service:checkout`"

func (x *Insights) command(ctx context.Context, c SlashCommand, args string, r Responder) error {
	if x.maker == nil {
		return incident.Errorf(incident.EUnavailable, "Insights aren't set up for this bot.")
	}
	days, service, share, err := x.parse(args)
	if err != nil {
		return err
	}
	now := x.clock.Now().UTC()
	md, png, err := x.maker.Insights(ctx, now.AddDate(0, 0, -days), service)
	if err != nil {
		return fmt.Errorf("insights over %dd: %w", days, err)
	}
	title := fmt.Sprintf("Incident insights, last %d days", days)
	if service != "" {
		title += " — " + service
	}
	name := fmt.Sprintf("incidentbot-insights-%dd-%s.png", days, now.Format("2006-01-02"))
	msg := slackui.Text(slackui.Mrkdwn(md))
	if share {
		if _, err := x.slack.Post(ctx, c.ChannelID, msg); err != nil {
			return incident.Errorf(incident.EUnavailable, "I couldn't post in this channel; invite me to it, or run the command without `share` to get the chart privately.")
		}
		if err := x.slack.Upload(ctx, c.ChannelID, name, title, string(png)); err != nil {
			return fmt.Errorf("upload insights chart: %w", err)
		}
		return nil
	}
	dm, err := x.slack.DM(ctx, c.UserID, msg)
	if err != nil {
		return fmt.Errorf("send insights to %s: %w", c.UserID, err)
	}
	if err := x.slack.Upload(ctx, dm, name, title, string(png)); err != nil {
		return fmt.Errorf("upload insights chart: %w", err)
	}
	x.send(ctx, r, slackui.Plain(fmt.Sprintf("I've sent the insights for the last %d days to your direct messages with me. Add `share` to post them here.", days)))
	return nil
}

// parse reads [30d|90d|365d] [service:NAME] [share], in any order.
func (x *Insights) parse(args string) (days int, service string, share bool, err error) {
	days = 90
	for _, w := range strings.Fields(args) {
		low := strings.ToLower(w)
		switch {
		case low == "share":
			share = true
		case strings.HasPrefix(low, "service:"):
			typed := strings.TrimPrefix(low, "service:")
			name, ok := x.catalog.Services().Resolve(typed)
			if !ok {
				known := x.catalog.Services().Names()
				hint := ""
				if len(known) > 0 {
					hint = " The catalog has: " + strings.Join(known, ", ") + "."
				}
				return 0, "", false, incident.Errorf(incident.EInvalid, "I don't know the service `%s`.%s", slackui.Escape(incident.Truncate(typed, 40)), hint)
			}
			service = name
		case strings.HasSuffix(low, "d"):
			n, err := strconv.Atoi(strings.TrimSuffix(low, "d"))
			if err != nil || !slices.Contains(insightsWindows, n) {
				return 0, "", false, incident.Errorf(incident.EInvalid, "The window is 30d, 90d or 365d, not `%s`. Try %s.", slackui.Escape(incident.Truncate(w, 20)), insightsUsage)
			}
			days = n
		default:
			return 0, "", false, incident.Errorf(incident.EInvalid, "I don't understand `%s`. Try %s.", slackui.Escape(incident.Truncate(w, 40)), insightsUsage)
		}
	}
	return days, service, share, nil
}
