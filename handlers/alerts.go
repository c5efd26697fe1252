package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// AlertRuleSource is the config file's alerts: rules as they stand.
type AlertRuleSource interface {
	AlertRules() []incident.AlertRule
}

// Monitors turns monitors' notifications into incidents: the first rule
// that matches a new alert group declares one, exactly once however many
// replicas and deliveries race, and every later notification of the group
// goes on that incident's timeline.
type Monitors struct {
	incidents *Incidents
	store     pagingStore
	declarer  *Declarer
	paging    *Paging
	headers   Headers
	rules     AlertRuleSource
	log       *slog.Logger
	// wait is how long a delivery waits for another to finish declaring
	// its group before giving up with an error (the monitor retries).
	wait time.Duration
}

// groupLink is the external link a group's incident is found by.
func groupLink(source, group string) string {
	sum := sha256.Sum256([]byte(group))
	return "alert:" + source + ":" + hex.EncodeToString(sum[:12])
}

// maxGroupLocks bounds the locks one notification takes (Grafana's carry
// a fingerprint per alert).
const maxGroupLocks = 16

// MonitorAlert takes one authenticated notification.
func (m *Monitors) MonitorAlert(ctx context.Context, a incident.MonitorAlert) (res incident.AlertResult, err error) {
	err = Recover(m.log, "monitor alert", func() error {
		res, err = m.monitorAlert(ctx, a)
		return err
	})
	return res, err
}

func (m *Monitors) monitorAlert(ctx context.Context, a incident.MonitorAlert) (incident.AlertResult, error) {
	links := make([]string, len(a.Groups))
	for i, g := range a.Groups {
		links[i] = groupLink(a.Source, g)
	}
	if n, ok, err := m.linked(ctx, links); err != nil || ok {
		if err != nil {
			return incident.AlertResult{}, err
		}
		return m.appendTo(ctx, n, links, a)
	}
	if a.Status == incident.AlertDone {
		return incident.AlertResult{Outcome: incident.AlertIgnored}, nil
	}
	var rules []incident.AlertRule
	if m.rules != nil {
		rules = m.rules.AlertRules()
	}
	rule, ok := incident.MatchAlert(rules, a)
	if !ok {
		m.log.Info("alert matched no rule", "source", a.Source, "alert", a.Summary())
		return incident.AlertResult{Outcome: incident.AlertUnmatched}, nil
	}
	// The group's locks, in one order for everyone, so two notifications
	// sharing a fingerprint cannot each hold half.
	locks := slices.Sorted(slices.Values(links))[:min(len(links), maxGroupLocks)]
	release, err := m.lockAll(ctx, locks, links)
	if err != nil {
		return incident.AlertResult{}, err
	}
	if release == nil { // another delivery declared it meanwhile
		n, _, err := m.linked(ctx, links)
		if err != nil {
			return incident.AlertResult{}, err
		}
		return m.appendTo(ctx, n, links, a)
	}
	defer release()
	// Once started, declaring finishes even if the monitor hangs up: a
	// half-declared incident would be declared again on its retry.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	return m.declare(ctx, rule, links, a)
}

// linked is the incident any of links was linked to.
func (m *Monitors) linked(ctx context.Context, links []string) (int64, bool, error) {
	for _, l := range links {
		n, ok, err := m.store.ExternalIncident(ctx, l)
		if err != nil || ok {
			return n, ok, err
		}
	}
	return 0, false, nil
}

