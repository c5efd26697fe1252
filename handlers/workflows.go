package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
	"github.com/incidentbot/incidentbot/workflow"
)

// WorkflowSource is the config file's workflows as they stand now (the
// file reloads).
type WorkflowSource interface {
	Workflows() []workflow.Workflow
}

// noWorkflows is the source of a bot without a config file.
type noWorkflows struct{}

func (noWorkflows) Workflows() []workflow.Workflow { return nil }

// WebhookPoster delivers a signed webhook, retrying transient failures,
// and reports only the final status.
type WebhookPoster interface {
	Post(ctx context.Context, url string, secret, body []byte) (status int, err error)
}

// Scheduler keeps jobs to run later; Claim decides which replica runs one.
type Scheduler interface {
	Schedule(ctx context.Context, job string, due time.Time) error
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	Claim(ctx context.Context, job string) (bool, error)
}

// ChecklistAttacher attaches a checklist to an incident (once).
type ChecklistAttacher interface {
	Attach(ctx context.Context, inc incident.Incident, list incident.Checklist, by string) error
}

type workflowStore interface {
	Locker
	Scheduler
	RecentLister
}

// workflowOnce is how long the record that a workflow ran for an event is
// kept: longer than any redelivery or replay.
const workflowOnce = 30 * 24 * time.Hour

// stepTimeout bounds one step with its retries; a stuck target must not
// hold the rest of the workflow for long.
const stepTimeout = 2 * time.Minute

// Workflows runs the team's workflows: on each change it matches the
// config file's workflows and runs their steps in the background, once
// per triggering event on any replica, each step's outcome an event on the
// timeline and a failure told in the channel. It never approves or
// publishes a draft: no step can.
type Workflows struct {
	incidents  *Incidents
	source     WorkflowSource
	lists      ChecklistSource
	catalog    Catalog
	store      workflowStore
	slack      Poster
	owners     Owners
	paging     *Paging
	checklists ChecklistAttacher
	headers    Headers
	webhooks   WebhookPoster // nil: webhook steps fail, saying why
	getenv     func(string) string
	location   *time.Location
	background *Background
	log        *slog.Logger
}

// Changed matches the workflows a change triggers and runs each once.
func (w *Workflows) Changed(ctx context.Context, c Change) {
	trig := workflow.Trigger(c.Trigger)
	if !slices.Contains(workflow.Triggers, trig) {
		return
	}
	ws := w.source.Workflows()
	if len(ws) == 0 {
		return
	}
	matched := workflow.Match(ws, workflow.Event{Trigger: trig, Incident: c.After, Field: c.Field, Mark: c.Mark})
	for _, wf := range matched {
		if !w.claim(ctx, wf, trig, c) {
			continue
		}
		w.background.Go(func(bg context.Context) { w.run(bg, wf, c) })
	}
}

// claim takes the once-per-event key for wf and c's event; false means
// another delivery or replica already ran it (or Redis could not say, in
// which case running twice is worse than being told it did not run).
func (w *Workflows) claim(ctx context.Context, wf workflow.Workflow, trig workflow.Trigger, c Change) bool {
	if c.Event.Seq == 0 {
		w.log.Warn("workflow trigger without a logged event; not run", "workflow", wf.Name, "trigger", trig, "incident", c.After.ID())
		return false
	}
	key := fmt.Sprintf("workflow:{%d}:%s:%s:E%d", c.After.Number, wf.Name, trig, c.Event.Seq)
	token, err := w.store.Lock(ctx, key, workflowOnce)
	if err != nil {
		w.log.Error("claim workflow run", "workflow", wf.Name, "incident", c.After.ID(), "err", err)
		w.incidents.Say(ctx, c.After.ChannelID, fmt.Sprintf(":warning: Workflow *%s* did not run: I could not reach Redis to make sure it runs once.", slackui.Escape(wf.Name)))
		return false
	}
	return token != ""
}

