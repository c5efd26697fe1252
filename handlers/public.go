package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/slackui"
)

// PublicStore keeps the approved customer-facing updates: the only text
// the status page shows.
type PublicStore interface {
	// PublishPublic records an approved update, once per draft; false when
	// that draft was already published.
	PublishPublic(ctx context.Context, n int64, u incident.PublicUpdate) (bool, error)
	// PublicUpdates are incident n's published updates, oldest first.
	PublicUpdates(ctx context.Context, n int64) ([]incident.PublicUpdate, error)
}

// Statuspage mirrors approved customer updates on a hosted status page
// (Atlassian Statuspage).
type Statuspage interface {
	// Push creates or updates the incident there and returns its id there.
	// key names the incident across retries; knownID is the id an earlier
	// push returned, "" for none.
	Push(ctx context.Context, key, knownID string, u StatuspageUpdate) (string, error)
}

// StatuspageUpdate is one approved update as Statuspage takes it.
type StatuspageUpdate = incident.StatuspageUpdate

// PublicChecker finds what customers must not read in a text: internal
// names, hosts, channels, people. Each finding is a sentence for the
// reviewer.
type PublicChecker func(text string, pc incident.PublicContext, names map[string]string) []string

// statuspageRetries are the waits between pushes to Statuspage that
// failed; after the last, the channel is told to post by hand.
var statuspageRetries = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute}

// Public drafts the customer-facing updates (`/incident update public`,
// and the "resolved" one offered when an incident that is on the status
// page resolves) and publishes approved ones to the status page, and to
// Statuspage when it is set up. Nothing reaches either without a person's
// Approve.
type Public struct {
	incidents  *Incidents
	drafts     *Drafts
	store      PublicStore
	catalog    Catalog
	states     func() map[incident.Severity]incident.ComponentState
	statuspage Statuspage // nil: not set up
	check      PublicChecker
	pageURL    string // where customers read the page; "" when unknown
	names      Names
	headers    Headers
	listeners  Listener
	background *Background
	retries    []time.Duration
	log        *slog.Logger
}

var errPrivatePublic = func(inc incident.Incident) error {
	return incident.Errorf(incident.EForbidden, "%s is private, so nothing about it goes on the status page.", inc.ID())
}

// command drafts a customer update of the incident in the channel.
func (p *Public) command(ctx context.Context, c SlashCommand, _ string, _ Responder) error {
	inc, err := p.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	if inc.Private {
		return errPrivatePublic(inc)
	}
	pc := p.context(inc, inc.Status)
	return p.drafts.toChannelWith(ctx, inc, incident.DraftPublic, c.UserID, &pc)
}

// context is what a customer update of inc may name and must not.
func (p *Public) context(inc incident.Incident, status incident.Status) incident.PublicContext {
	pc := incident.PublicContext{Status: status, Components: Components(p.catalog.Services(), inc.Services)}
	for _, s := range p.catalog.Services() {
		for _, name := range append([]string{s.Name}, s.Aliases...) {
			if !slices.ContainsFunc(pc.Components, func(c string) bool { return strings.EqualFold(c, name) }) {
				pc.Internal = append(pc.Internal, name)
			}
		}
	}
	for _, name := range inc.Services {
		if !slices.Contains(pc.Internal, name) && !slices.ContainsFunc(pc.Components, func(c string) bool { return strings.EqualFold(c, name) }) {
			pc.Internal = append(pc.Internal, name)
		}
	}
	if inc.ChannelName != "" {
		pc.Internal = append(pc.Internal, inc.ChannelName)
	}
	return pc
}

// Components are the status page components services map to, in catalog
// order, each once.
func Components(catalog incident.Catalog, services []string) []string {
	var out []string
	for _, s := range catalog {
		if s.StatusComponent != "" && slices.Contains(services, s.Name) && !slices.Contains(out, s.StatusComponent) {
			out = append(out, s.StatusComponent)
		}
	}
	return out
}

// flags re-checks a person's edit of a customer update.
func (p *Public) flags(ctx context.Context, inc incident.Incident, draft incident.Draft, text string) []string {
	if p.check == nil {
		return nil
	}
	ids := []string{inc.DeclaredBy, draft.CreatedBy}
	for _, id := range inc.Roles {
		ids = append(ids, id)
	}
	return p.check(text, p.context(inc, draft.Status), p.names.Map(ctx, ids))
}

