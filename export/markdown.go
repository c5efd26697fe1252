package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// keyKinds are the system facts the Markdown timeline keeps beside marked
// messages: what changed the incident, who was paged, what was set and
// sent. Drafts in progress, runbook shares and action items (listed under
// Actions) are left to the JSON.
var keyKinds = map[incident.Kind]bool{
	incident.KindDeclared: true, incident.KindStatus: true, incident.KindSeverity: true, incident.KindRole: true,
	incident.KindResolved: true, incident.KindPage: true, incident.KindPageAck: true, incident.KindPageResolve: true,
	incident.KindPageFailed: true, incident.KindNote: true, incident.KindField: true, incident.KindComms: true,
	incident.KindDraftApproved: true, incident.KindAlert: true,
}

// Markdown renders inc as a document for stakeholders: a facts table, then
// Impact, Root cause, Timeline of key events, Actions, Communications and
// Postmortem. People are named through opts.Names and times carry their
// zone; user text is escaped, and no Slack markup is left in it.
func Markdown(inc incident.Incident, events []incident.Event, opts Options) []byte {
	// The Markdown reads the Document's facts but renders its own timeline,
	// with names: the Document's is left out.
	m := mdWriter{doc: build(inc, events, nil, opts), inc: inc, opts: opts, loc: opts.loc()}
	m.name = orID(opts.Names)
	m.header()
	m.impact()
	m.rootCause()
	m.timeline(incident.Fold(events))
	m.actions()
	m.comms()
	m.postmortem()
	return []byte(m.b.String())
}

type mdWriter struct {
	b    strings.Builder
	doc  Document
	inc  incident.Incident
	opts Options
	loc  *time.Location
	name func(string) string
}

func (m *mdWriter) f(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

// who names a person for Markdown, escaped; "" is none.
func (m *mdWriter) who(id, none string) string {
	if id == "" {
		return none
	}
	return escapeInline(m.name(id))
}

// when renders a time with its date and zone.
func (m *mdWriter) when(t *time.Time) string {
	if t == nil {
		return "not yet"
	}
	return t.In(m.loc).Format("2006-01-02 15:04 MST")
}

func (m *mdWriter) section(title string) { m.f("\n## %s\n\n", title) }

func (m *mdWriter) header() {
	inc := m.inc
	// A trailing " #" would close the heading and vanish: escape every '#'.
	m.f("# %s: %s\n\n", inc.ID(), strings.ReplaceAll(escapeInline(inc.Title), "#", `\#`))
	if d := strings.TrimSpace(inc.Description); d != "" {
		m.f("%s\n\n", escapeBlock(d))
	}
	m.f("Times are %s.\n\n", zoneName(m.loc, inc.DeclaredAt))
	declared := m.when(m.doc.DeclaredAt)
	switch {
	case inc.DeclaredBy != "":
		declared += " by " + m.who(inc.DeclaredBy, "")
	case strings.HasPrefix(inc.Source, "pagerduty:"):
		declared += " from PagerDuty incident " + escapeInline(strings.TrimPrefix(inc.Source, "pagerduty:"))
	case inc.Source != "":
		declared += " from " + escapeInline(inc.Source)
	}
	services := "—"
	if len(inc.Services) > 0 {
		services = escapeInline(strings.Join(inc.Services, ", "))
	}
	private := "no"
	if inc.Private {
		private = "yes: a private channel; share with care"
	}
	rows := [][2]string{
		{"Severity", inc.Severity.String()},
		{"Status", string(inc.Status)},
		{"Services", services},
		{"Declared", declared},
		{"Acknowledged", m.when(m.doc.AcknowledgedAt)},
		{"Resolved", m.when(m.doc.ResolvedAt)},
		{"Time to acknowledge", span(m.doc.TimeToAcknowledgeS)},
		{"Time to resolve", span(m.doc.TimeToResolveS)},
	}
	for _, r := range incident.Roles {
		rows = append(rows, [2]string{r.Title(), m.who(inc.Roles[r], "—")})
	}
	rows = append(rows, [2]string{"Private", private})
	m.f("| Fact | Value |\n|---|---|\n")
	for _, r := range rows {
		m.f("| %s | %s |\n", r[0], r[1])
	}
}

func (m *mdWriter) impact() {
	inc := m.inc
	m.section("Impact")
	if inc.Impact != "" {
		m.f("%s\n\n", m.blockText(inc.Impact))
	} else {
		m.f("_Not recorded yet._\n\n")
	}
	customers := "unknown"
	if inc.CustomersKnown {
		customers = thousands(inc.Customers)
	}
	m.f("- Customers affected: %s\n", customers)
	detected := "not recorded"
	if inc.DetectedBy != "" {
		detected = string(inc.DetectedBy)
		if inc.DetectedLink != "" {
			detected += ", " + link(inc.DetectedLink, "", true)
		}
	}
	m.f("- Detected by: %s\n", detected)
}

// blockText renders a record value from Slack as a paragraph of its own.
func (m *mdWriter) blockText(s string) string {
	return escapeLineStart(render(s, true, m.opts.Names))
}

func (m *mdWriter) rootCause() {
	inc := m.inc
	m.section("Root cause")
	switch {
	case inc.RootCause != "":
		m.f("%s\n\n", m.blockText(inc.RootCause))
	case inc.Hypothesis != "":
		m.f("**Hypothesis (unconfirmed):** %s\n\n", render(inc.Hypothesis, true, m.opts.Names))
	default:
		m.f("_Not yet known._\n\n")
	}
	trigger := "not recorded"
	if inc.Trigger != "" {
		trigger = render(inc.Trigger, true, m.opts.Names)
	}
	m.f("- Trigger: %s\n", trigger)
	ai := "not recorded"
	if inc.AI != "" {
		ai = fmt.Sprintf("%s — %s", inc.AI, inc.AI.Describe())
	}
	m.f("- AI connection: %s\n", ai)
}

// keyEntry reports whether the Markdown timeline shows e.
func keyEntry(e incident.Entry) bool { return e.Marked() || keyKinds[e.Kind] }

func (m *mdWriter) timeline(entries []incident.Entry) {
	m.section("Timeline of key events")
	var key []incident.Entry
	for _, e := range entries {
		if keyEntry(e) {
			key = append(key, e)
		}
	}
	if len(key) == 0 {
		m.f("_No key events yet._\n")
		return
	}
	layout := "15:04 MST"
	if key[0].At.In(m.loc).Format(time.DateOnly) != key[len(key)-1].At.In(m.loc).Format(time.DateOnly) {
		layout = "2006-01-02 15:04 MST"
	}
	for _, e := range key {
		m.f("- %s · %s · %s\n", e.At.In(m.loc).Format(layout), e.Ref(), m.entry(e))
	}
}

// entry renders one timeline line after its time and id.
func (m *mdWriter) entry(e incident.Entry) string {
	var b strings.Builder
	if e.Kind != incident.KindMessage {
		b.WriteString(describe(e, true, m.opts.Names))
		if e.Actor != "" {
			fmt.Fprintf(&b, " (%s)", m.who(e.Actor, ""))
		}
		return b.String()
	}
	for i, mk := range e.Marks {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "**%s**", escapeInline(mk.Label()))
	}
	if len(e.Marks) > 0 {
		b.WriteString(" · ")
	}
	fmt.Fprintf(&b, "%s: %s", m.who(e.Actor, "someone"), strings.TrimSpace(describe(e, true, m.opts.Names)))
	if len(e.Files) > 0 {
		fmt.Fprintf(&b, " \\[files: %s\\]", escapeInline(strings.Join(e.Files, ", ")))
	}
	if e.Edited {
		b.WriteString(" _(edited)_")
	}
	return b.String()
}

