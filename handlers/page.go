package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// pageTimeout bounds a background page with all its retries: PagerDuty being
// down must never block declaring, but the channel is told if it gave up.
const pageTimeout = 3 * time.Minute

// Pager pages people and tells who is on call.
type Pager interface {
	// Pages reports whether declaring at sev pages service ("" for the
	// default): the severity pages and the service has a routing key.
	Pages(sev incident.Severity, service string) bool
	// Routes reports whether service ("" for the default) can be paged at
	// all: it has a routing key.
	Routes(service string) bool
	// AutoDeclares reports whether a triggered alert on service opens an
	// incident by itself.
	AutoDeclares(service string) bool
	// Trigger pages service ("" for the default) about inc, retrying with
	// backoff until ctx ends.
	Trigger(ctx context.Context, inc incident.Incident, service, link string) (incident.PageResult, error)
	// Resolve resolves the pages sent for inc.
	Resolve(ctx context.Context, inc incident.Incident, services []string) error
	// OnCall lists who is on call for a schedule or escalation policy name or
	// ID ("" for all).
	OnCall(ctx context.Context, query string) ([]incident.OnCall, error)
}

// ExternalLinks remembers which paging-system incident became which of ours.
type ExternalLinks interface {
	// LinkExternal records that externalID became incident n.
	LinkExternal(ctx context.Context, externalID string, n int64) error
	// ExternalIncident returns the incident an external id became.
	ExternalIncident(ctx context.Context, externalID string) (n int64, ok bool, err error)
}

type pagingStore interface {
	ExternalLinks
	Appender
	EventLog
	Locker
}

// Paging pages the on-call on declare, on a severity raise and on demand,
// resolves pages on resolve, answers /incident oncall, and takes the paging
// system's webhook events (auto-declare, acknowledgements, resolutions).
type Paging struct {
	incidents  *Incidents
	pager      Pager // nil: paging is off, with a clear reply
	store      pagingStore
	slack      Permalinker
	declarer   *Declarer
	headers    Headers
	background *Background
	replies
	log *slog.Logger
}

var errNoPager = incident.Errorf(incident.EUnavailable,
	"PagerDuty isn't set up for this bot: set PAGERDUTY_ROUTING_KEY (and PAGERDUTY_API_TOKEN for on-call lookups).")

// Changed pages on declare and on a raise into a paging severity, and
// resolves pages when the incident is resolved.
func (h *Paging) Changed(ctx context.Context, c Change) {
	if h.pager == nil {
		return
	}
	inc := c.After
	switch c.Trigger {
	case Declared:
		h.pageOnDeclare(ctx, inc)
	case SeverityChanged:
		if inc.Severity < c.Before.Severity && inc.Active() && len(h.targets(c.Before, c.Before.Severity)) == 0 {
			for _, svc := range h.targets(inc, inc.Severity) {
				h.pageInBackground(ctx, inc, svc, c.Actor)
			}
		}
	case FieldSet:
		// A service named later is paged as it would have been on declare.
		if c.Field == incident.FieldService && inc.Active() {
			for _, svc := range inc.Services {
				if !slices.Contains(c.Before.Services, svc) && h.pager.Pages(inc.Severity, svc) {
					h.pageInBackground(ctx, inc, svc, c.Actor)
				}
			}
		}
	case Resolved:
		h.resolvePages(ctx, inc, c.Actor)
	}
}

// pageOnDeclare pages when the severity pages and the incident did not
// itself come from the paging system (that would page twice).
func (h *Paging) pageOnDeclare(ctx context.Context, inc incident.Incident) {
	// A monitor's alert pages when its rule says so (PageAll), not by
	// severity.
	if strings.HasPrefix(inc.Source, "pagerduty") || strings.HasPrefix(inc.Source, "alert:") {
		return
	}
	for _, svc := range h.targets(inc, inc.Severity) {
		h.pageInBackground(ctx, inc, svc, inc.DeclaredBy)
	}
}

// targets are the services to page for inc at sev: its own services that
// have a routing key, or else the default service.
func (h *Paging) targets(inc incident.Incident, sev incident.Severity) []string {
	var out []string
	for _, svc := range inc.Services {
		if h.pager.Pages(sev, svc) {
			out = append(out, svc)
		}
	}
	if len(out) == 0 && h.pager.Pages(sev, "") {
		out = append(out, "")
	}
	return out
}

// PageAll pages inc's services that have a routing key, or else the
// default service, whatever its severity: an alert rule said to page.
func (h *Paging) PageAll(ctx context.Context, inc incident.Incident) {
	if h.pager == nil {
		h.incidents.Say(ctx, inc.ChannelID, ":warning: The alert rule says to page, but PagerDuty isn't set up for this bot (PAGERDUTY_ROUTING_KEY). Page the on-call another way.")
		return
	}
	var targets []string
	for _, svc := range inc.Services {
		if h.pager.Routes(svc) {
			targets = append(targets, svc)
		}
	}
	if len(targets) == 0 {
		targets = []string{""}
	}
	for _, svc := range targets {
		h.pageInBackground(ctx, inc, svc, "")
	}
}

