package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// target is where inc's follow-ups go.
func (a *ActionItems) target(inc incident.Incident) incident.TrackerTarget {
	if a.policy == nil {
		return incident.TrackerTarget{}
	}
	return a.policy.FollowUps().TrackerFor(a.catalog.Services(), inc.Services)
}

func (a *ActionItems) exportClick(ctx context.Context, b BlockAction, r Responder) error {
	n, id, _, err := itemRef(b.Value)
	if err != nil {
		return err
	}
	inc, ref, created, err := a.export(ctx, n, id)
	if err != nil {
		return err
	}
	if !created {
		a.send(ctx, r, slackui.Plain(fmt.Sprintf("That item is already <%s|%s>.", ref.URL, slackui.Escape(ref.Key))))
	}
	a.refresh(ctx, inc, r)
	return nil
}

// export opens the item's issue in its tracker, once: under the item's
// lock, an item exported already returns its issue, and an issue a lost
// answer made is found by the item's key before anything is created.
func (a *ActionItems) export(ctx context.Context, n int64, id string) (incident.Incident, incident.TrackerRef, bool, error) {
	inc, err := a.incidents.Get(ctx, n)
	if err != nil {
		return inc, incident.TrackerRef{}, false, err
	}
	target := a.target(inc)
	if target.Kind == "" {
		return inc, incident.TrackerRef{}, false, incident.Errorf(incident.EInvalid,
			"No tracker is set for %s: add `tracker: github:org/repo` (or `jira:PROJ`, `linear:TEAM`) to the config file, at the top or on the service.", inc.ID())
	}
	tr := a.trackers[target.Kind]
	if tr == nil {
		return inc, incident.TrackerRef{}, false, incident.Errorf(incident.EUnavailable,
			"Follow-ups for %s go to %s, but %s isn't set up for this bot: %s.", inc.ID(), target, trackerName(target.Kind), trackerEnv(target.Kind))
	}
	lock := fmt.Sprintf("export:%d:%s", n, id)
	token, err := a.store.Lock(ctx, lock, 2*time.Minute)
	if err != nil {
		return inc, incident.TrackerRef{}, false, err
	}
	if token == "" {
		return inc, incident.TrackerRef{}, false, incident.Errorf(incident.EConflict, "That item is being exported right now; its link shows in a moment.")
	}
	defer a.store.Unlock(context.WithoutCancel(ctx), lock, token)
	inc, item, err := a.item(ctx, n, id)
	if err != nil {
		return inc, incident.TrackerRef{}, false, err
	}
	if item.Issue.Kind != "" {
		return inc, item.Issue, false, nil
	}
	key := incident.ActionItemKey(inc, item)
	ref, found, err := tr.Find(ctx, target.Project, key)
	if err != nil {
		return inc, ref, false, fmt.Errorf("look for %s's issue in %s: %w", key, target, err)
	}
	if !found {
		if ref, err = tr.Create(ctx, target.Project, a.issue(ctx, inc, item, target.Kind, key)); err != nil {
			a.log.Error("export action item", "item", key, "tracker", target.String(), "err", err)
			return inc, ref, false, incident.Errorf(incident.ErrorCode(err), "%s. Click *Open issue* again in a moment: if the issue was made, it is found, not made twice.",
				strings.TrimSuffix(incident.ErrorMessage(err), "."))
		}
	}
	item.Issue = ref
	if err := a.store.LinkExternal(ctx, issueLink(ref), n); err != nil {
		return inc, ref, false, err
	}
	if _, err := a.incidents.Record(ctx, n, incident.ActionItemEvent(incident.ActionExported, item, "", a.incidents.now())); err != nil {
		return inc, ref, false, err
	}
	if !item.Done {
		if err := a.store.TrackFollowUp(ctx, n, id); err != nil {
			a.log.Warn("track follow-up for the poll", "incident", inc.ID(), "item", id, "err", err)
		}
	}
	a.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":ticket: Action item “%s” is now <%s|%s> in %s.",
		slackui.Escape(incident.Truncate(item.Text, 150)), ref.URL, slackui.Escape(ref.Key), trackerName(ref.Kind)))
	return inc, ref, true, nil
}

