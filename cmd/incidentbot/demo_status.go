//go:build !nodemo

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// statusPageText fetches base/status.json as a customer's script would and
// writes what the page says, for the demo's output.
func statusPageText(ctx context.Context, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/status.json", nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch the status page: %w", err)
	}
	defer res.Body.Close()
	var doc struct {
		Page struct {
			Title string `json:"title"`
		} `json:"page"`
		Status struct {
			Description string `json:"description"`
		} `json:"status"`
		Components []struct {
			Name          string  `json:"name"`
			Status        string  `json:"status"`
			UptimePercent float64 `json:"uptime_percent"`
			Days          []any   `json:"days"`
		} `json:"components"`
		Incidents []struct {
			Name       string     `json:"name"`
			Status     string     `json:"status"`
			Components []string   `json:"components"`
			StartedAt  time.Time  `json:"started_at"`
			ResolvedAt *time.Time `json:"resolved_at"`
			Updates    []struct {
				Status string    `json:"status"`
				Body   string    `json:"body"`
				At     time.Time `json:"at"`
			} `json:"updates"`
		} `json:"incidents"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		return "", fmt.Errorf("read the status page: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\nComponents\n", doc.Page.Title, doc.Status.Description)
	for _, c := range doc.Components {
		fmt.Fprintf(&b, "  %-10s %-22s %.3f%% uptime over %d days\n", c.Name, label(c.Status), c.UptimePercent, len(c.Days))
	}
	if len(doc.Incidents) == 0 {
		b.WriteString("\nNo incidents.\n")
	}
	for _, inc := range doc.Incidents {
		when := "since " + inc.StartedAt.UTC().Format("15:04 UTC")
		if inc.ResolvedAt != nil {
			when = fmt.Sprintf("%s to %s", inc.StartedAt.UTC().Format("15:04"), inc.ResolvedAt.UTC().Format("15:04 UTC"))
		}
		fmt.Fprintf(&b, "\n%s — %s, %s (affects %s)\n", inc.Name, label(inc.Status), when, strings.Join(inc.Components, ", "))
		for _, u := range inc.Updates {
			fmt.Fprintf(&b, "  %s · %s\n    %s\n", label(u.Status), u.At.UTC().Format("15:04 UTC"), strings.ReplaceAll(u.Body, "\n", "\n    "))
		}
	}
	return b.String(), nil
}

// label is a state or status as the page words it.
func label(s string) string {
	switch s {
	case "degraded":
		return "Degraded performance"
	case "partial_outage":
		return "Partial outage"
	case "major_outage":
		return "Major outage"
	}
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
