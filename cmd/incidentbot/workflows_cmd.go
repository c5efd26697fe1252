package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	configfile "github.com/incidentbot/incidentbot/config"
	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/workflow"
)

const workflowsUsage = `Usage:
  incidentbot workflows test [--config FILE] --on TRIGGER [--severity P1] [--service NAME]
                             [--status STATUS] [--private] [--field NAME=VALUE]...
                             [--mark KIND] [--changed FIELD]

Prints which workflows of the config file an event would start and every
step they would run, in order, with their templates rendered against a
sample incident ("Sample incident", INC-0) built from the flags. Nothing is
sent: Slack, Redis and PagerDuty are not touched.

  --config FILE      the config file (default $INCIDENTBOT_CONFIG)
  --on TRIGGER       the event: declared, severity_changed, status_changed,
                     role_assigned, field_set, marked, update_approved,
                     resolved, reopened, postmortem_approved, action_overdue
  --severity P1      the incident's severity (default P3)
  --service NAME     its service, or several separated by commas
  --status STATUS    its status (default investigating)
  --private          a private incident
  --field NAME=VALUE a record field as /incident set takes it (repeatable),
                     like --field ai=code or --field "impact=EU cannot pay"
  --mark KIND        with --on marked: the mark, like decision
  --changed FIELD    with --on field_set: the field that changed

Exits 0 when it printed a plan (also when no workflow matches), 1 when the
file is invalid or a template fails to render, 2 on a usage error or an
unreadable file.
`

// workflowsMain runs `incidentbot workflows ...`; args are the words after
// "workflows". It returns the process exit code.
func workflowsMain(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return subcommands("workflows", workflowsUsage, args, stdout, stderr, map[string]func([]string) int{
		"test": func(args []string) int { return workflowsTest(args, getenv, stdout, stderr) },
	})
}

// subcommands runs the command of `incidentbot NAME CMD ...` that args[0]
// names, or shows usage: on stdout when asked for, else on stderr with
// exit code 2.
func subcommands(name, usage string, args []string, stdout, stderr io.Writer, cmds map[string]func([]string) int) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if run, ok := cmds[args[0]]; ok {
		return run(args[1:])
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "incidentbot %s: unknown command %q\n\n%s", name, args[0], usage)
	return 2
}

// dryRun is what the flags of `workflows test` ask for.
type dryRun struct {
	config, on, severity, service, status, mark, changed string
	private                                              bool
	fields                                               []string
}

