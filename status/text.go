package status

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/yuin/goldmark"

	"github.com/incidentbot/incidentbot/incident"
)

// stateLabel is a component state as customers read it.
func stateLabel(s incident.ComponentState) string {
	switch s {
	case incident.Degraded:
		return "Degraded performance"
	case incident.PartialOutage:
		return "Partial outage"
	case incident.MajorOutage:
		return "Major outage"
	}
	return "Operational"
}

// overallLabel is the banner: the worst of the open incidents.
func overallLabel(s incident.ComponentState) string {
	switch s {
	case incident.Degraded:
		return "Some systems are running slower than usual"
	case incident.PartialOutage:
		return "Some systems are partly unavailable"
	case incident.MajorOutage:
		return "Major outage: some systems are unavailable"
	}
	return "All systems operational"
}

func statusLabel(s incident.Status) string {
	switch s {
	case incident.Investigating:
		return "Investigating"
	case incident.Identified:
		return "Identified"
	case incident.Monitoring:
		return "Monitoring"
	case incident.Resolved:
		return "Resolved"
	}
	return strings.ToUpper(string(s[:min(1, len(s))])) + string(s[min(1, len(s)):])
}

// when is a moment as customers read it, always with its zone.
func when(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// period is when an incident ran, with its length: "4 Dec 2026, 10:00 to
// 12:24 UTC (2h 24m)", the date repeated only when it changed.
func period(from, to time.Time) string {
	from, to = from.UTC(), to.UTC()
	end := to.Format("2 Jan 2006, 15:04 UTC")
	if from.Format(time.DateOnly) == to.Format(time.DateOnly) {
		end = to.Format("15:04 UTC")
	}
	return fmt.Sprintf("%s to %s (%s)", from.Format("2 Jan 2006, 15:04"), end, span(to.Sub(from)))
}

func day(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// span is a duration rounded to what matters to a reader: "1h 12m", "40m",
// "3d 2h", "under a minute".
func span(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// percent shows uptime the way status pages do: two decimals, never
// rounded up to 100 when there was any downtime.
func percent(p float64) string {
	if p >= 100 {
		return "100%"
	}
	s := strconv.FormatFloat(float64(int64(p*100))/100, 'f', 2, 64)
	return s + "%"
}

// markdown renders an approved update. goldmark's defaults drop raw HTML
// and unsafe link schemes, so the approved words are all that shows.
var md = goldmark.New()

func markdown(s string) template.HTML {
	var b bytes.Buffer
	if err := md.Convert([]byte(s), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s))
	}
	return template.HTML(b.String())
}

// contrastText picks black or white text for a background, whichever reads
// better (WCAG relative luminance).
func contrastText(hex string) string {
	r, g, b, ok := parseHex(hex)
	if !ok {
		return "#ffffff"
	}
	lum := 0.2126*linear(r) + 0.7152*linear(g) + 0.0722*linear(b)
	// Contrast with white is 1.05/(L+0.05), with black (L+0.05)/0.05.
	if 1.05/(lum+0.05) >= (lum+0.05)/0.05 {
		return "#ffffff"
	}
	return "#111111"
}

func parseHex(s string) (r, g, b float64, ok bool) {
	s = strings.TrimPrefix(s, "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255, true
}

func linear(c float64) float64 {
	if c <= 0.03928 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}
