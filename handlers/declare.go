package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// ErrNameTaken is returned by ChannelAdmin.CreateChannel when the name is in use.
var ErrNameTaken = errors.New("channel name taken")

// DeclareCallbackID is the callback_id of the declare modal.
const DeclareCallbackID = slackui.DeclareCallbackID

// ChannelAdmin creates and prepares incident channels.
type ChannelAdmin interface {
	// CreateChannel creates a public channel; ErrNameTaken if the name is used.
	CreateChannel(ctx context.Context, name string) (id string, err error)
	// CreatePrivateChannel is CreateChannel for a private channel.
	CreatePrivateChannel(ctx context.Context, name string) (id string, err error)
	Invite(ctx context.Context, channelID string, userIDs ...string) error
	Topicer
	Pin(ctx context.Context, channelID, ts string) error
}

// Updater edits a posted message.
type Updater interface {
	Update(ctx context.Context, channelID, ts string, msg Message) error
}

// ViewOpener opens modals.
type ViewOpener interface {
	OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
}

// Ephemeral posts a message only one person in a channel sees.
type Ephemeral interface {
	Ephemeral(ctx context.Context, channelID, userID string, msg Message) error
}

// Suggester suggests runbook sections for an incident title.
type Suggester interface {
	Suggest(title string, limit int) []incident.RunbookHit
}

// Numberer allocates incident numbers and creates incidents.
type Numberer interface {
	NextNumber(ctx context.Context) (int64, error)
	CreateIncident(ctx context.Context, inc incident.Incident) error
}

type declareSlack interface {
	ChannelAdmin
	Poster
	ViewOpener
	Ephemeral
}

// Declarer opens incidents: number, channel, header, pin, and then tells
// its listeners (the announce channel, paging).
type Declarer struct {
	incidents   *Incidents
	store       Numberer
	slack       declareSlack
	runbooks    Suggester // nil: no suggestions
	suggestions int
	botUserID   string
	listeners   Listener
	headers     Headers
	catalog     Catalog
	owners      Owners
	replies
	log *slog.Logger
}

func (d *Declarer) command(ctx context.Context, c SlashCommand, args string, r Responder) error {
	// Slash-command text arrives in Slack's escaped form; titles are kept as
	// plain text and escaped wherever they are rendered.
	decl, ok := incident.ParseDeclare(slackui.PlainText(args), d.catalog.Services())
	if !ok {
		if c.TriggerID == "" {
			return incident.Errorf(incident.EInvalid, "Give the incident a title, for example `/incident declare P1 checkout returns 500`.")
		}
		form := slackui.DeclareForm{ChannelID: c.ChannelID, Severity: decl.Severity, Private: decl.Private,
			Catalog: d.catalog.Services(), Severities: d.catalog.Severities()}
		if err := d.slack.OpenView(ctx, c.TriggerID, slackui.DeclareModal(form)); err != nil {
			return fmt.Errorf("open declare modal: %w", err)
		}
		return nil
	}
	inc, err := d.Declare(ctx, c.UserID, decl, "slack")
	if err != nil {
		return err
	}
	d.send(ctx, r, slackui.Plain(fmt.Sprintf(":white_check_mark: Declared *%s* in <#%s>.", inc.ID(), inc.ChannelID)))
	return nil
}

// Declare opens an incident. Steps after the channel exists are best
// effort: a failed pin must not lose the incident, so they are logged and
// the incident is returned.
func (d *Declarer) Declare(ctx context.Context, by string, decl incident.Declaration, source string) (incident.Incident, error) {
	return d.declare(ctx, by, decl, source, "", nil)
}

// DeclareFrom declares an incident a monitor's alert opened: text (the
// alert's descriptions) joins the title in choosing runbooks, and links
// (its runbook, dashboards) go in the header.
func (d *Declarer) DeclareFrom(ctx context.Context, decl incident.Declaration, source, text string, links []incident.Link) (incident.Incident, error) {
	return d.declare(ctx, "", decl, source, text, links)
}