// lockAll takes every lock, waiting while another delivery holds one. It
// returns a nil release when, while it waited, the group got its incident.
func (m *Monitors) lockAll(ctx context.Context, locks, links []string) (func(), error) {
	deadline := time.Now().Add(m.wait)
	var held []string
	var tokens []string
	release := func() {
		uctx := context.WithoutCancel(ctx)
		for i := range held {
			m.store.Unlock(uctx, held[i], tokens[i])
		}
	}
	for _, l := range locks {
		name := "external:" + l
		for {
			token, err := m.store.Lock(ctx, name, 2*time.Minute)
			if err != nil {
				release()
				return nil, err
			}
			if token != "" {
				held, tokens = append(held, name), append(tokens, token)
				break
			}
			if _, ok, err := m.linked(ctx, links); err != nil || ok {
				release()
				return nil, err
			}
			if time.Now().After(deadline) {
				release()
				return nil, fmt.Errorf("alert group %s: another delivery is still declaring it after %s", l, m.wait)
			}
			select {
			case <-ctx.Done():
				release()
				return nil, context.Cause(ctx)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	if _, ok, err := m.linked(ctx, links); err != nil || ok {
		release()
		return nil, err
	}
	return release, nil
}

func (m *Monitors) declare(ctx context.Context, rule incident.AlertRule, links []string, a incident.MonitorAlert) (incident.AlertResult, error) {
	d := incident.Declaration{Severity: rule.Severity, Title: incident.Truncate(a.Summary(), incident.MaxTitle), Description: m.description(a)}
	if rule.Service != "" {
		d.Services = []string{rule.Service}
	}
	// The alertname often names the failure better than the summary does
	// ("PostgresTooManyConnections"), so the runbooks hear it too.
	inc, err := m.declarer.DeclareFrom(ctx, d, "alert:"+a.Source, a.Text()+"\n"+splitCamel(a.Labels["alertname"]), a.Links)
	if err != nil {
		return incident.AlertResult{}, err
	}
	// The notification goes on the log before the group is linked: from the
	// link on, every delivery of the group finds the incident, and one that
	// came before the record would count this notification as new ("is
	// firing" posted twice) instead of as the duplicate it is.
	m.record(ctx, inc, a)
	for _, l := range links {
		if err := m.store.LinkExternal(ctx, l, inc.Number); err != nil {
			return incident.AlertResult{}, fmt.Errorf("link alert group to %s: %w", inc.ID(), err)
		}
	}
	if rule.Page {
		m.paging.PageAll(ctx, inc)
	}
	m.log.Info("incident declared from an alert", "incident", inc.ID(), "source", a.Source, "alert", a.Summary())
	return incident.AlertResult{Outcome: incident.AlertDeclared, Incident: inc.ID(), Channel: inc.ChannelName}, nil
}

// description is what the header says about where the incident came from.
func (m *Monitors) description(a incident.MonitorAlert) string {
	from := sourceName(a.Source)
	if name := a.Labels["alertname"]; name != "" && name != a.Summary() {
		from += " (" + name + ")"
	}
	s := fmt.Sprintf("Opened from %s: %s.", from, firingCount(a))
	if t := a.Text(); t != "" {
		s += "\n" + t
	}
	return s
}

// appendTo records a later notification of the group on incident n and
// tells the channel, once per distinct notification.
func (m *Monitors) appendTo(ctx context.Context, n int64, links []string, a incident.MonitorAlert) (incident.AlertResult, error) {
	inc, err := m.incidents.Get(ctx, n)
	if err != nil {
		return incident.AlertResult{}, err
	}
	// A notification naming a new fingerprint of the group joins it too.
	for _, l := range links {
		if err := m.store.LinkExternal(ctx, l, n); err != nil {
			return incident.AlertResult{}, err
		}
	}
	appended, err := m.record(ctx, inc, a)
	if err != nil {
		return incident.AlertResult{}, err
	}
	res := incident.AlertResult{Outcome: incident.AlertDuplicate, Incident: inc.ID(), Channel: inc.ChannelName}
	if !appended {
		return res, nil
	}
	res.Outcome = incident.AlertAppended
	emoji, verb := ":rotating_light:", "is firing"
	if a.Status == incident.AlertDone {
		emoji, verb = ":white_check_mark:", "resolved"
	}
	line := fmt.Sprintf("%s %s: %s %s (%s).", emoji, sourceName(a.Source), slackui.Escape(incident.Truncate(a.Summary(), 150)), verb, alertCount(a))
	if a.Status == incident.AlertDone && inc.Active() {
		line += " The incident stays open until someone resolves it (`/incident resolve`)."
	}
	m.incidents.Say(ctx, inc.ChannelID, line)
	return res, nil
}

// record appends the notification as an alert event; the same
// notification delivered again is not appended twice.
func (m *Monitors) record(ctx context.Context, inc incident.Incident, a incident.MonitorAlert) (bool, error) {
	labels, _ := json.Marshal(a.Labels)
	data := map[string]string{"source": a.Source, "status": a.Status, "alerts": fmt.Sprint(len(a.Alerts)),
		"firing": fmt.Sprint(a.Firing()), "labels": string(labels)}
	if len(a.Links) > 0 {
		b, _ := json.Marshal(a.Links)
		data["links"] = string(b)
	}
	var values []string
	for _, in := range a.Alerts {
		if in.Values != "" && len(values) < 5 {
			values = append(values, in.Values)
		}
	}
	if len(values) > 0 {
		data["values"] = strings.Join(values, "; ")
	}
	ev := incident.Event{Kind: incident.KindAlert, At: m.incidents.now(),
		Text: fmt.Sprintf("%s: %s %s", sourceName(a.Source), a.Summary(), a.Status), Data: data}
	_, appended, err := m.store.Append(ctx, inc.Number, notificationKey(a), ev)
	if err != nil {
		return false, fmt.Errorf("record alert on %s: %w", inc.ID(), err)
	}
	return appended, nil
}

// notificationKey is the same for the same notification delivered again
// (Alertmanager repeats a group's notification every repeat_interval) and
// different once anything about its alerts changed.
func notificationKey(a incident.MonitorAlert) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", a.Source, strings.Join(a.Groups, "\x01"), a.Status)
	for _, in := range a.Alerts {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s\x00", in.Status, in.Fingerprint, in.StartsAt.UnixNano(), in.EndsAt.UnixNano(), in.Values)
		for _, k := range slices.Sorted(maps.Keys(in.Labels)) {
			fmt.Fprintf(h, "%s=%s\x01", k, in.Labels[k])
		}
	}
	return "alert:" + hex.EncodeToString(h.Sum(nil)[:16])
}

func sourceName(source string) string {
	switch source {
	case incident.SourceAlertmanager:
		return "Alertmanager"
	case incident.SourceGrafana:
		return "Grafana"
	}
	return "Alert"
}

// alertCount says how many alerts the notification carries: "2 alerts",
// or "1 of 3 alerts firing" when some have resolved.
func alertCount(a incident.MonitorAlert) string {
	n, firing := len(a.Alerts), a.Firing()
	if firing > 0 && firing < n {
		return fmt.Sprintf("%d of %d alerts firing", firing, n)
	}
	if n == 1 {
		return "1 alert"
	}
	return fmt.Sprintf("%d alerts", n)
}

// firingCount is how many alerts fire: "2 alerts firing".
func firingCount(a incident.MonitorAlert) string {
	if f := a.Firing(); f != 1 {
		return fmt.Sprintf("%d alerts firing", f)
	}
	return "1 alert firing"
}

// splitCamel spaces an alertname's words: HighErrorRate → High Error Rate.
func splitCamel(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) && !unicode.IsUpper(rune(s[i-1])) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
