package status

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

//go:embed page.html
var pageHTML string

// barStep is the width of one day in a history bar's viewBox: a 3-unit bar
// and a 1-unit gap.
const barStep = 4

var pageTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"overall": overallLabel,
	"state":   stateLabel,
	"status":  statusLabel,
	"when":    when,
	"day":     day,
	"span":    span,
	"percent": percent,
	"md":      markdown,
	"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":    func(s []string) string { return strings.Join(s, ", ") },
	"period":  period,
	"bar":     bar,
}).Parse(pageHTML))

// bar draws a component's history: a bar per day, coloured by its worst
// state, each bad day described for pointers and the whole summarised for
// screen readers. Written directly rather than by the template, since a
// page has hundreds of days and the template's reflection dominated its
// rendering time.
func bar(c componentView) template.HTML {
	var b strings.Builder
	b.Grow(64 * len(c.Days))
	fmt.Fprintf(&b, `<svg class="bar" viewBox="0 0 %d 28" preserveAspectRatio="none" role="img" aria-label="%s: %s uptime over the last %d days">`,
		len(c.Days)*barStep-1, html.EscapeString(c.Name), percent(c.Uptime), len(c.Days))
	for i, d := range c.Days {
		fmt.Fprintf(&b, `<rect x="%d" width="3" height="28" class="%s">`, i*barStep, d.State)
		if d.State != incident.Operational {
			b.WriteString("<title>")
			b.WriteString(html.EscapeString(day(d.Date) + ": " + stateLabel(d.State)))
			if d.Downtime > 0 {
				b.WriteString(", down " + span(d.Downtime))
			}
			b.WriteString("</title>")
		}
		b.WriteString("</rect>")
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// htmlData is what the template reads.
type htmlData struct {
	V       view
	Title   string
	Brand   string
	OnBrand string
	LogoAlt string
	Past    []incidentView // the newest maxPast of V.Past
	More    int            // how many more there are
}

func renderHTML(v view, _ string) ([]byte, error) {
	s := v.Settings
	d := htmlData{V: v, Title: s.title(), Brand: s.Brand, Past: v.Past}
	if _, _, _, ok := parseHex(d.Brand); !ok {
		d.Brand = "#24292f"
	}
	d.OnBrand = contrastText(d.Brand)
	d.LogoAlt = s.Name + " logo"
	if s.Name == "" {
		d.LogoAlt = d.Title
	}
	if len(d.Past) > maxPast {
		d.Past, d.More = d.Past[:maxPast], len(d.Past)-maxPast
	}
	var b bytes.Buffer
	b.Grow(32 << 10)
	if err := pageTemplate.Execute(&b, d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
