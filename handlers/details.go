package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// Catalog is the team's configuration file as it stands now: it reloads
// while the bot runs, so capabilities ask for it each time.
type Catalog interface {
	// Services is the service catalog; empty when none is configured.
	Services() incident.Catalog
	// Severities describes each severity for the declare modal; missing
	// entries get the built-in description.
	Severities() map[incident.Severity]string
	// Marks and Cadence are the file's reaction marks and update cadence;
	// nil when it sets none. The environment's (Config) win over them.
	Marks() map[string]incident.Mark
	Cadence() map[incident.Severity]time.Duration
}

// noCatalog is the catalog of a bot without a config file.
type noCatalog struct{}

func (noCatalog) Services() incident.Catalog                   { return nil }
func (noCatalog) Severities() map[incident.Severity]string     { return nil }
func (noCatalog) Marks() map[string]incident.Mark              { return nil }
func (noCatalog) Cadence() map[incident.Severity]time.Duration { return nil }

// GroupExpander lists a user group's members, so owners named by group
// can be invited.
type GroupExpander interface {
	// UserGroupMembers lists the users of a user group (S…).
	UserGroupMembers(ctx context.Context, groupID string) ([]string, error)
}

type detailsSlack interface {
	ViewOpener
	Ephemeral
	Inviter
}

// Details keeps the incident's record: `/incident set`, `/incident comms`,
// the details modal and the :bulb: offer. Each change is a field event on
// the log, told in the channel and shown in the header.
type Details struct {
	incidents  *Incidents
	catalog    Catalog
	slack      detailsSlack
	owners     Owners
	headers    Headers
	listeners  Listener
	background *Background
	location   *time.Location
	replies
	log *slog.Logger
}

func (d *Details) env() incident.SetEnv {
	return incident.SetEnv{Now: d.incidents.now(), Location: d.location, Catalog: d.catalog.Services()}
}

// setValue is what a field's parser is given: Slack's escaped text becomes
// plain text, except where the markup is the value (a mention, a link).
func setValue(f incident.Field, raw string) string {
	switch f {
	case incident.FieldPostmortemOwner, incident.FieldDetectedBy:
		return raw
	}
	return slackui.PlainText(raw)
}

func (d *Details) set(ctx context.Context, c SlashCommand, args string, r Responder) error {
	f, raw, err := incident.ParseSet(args)
	if err != nil {
		return err
	}
	return d.apply(ctx, c.ChannelID, c.UserID, map[incident.Field]string{f: setValue(f, raw)}, r)
}

// apply sets fields under the incident's lock, one event each, then tells
// the channel, refreshes the header and tells the listeners. Fields that
// already hold their value are skipped; if every one does, the person is
// told so.
func (d *Details) apply(ctx context.Context, channelID, by string, values map[incident.Field]string, r Responder) error {
	env := d.env()
	logged, err := d.incidents.ChangeLogged(ctx, channelID, func(inc *incident.Incident) ([]incident.Event, error) {
		var changed []incident.Event
		var noop error
		for _, f := range incident.Fields {
			v, ok := values[f]
			if !ok {
				continue
			}
			ev, err := inc.Record.Set(f, v, env)
			if incident.ErrorCode(err) == incident.ENoop {
				noop = err
				continue
			}
			if err != nil {
				return nil, err
			}
			ev.Actor = by
			changed = append(changed, ev)
		}
		if len(changed) == 0 {
			if noop == nil || len(values) > 1 {
				noop = incident.Errorf(incident.ENoop, "Nothing changed.")
			}
			return nil, noop
		}
		return changed, nil
	})
	if err != nil {
		return err
	}
	before, inc := logged.Before, logged.After
	for _, ev := range logged.Events {
		f := incident.Field(ev.Get("field"))
		d.incidents.Post(ctx, inc.ChannelID, slackui.FieldSet(f, ev.Get("to"), by))
	}
	d.headers.Show(ctx, inc)
	if added := newServices(before, inc); len(added) > 0 {
		d.owners.Invite(ctx, inc, added)
	}
	for _, ev := range logged.Events {
		d.listeners.Changed(ctx, Change{Trigger: FieldSet, Before: before, After: inc, Actor: by, Field: incident.Field(ev.Get("field")), Event: ev})
	}
	return nil
}

