package handlers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// CommandFunc carries out a subcommand with its arguments.
type CommandFunc func(ctx context.Context, c SlashCommand, args string, r Responder) error

// ActionFunc carries out a button click.
type ActionFunc func(ctx context.Context, a BlockAction, r Responder) error

// Command is one "/incident" subcommand. Names are a public contract.
type Command struct {
	Name    string
	Usage   string
	Summary string
	// Ack is the short reply sent with the acknowledgement, for commands
	// whose work takes long enough that the person should see it started.
	Ack string
	Run CommandFunc
}

// View is a modal's submission handlers.
type View struct {
	// Validate runs before the ack; its errors go back into the form.
	Validate func(ctx context.Context, v ViewSubmission) map[string]string
	Submit   func(ctx context.Context, v ViewSubmission, r Responder) error
	// Channel is where to answer the submitter (a modal has no
	// response_url).
	Channel func(v ViewSubmission) string
}

// Routes maps every subcommand, action_id and view callback_id to what
// handles it. Help, metrics labels and the manifest test read it.
type Routes struct {
	Commands []Command // in help order
	Actions  map[string]ActionFunc
	Views    map[string]View
}

// routes is the routing table: adding a capability adds its lines here.
func routes(d *Declarer, l *Lifecycle, t *Timeline, dr *Drafts, ap *Approvals, ai *ActionItems, rb *Runbooks, s *Search, p *Paging, de *Details, ex *Exports, cl *Checklists, pu *Public, in *Insights) *Routes {
	r := &Routes{
		Commands: []Command{
			{Name: "declare", Usage: "declare [--private] [P1-P4] [service:] <title>", Summary: "declare an incident (no title opens a form)",
				Ack: "Declaring the incident…", Run: d.command},
			{Name: "status", Usage: "status <investigating|identified|monitoring|resolved>", Summary: "change the status", Run: l.status},
			{Name: "severity", Usage: "severity <P1-P4>", Summary: "change the severity", Run: l.severity},
			{Name: "role", Usage: "role <lead|comms|tech|scribe> @user", Summary: "assign a role", Run: l.role},
			{Name: "resolve", Usage: "resolve", Summary: "resolve the incident", Run: l.resolve},
			{Name: "set", Usage: "set <field> <value>", Summary: "record service, impact, customers, detected-by, hypothesis, root-cause, trigger, ai, postmortem-owner, postmortem-due", Run: de.set},
			{Name: "comms", Usage: "comms <customers|team|status-page>", Summary: "mark a communication sent", Run: de.comms},
			{Name: "checklist", Usage: "checklist [add <name>]", Summary: "show the checklists privately, or attach one, e.g. `add comms`", Run: cl.command},
			{Name: "edit", Usage: "edit", Summary: "edit the incident's details in a form", Run: de.edit},
			{Name: "timeline", Usage: "timeline", Summary: "show the timeline so far", Run: t.show},
			{Name: "export", Usage: "export", Summary: "share the incident's record as INC-<n>.md and INC-<n>.json", Ack: "Exporting…", Run: ex.command},
			{Name: "list", Usage: "list [service:NAME] [severity:P1] [ai:code] [since:30d]", Summary: "list active incidents (filters look back too)", Run: t.list},
			{Name: "update", Usage: "update [public]", Summary: "draft a status update for approval; `public` drafts one for customers and the status page",
				Ack: "Drafting an update…", Run: func(ctx context.Context, c SlashCommand, args string, r Responder) error {
					switch strings.ToLower(strings.TrimSpace(args)) {
					case "":
						return dr.update(ctx, c, args, r)
					case "public", "customers", "status-page":
						return pu.command(ctx, c, args, r)
					}
					return incident.Errorf(incident.EInvalid, "`/incident update` drafts an update for the team; `/incident update public` drafts one for customers and the status page. I don't know `%s`.",
						slackui.Escape(incident.Truncate(args, 40)))
				}},
			{Name: "postmortem", Usage: "postmortem", Summary: "draft the postmortem for approval", Ack: "Drafting the postmortem…", Run: dr.postmortem},
			{Name: "catchup", Usage: "catchup", Summary: "a private summary of the incident so far", Ack: "Catching you up…", Run: dr.catchup},
			{Name: "actions", Usage: "actions", Summary: "list the action items, with Done and Open issue buttons", Run: ai.list},
			{Name: "action", Usage: "action add <what to do> [@owner] [due YYYY-MM-DD]", Summary: "add an action item, e.g. `add Alert on pool saturation @ali due 2026-12-20`", Run: ai.command},
			{Name: "runbook", Usage: "runbook <keywords>", Summary: "find runbook sections, e.g. `db connections`", Run: rb.search},
			{Name: "insights", Usage: "insights [30d|90d|365d] [service:NAME] [share]", Summary: "incidents, MTTA and MTTR, services, AI share and drafts as a chart, privately (`share`: in the channel)",
				Ack: "Working out the numbers…", Run: in.command},
			{Name: "search", Usage: "search [filters] <words>", Summary: "find past incidents and their postmortems, e.g. `ai:code pool`", Run: s.command},
			{Name: "page", Usage: "page [service]", Summary: "page the on-call through PagerDuty", Ack: "Paging…", Run: p.command},
			{Name: "oncall", Usage: "oncall [schedule or escalation policy]", Summary: "who is on call now", Run: p.oncall},
		},
		Actions: map[string]ActionFunc{
			ActionApprove:         ap.approveClick,
			ActionEdit:            ap.editClick,
			ActionReject:          ap.rejectClick,
			ActionDraftUpdate:     dr.updateClick,
			ActionItemDone:        ai.done,
			ActionItemExport:      ai.exportClick,
			ActionItemSnooze:      ai.snooze,
			ActionShareRunbook:    rb.share,
			ActionEditDetails:     de.editClick,
			ActionSetHypothesis:   de.setFromMark(incident.FieldHypothesis),
			ActionSetRootCause:    de.setFromMark(incident.FieldRootCause),
			ActionChecklistToggle: cl.toggle,
			ActionResolveConfirm:  l.resolveAnyway,
		},
		Views: map[string]View{
			DeclareCallbackID: {Validate: d.validateModal, Submit: d.submitModal,
				Channel: func(v ViewSubmission) string { return v.PrivateMetadata }},
			EditCallbackID: {Validate: ap.validateEdit, Submit: ap.submitEdit, Channel: editChannel},
			DetailsCallbackID: {Validate: de.validateDetails, Submit: de.submitDetails,
				Channel: func(v ViewSubmission) string { return v.PrivateMetadata }},
		},
	}
	r.Commands = append(r.Commands, Command{Name: "help", Usage: "help", Summary: "show this help",
		Run: func(ctx context.Context, _ SlashCommand, _ string, resp Responder) error {
			return resp.Reply(ctx, r.help(""))
		}})
	return r
}

// command finds a subcommand by name.
func (r *Routes) command(name string) (Command, bool) {
	for _, c := range r.Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// CommandNames lists the subcommands in help order.
func (r *Routes) CommandNames() []string {
	var out []string
	for _, c := range r.Commands {
		out = append(out, c.Name)
	}
	return out
}

// ActionIDs lists the button action_ids, sorted.
func (r *Routes) ActionIDs() []string {
	var out []string
	for id := range r.Actions {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// help is the command listing; unknown names it for a subcommand nobody has.
func (r *Routes) help(unknown string) Message {
	intro := "*incidentbot*"
	if unknown != "" {
		intro = fmt.Sprintf("I don't know `%s`. Here's what I can do:", slackui.Escape(incident.Truncate(unknown, 40)))
	}
	var lines [][2]string
	for _, c := range r.Commands {
		lines = append(lines, [2]string{c.Usage, c.Summary})
	}
	return slackui.Help(intro, lines)
}
