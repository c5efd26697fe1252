package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Tracker is one issue tracker follow-ups are exported to (tracker/github,
// tracker/jira, tracker/linear).
type Tracker interface {
	// Create opens one issue in project; it is one attempt.
	Create(ctx context.Context, project string, is incident.TrackerIssue) (incident.TrackerRef, error)
	// Find returns the issue made before for key, if any.
	Find(ctx context.Context, project, key string) (incident.TrackerRef, bool, error)
	// State reports whether the issue is done.
	State(ctx context.Context, ref incident.TrackerRef) (bool, error)
}

// FollowUpSource is the config file's tracker, auto_export and users.
type FollowUpSource interface {
	FollowUps() incident.FollowUpPolicy
}

// FollowUpIndex lists the exported items whose issues are still open, for
// the poll.
type FollowUpIndex interface {
	TrackFollowUp(ctx context.Context, n int64, itemID string) error
	UntrackFollowUp(ctx context.Context, n int64, itemID string) error
	TrackedFollowUps(ctx context.Context) ([]incident.FollowUpID, error)
}

type followUpStore interface {
	ExternalLinks
	Locker
	Appender
	RecentLister
	FollowUpIndex
	// FirstTime reports whether name was not seen in the last ttl.
	FirstTime(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// ActionItems keeps follow-ups: added from the approved postmortem or by
// hand, listed with Done / Open issue buttons, exported to the team's
// tracker once each, their issues' state brought back by webhook or poll,
// and their owners reminded when they are overdue. Every change is an
// event.
type ActionItems struct {
	incidents  *Incidents
	store      followUpStore
	slack      DMer
	catalog    Catalog
	policy     FollowUpSource
	trackers   map[incident.TrackerKind]Tracker
	background *Background
	names      Names
	replies
	log *slog.Logger
}

func (a *ActionItems) list(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, events, err := a.incidents.WithEvents(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	items := incident.ActionItems(events)
	if len(items) == 0 {
		a.send(ctx, r, slackui.Plain(fmt.Sprintf("%s has no action items yet. Add one with `/incident action add <what to do> [@owner] [due YYYY-MM-DD]`; the approved postmortem (`/incident postmortem`) adds its own.", inc.ID())))
		return nil
	}
	a.send(ctx, r, slackui.ActionItems(inc, items, a.exportLabel(inc)))
	return nil
}

// exportLabel names the tracker an incident's items go to ("GitHub"),
// "" when none is set up, so the list offers Open issue only then.
func (a *ActionItems) exportLabel(inc incident.Incident) string {
	t := a.target(inc)
	if t.Kind == "" || a.trackers[t.Kind] == nil {
		return ""
	}
	return trackerName(t.Kind)
}

func (a *ActionItems) command(ctx context.Context, c SlashCommand, args string, r Responder) error {
	sub, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if !strings.EqualFold(sub, "add") {
		return incident.Errorf(incident.EInvalid, "`/incident action add <what to do> [@owner] [due YYYY-MM-DD]` adds an action item; `/incident actions` lists them.")
	}
	inc, err := a.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	it, err := incident.ParseActionAdd(rest, a.incidents.now())
	if err != nil {
		return err
	}
	// Postmortem items are numbered 1, 2…; these never collide with them.
	var b [3]byte
	rand.Read(b[:])
	it.ID = "m" + hex.EncodeToString(b[:])
	if _, err := a.incidents.Record(ctx, inc.Number, incident.ActionItemEvent(incident.ActionAdd, it, c.UserID, a.incidents.now())); err != nil {
		return err
	}
	line := fmt.Sprintf(":clipboard: %s added an action item: “%s”", slackui.Mention(c.UserID), slackui.Escape(incident.Truncate(it.Text, 200)))
	if it.Owner != "" {
		line += ", owner " + slackui.Mention(it.Owner)
	}
	if !it.Due.IsZero() {
		line += ", due " + it.Due.Format(time.DateOnly)
	}
	a.incidents.Say(ctx, inc.ChannelID, line+". `/incident actions` lists them.")
	return nil
}

var errStaleItem = incident.Errorf(incident.EInvalid, "That button is out of date. Run `/incident actions` again.")

// itemRef reads a button's "<n>:<item>[:…]" value.
func itemRef(value string) (int64, string, string, error) {
	parts := strings.SplitN(value, ":", 3)
	if len(parts) < 2 {
		return 0, "", "", errStaleItem
	}
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, "", "", errStaleItem
	}
	rest := ""
	if len(parts) == 3 {
		rest = parts[2]
	}
	return n, parts[1], rest, nil
}

// item is the incident and its current item id.
func (a *ActionItems) item(ctx context.Context, n int64, id string) (incident.Incident, incident.ActionItem, error) {
	inc, err := a.incidents.Get(ctx, n)
	if err != nil {
		return inc, incident.ActionItem{}, err
	}
	events, err := a.incidents.Events(ctx, inc)
	if err != nil {
		return inc, incident.ActionItem{}, err
	}
	for _, it := range incident.ActionItems(events) {
		if it.ID == id {
			return inc, it, nil
		}
	}
	return inc, incident.ActionItem{}, incident.Errorf(incident.ENotFound, "I can't find that action item any more.")
}

func (a *ActionItems) done(ctx context.Context, b BlockAction, r Responder) error {
	n, id, verb, err := itemRef(b.Value)
	if err != nil {
		return err
	}
	inc, item, err := a.item(ctx, n, id)
	if err != nil {
		return err
	}
	op := incident.ActionDone
	if verb == "reopen" {
		op = incident.ActionReopen
	}
	if _, err := a.incidents.Record(ctx, n, incident.ActionItemEvent(op, item, b.UserID, a.incidents.now())); err != nil {
		return err
	}
	said := "done"
	if op == incident.ActionReopen {
		said = "reopened"
	}
	a.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":clipboard: %s marked action item “%s” %s.", slackui.Mention(b.UserID), slackui.Escape(incident.Truncate(item.Text, 200)), said))
	a.refresh(ctx, inc, r)
	return nil
}

// refresh shows the list again to whoever clicked.
func (a *ActionItems) refresh(ctx context.Context, inc incident.Incident, r Responder) {
	if events, err := a.incidents.Events(ctx, inc); err == nil {
		a.send(ctx, r, slackui.ActionItems(inc, incident.ActionItems(events), a.exportLabel(inc)))
	}
}

func (a *ActionItems) snooze(ctx context.Context, b BlockAction, r Responder) error {
	n, id, _, err := itemRef(b.Value)
	if err != nil {
		return err
	}
	_, item, err := a.item(ctx, n, id)
	if err != nil {
		return err
	}
	item.SnoozedUntil = a.incidents.now().Add(7 * 24 * time.Hour)
	if _, err := a.incidents.Record(ctx, n, incident.ActionItemEvent(incident.ActionSnooze, item, b.UserID, a.incidents.now())); err != nil {
		return err
	}
	a.send(ctx, r, slackui.Plain(fmt.Sprintf(":zzz: Snoozed “%s” until %s: no reminders before then.",
		slackui.Escape(incident.Truncate(item.Text, 200)), slackui.Date(item.SnoozedUntil))))
	return nil
}

func trackerName(k incident.TrackerKind) string {
	switch k {
	case incident.TrackerGitHub:
		return "GitHub"
	case incident.TrackerJira:
		return "Jira"
	case incident.TrackerLinear:
		return "Linear"
	}
	return string(k)
}