func (m *mdWriter) actions() {
	m.section("Actions")
	if len(m.doc.ActionItems) == 0 {
		m.f("_None yet._\n")
		return
	}
	for _, it := range m.doc.ActionItems {
		box := " "
		if it.Done {
			box = "x"
		}
		owner := "no owner"
		switch {
		case person(it.Owner):
			owner = "owner " + m.who(it.Owner, "")
		case it.Owner != "":
			owner = "owner " + escapeInline(it.Owner)
		}
		due := "no due date"
		if it.Due != nil {
			due = "due " + *it.Due
		}
		issue := ""
		if it.Issue != nil {
			issue = fmt.Sprintf(" — [%s](%s)", escapeInline(it.Issue.Key), it.Issue.URL)
		}
		m.f("- [%s] %s — %s, %s%s\n", box, escapeInline(strings.TrimSpace(it.Text)), owner, due, issue)
	}
}

func (m *mdWriter) comms() {
	m.section("Communications")
	for _, c := range []struct {
		kind incident.Comm
		done *CommDone
	}{{incident.CommCustomers, m.doc.Comms.Customers}, {incident.CommTeam, m.doc.Comms.Team},
		{incident.CommStatusPage, m.doc.Comms.StatusPage}} {
		state := "not yet"
		if c.done != nil {
			state = "sent"
			if c.done.DoneBy != "" {
				state += " by " + m.who(c.done.DoneBy, "")
			}
			state += ", " + m.when(&c.done.DoneAt)
		}
		m.f("- %s: %s\n", c.kind.Label(), state)
	}
}

func (m *mdWriter) postmortem() {
	pm := m.doc.Postmortem
	m.section("Postmortem")
	state := pm.State
	switch incident.PostmortemState(pm.State) {
	case incident.PostmortemApproved:
		if pm.ApprovedAt != nil {
			state += ", " + m.when(pm.ApprovedAt)
		}
	case incident.PostmortemDrafted:
		state += ", waiting for approval"
	}
	m.f("- State: %s\n", state)
	m.f("- Owner: %s\n", m.who(pm.Owner, "not assigned"))
	after := m.opts.after()
	due := "not set"
	switch {
	case pm.Due != nil && !m.inc.PostmortemDue.IsZero():
		due = *pm.Due
	case pm.Due != nil:
		due = fmt.Sprintf("%s (%s after resolution, the default)", *pm.Due, incident.FormatDuration(after))
	case after > 0:
		due = fmt.Sprintf("not set (by default %s after resolution)", incident.FormatDuration(after))
	}
	m.f("- Due: %s\n", due)
}

// zoneName names a zone for a reader: its IANA name and abbreviation.
func zoneName(loc *time.Location, at time.Time) string {
	abbr, _ := at.In(loc).Zone()
	if loc == time.UTC || loc.String() == abbr {
		return abbr
	}
	return fmt.Sprintf("%s (%s)", loc, abbr)
}

// span renders a duration in seconds for people, "—" when unknown.
func span(s *int64) string {
	if s == nil {
		return "—"
	}
	return incident.FormatDuration(time.Duration(*s) * time.Second)
}

// thousands renders n with thousands separators: 1,200.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
