package status

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
	"time"
)

//go:embed page.html
var pageHTML string

// barStep is the width of one day in a history bar's viewBox: a 3-unit bar
// and a 1-unit gap.
const barStep = 4

var pageTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"overall":  overallLabel,
	"state":    stateLabel,
	"status":   statusLabel,
	"when":     when,
	"day":      day,
	"span":     span,
	"percent":  percent,
	"md":       markdown,
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":     func(s []string) string { return strings.Join(s, ", ") },
	"sub":      func(a, b time.Time) time.Duration { return a.Sub(b) },
	"barX":     func(i int) int { return i * barStep },
	"barWidth": func(d []dayView) int { return len(d)*barStep - 1 },
}).Parse(pageHTML))

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