// run carries out wf's steps in order; a failed step is reported and the
// next one still runs.
func (w *Workflows) run(ctx context.Context, wf workflow.Workflow, c Change) {
	for i, step := range wf.Do {
		inc, err := w.incidents.Get(ctx, c.After.Number)
		if err != nil {
			w.log.Error("workflow: reload incident", "workflow", wf.Name, "incident", c.After.ID(), "err", err)
			inc = c.After
		}
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		detail, users, err := w.step(sctx, wf, i, step, inc, c)
		cancel()
		w.outcome(ctx, inc, wf, step, detail, users, err)
	}
}

// outcome records a step's result and tells the channel of a failure.
func (w *Workflows) outcome(ctx context.Context, inc incident.Incident, wf workflow.Workflow, step workflow.Step, detail string, users []string, err error) {
	data := map[string]string{"workflow": wf.Name, "step": string(step.Kind), "outcome": "ok"}
	if len(users) > 0 {
		data["users"] = strings.Join(users, ",")
	}
	if err != nil {
		data["outcome"] = "failed"
		detail = fmt.Sprintf("%s: %s", detail, incident.ErrorMessage(err))
		if incident.ErrorCode(err) == incident.EInternal {
			detail = fmt.Sprintf("%s: %v", strings.TrimSuffix(detail, ": "+incident.ErrorMessage(err)), err)
		}
		w.log.Warn("workflow step failed", "workflow", wf.Name, "step", step.Kind, "incident", inc.ID(), "err", err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	w.incidents.Note(rctx, inc, incident.Event{Kind: incident.KindWorkflow, Text: detail, Data: data})
	if err != nil {
		w.incidents.Say(rctx, inc.ChannelID, fmt.Sprintf(":warning: Workflow *%s* could not %s", slackui.Escape(wf.Name), slackui.Escape(detail)))
	}
}

// step runs one step and describes it: "invited", "paged payments"…
func (w *Workflows) step(ctx context.Context, wf workflow.Workflow, i int, s workflow.Step, inc incident.Incident, c Change) (string, []string, error) {
	switch s.Kind {
	case workflow.StepInvite:
		users, err := w.owners.InviteIDs(ctx, inc, s.Users)
		return "invited", users, err
	case workflow.StepPage:
		if w.paging.pager == nil {
			return "page " + s.Service, nil, errNoPager
		}
		_, err := w.paging.page(ctx, inc, s.Service, "")
		return "paged " + s.Service, nil, err
	case workflow.StepPost:
		text, err := s.Text.Render(w.data(inc, slackui.Escape))
		if err != nil {
			return "post its message", nil, err
		}
		if _, err := w.slack.Post(ctx, inc.ChannelID, slackui.Text(slackui.Safe(text))); err != nil {
			return "post its message", nil, err
		}
		return "posted " + strconv.Quote(incident.Truncate(slackui.PlainText(text), 80)), nil, nil
	case workflow.StepChecklist:
		list, ok := w.lists.Checklist(s.Checklist)
		if !ok {
			return "attach checklist " + s.Checklist, nil, incident.Errorf(incident.EInvalid, "the config file no longer has a checklist called %s", s.Checklist)
		}
		if w.checklists == nil {
			return "attach checklist " + s.Checklist, nil, incident.Errorf(incident.EUnavailable, "checklists are not available")
		}
		return "attached checklist " + s.Checklist, nil, w.checklists.Attach(ctx, inc, list, "")
	case workflow.StepCadence:
		_, after, err := w.incidents.ChangeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.Cadence, cur.CadenceSet = s.Cadence, true
			return nil, nil
		})
		if err == nil {
			w.headers.Show(ctx, after)
		}
		if s.Cadence == 0 {
			return "set no update cadence", nil, err
		}
		return "set updates every " + incident.FormatDuration(s.Cadence), nil, err
	case workflow.StepRemind:
		job, err := json.Marshal(reminderJob{Incident: inc.Number, Workflow: wf.Name, Step: i, Seq: c.Event.Seq})
		if err != nil {
			return "schedule a reminder", nil, fmt.Errorf("encode reminder: %w", err)
		}
		due := w.incidents.now().Add(s.After)
		if err := w.store.Schedule(ctx, string(job), due); err != nil {
			return "schedule a reminder", nil, err
		}
		return "reminder in " + incident.FormatDuration(s.After), nil, nil
	case workflow.StepSet:
		return w.set(ctx, wf, s, inc)
	case workflow.StepWebhook:
		return w.webhook(ctx, s, inc)
	}
	return string(s.Kind), nil, incident.Errorf(incident.EInvalid, "this bot does not know the step %q", s.Kind)
}

