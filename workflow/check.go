package workflow

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template/parse"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// maxRangeDepth is how deep ranges may nest: each level multiplies the
// iterations, and an empty body writes nothing the output bound would stop.
const maxRangeDepth = 3

// checkNodes refuses what a step's template has no use for and that could
// make rendering run without end: {{template}} calls, {{range}} over
// anything but a list field (ranging over a number loops that many times),
// and ranges nested deeper than maxRangeDepth. ranges is how many enclose n.
func checkNodes(n parse.Node, ranges int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNodes(c, ranges); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return errors.New("{{template}} is not supported: a step's template is one message")
	case *parse.IfNode:
		return checkBranch(&n.BranchNode, ranges)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode, ranges)
	case *parse.RangeNode:
		if !rangesOverField(n.Pipe) {
			return fmt.Errorf("{{range %s}}: range over a list field, like {{range .Service.Dashboards}} or {{range .Services}}", n.Pipe)
		}
		if ranges == maxRangeDepth {
			return fmt.Errorf("{{range %s}}: ranges nest at most %d deep", n.Pipe, maxRangeDepth)
		}
		return checkBranch(&n.BranchNode, ranges+1)
	}
	return nil
}

func checkBranch(b *parse.BranchNode, ranges int) error {
	if err := checkNodes(b.List, ranges); err != nil {
		return err
	}
	return checkNodes(b.ElseList, ranges)
}

// rangesOverField reports whether p is one field reference: .Services,
// $.Service.Dashboards, $s.Owners, or dot. .Number is a number, not a list.
func rangesOverField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	var idents []string
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		idents = a.Ident
	case *parse.VariableNode:
		idents = a.Ident[1:]
	case *parse.ChainNode:
		idents = a.Field
	case *parse.DotNode:
		return true
	default:
		return false
	}
	return len(idents) > 0 && idents[len(idents)-1] != "Number"
}

// FieldError is a template naming a field its data does not have, such as
// {{.Titel}}.
type FieldError struct {
	Field string   // as written, without the dot: "Titel"
	In    string   // what it was looked up in: "the incident", "a service", "a dashboard"
	Known []string // the fields that exist there
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s has no field .%s; its fields are .%s", e.In, e.Field, strings.Join(e.Known, ", ."))
}

// knownTypes are the template data's types, by the name text/template
// gives them in errors.
var knownTypes = map[string]struct {
	what string
	typ  reflect.Type
}{
	"workflow.Data":        {"the incident", reflect.TypeFor[Data]()},
	"workflow.ServiceData": {"a service", reflect.TypeFor[ServiceData]()},
	"incident.Link":        {"a dashboard", reflect.TypeFor[incident.Link]()},
}

var unknownField = regexp.MustCompile(`can't evaluate field (\w+) in type (\S+)`)

// Check renders t against a sample incident on which every field is set,
// so a field the data lacks (a typo) fails when the file loads rather than
// during an incident. A missing field is a *FieldError.
func (t *Template) Check() error {
	_, err := t.Render(sampleData)
	if err == nil {
		return nil
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		if k, ok := knownTypes[m[2]]; ok {
			var names []string
			for i := range k.typ.NumField() {
				names = append(names, k.typ.Field(i).Name)
			}
			return &FieldError{Field: m[1], In: k.what, Known: names}
		}
	}
	return err
}

// FuncNames lists what templates may call: the text/template built-ins and
// join, upper, lower.
func FuncNames() []string {
	names := []string{"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
		"urlquery", "eq", "ge", "gt", "le", "lt", "ne"}
	for name := range funcs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Sample is an incident with every field a template can read set, on a
// catalog service with owners and two dashboards, for checking templates.
func Sample() (incident.Incident, incident.Catalog) {
	catalog := incident.Catalog{{
		Name: "checkout", Owners: []string{"U0123ABCD", "S0456EFGH"}, StatusComponent: "Checkout",
		Dashboards: []incident.Link{
			{Name: "Checkout overview", URL: "https://grafana.example.com/d/checkout"},
			{Name: "Checkout errors", URL: "https://grafana.example.com/d/checkout-errors"},
		},
	}}
	at := time.Date(2026, 12, 3, 14, 2, 0, 0, time.UTC)
	inc := incident.Incident{
		Number: 42, Title: "Checkout returns 500 for card payments", Severity: incident.P1, Status: incident.Identified,
		ChannelID: "C0SAMPLE01", ChannelName: "inc-42-checkout-500", DeclaredBy: "U0DECLARE1", DeclaredAt: at,
		Roles: map[incident.Role]string{incident.Lead: "U0LEAD0001", incident.Comms: "U0COMMS001",
			incident.Tech: "U0TECH0001", incident.Scribe: "U0SCRIBE01"},
		Record: incident.Record{
			Services: []string{"checkout"}, Impact: "EU customers cannot pay by card", Customers: 1200, CustomersKnown: true,
			DetectedBy: incident.DetectedAlert, DetectedLink: "https://grafana.example.com/d/checkout",
			Hypothesis: "connection pool exhausted", RootCause: "pool created per request in PR 4411",
			Trigger: "deploy 2026.12.03-2", AI: incident.AICode, PostmortemOwner: "U0LEAD0001",
		},
	}
	return inc, catalog
}

var sampleData = func() Data {
	inc, catalog := Sample()
	return NewData(inc, catalog, nil)
}()