// publish puts an approved customer update on the status page. It fails
// only when nothing was published.
func (p *Public) publish(ctx context.Context, draft incident.Draft, inc incident.Incident) error {
	if inc.Private {
		return errPrivatePublic(inc)
	}
	headline, body := incident.SplitPublic(draft.FinalText)
	if headline == "" {
		return incident.Errorf(incident.EInvalid, "This customer update has no headline. Click Edit and put the headline customers should see on the first line.")
	}
	status := draft.Status
	if status == "" {
		status = inc.Status
	}
	u := incident.PublicUpdate{DraftID: draft.ID, Status: status, Headline: headline, Text: body, At: draft.DecidedAt, By: draft.DecidedBy}
	if _, err := p.store.PublishPublic(ctx, inc.Number, u); err != nil {
		return fmt.Errorf("publish customer update of %s: %w", inc.ID(), err)
	}
	where := "the status page"
	if p.pageURL != "" {
		where = fmt.Sprintf("<%s|the status page>", p.pageURL)
	}
	p.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":globe_with_meridians: Published to %s as *%s*: %s", where, status, slackui.Escape(headline)))
	logged, err := p.incidents.changeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
		ev, err := cur.Record.MarkComm(incident.CommStatusPage, draft.DecidedBy, draft.DecidedAt)
		if err != nil {
			return nil, nil // already marked: keep the first
		}
		return []incident.Event{ev}, nil
	})
	switch {
	case err != nil:
		p.log.Error("mark the status page told", "incident", inc.ID(), "err", err)
	case len(logged.Events) > 0:
		p.headers.Show(ctx, logged.After)
		p.listeners.Changed(ctx, changedBy(CommsSent, logged, draft.DecidedBy))
	}
	if p.statuspage != nil {
		p.background.Go(func(ctx context.Context) { p.push(ctx, inc.Number, u) })
	}
	return nil
}

// push mirrors u on Statuspage, retrying in the background; the channel
// hears of a failure once, and of the outcome.
func (p *Public) push(ctx context.Context, n int64, u incident.PublicUpdate) {
	var last error
	for attempt := 0; attempt <= len(p.retries); attempt++ {
		if attempt > 0 && !sleep(ctx, p.retries[attempt-1]) {
			return
		}
		inc, err := p.incidents.Get(ctx, n)
		if err != nil {
			last = err
			continue
		}
		id, err := p.statuspage.Push(ctx, inc.ID(), inc.StatuspageID, p.statuspageUpdate(inc, u))
		if err != nil {
			last = err
			p.log.Warn("push to Statuspage", "incident", inc.ID(), "attempt", attempt+1, "err", err)
			if !retry.Retryable(err) {
				// A wrong key or page will not fix itself by waiting.
				break
			}
			if attempt == 0 {
				p.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":warning: Statuspage didn't take the customer update: %s. I'll keep trying in the background; our own status page has it already.",
					reason(err)))
			}
			continue
		}
		if id != inc.StatuspageID {
			if _, _, err := p.incidents.ChangeNumber(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
				cur.StatuspageID = id
				return nil, nil
			}); err != nil {
				p.log.Error("remember the Statuspage incident", "incident", inc.ID(), "err", err)
			}
		}
		if attempt > 0 {
			p.incidents.Say(ctx, inc.ChannelID, ":white_check_mark: Statuspage has the customer update now.")
		}
		return
	}
	inc, _ := p.incidents.Get(context.WithoutCancel(ctx), n)
	verb := "gave up sending"
	if !retry.Retryable(last) {
		verb = "couldn't send"
	}
	p.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":x: I %s the customer update to Statuspage (%s). Please post it there by hand: *%s*",
		verb, reason(last), slackui.Escape(u.Headline)))
}

// reason is an error as the channel reads it: a person-facing sentence
// when the error has one.
func reason(err error) string {
	if err == nil {
		return "no answer"
	}
	if incident.ErrorCode(err) != incident.EInternal {
		return strings.TrimSuffix(incident.ErrorMessage(err), ".")
	}
	return "it did not answer in time or refused the request"
}

// statuspageUpdate is u with the states of the incident's components on
// Statuspage.
func (p *Public) statuspageUpdate(inc incident.Incident, u incident.PublicUpdate) StatuspageUpdate {
	out := StatuspageUpdate{Name: u.Headline, Status: u.Status, Body: u.Text, Components: map[string]incident.ComponentState{}}
	state := incident.Operational
	if u.Status != incident.Resolved && inc.Active() {
		state = p.states()[inc.Severity]
		if state == "" {
			state = incident.DefaultComponentStates()[inc.Severity]
		}
	}
	for _, s := range p.catalog.Services() {
		if s.StatuspageComponentID != "" && slices.Contains(inc.Services, s.Name) {
			out.Components[s.StatuspageComponentID] = state
		}
	}
	return out
}

// Changed offers a customer "resolved" update when an incident that is on
// the status page resolves.
func (p *Public) Changed(ctx context.Context, c Change) {
	if c.Trigger != Resolved || c.After.Private {
		return
	}
	updates, err := p.store.PublicUpdates(ctx, c.After.Number)
	if err != nil {
		p.log.Error("load customer updates", "incident", c.After.ID(), "err", err)
		return
	}
	if len(updates) == 0 || updates[len(updates)-1].Status == incident.Resolved {
		return // never public, or customers were already told
	}
	inc := c.After
	p.background.Go(func(ctx context.Context) {
		pc := p.context(inc, incident.Resolved)
		if err := p.drafts.toChannelWith(ctx, inc, incident.DraftPublic, c.Actor, &pc); err != nil {
			p.log.Error("offer the resolved customer update", "incident", inc.ID(), "err", err)
		}
	})
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
