package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// SlashCommand is an "/incident ..." invocation.
type SlashCommand struct {
	UserID    string
	ChannelID string
	Text      string
	TriggerID string
}

// subcommand describes one "/incident" subcommand.
type subcommand struct {
	usage   string
	summary string
	// ack is the short reply sent with the acknowledgement, for commands
	// whose work takes long enough that the person should see it started.
	ack string
	run func(h *Handler, ctx context.Context, c SlashCommand, args string, r Responder) error
}

// subcommands is the router's table. Names are a public contract. It is
// made here, not in an init, because feature files register into it from
// their own inits, which may run first.
var subcommands = map[string]subcommand{}

// order is the help listing order.
var order = []string{"declare", "status", "severity", "role", "resolve", "timeline", "list",
	"update", "postmortem", "catchup", "actions", "runbook", "search", "page", "oncall", "help"}

func init() {
	for name, sc := range map[string]subcommand{
		"declare": {usage: "declare [P1-P4] <title>", summary: "declare an incident (no title opens a form)",
			ack: "Declaring the incident…", run: (*Handler).declareCommand},
		"status": {usage: "status <investigating|identified|monitoring|resolved>", summary: "change the status",
			run: (*Handler).statusCommand},
		"severity": {usage: "severity <P1-P4>", summary: "change the severity", run: (*Handler).severityCommand},
		"role": {usage: "role <lead|comms|tech|scribe> @user", summary: "assign a role",
			run: (*Handler).roleCommand},
		"resolve": {usage: "resolve", summary: "resolve the incident", run: (*Handler).resolveCommand},
		"timeline": {usage: "timeline", summary: "show the timeline so far",
			run: (*Handler).timelineCommand},
		"list": {usage: "list", summary: "list active incidents", run: (*Handler).listCommand},
		"help": {usage: "help", summary: "show this help", run: (*Handler).helpCommand},
	} {
		register(name, sc)
	}
}

// register adds a subcommand; feature files call it from init.
func register(name string, s subcommand) { subcommands[name] = s }

// IsCommand reports whether name is an /incident subcommand.
func IsCommand(name string) bool {
	_, ok := subcommands[name]
	return ok
}

// AckText is the short reply to send with the acknowledgement of c, or ""
// for none.
func AckText(c SlashCommand) string {
	cmd := incident.ParseCommand(c.Text)
	if s, ok := subcommands[cmd.Name]; ok {
		if cmd.Name == "declare" && cmd.Args == "" {
			return "" // the modal opens instead
		}
		return s.ack
	}
	return ""
}

// Command carries out a slash command. Call it after acknowledging.
func (h *Handler) Command(ctx context.Context, c SlashCommand, r Responder) {
	cmd := incident.ParseCommand(c.Text)
	err := Recover(h.log, "command "+cmd.Name, func() error {
		s, ok := subcommands[cmd.Name]
		if !ok {
			return h.unknownCommand(ctx, cmd.Name, r)
		}
		return s.run(h, ctx, c, cmd.Args, r)
	})
	if err != nil {
		h.fail(ctx, r, "command "+cmd.Name, err, "user", c.UserID, "channel", c.ChannelID)
	}
}

func (h *Handler) unknownCommand(ctx context.Context, name string, r Responder) error {
	intro := "Here's what I can do:"
	if name != "" {
		intro = fmt.Sprintf("I don't know `%s`. Here's what I can do:", truncateRunes(name, 40))
	}
	h.reply(ctx, r, Message{Text: intro + "\n" + helpText()})
	return nil
}

func (h *Handler) helpCommand(ctx context.Context, _ SlashCommand, _ string, r Responder) error {
	h.reply(ctx, r, Message{Text: "*incidentbot*\n" + helpText()})
	return nil
}

func helpText() string {
	var b strings.Builder
	for _, name := range order {
		s, ok := subcommands[name]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "• `/incident %s` — %s\n", escape(s.usage), s.summary)
	}
	b.WriteString("React with :pushpin: (key event), :bulb: (hypothesis), :white_check_mark: (action), :rotating_light: (impact) or :rewind: (decision) to mark a message.")
	return b.String()
}

func truncateRunes(s string, n int) string { return incident.Truncate(s, n) }