func (d *Declarer) declare(ctx context.Context, by string, decl incident.Declaration, source, text string, links []incident.Link) (incident.Incident, error) {
	if !decl.Severity.Valid() {
		decl.Severity = incident.DefaultSeverity
	}
	n, err := d.store.NextNumber(ctx)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("allocate incident number: %w", err)
	}
	name, chID, err := d.createChannel(ctx, incident.ChannelName(n, decl.Title), decl.Private)
	if err != nil {
		return incident.Incident{}, err
	}
	inc := incident.Incident{
		Number: n, Title: decl.Title, Description: decl.Description, Severity: decl.Severity,
		Status: incident.Investigating, ChannelID: chID, ChannelName: name,
		Roles: map[incident.Role]string{}, DeclaredBy: by, DeclaredAt: d.incidents.now(), Source: source,
		Private: decl.Private, Record: incident.Record{Services: decl.Services}, Links: links,
	}
	person := by != "" && by != d.botUserID
	if person {
		inc.Roles[incident.Lead] = by
	}
	inc.Runbooks = d.suggest(inc, text)
	if err := d.store.CreateIncident(ctx, inc); err != nil {
		return incident.Incident{}, fmt.Errorf("store incident %d: %w", n, err)
	}
	log := d.log.With("incident", inc.ID(), "channel", chID)
	data := map[string]string{"title": decl.Title, "severity": decl.Severity.String(), "source": source}
	if len(decl.Services) > 0 {
		data["services"] = strings.Join(decl.Services, ",")
	}
	if decl.Private {
		data["private"] = "true"
	}
	declared, err := d.incidents.Record(ctx, n, incident.Event{Kind: incident.KindDeclared, Actor: by, At: inc.DeclaredAt,
		Text: decl.Description, Data: data})
	if err != nil {
		log.Error("record declaration", "err", err)
	}
	if person {
		if err := d.slack.Invite(ctx, chID, by); err != nil {
			log.Warn("invite declarer", "err", err)
		}
	}
	d.owners.Invite(ctx, inc, inc.Services)
	if err := d.slack.SetTopic(ctx, chID, slackui.Topic(inc)); err != nil {
		log.Warn("set topic", "err", err)
	}
	ts, err := d.slack.Post(ctx, chID, d.headers.Render(inc))
	if err != nil {
		log.Error("post header", "err", err)
	} else {
		inc.HeaderTS = ts
		// Saved before the pin: once people see the pinned header they can
		// change the incident, and this save must not overwrite that.
		if _, _, err := d.incidents.ChangeNumber(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.HeaderTS = ts
			return nil, nil
		}); err != nil {
			log.Error("save header ts", "err", err)
		}
		if err := d.slack.Pin(ctx, chID, ts); err != nil {
			log.Warn("pin header", "err", err)
		}
	}
	d.listeners.Changed(ctx, Change{Trigger: Declared, After: inc, Actor: by, Event: declared})
	log.Info("incident declared", "severity", inc.Severity.String(), "by", by)
	return inc, nil
}

// suggest picks the header's runbook sections: the ones the incident's
// services name first, then the best matches for the title and text.
func (d *Declarer) suggest(inc incident.Incident, text string) []string {
	if d.runbooks == nil || d.suggestions <= 0 {
		return nil
	}
	var out []string
	add := func(hits []incident.RunbookHit) {
		for _, hit := range hits {
			label := hit.Path + " (" + hit.File + ")"
			if len(out) < d.suggestions && !slices.Contains(out, label) {
				out = append(out, label)
			}
		}
	}
	catalog := d.catalog.Services()
	for _, name := range inc.Services {
		if svc, ok := catalog.Lookup(name); ok {
			for _, kw := range svc.Runbooks {
				add(d.runbooks.Suggest(kw, 1))
			}
		}
	}
	add(d.runbooks.Suggest(strings.TrimSpace(inc.Title+"\n"+text), d.suggestions))
	return out
}

// createChannel creates name, or name-2, name-3... when it is taken (an
// archived channel from an old install, say).
func (d *Declarer) createChannel(ctx context.Context, base string, private bool) (string, string, error) {
	create := d.slack.CreateChannel
	if private {
		create = d.slack.CreatePrivateChannel
	}
	name := base
	for k := 2; ; k++ {
		id, err := create(ctx, name)
		if err == nil {
			return name, id, nil
		}
		if !errors.Is(err, ErrNameTaken) || k > 20 {
			return "", "", fmt.Errorf("create channel %s: %w", name, err)
		}
		name = incident.WithSuffix(base, k)
	}
}

// Topicer sets channel topics.
type Topicer interface {
	SetTopic(ctx context.Context, channelID, topic string) error
}

