package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// pageTimeout bounds a background page with all its retries: PagerDuty being
// down must never block declaring, but the channel is told if it gave up.
const pageTimeout = 3 * time.Minute

func init() {
	register("page", subcommand{usage: "page [service]", summary: "page the on-call through PagerDuty",
		ack: "Paging…", run: (*Handler).pageCommand})
	register("oncall", subcommand{usage: "oncall [schedule or escalation policy]", summary: "who is on call now",
		run: (*Handler).oncallCommand})
}

var errNoPager = incident.Errorf(incident.EUnavailable,
	"PagerDuty isn't set up for this bot: set PAGERDUTY_ROUTING_KEY (and PAGERDUTY_API_TOKEN for on-call lookups).")

// pageOnDeclare pages when the severity pages by default and the incident did
// not itself come from the paging system (that would page twice).
func (h *Handler) pageOnDeclare(ctx context.Context, inc incident.Incident) {
	if h.pager == nil || !h.pager.Pages(inc.Severity) || strings.HasPrefix(inc.Source, "pagerduty") {
		return
	}
	h.pageInBackground(ctx, inc, "", inc.DeclaredBy)
}

// pageInBackground triggers a page with retries, off the interaction's path,
// and reports the outcome in the channel and on the log.
func (h *Handler) pageInBackground(_ context.Context, inc incident.Incident, service, by string) {
	h.bg(func() {
		ctx, cancel := context.WithTimeoutCause(h.bgCtx, pageTimeout, fmt.Errorf("paging gave up after %s", pageTimeout))
		defer cancel()
		if _, err := h.page(ctx, inc, service, by); err != nil {
			h.log.Error("page", "incident", inc.ID(), "service", service, "err", err)
		}
	})
}

// page triggers a page and records the outcome, success or failure.
func (h *Handler) page(ctx context.Context, inc incident.Incident, service, by string) (incident.PageResult, error) {
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
		h.recordQuietly(rctx, inc, incident.Event{Kind: incident.KindPageFailed, Actor: by,
			Text: incident.ErrorMessage(err), Data: map[string]string{"service": service}})
		if incident.ErrorCode(err) == incident.EInvalid {
			return res, err
		}
		h.post(rctx, inc.ChannelID, fmt.Sprintf(":warning: I could not page the on-call (%s) through PagerDuty, even after retrying. Page them another way, and try `/incident page` again later.", label))
		return res, err
	}
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindPage, Actor: by, Text: res.Message,
		Data: map[string]string{"service": service, "dedup_key": res.DedupKey}})
	h.post(ctx, inc.ChannelID, fmt.Sprintf(":pager: Paged the on-call (%s) through PagerDuty.", label))
	return res, nil
}

func (h *Handler) recordQuietly(ctx context.Context, inc incident.Incident, ev incident.Event) {
	if _, err := h.record(ctx, inc.Number, ev); err != nil {
		h.log.Error("record", "incident", inc.ID(), "kind", ev.Kind, "err", err)
	}
}

func (h *Handler) pageCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	if h.pager == nil {
		return errNoPager
	}
	inc, err := h.incidentFor(ctx, c.ChannelID)
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
	h.reply(ctx, r, Message{Text: ":pager: Page sent."})
	return nil
}

// resolvePages resolves every page sent for inc, in the background.
func (h *Handler) resolvePages(ctx context.Context, inc incident.Incident, by string) {
	if h.pager == nil {
		return
	}
	events, err := h.store.Events(ctx, inc.Number)
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
	h.bg(func() {
		ctx, cancel := context.WithTimeout(h.bgCtx, pageTimeout)
		defer cancel()
		if err := h.pager.Resolve(ctx, inc, services); err != nil {
			h.log.Error("resolve pages", "incident", inc.ID(), "err", err)
			h.post(ctx, inc.ChannelID, ":warning: I could not resolve the PagerDuty alert; resolve it in PagerDuty.")
			return
		}
		h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindPageResolve, Actor: by,
			Data: map[string]string{"services": strings.Join(services, ",")}})
		h.post(ctx, inc.ChannelID, ":pager: Resolved the PagerDuty alert.")
	})
}

func (h *Handler) oncallCommand(ctx context.Context, _ SlashCommand, args string, r Responder) error {
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
	var b strings.Builder
	b.WriteString("*On call now*\n")
	for _, p := range people {
		name := escape(p.Name)
		if p.URL != "" {
			name = fmt.Sprintf("<%s|%s>", p.URL, escape(p.Name))
		}
		via := p.Schedule
		if via == "" {
			via = p.Policy
		}
		fmt.Fprintf(&b, "• level %d: %s", p.Level, name)
		if via != "" {
			fmt.Fprintf(&b, " — %s", via)
		}
		if !p.Until.IsZero() {
			fmt.Fprintf(&b, " (until %s)", when(p.Until))
		}
		b.WriteByte('\n')
	}
	h.reply(ctx, r, textMessage(strings.TrimRight(b.String(), "\n")))
	return nil
}

// Alert takes an event from the paging system's webhook. A triggered alert on
// a service that auto-declares opens an incident exactly once, however often
// the webhook is delivered; acknowledgements and resolutions go on the
// timeline of the incident the alert belongs to.
func (h *Handler) Alert(ctx context.Context, a incident.Alert) error {
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

func (h *Handler) alertTriggered(ctx context.Context, a incident.Alert) error {
	if h.pager == nil || !h.pager.AutoDeclares(a.Service) || a.ExternalID == "" {
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

func (h *Handler) declareExternal(ctx context.Context, d incident.Declaration, a incident.Alert) (incident.Incident, error) {
	inc, err := h.Declare(ctx, "", d, "pagerduty:"+a.ExternalID)
	if err != nil {
		return inc, err
	}
	// Link first: from here on a redelivery finds the incident.
	if err := h.store.LinkExternal(ctx, a.ExternalID, inc.Number); err != nil {
		return inc, fmt.Errorf("link %s to %s: %w", a.ExternalID, inc.ID(), err)
	}
	_, inc, err = h.changeIncident(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
		cur.ExternalID, cur.ExternalURL = a.ExternalID, a.URL
		return nil, nil
	})
	if err == nil {
		h.refreshHeader(ctx, inc)
	}
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindNote, At: alertTime(a, h),
		Text: "PagerDuty incident triggered: " + a.Title,
		Data: map[string]string{"service": a.Service, "external_id": a.ExternalID, "url": a.URL, "urgency": a.Urgency}})
	return inc, err
}

// staleAlert is the age past which an acknowledgement or resolution is
// ignored: the delivery dedupe remembers event ids for 24 hours, so an older
// signed body replayed later must not land twice.
const staleAlert = 23 * time.Hour

func (h *Handler) alertFollowUp(ctx context.Context, a incident.Alert) error {
	if !a.At.IsZero() && h.now().Sub(a.At) > staleAlert {
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
	inc, err := h.store.Incident(ctx, n)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load incident %d: %w", n, err)
	}
	kind, verb := incident.KindPageAck, "acknowledged"
	if a.Type == incident.AlertResolved {
		kind, verb = incident.KindPageResolve, "resolved"
	}
	at := alertTime(a, h)
	data := map[string]string{"external_id": a.ExternalID, "by": a.Actor}
	line := fmt.Sprintf(":pager: PagerDuty incident %s %s", a.ExternalID, verb)
	if a.Actor != "" {
		line += " by " + escape(a.Actor)
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
	h.post(ctx, inc.ChannelID, line+".")
	return nil
}

func alertTime(a incident.Alert, h *Handler) time.Time {
	if a.At.IsZero() {
		return h.now()
	}
	return a.At.UTC()
}