// issue is the item as its tracker gets it.
func (a *ActionItems) issue(ctx context.Context, inc incident.Incident, it incident.ActionItem, kind incident.TrackerKind, key string) incident.TrackerIssue {
	is := incident.TrackerIssue{Key: key, Title: incident.Truncate(it.Text, 120), Due: it.Due,
		Labels: append([]string{"incident", strings.ToLower(inc.Severity.String())}, inc.Services...)}
	if a.policy != nil {
		is.Assignee = a.policy.FollowUps().Users[it.Owner][kind]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nA follow-up from **%s: %s** (%s", it.Text, inc.ID(), inc.Title, inc.Severity)
	if len(inc.Services) > 0 {
		fmt.Fprintf(&b, ", %s", strings.Join(inc.Services, ", "))
	}
	b.WriteString(").\n\n")
	if it.Owner != "" && is.Assignee == "" {
		owner := it.Owner
		if incident.IsUserID(owner) {
			owner = "@" + a.names.Of(ctx, owner)
		}
		fmt.Fprintf(&b, "- Owner in Slack: %s (not assigned here: the config file's users: has no %s identity for them)\n", owner, trackerName(kind))
	}
	fmt.Fprintf(&b, "- Incident channel: https://slack.com/app_redirect?channel=%s (#%s)\n", inc.ChannelID, inc.ChannelName)
	fmt.Fprintf(&b, "- The full record: run `/incident export` in #%s\n", inc.ChannelName)
	is.Body = b.String()
	return is
}

// issueLink is the external link an exported issue is found by.
func issueLink(ref incident.TrackerRef) string {
	if ref.Kind == incident.TrackerGitHub { // numbers are per repository
		return fmt.Sprintf("issue:github:%s#%s", strings.ToLower(ref.Project), ref.ID)
	}
	return fmt.Sprintf("issue:%s:%s", ref.Kind, ref.ID)
}

func trackerEnv(k incident.TrackerKind) string {
	switch k {
	case incident.TrackerGitHub:
		return "set GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY)"
	case incident.TrackerJira:
		return "set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN"
	case incident.TrackerLinear:
		return "set LINEAR_API_KEY"
	}
	return "configure it"
}

// TrackerUpdate takes a tracker's news about an exported issue (webhook or
// poll): done marks its item done, reopened reopens it, each as an event.
func (a *ActionItems) TrackerUpdate(ctx context.Context, u incident.TrackerUpdate) error {
	return Recover(a.log, "tracker update", func() error {
		ref := incident.TrackerRef{Kind: u.Kind, Project: u.Project, ID: u.ID, Key: u.Key, URL: u.URL}
		n, ok, err := a.store.ExternalIncident(ctx, issueLink(ref))
		if err != nil || !ok {
			return err // not an issue of ours
		}
		return a.apply(ctx, n, ref, u.Done, u.Actor, u.EventID)
	})
}

func (a *ActionItems) apply(ctx context.Context, n int64, ref incident.TrackerRef, done bool, actor, eventID string) error {
	// The webhook and the poll may bring the same news at once: one of
	// them records it, under the incident's follow-up lock.
	lock := fmt.Sprintf("followup-state:%d", n)
	token, err := a.store.Lock(ctx, lock, 30*time.Second)
	if err != nil {
		return err
	}
	if token == "" {
		return fmt.Errorf("incident %d: another update of its follow-ups is in progress; the tracker redelivers", n)
	}
	defer a.store.Unlock(context.WithoutCancel(ctx), lock, token)
	inc, err := a.incidents.Get(ctx, n)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	events, err := a.incidents.Events(ctx, inc)
	if err != nil {
		return err
	}
	var item *incident.ActionItem
	for _, it := range incident.ActionItems(events) {
		if it.Issue.Kind == ref.Kind && it.Issue.ID == ref.ID {
			item = &it
			break
		}
	}
	if item == nil || item.Done == done {
		return nil // not ours, or already so
	}
	op, verb := incident.ActionDone, "closed"
	if !done {
		op, verb = incident.ActionReopen, "reopened"
	}
	ev := incident.ActionItemEvent(op, *item, "", a.incidents.now())
	ev.Data["source"], ev.Data["by"] = string(ref.Kind), actor
	key := ""
	if eventID != "" {
		key = "tracker:" + eventID
	}
	if _, appended, err := a.store.Append(ctx, n, key, ev); err != nil || !appended {
		return err
	}
	if done {
		a.store.UntrackFollowUp(ctx, n, item.ID)
	} else {
		a.store.TrackFollowUp(ctx, n, item.ID)
	}
	line := fmt.Sprintf(":white_check_mark: <%s|%s> was %s in %s", item.Issue.URL, slackui.Escape(item.Issue.Key), verb, trackerName(ref.Kind))
	if actor != "" {
		line += " by " + slackui.Escape(actor)
	}
	if done {
		line += fmt.Sprintf(", so action item “%s” is done.", slackui.Escape(incident.Truncate(item.Text, 150)))
	} else {
		line = strings.Replace(line, ":white_check_mark:", ":leftwards_arrow_with_hook:", 1) +
			fmt.Sprintf(", so action item “%s” is open again.", slackui.Escape(incident.Truncate(item.Text, 150)))
	}
	a.incidents.Say(ctx, inc.ChannelID, line)
	return nil
}

// pollEvery is how often one replica asks the trackers about open issues,
// for teams whose webhooks cannot reach the bot.
const pollEvery = 5 * time.Minute

// Poll asks the trackers whether the open exported issues are done; cron
// calls it on every replica each minute, and the lock lets one replica
// through every pollEvery.
func (a *ActionItems) Poll(ctx context.Context) error {
	if len(a.trackers) == 0 {
		return nil
	}
	// One lock per pollEvery of the clock, never released: one replica
	// polls in each stretch, however many call.
	bucket := a.incidents.now().Truncate(pollEvery).Unix()
	token, err := a.store.Lock(ctx, fmt.Sprintf("followups-poll:%d", bucket), 2*pollEvery)
	if err != nil || token == "" {
		return err
	}
	open, err := a.store.TrackedFollowUps(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range open {
		_, item, err := a.item(ctx, f.Number, f.ItemID)
		if err != nil {
			if incident.ErrorCode(err) == incident.ENotFound {
				a.store.UntrackFollowUp(ctx, f.Number, f.ItemID)
				continue
			}
			errs = append(errs, err)
			continue
		}
		tr := a.trackers[item.Issue.Kind]
		if tr == nil || item.Done {
			if item.Done {
				a.store.UntrackFollowUp(ctx, f.Number, f.ItemID)
			}
			continue
		}
		done, err := tr.State(ctx, item.Issue)
		if err != nil {
			errs = append(errs, fmt.Errorf("poll %s: %w", item.Issue.Key, err))
			continue
		}
		if done {
			if err := a.apply(ctx, f.Number, item.Issue, true, "", ""); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// remindEvery spaces the overdue passes; each owner hears at most once a
// day per item.
const remindEvery = time.Hour

// RemindOverdue DMs the owner of each overdue, unsnoozed action item, once
// a day, with Done and Snooze 1 week buttons.
func (a *ActionItems) RemindOverdue(ctx context.Context) error {
	now := a.incidents.now()
	token, err := a.store.Lock(ctx, fmt.Sprintf("followups-overdue:%d", now.Truncate(remindEvery).Unix()), 2*remindEvery)
	if err != nil || token == "" {
		return err
	}
	recent, err := a.store.Recent(ctx, 500)
	if err != nil {
		return fmt.Errorf("list incidents for overdue action items: %w", err)
	}
	for _, inc := range recent {
		events, err := a.incidents.Events(ctx, inc)
		if err != nil {
			return err
		}
		for _, it := range incident.ActionItems(events) {
			if !it.Overdue(now) || !incident.IsUserID(it.Owner) {
				continue
			}
			first, err := a.store.FirstTime(ctx, fmt.Sprintf("overdue-dm:%d:%s:%s", inc.Number, it.ID, now.Format(time.DateOnly)), 26*time.Hour)
			if err != nil || !first {
				continue
			}
			if _, err := a.slack.DM(ctx, it.Owner, slackui.OverdueItem(inc, it)); err != nil {
				a.log.Warn("DM an overdue action item", "incident", inc.ID(), "item", it.ID, "err", err)
			}
		}
	}
	return nil
}

// Changed exports an approved postmortem's action items when the file
// says auto_export: true, in the background.
func (a *ActionItems) Changed(ctx context.Context, c Change) {
	if c.Trigger != PostmortemApproved || a.policy == nil || !a.policy.FollowUps().AutoExport || a.exportLabel(c.After) == "" {
		return
	}
	n := c.After.Number
	a.background.Go(func(ctx context.Context) {
		inc, err := a.incidents.Get(ctx, n)
		if err != nil {
			return
		}
		events, err := a.incidents.Events(ctx, inc)
		if err != nil {
			return
		}
		for _, it := range incident.ActionItems(events) {
			if it.Issue.Kind != "" || it.Done {
				continue
			}
			if _, _, _, err := a.export(ctx, n, it.ID); err != nil {
				a.log.Error("auto-export action item", "incident", inc.ID(), "item", it.ID, "err", err)
				a.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":warning: I couldn't open an issue for “%s”: %s Use its *Open issue* button in `/incident actions` to try again.",
					slackui.Escape(incident.Truncate(it.Text, 100)), incident.ErrorMessage(err)))
			}
		}
	})
}
