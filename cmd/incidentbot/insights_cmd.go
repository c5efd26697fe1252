package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/insights"
	"github.com/incidentbot/incidentbot/store"
)

const insightsUsage = `Usage:
  incidentbot insights [--since 90d] [--service NAME] [--format md|json|png] [--out FILE]

Works out the team's incident numbers from the records in Redis: incidents
per week by severity, time to acknowledge and to resolve, top services, the
share connected to AI, and what became of the bot's drafts. The same numbers
as /incident insights and /metrics. It reads the Redis at REDIS_URL (default
redis://localhost:6379/0) with REDIS_KEY_PREFIX.

  --since    the window: a number of days like 30d, 90d or 365d (default 90d)
  --service  one service's incidents only (private incidents are left out)
  --format   md (the default), json (schema_version 1) or png (the chart)
  --out      write to FILE instead of stdout (png needs --out or a pipe)

Exits 1 when Redis cannot be read, 2 on a usage error.
`

// insightsMain runs `incidentbot insights ...` and returns the exit code.
func insightsMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("incidentbot insights", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, insightsUsage) }
	sinceFlag := fs.String("since", "90d", "the window, like 90d")
	service := fs.String("service", "", "one service only")
	format := fs.String("format", "md", "md, json or png")
	out := fs.String("out", "", "write to FILE")
	words, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	usageErr := usageError(stderr, "incidentbot insights", insightsUsage)
	if len(words) > 0 {
		return usageErr("unexpected %q", strings.Join(words, " "))
	}
	days, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(*sinceFlag)), "d"))
	if err != nil || days < 1 || days > 3650 {
		return usageErr("--since is a number of days like 90d, not %q", *sinceFlag)
	}
	if *format != "md" && *format != "json" && *format != "png" {
		return usageErr("--format must be md, json or png, not %q", *format)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot insights: %v\n", err)
		return 2
	}
	st, err := store.Open(ctx, cfg.redis.conn, cfg.redis.opts)
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot insights: %v\n", err)
		return 1
	}
	defer st.Close()
	now := time.Now().UTC()
	r, err := insights.NewMaker(st, func() time.Time { return now }).Report(ctx, now.AddDate(0, 0, -days), strings.ToLower(strings.TrimSpace(*service)))
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot insights: %v\n", err)
		return 1
	}
	var doc []byte
	switch *format {
	case "json":
		doc, err = insights.JSON(r)
	case "png":
		doc, err = insights.Chart(r)
	default:
		doc = []byte(insights.Markdown(r))
	}
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot insights: %v\n", err)
		return 1
	}
	if *out != "" {
		if err := os.WriteFile(*out, doc, 0o644); err != nil {
			fmt.Fprintf(stderr, "incidentbot insights: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "incidentbot insights: wrote %s (%d incidents since %s)\n", *out, r.Incidents, r.Since.Format(time.DateOnly))
		return 0
	}
	if *format == "png" {
		if f, ok := stdout.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				return usageErr("a PNG would garble the terminal; add --out insights.png")
			}
		}
	}
	if _, err := stdout.Write(doc); err != nil {
		fmt.Fprintf(stderr, "incidentbot insights: write: %v\n", err)
		return 1
	}
	return 0
}
