package workflow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/incidentbot/incidentbot/incident"
)

// maxRendered bounds what a template may produce: a Slack section holds
// 3,000 characters, and a runaway range must not flood a channel.
const maxRendered = 3000

// Template is a Go text/template over Data, parsed when the file loads so
// a broken one is a config error, not a 3 a.m. surprise.
type Template struct {
	src string
	t   *template.Template
}

// funcs are what templates may call beyond the built-ins.
var funcs = template.FuncMap{
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// ParseTemplate parses src. Unknown fields are errors when rendered
// (missingkey=error), so a typo fails loudly in `workflows test`.
func ParseTemplate(src string) (*Template, error) {
	t, err := template.New("step").Funcs(funcs).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("{{define}} and {{block}} are not supported: a step's template is one message")
	}
	if t.Tree != nil {
		if err := checkNodes(t.Tree.Root, 0); err != nil {
			return nil, err
		}
	}
	return &Template{src: src, t: t}, nil
}

// Source is the template as written.
func (t *Template) Source() string { return t.src }

// Render executes the template against d.
func (t *Template) Render(d Data) (string, error) {
	var b strings.Builder
	if err := t.t.Execute(&limited{w: &b, left: maxRendered * 4}, d); err != nil {
		return "", fmt.Errorf("render %q: %w", incident.Truncate(t.src, 60), err)
	}
	return incident.Truncate(b.String(), maxRendered), nil
}

// limited stops a template that writes without end.
type limited struct {
	w    *strings.Builder
	left int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, fmt.Errorf("the template wrote more than %d bytes", maxRendered*4)
	}
	l.left -= len(p)
	return l.w.Write(p)
}

// Data is what templates see: `{{.ID}}`, `{{.Title}}`, `{{.Severity}}`,
// the record's fields, and `{{.Service}}`, the incident's first catalog
// service (`{{range .Service.Dashboards}}{{.Name}} {{.URL}}{{end}}`).
// Text fields are as the caller prepared them (escaped for where the
// result goes).
type Data struct {
	ID, Title, Severity, Status string
	Number                      int64
	Channel                     string // the channel ID
	Private                     bool
	Services                    []string
	Service                     ServiceData
	Impact, Customers           string
	DetectedBy, DetectedLink    string
	Hypothesis, RootCause       string
	Trigger, AI                 string
	Lead, Comms, Tech, Scribe   string // Slack user IDs, "" when unassigned
}

// ServiceData is a catalog service as templates see it.
type ServiceData struct {
	Name            string
	Dashboards      []incident.Link
	Owners          []string
	StatusComponent string
}

// NewData builds the template data for inc; esc prepares user text for
// where the result goes (nil keeps it as is).
func NewData(inc incident.Incident, catalog incident.Catalog, esc func(string) string) Data {
	if esc == nil {
		esc = func(s string) string { return s }
	}
	d := Data{
		ID: inc.ID(), Title: esc(inc.Title), Severity: inc.Severity.String(), Status: string(inc.Status),
		Number: inc.Number, Channel: inc.ChannelID, Private: inc.Private, Services: inc.Services,
		Impact: esc(inc.Impact), DetectedBy: string(inc.DetectedBy), DetectedLink: inc.DetectedLink,
		Hypothesis: esc(inc.Hypothesis), RootCause: esc(inc.RootCause), Trigger: esc(inc.Trigger), AI: string(inc.AI),
		Lead: inc.Roles[incident.Lead], Comms: inc.Roles[incident.Comms], Tech: inc.Roles[incident.Tech], Scribe: inc.Roles[incident.Scribe],
	}
	if inc.CustomersKnown {
		d.Customers = strconv.FormatInt(inc.Customers, 10)
	}
	if len(inc.Services) > 0 {
		d.Service.Name = inc.Services[0]
		if s, ok := catalog.Lookup(inc.Services[0]); ok {
			d.Service = ServiceData{Name: s.Name, Dashboards: s.Dashboards, Owners: s.Owners, StatusComponent: s.StatusComponent}
		}
	}
	return d
}
