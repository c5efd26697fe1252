package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/store"
)

const exportUsage = `Usage:
  incidentbot export [--format md|json] <n|INC-n>

Writes one incident to stdout: Markdown for people (the default) or JSON
(the documented contract, docs/export.md). It reads the Redis at REDIS_URL
(default redis://localhost:6379/0) with REDIS_KEY_PREFIX; times are in
INCIDENT_TIMEZONE (default UTC) and the default postmortem due date follows
POSTMORTEM_REMINDER_AFTER (default 48h). The CLI does not call Slack, so
people are shown by their Slack user IDs, even when SLACK_BOT_TOKEN is set;
/incident export in Slack names them.

Exits 1 when there is no such incident or Redis cannot be read, 2 on a
usage or configuration error.
`

// exportMain runs `incidentbot export ...`; args are the words after
// "export". It returns the process exit code.
func exportMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("incidentbot export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage) }
	format := fs.String("format", "md", "md (Markdown) or json")
	words, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	usageErr := usageError(stderr, "incidentbot export", exportUsage)
	if *format != "md" && *format != "json" {
		return usageErr("--format must be md or json, not %q", *format)
	}
	if len(words) != 1 {
		return usageErr("give one incident number, like 42 or INC-42")
	}
	n, ok := parseIncidentNumber(words[0])
	if !ok {
		return usageErr("%q is not an incident number; write it like 42 or INC-42", words[0])
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot export: %v\n", err)
		return 2
	}

	st, err := store.Open(ctx, cfg.redis.conn, cfg.redis.opts)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot export: %v\n", err)
		return 1
	}
	defer st.Close()
	inc, err := st.Incident(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "incidentbot export: there is no INC-%d in this Redis. Check the number (/incident list shows them), "+
			"and that REDIS_URL and REDIS_KEY_PREFIX (now %q) are the bot's.\n", n, getenv("REDIS_KEY_PREFIX"))
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot export: %v\n", err)
		return 1
	}
	events, err := st.Events(ctx, n)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot export: %v\n", err)
		return 1
	}

	opts := export.Options{Location: cfg.handlers.Location, PostmortemAfter: cfg.handlers.PostmortemDue}
	var doc []byte
	if *format == "json" {
		if doc, err = export.JSON(inc, events, opts); err != nil {
			fmt.Fprintf(stderr, "incidentbot export: %v\n", err)
			return 1
		}
	} else {
		doc = export.Markdown(inc, events, opts)
	}
	if _, err := stdout.Write(doc); err != nil {
		fmt.Fprintf(stderr, "incidentbot export: write: %v\n", err)
		return 1
	}
	return 0
}

// parseIncidentNumber accepts 42, INC-42 and inc-42.
func parseIncidentNumber(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 4 && strings.EqualFold(s[:4], "INC-") {
		s = s[4:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}