// data is the template data for inc.
func (w *Workflows) data(inc incident.Incident, esc func(string) string) workflow.Data {
	return workflow.NewData(inc, w.catalog.Services(), esc)
}

// set records a field a workflow sets. It does not tell the listeners: a
// workflow on field_set that sets a field must not start itself again.
func (w *Workflows) set(ctx context.Context, wf workflow.Workflow, s workflow.Step, inc incident.Incident) (string, []string, error) {
	what := "set " + string(s.Field)
	value, err := s.Value.Render(w.data(inc, nil))
	if err != nil {
		return what, nil, err
	}
	env := incident.SetEnv{Now: w.incidents.now(), Location: w.location, Catalog: w.catalog.Services()}
	logged, err := w.incidents.changeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
		ev, err := cur.Record.Set(s.Field, value, env)
		if err != nil {
			return nil, err
		}
		ev.Data["workflow"] = wf.Name
		return []incident.Event{ev}, nil
	})
	if incident.ErrorCode(err) == incident.ENoop {
		return what + " (already so)", nil, nil
	}
	if err != nil {
		return what, nil, err
	}
	w.incidents.Post(ctx, inc.ChannelID, slackui.FieldSet(s.Field, logged.Events[0].Get("to"), ""))
	w.headers.Show(ctx, logged.After)
	return fmt.Sprintf("%s to %q", what, incident.Truncate(logged.Events[0].Get("to"), 80)), nil, nil
}

// webhook POSTs the incident's export JSON, signed.
func (w *Workflows) webhook(ctx context.Context, s workflow.Step, inc incident.Incident) (string, []string, error) {
	what := "POST " + s.URL
	if w.webhooks == nil {
		return what, nil, incident.Errorf(incident.EUnavailable, "webhooks are not set up in this bot")
	}
	secret := ""
	if w.getenv != nil {
		secret = w.getenv(s.SecretEnv)
	}
	if s.SecretEnv != "" && secret == "" {
		return what, nil, incident.Errorf(incident.EInvalid, "%s is not set where the bot runs, so the webhook cannot be signed", s.SecretEnv)
	}
	events, err := w.incidents.Events(ctx, inc)
	if err != nil {
		return what, nil, err
	}
	body, err := export.JSON(inc, events, export.Options{Location: w.location})
	if err != nil {
		return what, nil, fmt.Errorf("export %s for a webhook: %w", inc.ID(), err)
	}
	status, err := w.webhooks.Post(ctx, s.URL, []byte(secret), body)
	if err != nil {
		if status != 0 {
			return what, nil, incident.Errorf(incident.EUnavailable, "it answered %d, even after retrying", status)
		}
		return what, nil, incident.Errorf(incident.EUnavailable, "it could not be reached (%s)", incident.Truncate(err.Error(), 200))
	}
	return fmt.Sprintf("%s (%d)", what, status), nil, nil
}

// reminderJob is a remind step waiting in the schedule.
type reminderJob struct {
	Incident int64  `json:"n"`
	Workflow string `json:"workflow"`
	Step     int    `json:"step"`
	Seq      int    `json:"seq"` // the triggering event, so two runs' reminders differ
}