func workflowsTest(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("incidentbot workflows test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, workflowsUsage) }
	var r dryRun
	fs.StringVar(&r.config, "config", getenv("INCIDENTBOT_CONFIG"), "the config file")
	fs.StringVar(&r.on, "on", "", "the trigger")
	fs.StringVar(&r.severity, "severity", incident.DefaultSeverity.String(), "the severity")
	fs.StringVar(&r.service, "service", "", "the service")
	fs.StringVar(&r.status, "status", string(incident.Investigating), "the status")
	fs.BoolVar(&r.private, "private", false, "a private incident")
	fs.Func("field", "a record field, NAME=VALUE", func(s string) error { r.fields = append(r.fields, s); return nil })
	fs.StringVar(&r.mark, "mark", "", "the mark")
	fs.StringVar(&r.changed, "changed", "", "the field that changed")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	usageErr := usageError(stderr, "incidentbot workflows test", workflowsUsage)
	if fs.NArg() > 0 {
		return usageErr("unexpected %q; every value goes with a flag", fs.Args())
	}
	if r.config == "" {
		return usageErr("name the file with --config FILE or set INCIDENTBOT_CONFIG")
	}
	cfg, code := loadChecked("workflows test", r.config, stderr)
	if cfg == nil {
		return code
	}
	ev, err := r.event(cfg.Catalog)
	if err != nil {
		return usageErr("%s", err)
	}
	if printPlan(stdout, stderr, cfg, ev, getenv) {
		return 1
	}
	return 0
}

// event builds the event and the sample incident the flags describe.
func (r dryRun) event(catalog incident.Catalog) (workflow.Event, error) {
	ev := workflow.Event{Trigger: workflow.Trigger(r.on)}
	triggers := mapStrings(workflow.Triggers, func(t workflow.Trigger) string { return string(t) })
	switch {
	case r.on == "":
		return ev, fmt.Errorf("--on is required: the trigger to test, one of %s", strings.Join(triggers, ", "))
	case !slices.Contains(workflow.Triggers, ev.Trigger):
		return ev, fmt.Errorf("--on %s is not a trigger; use one of %s", r.on, strings.Join(triggers, ", "))
	case r.mark != "" && ev.Trigger != workflow.Marked:
		return ev, errors.New("--mark goes with --on marked")
	case r.changed != "" && ev.Trigger != workflow.FieldSet:
		return ev, errors.New("--changed goes with --on field_set")
	}
	sev, ok := incident.ParseSeverity(r.severity)
	if !ok {
		return ev, fmt.Errorf("--severity %s is not a severity; use P1, P2, P3 or P4", r.severity)
	}
	status, ok := incident.ParseStatus(r.status)
	if !ok {
		return ev, fmt.Errorf("--status %s is not a status; use one of %s", r.status,
			strings.Join(mapStrings(incident.Statuses, func(s incident.Status) string { return string(s) }), ", "))
	}
	inc := incident.Incident{Number: 0, Title: "Sample incident", Severity: sev, Status: status, Private: r.private,
		DeclaredAt: time.Now()}
	env := incident.SetEnv{Now: time.Now(), Catalog: catalog}
	set := func(flagName string, f incident.Field, value string) error {
		if _, err := inc.Record.Set(f, value, env); err != nil && incident.ErrorCode(err) != incident.ENoop {
			return fmt.Errorf("%s: %s", flagName, strings.ReplaceAll(incident.ErrorMessage(err), "`", ""))
		}
		return nil
	}
	if r.service != "" {
		if err := set("--service "+r.service, incident.FieldService, r.service); err != nil {
			return ev, err
		}
	}
	for _, fv := range r.fields {
		name, value, ok := strings.Cut(fv, "=")
		f, known := incident.ParseField(name)
		switch {
		case !ok:
			return ev, fmt.Errorf("--field %s: write NAME=VALUE, like --field ai=code", fv)
		case !known:
			return ev, fmt.Errorf("--field %s: %q is not a record field; use one of %s", fv, name,
				strings.Join(mapStrings(incident.Fields, func(f incident.Field) string { return string(f) }), ", "))
		}
		if err := set("--field "+fv, f, value); err != nil {
			return ev, err
		}
	}
	if r.changed != "" {
		f, ok := incident.ParseField(r.changed)
		if !ok {
			return ev, fmt.Errorf("--changed %s is not a record field", r.changed)
		}
		ev.Field = f
	}
	ev.Mark, ev.Incident = incident.Mark(r.mark), inc
	return ev, nil
}

// printPlan writes what ev would start; failed says a template failed to
// render (each failure is also on stderr, at its file and line).
func printPlan(stdout, stderr io.Writer, cfg *configfile.Config, ev workflow.Event, getenv func(string) string) (failed bool) {
	inc := ev.Incident
	fmt.Fprintf(stdout, "%s %s: %s\n", inc.ID(), inc.Title, describeSample(inc, ev))
	plan := workflow.Plan(cfg.Workflows, ev, cfg.Catalog)
	matched, step, current := 0, 0, ""
	for _, p := range plan {
		if p.Workflow != current {
			current, step = p.Workflow, 0
			matched++
			fmt.Fprintf(stdout, "\n%s (%s:%d) would run:\n", p.Workflow, cfg.Path, workflowLine(cfg.Workflows, p.Workflow))
		}
		step++
		text := p.Text
		switch p.Step.Kind {
		case workflow.StepPost:
			text = "post: " + text
		case workflow.StepChecklist:
			text += checklistItems(cfg.Checklists[p.Step.Checklist])
		case workflow.StepWebhook:
			if getenv(p.Step.SecretEnv) == "" {
				text += fmt.Sprintf(" ($%s is not set here)", p.Step.SecretEnv)
			}
		}
		if p.Err != nil {
			failed = true
			text = fmt.Sprintf("%s: FAILED: %v", p.Step.Kind, p.Err)
			fmt.Fprintf(stderr, "%s:%d: %s: %s: %v\n", cfg.Path, p.Step.Line, p.Workflow, p.Step.Kind, p.Err)
		}
		fmt.Fprintf(stdout, "  %d. %s\n", step, strings.ReplaceAll(text, "\n", "\n     "))
	}
	var others []string
	for _, w := range cfg.Workflows {
		if slices.Contains(w.On, ev.Trigger) && !w.Matches(ev) {
			others = append(others, fmt.Sprintf("  %s (if %s)", w.Name, w.If))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(stdout, "\nOn %s, but their conditions do not hold:\n%s\n", ev.Trigger, strings.Join(others, "\n"))
	}
	if matched == 0 {
		fmt.Fprintf(stdout, "\nNo workflow matches (%d in the file); nothing would run.\n", len(cfg.Workflows))
	} else {
		fmt.Fprintf(stdout, "\nWorkflows matched: %d of %d. This was a dry run: nothing was sent.\n", matched, len(cfg.Workflows))
	}
	return failed
}

// describeSample says what the sample incident and the event are.
func describeSample(inc incident.Incident, ev workflow.Event) string {
	parts := []string{inc.Severity.String(), string(inc.Status)}
	if inc.Private {
		parts = append(parts, "private")
	}
	for _, f := range incident.Fields {
		if v := inc.Value(f); v != "" {
			parts = append(parts, fmt.Sprintf("%s %s", f, v))
		}
	}
	on := "on " + string(ev.Trigger)
	switch {
	case ev.Mark != "":
		on += " (" + string(ev.Mark) + ")"
	case ev.Field != "":
		on += " (" + string(ev.Field) + ")"
	}
	return strings.Join(parts, ", ") + "; " + on
}

func workflowLine(ws []workflow.Workflow, name string) int {
	for _, w := range ws {
		if w.Name == name {
			return w.Line
		}
	}
	return 0
}

// checklistItems lists a checklist's items after its name.
func checklistItems(c incident.Checklist) string {
	var items []string
	for _, it := range c.Items {
		var notes []string
		if it.Role != "" {
			notes = append(notes, string(it.Role))
		}
		if it.Required {
			notes = append(notes, "required")
		}
		if len(notes) > 0 {
			items = append(items, fmt.Sprintf("%s (%s)", it.Text, strings.Join(notes, ", ")))
		} else {
			items = append(items, it.Text)
		}
	}
	return ": " + strings.Join(items, "; ")
}

func mapStrings[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
