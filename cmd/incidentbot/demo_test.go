//go:build !nodemo

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs the newcomer's first command end to end: the real bot, the
// emulator and an embedded Redis.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := demo(ctx, env(map[string]string{}), &out, &errOut); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"INC-1 declared", "#inc-001-checkout-returns-500-after-deploy", "Status update — INC-1",
		"Approved by @sam", "INC-1 resolved", "status page updated _(edited)_", ":pushpin: *key event*",
		"Comms lead → @sam", "Suggested runbooks",
		// The record, the catalog and the export.
		"INC-1 declared* (P1 · checkout)", "*Root cause:* PR 4411 created a connection pool per request",
		"*Hypothesis:* the new build opens a pool per request", "Checkout overview (https://grafana.example.com/d/checkout)",
		"@kim has joined the channel", "customers ✓ @sam", "file INC-1.md", "\"root_cause\": \"PR 4411",
		// The workflow and its checklist.
		"INC-1 is on checkout, our paying path. Dashboards: Checkout overview", "*comms checklist* — 2 of 3 done",
		"workflow checkout-major: set updates every 15m",
		// Customers: the status page shows only the two approved updates.
		"Published to the status page as *monitoring*", "status page ✓ @sam",
		"Acme status: All systems operational", "Resolved: outage of Checkout — Resolved",
		"A fix is in place and Checkout is recovering.",
		// A follow-up exported to the (local) GitHub, once, with its link in the record.
		"is now acme/checkout#1 (http://", "action item exported to acme/checkout#1", "— [acme/checkout#1](http://",
		// Insights in ali's DMs, with the chart.
		"Direct messages between @ali and the bot", "1 incident: 1 P1", "(with the chart incidentbot-insights-30d-",
		// What people typed and ticked, as Slack shows it.
		"/incident role comms @sam", `@sam ticks "Tell affected customers" on the checklist`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(got, "<@U") {
		t.Error("the demo shows a raw mention (<@U…>) where Slack shows @name")
	}
	if strings.Contains(got, "status page updted") && !strings.Contains(got, "updated") {
		t.Error("edit not applied")
	}
	page := got[strings.Index(got, "as customers read it"):]
	for _, internal := range []string{"INC-1", "checkout returns 500", "payments-db", "deploy 2291", "@sam", "U02SAM"} {
		if strings.Contains(page, internal) {
			t.Errorf("the status page shows %q:\n%s", internal, page)
		}
	}
}