// pageInBackground triggers a page with retries, off the interaction's path,
// and reports the outcome in the channel and on the log.
func (h *Paging) pageInBackground(_ context.Context, inc incident.Incident, service, by string) {
	h.background.Go(func(bg context.Context) {
		ctx, cancel := context.WithTimeoutCause(bg, pageTimeout, fmt.Errorf("paging gave up after %s", pageTimeout))
		defer cancel()
		if _, err := h.page(ctx, inc, service, by); err != nil {
			h.log.Error("page", "incident", inc.ID(), "service", service, "err", err)
		}
	})
}

// page triggers a page and records the outcome, success or failure.
func (h *Paging) page(ctx context.Context, inc incident.Incident, service, by string) (incident.PageResult, error) {
	link := "https://slack.com/app_redirect?channel=" + inc.ChannelID
	if inc.HeaderTS != "" {
		if l, err := h.slack.Permalink(ctx, inc.ChannelID, inc.HeaderTS); err == nil {
			link = l
		}
	}
	res, err := h.pager.Trigger(ctx, inc, service, link)
	label := service
	if label == "" {
		label = "default service"
	}
	if err != nil {
		// The page's own context may have run out; telling the channel gets
		// a short one of its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		h.incidents.Note(rctx, inc, incident.Event{Kind: incident.KindPageFailed, Actor: by,
			Text: incident.ErrorMessage(err), Data: map[string]string{"service": service}})
		if incident.ErrorCode(err) == incident.EInvalid {
			return res, err
		}
		h.incidents.Say(rctx, inc.ChannelID, fmt.Sprintf(":warning: I could not page the on-call (%s) through PagerDuty, even after retrying. Page them another way, and try `/incident page` again later.", label))
		return res, err
	}
	h.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindPage, Actor: by, Text: res.Message,
		Data: map[string]string{"service": service, "dedup_key": res.DedupKey}})
	h.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":pager: Paged the on-call (%s) through PagerDuty.", label))
	return res, nil
}

func (h *Paging) command(ctx context.Context, c SlashCommand, args string, r Responder) error {
	if h.pager == nil {
		return errNoPager
	}
	inc, err := h.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	if !inc.Active() {
		return incident.Errorf(incident.EInvalid, "%s is resolved; reopen it with `/incident status investigating` before paging.", inc.ID())
	}
	service := strings.TrimSpace(args)
	ctx, cancel := context.WithTimeout(ctx, pageTimeout)
	defer cancel()
	if _, err := h.page(ctx, inc, service, c.UserID); err != nil {
		return err
	}
	h.send(ctx, r, slackui.Plain(":pager: Page sent."))
	return nil
}

// resolvePages resolves every page sent for inc, in the background.
func (h *Paging) resolvePages(ctx context.Context, inc incident.Incident, by string) {
	events, err := h.incidents.Events(ctx, inc)
	if err != nil {
		h.log.Error("load events to resolve pages", "incident", inc.ID(), "err", err)
		return
	}
	seen := map[string]bool{}
	var services []string
	for _, ev := range events {
		if ev.Kind == incident.KindPage && !seen[ev.Get("service")] {
			seen[ev.Get("service")] = true
			services = append(services, ev.Get("service"))
		}
	}
	if len(services) == 0 {
		return
	}
	h.background.Go(func(bg context.Context) {
		ctx, cancel := context.WithTimeout(bg, pageTimeout)
		defer cancel()
		if err := h.pager.Resolve(ctx, inc, services); err != nil {
			h.log.Error("resolve pages", "incident", inc.ID(), "err", err)
			h.incidents.Say(ctx, inc.ChannelID, ":warning: I could not resolve the PagerDuty alert; resolve it in PagerDuty.")
			return
		}
		h.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindPageResolve, Actor: by,
			Data: map[string]string{"services": strings.Join(services, ",")}})
		h.incidents.Say(ctx, inc.ChannelID, ":pager: Resolved the PagerDuty alert.")
	})
}

func (h *Paging) oncall(ctx context.Context, _ SlashCommand, args string, r Responder) error {
	if h.pager == nil {
		return errNoPager
	}
	people, err := h.pager.OnCall(ctx, strings.TrimSpace(args))
	if err != nil {
		return fmt.Errorf("on-call lookup %q: %w", args, err)
	}
	if len(people) == 0 {
		return incident.Errorf(incident.ENotFound, "Nobody is on call for %q right now, or no schedule or escalation policy has that name.", strings.TrimSpace(args))
	}
	h.send(ctx, r, slackui.OnCall(people))
	return nil
}

// Alert takes an event from the paging system's webhook. A triggered alert on
// a service that auto-declares opens an incident exactly once, however often
// the webhook is delivered; acknowledgements and resolutions go on the
// timeline of the incident the alert belongs to.
func (h *Paging) Alert(ctx context.Context, a incident.Alert) error {
	return Recover(h.log, "alert", func() error {
		switch a.Type {
		case incident.AlertTriggered:
			return h.alertTriggered(ctx, a)
		case incident.AlertAcknowledged, incident.AlertResolved:
			return h.alertFollowUp(ctx, a)
		}
		return nil
	})
}