// newServices lists the services after has that before did not.
func newServices(before, after incident.Incident) []string {
	var out []string
	for _, s := range after.Services {
		if !slices.Contains(before.Services, s) {
			out = append(out, s)
		}
	}
	return out
}

func (d *Details) comms(ctx context.Context, c SlashCommand, args string, _ Responder) error {
	kind, ok := incident.ParseComm(args)
	if !ok {
		return incident.Errorf(incident.EInvalid, "Say which communication went out: `/incident comms customers`, `/incident comms team` or `/incident comms status-page`.")
	}
	return d.markComm(ctx, c.ChannelID, kind, c.UserID)
}

// markComm records that a communication went out.
func (d *Details) markComm(ctx context.Context, channelID string, kind incident.Comm, by string) error {
	logged, err := d.incidents.ChangeLogged(ctx, channelID, func(inc *incident.Incident) ([]incident.Event, error) {
		ev, err := inc.Record.MarkComm(kind, by, d.incidents.now())
		if err != nil {
			return nil, err
		}
		return []incident.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	inc := logged.After
	d.incidents.Post(ctx, inc.ChannelID, slackui.CommDone(kind, by))
	d.headers.Show(ctx, inc)
	d.listeners.Changed(ctx, changedBy(CommsSent, logged, by))
	return nil
}

// edit opens the details modal.
func (d *Details) edit(ctx context.Context, c SlashCommand, _ string, _ Responder) error {
	return d.open(ctx, c.ChannelID, c.TriggerID)
}

// editClick is the header's Edit details button.
func (d *Details) editClick(ctx context.Context, a BlockAction, _ Responder) error {
	return d.open(ctx, a.ChannelID, a.TriggerID)
}

func (d *Details) open(ctx context.Context, channelID, triggerID string) error {
	inc, err := d.incidents.ForChannel(ctx, channelID)
	if err != nil {
		return err
	}
	if triggerID == "" {
		return incident.Errorf(incident.EInvalid, "Slack did not send what opening a form needs. Use `/incident set <field> <value>` instead.")
	}
	if err := d.slack.OpenView(ctx, triggerID, slackui.DetailsModal(inc, d.catalog.Services(), channelID)); err != nil {
		return fmt.Errorf("open details modal for %s: %w", inc.ID(), err)
	}
	return nil
}

// validateDetails checks every field of the modal against the incident as
// it is now, so mistakes show beside the field and nothing typed is lost.
func (d *Details) validateDetails(ctx context.Context, v ViewSubmission) map[string]string {
	inc, err := d.incidents.ForChannel(ctx, v.PrivateMetadata)
	if err != nil {
		return map[string]string{string(incident.FieldImpact): incident.ErrorMessage(err)}
	}
	env := d.env()
	errs := map[string]string{}
	for f, value := range slackui.DetailsValues(v.Values) {
		if _, err := inc.Record.Set(f, value, env); err != nil && incident.ErrorCode(err) != incident.ENoop {
			block := string(f)
			if f == incident.FieldDetectedBy && slackui.Field(v.Values, slackui.BlockDetectedLink) != "" {
				block = slackui.BlockDetectedLink
			}
			errs[block] = slackui.PlainText(incident.ErrorMessage(err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (d *Details) submitDetails(ctx context.Context, v ViewSubmission, r Responder) error {
	err := d.apply(ctx, v.PrivateMetadata, v.UserID, slackui.DetailsValues(v.Values), r)
	if incident.ErrorCode(err) == incident.ENoop {
		return nil // saved unchanged: nothing to say
	}
	return err
}

// Marked offers whoever marked a message as a hypothesis to record it as
// the incident's hypothesis or root cause, privately and off the event's
// path (the event is already acknowledged).
func (d *Details) Marked(ctx context.Context, channelID string, ev incident.Event) {
	if ev.Mark != incident.MarkHypothesis || ev.Actor == "" {
		return
	}
	d.background.Go(func(bg context.Context) {
		ctx, cancel := context.WithTimeout(bg, 30*time.Second)
		defer cancel()
		text, err := d.messageText(ctx, channelID, ev.TS)
		if err != nil {
			d.log.Warn("hypothesis offer", "channel", channelID, "err", err)
			return
		}
		if err := d.slack.Ephemeral(ctx, channelID, ev.Actor, slackui.HypothesisOffer(text, ev.TS)); err != nil {
			d.log.Warn("hypothesis offer", "channel", channelID, "err", err)
		}
	})
}

// messageText is the text of the message at ts as the timeline has it now
// (edits applied).
func (d *Details) messageText(ctx context.Context, channelID, ts string) (string, error) {
	_, events, err := d.incidents.WithEvents(ctx, channelID)
	if err != nil {
		return "", err
	}
	for _, e := range incident.Fold(events) {
		if e.Kind == incident.KindMessage && e.TS == ts {
			return e.Text, nil
		}
	}
	return "", incident.Errorf(incident.ENotFound, "That message is no longer on the timeline (was it deleted?).")
}

func (d *Details) setFromMark(f incident.Field) ActionFunc {
	return func(ctx context.Context, a BlockAction, r Responder) error {
		text, err := d.messageText(ctx, a.ChannelID, a.Value)
		if err != nil {
			return err
		}
		text = withoutLabel(strings.TrimSpace(slackui.PlainText(text)))
		if text == "" {
			return incident.Errorf(incident.EInvalid, "That message has no text to record.")
		}
		return d.apply(ctx, a.ChannelID, a.UserID, map[incident.Field]string{f: text}, r)
	}
}

// Owners invites the owners of an incident's services: users directly,
// user groups by their members.
type Owners struct {
	catalog Catalog
	slack   interface {
		Inviter
		GroupExpander
	}
	incidents *Incidents
	log       *slog.Logger
}

// Invite adds the owners of services to inc's channel. Failures are told
// in the channel: the owners must be reached some other way.
func (o Owners) Invite(ctx context.Context, inc incident.Incident, services []string) {
	catalog := o.catalog.Services()
	var ids []string
	for _, name := range services {
		if svc, ok := catalog.Lookup(name); ok {
			ids = append(ids, svc.Owners...)
		}
	}
	if len(ids) == 0 {
		return
	}
	if _, err := o.InviteIDs(ctx, inc, ids); err != nil {
		o.log.Warn("invite service owners", "incident", inc.ID(), "err", err)
		o.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":warning: I could not invite every owner of %s: %s Invite them by hand.",
			slackui.Escape(strings.Join(services, ", ")), incident.ErrorMessage(err)))
	}
}

// InviteIDs invites users (U…, W…) and the members of user groups (S…) to
// inc's channel and returns the users invited. A group that cannot be
// expanded is reported in the error; the others are still invited.
func (o Owners) InviteIDs(ctx context.Context, inc incident.Incident, ids []string) ([]string, error) {
	var users []string
	var failed []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "S") {
			users = append(users, id)
			continue
		}
		members, err := o.slack.UserGroupMembers(ctx, id)
		if err != nil {
			o.log.Warn("expand user group", "incident", inc.ID(), "group", id, "err", err)
			failed = append(failed, "<!subteam^"+id+">")
			continue
		}
		users = append(users, members...)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	var err error
	if len(failed) > 0 {
		err = incident.Errorf(incident.EUnavailable, "I could not list the members of %s.", strings.Join(failed, ", "))
	}
	if len(users) == 0 {
		return nil, err
	}
	if ierr := o.slack.Invite(ctx, inc.ChannelID, users...); ierr != nil {
		return nil, fmt.Errorf("invite %d people to %s: %w", len(users), inc.ID(), ierr)
	}
	return users, err
}

// labelled is a message that names what it is ("Hypothesis: …").
var labelled = regexp.MustCompile(`(?i)^\s*(hypothesis|theory|guess|root[ -]?cause|cause)\s*[:\-–—]\s*`)

// withoutLabel drops such a label: the field already says it.
func withoutLabel(s string) string { return labelled.ReplaceAllString(s, "") }