// Tick runs the reminders that fell due and fires action_overdue; cron
// calls it every minute on every replica.
func (w *Workflows) Tick(ctx context.Context) error {
	now := w.incidents.now()
	jobs, err := w.store.Due(ctx, now, 100)
	if err != nil {
		return err
	}
	for _, job := range jobs {
		won, err := w.store.Claim(ctx, job)
		if err != nil {
			return err
		}
		if won {
			w.remind(ctx, job)
		}
	}
	return w.overdue(ctx, now)
}

// remind posts a due reminder unless its condition holds by now.
func (w *Workflows) remind(ctx context.Context, raw string) {
	var job reminderJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		w.log.Error("bad reminder job", "job", raw, "err", err)
		return
	}
	i := slices.IndexFunc(w.source.Workflows(), func(wf workflow.Workflow) bool { return wf.Name == job.Workflow })
	if i < 0 {
		w.log.Info("reminder of a workflow the config file no longer has", "workflow", job.Workflow, "incident", job.Incident)
		return
	}
	wf := w.source.Workflows()[i]
	if job.Step >= len(wf.Do) || wf.Do[job.Step].Kind != workflow.StepRemind {
		w.log.Info("reminder step changed in the config file; dropped", "workflow", job.Workflow, "incident", job.Incident)
		return
	}
	s := wf.Do[job.Step]
	inc, err := w.incidents.Get(ctx, job.Incident)
	if err != nil {
		w.log.Error("reminder: load incident", "incident", job.Incident, "err", err)
		return
	}
	if s.Unless != nil && s.Unless.Holds(inc) {
		w.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindWorkflow, Text: "reminder not needed: its condition holds",
			Data: map[string]string{"workflow": wf.Name, "step": string(s.Kind), "outcome": "ok"}})
		return
	}
	text, err := s.Text.Render(w.data(inc, slackui.Escape))
	if err == nil {
		if who := inc.Roles[s.Role]; s.Role != "" && who != "" {
			text = slackui.Mention(who) + " " + text
		}
		_, err = w.slack.Post(ctx, inc.ChannelID, slackui.Text(":alarm_clock: "+slackui.Safe(text)))
	}
	w.outcome(ctx, inc, wf, s, "remind", nil, err)
}

// overdue fires action_overdue once for each open action item past its
// due date, when some workflow listens for it.
func (w *Workflows) overdue(ctx context.Context, now time.Time) error {
	if !slices.ContainsFunc(w.source.Workflows(), func(wf workflow.Workflow) bool { return slices.Contains(wf.On, workflow.ActionOverdue) }) {
		return nil
	}
	recent, err := w.store.Recent(ctx, 500)
	if err != nil {
		return fmt.Errorf("list incidents for overdue actions: %w", err)
	}
	for _, inc := range recent {
		events, err := w.incidents.Events(ctx, inc)
		if err != nil {
			return err
		}
		for _, it := range incident.ActionItems(events) {
			if it.Done || it.Due.IsZero() || !now.After(it.Due.Add(24*time.Hour)) {
				continue
			}
			for _, ev := range events {
				if ev.Kind == incident.KindActionItem && ev.Get("op") == incident.ActionAdd && ev.Get("id") == it.ID {
					w.Changed(ctx, Change{Trigger: ActionOverdue, After: inc, Event: ev})
					break
				}
			}
		}
	}
	return nil
}

// Marked starts the workflows on `marked`, off the event's ack path.
func (w *Workflows) Marked(_ context.Context, channelID string, ev incident.Event) {
	if len(w.source.Workflows()) == 0 {
		return
	}
	w.background.Go(func(ctx context.Context) {
		inc, err := w.incidents.ForChannel(ctx, channelID)
		if err != nil {
			w.log.Error("workflow on mark: load incident", "channel", channelID, "err", err)
			return
		}
		w.Changed(ctx, Change{Trigger: Marked, After: inc, Actor: ev.Actor, Mark: ev.Mark, Event: ev})
	})
}
