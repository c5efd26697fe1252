// Command incidentbot runs the incident bot.
//
//	incidentbot run        connect to Slack in socket mode (configured from the environment)
//	incidentbot demo       play a scripted incident against a local Slack emulator
//	incidentbot runbooks   search and lint runbooks
//	incidentbot config     check a config file
//	incidentbot workflows  dry-run the config file's workflows
//	incidentbot export     write an incident as Markdown or JSON
//	incidentbot insights   the team's incident numbers, as Markdown, JSON or a chart
//	incidentbot version    print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `incidentbot runs production incidents in Slack, from the first alarm to the postmortem.

Usage:
  incidentbot run                      connect to Slack (socket mode); configured from the environment
  incidentbot demo                     play a scripted incident against a local Slack emulator
  incidentbot runbooks search [--dir DIR] [--limit N] [--json] QUERY...
  incidentbot runbooks lint [--dir DIR]
  incidentbot config check [FILE]                  validate a config file (FILE defaults to $INCIDENTBOT_CONFIG)
  incidentbot workflows test [--config FILE] --on TRIGGER [--severity P1] [--service NAME] [--field NAME=VALUE]...
                                                   print what the workflows would do, sending nothing
  incidentbot export [--format md|json] <n|INC-n>   write an incident to stdout (people by Slack ID)
  incidentbot insights [--since 90d] [--service NAME] [--format md|json|png] [--out FILE]
                                                   the team's incident numbers from the records
  incidentbot version

See README.md for the environment variables.
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	// Signals are handled here only; everything below takes a context.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		logger := newLogger(stderr, os.Getenv)
		if err := run(ctx, os.Getenv, logger); err != nil {
			fmt.Fprintf(stderr, "incidentbot: %v\n", err)
			return 1
		}
		return 0
	case "demo":
		if err := demo(ctx, os.Getenv, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "incidentbot demo: %v\n", err)
			return 1
		}
		return 0
	case "runbooks":
		return runbooksMain(ctx, args[1:], stdout, stderr)
	case "config":
		return configMain(args[1:], os.Getenv, stdout, stderr)
	case "workflows":
		return workflowsMain(args[1:], os.Getenv, stdout, stderr)
	case "export":
		return exportMain(ctx, args[1:], os.Getenv, stdout, stderr)
	case "insights":
		return insightsMain(ctx, args[1:], os.Getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "incidentbot", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "incidentbot: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// newLogger logs JSON unless LOG_FORMAT=text; LOG_LEVEL sets the level.
func newLogger(w io.Writer, getenv func(string) string) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(getenv("LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if getenv("LOG_FORMAT") == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

var errUsage = errors.New("usage")
