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
	if len(args) == 0 {
		fmt.Fprint(stderr, configUsage)
		return 2
	}
	switch args[0] {
	case "check":
		return configCheck(args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, configUsage)
		return 0
	}
	fmt.Fprintf(stderr, "incidentbot config: unknown command %q\n\n%s", args[0], configUsage)
	return 2
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
	c, err := configfile.Load(path)
	if ps, ok := errors.AsType[configfile.Problems](err); ok {
		for _, p := range ps {
			fmt.Fprintln(stderr, p)
		}
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "incidentbot config check: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s: ok (%s)\n", path, summary(c))
	// Unset secrets are warnings: CI often checks the file without them.
	for _, p := range c.Unset(getenv) {
		fmt.Fprintf(stderr, "%s:%d:%d: warning: %s\n", p.File, p.Line, p.Column, p.Message)
	}
	return 0
}

// summary says what a valid file holds: "3 services, 2 severities,
// cadences, marks".
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
