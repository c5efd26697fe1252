package insights

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Markdown is the report as people read it, in Slack (through its
// Markdown to mrkdwn conversion) and from the CLI. It names no incident:
// a private one must not be findable from a shared report.
func Markdown(r Report) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	scope := "all services"
	if r.Service != "" {
		scope = "service " + r.Service
	}
	f("**Incident insights, %s to %s (%s), %s**\n\n", r.Since.Format(time.DateOnly), r.Until.Format(time.DateOnly),
		plural(int(math.Round(r.Until.Sub(r.Since).Hours()/24)), "day", "days"), scope)
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
			bySev = append(bySev, fmt.Sprintf("%s %s", s, duration(st.MedianSeconds)))
		}
	}
	if len(bySev) > 0 {
		f("- **Median time to resolve by severity:** %s\n", strings.Join(bySev, ", "))
	}
	f("- **Trend:** %s\n", trendLine(r.Trend))

	if len(r.TopServices) > 0 {
		f("\n**Top services**\n")
		for _, s := range r.TopServices {
			line := fmt.Sprintf("- %s: %s", s.Name, plural(s.Incidents, "incident", "incidents"))
			if s.MTTRMedianSeconds > 0 {
				line += ", median to resolve " + duration(s.MTTRMedianSeconds)
			}
			f("%s\n", line)
		}
	}

	f("\n**AI**\n")
	f("- %s\n", aiLine(r))

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

func trendLine(t Trend) string {
	word := map[string]string{Better: "got better", Worse: "got worse", Flat: "held steady"}[t.Direction]
	if word == "" {
		return "not enough resolved incidents in both halves of the window to tell."
	}
	return fmt.Sprintf("time to resolve %s: median %s in the first half of the window, %s in the second.",
		word, duration(t.FirstHalf.MedianSeconds), duration(t.SecondHalf.MedianSeconds))
}

func aiLine(r Report) string {
	var parts []string
	for _, a := range r.AI {
		parts = append(parts, fmt.Sprintf("%s %d", a.Connection, a.Incidents))
	}
	by := "By connection: " + strings.Join(parts, ", ") + "."
	if r.AIRecorded == 0 {
		return "No incident has its AI connection recorded yet (`/incident set ai …`). " + by
	}
	return fmt.Sprintf("%d of the %d incidents with an AI connection recorded (%s) were connected to AI. %s",
		r.AIConnected, r.AIRecorded, percent(r.AIShare), by)
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
			s += fmt.Sprintf(", changing %s of the text on average", percent(o.MeanChangeRatio))
		}
	}
	return s + "."
}

func statLine(s Stat, verb string, of int) string {
	if s.Count == 0 {
		return fmt.Sprintf("none %s yet", verb)
	}
	return fmt.Sprintf("median %s, mean %s, p90 %s (%d of %d %s)", duration(s.MedianSeconds), duration(s.MeanSeconds),
		duration(s.P90Seconds), s.Count, of, verb)
}

// duration is seconds as a reader wants them: "45s", "4m 10s", "2h 5m",
// "3d 4h". Two units at most: past an hour the seconds are noise.
func duration(sec float64) string {
	d := time.Duration(math.Round(sec)) * time.Second
	// Round before choosing the units, so 23h 59m 50s reads "1d", not "24h".
	if d >= time.Hour {
		d = d.Round(time.Minute)
	}
	if d >= 24*time.Hour {
		d = d.Round(time.Hour)
	}
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
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	}
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
