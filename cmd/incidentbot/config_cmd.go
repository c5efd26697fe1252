package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	configfile "github.com/incidentbot/incidentbot/config"
)

const configUsage = `Usage:
  incidentbot config check [FILE]

Checks a config file (see docs/config.md). FILE defaults to
$INCIDENTBOT_CONFIG. Exits 0 when the file is valid (env: references unset
here are warnings), 1 when it is invalid, with every problem on stderr as
file:line:col: message, and 2 on a usage error or an unreadable file.
`

// configMain runs `incidentbot config ...`; args are the words after
// "config". It returns the process exit code.
func configMain(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return subcommands("config", configUsage, args, stdout, stderr, map[string]func([]string) int{
		"check": func(args []string) int { return configCheck(args, getenv, stdout, stderr) },
	})
}

func configCheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	path := getenv("INCIDENTBOT_CONFIG")
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "--help"):
		fmt.Fprint(stdout, configUsage)
		return 0
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		path = args[0]
	case len(args) > 0:
		fmt.Fprintf(stderr, "incidentbot config check: unexpected %q\n\n%s", args, configUsage)
		return 2
	}
	if path == "" {
		fmt.Fprintf(stderr, "incidentbot config check: name a FILE or set INCIDENTBOT_CONFIG\n\n%s", configUsage)
		return 2
	}
	c, code := loadChecked("config check", path, stderr)
	if c == nil {
		return code
	}
	fmt.Fprintf(stdout, "%s: ok (%s)\n", path, summary(c))
	// Unset secrets are warnings: CI often checks the file without them.
	for _, p := range c.Unset(getenv) {
		fmt.Fprintf(stderr, "%s:%d:%d: warning: %s\n", p.File, p.Line, p.Column, p.Message)
	}
	return 0
}

// loadChecked loads the file at path for the command cmd ("config
// check"). An invalid file's problems go to stderr one per line, exit code
// 1; an unreadable file is exit code 2. c is nil on either.
func loadChecked(cmd, path string, stderr io.Writer) (c *configfile.Config, code int) {
	c, err := configfile.Load(path)
	if ps, ok := errors.AsType[configfile.Problems](err); ok {
		for _, p := range ps {
			fmt.Fprintln(stderr, p)
		}
		return nil, 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot %s: %v\n", cmd, err)
		return nil, 2
	}
	return c, 0
}

// summary says what a valid file holds: "3 services, 2 severities,
// cadences, marks, 4 workflows, 2 checklists".
func summary(c *configfile.Config) string {
	var parts []string
	if n := len(c.Catalog); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "service", "services")))
	}
	if n := len(c.Severities); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "severity", "severities")))
	}
	if c.Cadence != nil {
		parts = append(parts, "cadences")
	}
	if c.Marks != nil {
		parts = append(parts, "marks")
	}
	if n := len(c.Workflows); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "workflow", "workflows")))
	}
	if n := len(c.ChecklistsInFile()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "checklist", "checklists")))
	}
	if t := c.FollowUps.Tracker; t.Kind != "" {
		parts = append(parts, "follow-ups to "+t.String())
	}
	if n := len(c.FollowUps.Users); n > 0 {
		parts = append(parts, fmt.Sprintf("%d tracker %s", n, plural(n, "user", "users")))
	}
	if n := len(c.Alerts); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "alert rule", "alert rules")))
	}
	if len(parts) == 0 {
		return "empty: the built-in defaults apply"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