// Headers keeps an incident's pinned header and topic in step with it.
type Headers struct {
	slack interface {
		Updater
		Topicer
	}
	catalog Catalog
	// postmortemDue is the default delay from resolution to the
	// postmortem's due date, a date in location.
	postmortemDue time.Duration
	location      *time.Location
	log           *slog.Logger
	// current re-reads an incident just before its header is rendered,
	// and serial orders the renders of one incident, so that of
	// concurrent changes the last render to reach Slack shows the newest
	// state, whatever order their callers got there in.
	current func(ctx context.Context, n int64) (incident.Incident, error)
	serial  *sync.Map // incident number → *sync.Mutex
}

// Render is the header of inc as it stands.
func (h Headers) Render(inc incident.Incident) Message {
	// A due date someone set is a date; the default is an instant, whose
	// date is the one in the team's zone (as exports show it).
	due := inc.PostmortemDue
	if due.IsZero() {
		if at := inc.PostmortemDueAt(h.postmortemDue); !at.IsZero() {
			local := at.In(h.location)
			due = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	info := slackui.HeaderInfo{PostmortemDue: due}
	catalog := h.catalog.Services()
	for _, name := range inc.Services {
		if svc, ok := catalog.Lookup(name); ok {
			info.Dashboards = append(info.Dashboards, svc.Dashboards...)
		}
	}
	return slackui.Header(inc, info)
}

// Refresh re-renders the pinned header and topic after a change.
func (h Headers) Refresh(ctx context.Context, inc incident.Incident) {
	h.Show(ctx, inc)
	if err := h.slack.SetTopic(ctx, inc.ChannelID, slackui.Topic(inc)); err != nil {
		h.log.Warn("set topic", "incident", inc.ID(), "err", err)
	}
}

// Show re-renders only the pinned header, for changes the topic does not
// show (the record, comms, the postmortem): Slack announces every topic
// change in the channel, so an unchanged topic is not set again.
func (h Headers) Show(ctx context.Context, inc incident.Incident) {
	if inc.HeaderTS == "" {
		return
	}
	if h.serial != nil {
		mu, _ := h.serial.LoadOrStore(inc.Number, &sync.Mutex{})
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
	}
	if h.current != nil {
		if cur, err := h.current(ctx, inc.Number); err == nil && cur.HeaderTS != "" {
			inc = cur
		}
	}
	if err := h.slack.Update(ctx, inc.ChannelID, inc.HeaderTS, h.Render(inc)); err != nil {
		h.log.Warn("update header", "incident", inc.ID(), "err", err)
	}
}

// validateModal checks a declare modal before it is acknowledged.
func (d *Declarer) validateModal(_ context.Context, v ViewSubmission) map[string]string {
	if incident.CleanText(slackui.Field(v.Values, slackui.BlockTitle)) == "" {
		return map[string]string{slackui.BlockTitle: "Give the incident a short title, like “checkout returns 500”."}
	}
	return nil
}

// submitModal declares from the modal.
func (d *Declarer) submitModal(ctx context.Context, v ViewSubmission, r Responder) error {
	sev, ok := incident.ParseSeverity(slackui.Field(v.Values, slackui.BlockSeverity))
	if !ok {
		sev = incident.DefaultSeverity
	}
	full := incident.CleanText(slackui.Field(v.Values, slackui.BlockTitle))
	decl := incident.Declaration{Severity: sev, Title: incident.Truncate(full, incident.MaxTitle),
		Description: strings.TrimSpace(v.Values[slackui.BlockDescription][slackui.BlockDescription]),
		Private:     slices.Contains(strings.Split(slackui.Field(v.Values, slackui.BlockPrivate), ","), slackui.PrivateOption)}
	if picked := slackui.Field(v.Values, slackui.BlockServices); picked != "" {
		svcs, err := incident.ParseServices(picked, d.catalog.Services())
		if err != nil {
			return err
		}
		decl.Services = svcs
	}
	if decl.Title != full && decl.Description == "" {
		decl.Description = full
	}
	inc, err := d.Declare(ctx, v.UserID, decl, "slack")
	if err != nil {
		return err
	}
	// A modal has no response_url; tell the declarer in the new channel,
	// which they are now in.
	if err := d.slack.Ephemeral(ctx, inc.ChannelID, v.UserID, slackui.Plain(fmt.Sprintf("You declared *%s*. This channel is its record.", inc.ID()))); err != nil {
		d.log.Warn("confirm declare", "err", err)
	}
	return nil
}