func (h *Paging) alertTriggered(ctx context.Context, a incident.Alert) error {
	if h.pager == nil || !(h.pager.AutoDeclares(a.Service) || h.pager.AutoDeclares(a.ServiceID)) || a.ExternalID == "" {
		return nil
	}
	if _, ok, err := h.store.ExternalIncident(ctx, a.ExternalID); err != nil || ok {
		return err // declared already: a redelivery
	}
	// The lock keeps concurrent deliveries from declaring twice; if this one
	// fails it returns an error, so the paging system retries it.
	lock := "external:" + a.ExternalID
	token, err := h.store.Lock(ctx, lock, 2*time.Minute)
	if err != nil || token == "" {
		return err
	}
	defer h.store.Unlock(context.WithoutCancel(ctx), lock, token)
	if _, ok, err := h.store.ExternalIncident(ctx, a.ExternalID); err != nil || ok {
		return err
	}
	sev := incident.P2
	if strings.EqualFold(a.Urgency, "low") {
		sev = incident.P3
	}
	desc := fmt.Sprintf("Opened from PagerDuty incident %s on %s.", a.ExternalID, a.Service)
	if a.Details != "" {
		desc += "\n" + a.Details
	}
	title := incident.Truncate(incident.CleanText(a.Title), incident.MaxTitle)
	if title == "" {
		title = "PagerDuty alert on " + a.Service
	}
	// Once started, declaring finishes even if PagerDuty hangs up on the
	// webhook: a half-declared incident would be declared again on retry.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	_, err = h.declareExternal(ctx, incident.Declaration{Severity: sev, Title: title, Description: desc}, a)
	return err
}

func (h *Paging) declareExternal(ctx context.Context, d incident.Declaration, a incident.Alert) (incident.Incident, error) {
	inc, err := h.declarer.Declare(ctx, "", d, "pagerduty:"+a.ExternalID)
	if err != nil {
		return inc, err
	}
	// Link first: from here on a redelivery finds the incident.
	if err := h.store.LinkExternal(ctx, a.ExternalID, inc.Number); err != nil {
		return inc, fmt.Errorf("link %s to %s: %w", a.ExternalID, inc.ID(), err)
	}
	_, inc, err = h.incidents.ChangeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
		cur.ExternalID, cur.ExternalURL = a.ExternalID, a.URL
		return nil, nil
	})
	if err == nil {
		h.headers.Refresh(ctx, inc)
	}
	h.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindNote, At: h.alertTime(a),
		Text: "PagerDuty incident triggered: " + a.Title,
		Data: map[string]string{"service": a.Service, "external_id": a.ExternalID, "url": a.URL, "urgency": a.Urgency}})
	return inc, err
}

// staleAlert is the age past which an acknowledgement or resolution is
// ignored: the delivery dedupe remembers event ids for 24 hours, so an older
// signed body replayed later must not land twice.
const staleAlert = 23 * time.Hour

func (h *Paging) alertFollowUp(ctx context.Context, a incident.Alert) error {
	if !a.At.IsZero() && h.incidents.now().Sub(a.At) > staleAlert {
		h.log.Warn("ignoring a PagerDuty event older than a day (a replay?)", "event", a.EventID, "occurred_at", a.At)
		return nil
	}
	n, ok, err := h.store.ExternalIncident(ctx, a.ExternalID)
	if err != nil {
		return err
	}
	if !ok {
		if a.Number == 0 {
			return nil // not an incident of ours
		}
		n = a.Number
	}
	inc, err := h.incidents.Get(ctx, n)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	kind, verb := incident.KindPageAck, "acknowledged"
	if a.Type == incident.AlertResolved {
		kind, verb = incident.KindPageResolve, "resolved"
	}
	at := h.alertTime(a)
	data := map[string]string{"external_id": a.ExternalID, "by": a.Actor, "by_id": a.ActorID}
	line := fmt.Sprintf(":pager: PagerDuty incident %s %s", a.ExternalID, verb)
	if a.Actor != "" {
		line += " by " + slackui.Escape(a.Actor)
	}
	if kind == incident.KindPageAck {
		tta := incident.FormatDuration(at.Sub(inc.DeclaredAt))
		data["time_to_ack"] = tta
		line += fmt.Sprintf(" (%s after the incident was declared)", tta)
	}
	ev := incident.Event{Kind: kind, At: at, Text: a.Actor, Data: data}
	if _, appended, err := h.store.Append(ctx, n, eventKey(a.EventID, ""), ev); err != nil || !appended {
		return err
	}
	h.incidents.Say(ctx, inc.ChannelID, line+".")
	return nil
}

func (h *Paging) alertTime(a incident.Alert) time.Time {
	if a.At.IsZero() {
		return h.incidents.now()
	}
	return a.At.UTC()
}
