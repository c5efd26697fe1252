package insights

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Markdown is the report as people read it, in Slack (through its
// Markdown to mrkdwn conversion) and from the CLI.
func Markdown(r Report) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	scope := "all services"
	if r.Service != "" {
		scope = "service " + r.Service
	}
	f("**Incident insights, %s to %s (%d days), %s**\n\n", r.Since.Format("2 Jan 2006"), r.Until.Format("2 Jan 2006"),
		int(math.Round(r.Until.Sub(r.Since).Hours()/24)), scope)
	if r.Incidents == 0 {
		f("No incidents were declared in this window.\n")
		return b.String()
	}
	var sev []string
	for _, s := range severities {
		if n := r.BySeverity[s.String()]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, s))
		}
	}
	f("%s: %s\n\n", plural(r.Incidents, "incident", "incidents"), strings.Join(sev, " · "))

	f("- **Time to acknowledge:** %s\n", statLine(r.MTTA, "acknowledged", r.Incidents))
	f("- **Time to resolve:** %s\n", statLine(r.MTTR, "resolved", r.Incidents))
	var bySev []string
	for _, s := range severities {
		if st := r.MTTRBySeverity[s.String()]; st.Count > 0 {
			bySev = append(bySev, fmt.Sprintf("%s %s", s, duration(st.Median)))
		}
	}
	if len(bySev) > 0 {
		f("- **Median time to resolve by severity:** %s\n", strings.Join(bySev, ", "))
	}
	switch t := r.Trend; t.Direction {
	case "better", "worse", "flat":
		word := map[string]string{"better": "got better", "worse": "got worse", "flat": "held steady"}[t.Direction]
		f("- **Trend:** time to resolve %s: median %s in the first half of the window, %s in the second.\n",
			word, duration(t.FirstHalf.Median), duration(t.SecondHalf.Median))
	default:
		f("- **Trend:** not enough resolved incidents in both halves of the window to tell.\n")
	}

	if len(r.TopServices) > 0 {
		f("\n**Top services**\n")
		for _, s := range r.TopServices {
			line := fmt.Sprintf("- %s: %s", s.Name, plural(s.Incidents, "incident", "incidents"))
			if s.MTTRSeconds > 0 {
				line += ", median to resolve " + duration(s.MTTRSeconds)
			}
			f("%s\n", line)
		}
	}

	f("\n**AI**\n")
	var parts []string
	for _, a := range r.AI {
		parts = append(parts, fmt.Sprintf("%s %d", a.Connection, a.Incidents))
	}
	f("- %d of %d incidents (%s) were connected to AI. By connection: %s.\n", r.AIConnected, r.Incidents,
		percent(r.AIShare), strings.Join(parts, ", "))

	f("\n**Drafts the bot wrote**\n")
	d := r.Drafts.Outcomes
	total := d.Approved + d.Edited + d.Rejected + d.Pending
	if total == 0 {
		f("- No drafts in this window.\n")
		return b.String()
	}
	f("- %s: %d approved as written, %d edited first, %d rejected, %d waiting.\n",
		plural(total, "draft", "drafts"), d.Approved, d.Edited, d.Rejected, d.Pending)
	f("- %s\n", outcomeLine(d))
	for _, src := range []struct{ key, name string }{{"llm", "AI drafts"}, {"template", "Template drafts"}} {
		if o, ok := r.Drafts.BySource[src.key]; ok {
			f("- %s: %s\n", src.name, outcomeLine(o))
		}
	}
	return b.String()
}

func outcomeLine(o Outcomes) string {
	published := o.Approved + o.Edited
	if published+o.Rejected == 0 {
		return "none decided yet."
	}
	s := fmt.Sprintf("%s of decided drafts were published", percent(o.ApprovalRatio))
	if published > 0 {
		s += fmt.Sprintf("; %s of those were edited first", percent(o.EditRatio))
		if o.Edited > 0 {
			s += fmt.Sprintf(", changing %s of the words on average", percent(o.MeanChangeRatio))
		}
	}
	return s + "."
}

func statLine(s Stat, verb string, of int) string {
	if s.Count == 0 {
		return fmt.Sprintf("none %s yet", verb)
	}
	return fmt.Sprintf("median %s, mean %s, p90 %s (%d of %d %s)", duration(s.Median), duration(s.Mean), duration(s.P90), s.Count, of, verb)
}

// duration is seconds as a reader wants them: "45s", "4m 10s", "2h 5m",
// "3d 4h".
func duration(sec float64) string {
	d := time.Duration(math.Round(sec)) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm %ds", m, s)
	case d < 24*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	}
	d = d.Round(time.Hour)
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd %dh", days, h)
}

func percent(r float64) string { return fmt.Sprintf("%.0f%%", 100*r) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// JSON is the report for scripts (schema_version 1).
func JSON(r Report) ([]byte, error) {
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("insights: encode: %w", err)
	}
	return append(out, '\n'), nil
}
