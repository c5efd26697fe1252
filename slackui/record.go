package slackui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Action ids and the callback of the record: a public contract, kept
// stable for users' scripts.
const (
	ActionEditDetails   = "incident_edit_details"
	ActionSetHypothesis = "mark_set_hypothesis"
	ActionSetRootCause  = "mark_set_root_cause"
	DetailsCallbackID   = "incident_details"
)

// BlockDetectedLink is the details modal's block for the detection link;
// every other block is named after its field.
const BlockDetectedLink = "detected-link"

// HeaderInfo is what the header shows beyond the incident itself.
type HeaderInfo struct {
	Dashboards    []incident.Link
	PostmortemDue time.Time // the effective due date, zero when unknown
}

// recordBlocks renders the record's set fields for the header; nothing
// set renders a hint instead.
func recordBlocks(inc incident.Incident, info HeaderInfo) []slack.Block {
	r := inc.Record
	var lines []string
	add := func(label, value string) {
		if value != "" {
			lines = append(lines, fmt.Sprintf("*%s:* %s", label, value))
		}
	}
	add("Service", Escape(strings.Join(r.Services, ", ")))
	impact := Escape(r.Impact)
	if r.CustomersKnown {
		impact = strings.TrimSpace(impact + fmt.Sprintf(" (%s customers)", groupDigits(r.Customers)))
	}
	add("Impact", impact)
	if r.DetectedBy != "" {
		d := string(r.DetectedBy)
		if r.DetectedLink != "" {
			d += fmt.Sprintf(" (<%s|link>)", r.DetectedLink)
		}
		add("Detected by", d)
	}
	add("Trigger", Escape(r.Trigger))
	add("Hypothesis", Escape(r.Hypothesis))
	add("Root cause", Escape(r.RootCause))
	if r.AI != "" {
		add("AI connection", fmt.Sprintf("%s — %s", r.AI, r.AI.Describe()))
	}
	if len(r.Comms) > 0 {
		var done []string
		for _, c := range incident.CommKinds {
			if d, ok := r.Comms[c]; ok {
				done = append(done, fmt.Sprintf("%s ✓ %s %s", strings.ToLower(c.Label()), Mention(d.By), Date(d.At)))
			}
		}
		add("Communications", strings.Join(done, " · "))
	}
	if !inc.Active() || r.PostmortemOwner != "" || !r.PostmortemDue.IsZero() {
		pm := string(inc.PostmortemState())
		if r.PostmortemOwner != "" {
			pm += " · owner " + Mention(r.PostmortemOwner)
		}
		if !info.PostmortemDue.IsZero() {
			pm += " · due " + info.PostmortemDue.Format("Mon 2 Jan 2006")
		}
		add("Postmortem", pm)
	}
	var blocks []slack.Block
	if len(lines) > 0 {
		blocks = append(blocks, section(incident.Truncate(strings.Join(lines, "\n"), MaxSectionText)))
	}
	if len(info.Dashboards) > 0 {
		var links []string
		for _, d := range info.Dashboards {
			links = append(links, fmt.Sprintf("<%s|%s>", d.URL, Escape(d.Name)))
		}
		blocks = append(blocks, contextBlock(":bar_chart: *Dashboards:* "+strings.Join(links, " · ")))
	}
	return blocks
}

// headerActions is the header's Edit details button, with a hint while
// nothing is recorded.
func headerActions(inc incident.Incident) []slack.Block {
	edit := slack.NewButtonBlockElement(ActionEditDetails, strconv.FormatInt(inc.Number, 10), plain("Edit details"))
	blocks := []slack.Block{slack.NewActionBlock("header_actions", edit)}
	if recordEmpty(inc.Record) {
		blocks = append(blocks, contextBlock("Record what you learn: *Edit details*, or `/incident set service checkout`, `/incident set impact …`, `/incident set hypothesis …`."))
	}
	return blocks
}

func recordEmpty(r incident.Record) bool {
	for _, f := range incident.Fields {
		if r.Value(f) != "" {
			return false
		}
	}
	return len(r.Comms) == 0
}

// groupDigits renders 1200 as "1,200".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// FieldSet is the channel line that tells everyone a field changed.
func FieldSet(f incident.Field, value, by string) Message {
	if value == "" {
		return Text(fmt.Sprintf(":memo: %s cleared by %s.", f.Label(), Mention(by)))
	}
	switch f {
	case incident.FieldPostmortemOwner:
		value = Mention(value)
	case incident.FieldAI:
		value = fmt.Sprintf("%s (%s)", value, incident.AIConnection(value).Describe())
	case incident.FieldDetectedBy:
		value = Escape(value)
	default:
		value = Escape(value)
	}
	emoji := ":memo:"
	if f == incident.FieldRootCause {
		emoji = ":dart:"
	}
	return Text(fmt.Sprintf("%s *%s* set by %s: %s", emoji, f.Label(), Mention(by), value))
}

// CommDone is the channel line for a communication marked sent.
func CommDone(c incident.Comm, by string) Message {
	return Text(fmt.Sprintf(":incoming_envelope: %s communication marked done by %s.", c.Label(), Mention(by)))
}

// HypothesisOffer is the private question to someone who marked a message
// as a hypothesis: make it the incident's hypothesis or root cause.
func HypothesisOffer(text, ts string) Message {
	quote := incident.Truncate(PlainText(text), 200)
	body := fmt.Sprintf(":bulb: You marked this as a hypothesis:\n>%s\nRecord it on the incident?", Escape(quote))
	return Message{Text: "Record this hypothesis on the incident?", Blocks: []slack.Block{
		section(body),
		slack.NewActionBlock("hypothesis_offer",
			slack.NewButtonBlockElement(ActionSetHypothesis, ts, plain("Set as hypothesis")),
			slack.NewButtonBlockElement(ActionSetRootCause, ts, plain("Set as root cause")),
		),
	}}
}

// DetailsModal is the one form that edits every record field, prefilled.
// The incident number comes back as the submission's metadata.
func DetailsModal(inc incident.Incident, catalog incident.Catalog, channelID string) slack.ModalViewRequest {
	r := inc.Record
	var blocks []slack.Block
	input := func(id string, label string, el slack.BlockElement, hint string) {
		b := slack.NewInputBlock(id, plain(label), nil, el)
		b.Optional = true
		if hint != "" {
			b.Hint = plain(hint)
		}
		blocks = append(blocks, b)
	}
	text := func(f incident.Field, value, placeholder string, multiline bool) {
		el := slack.NewPlainTextInputBlockElement(plain(placeholder), string(f))
		el.Multiline = multiline
		el.InitialValue = value
		el.MaxLength = incident.MaxFieldText
		input(string(f), f.Label(), el, "")
	}
	if len(catalog) > 0 {
		var opts, initial []*slack.OptionBlockObject
		for _, s := range catalog {
			o := slack.NewOptionBlockObject(s.Name, plain(s.Name), nil)
			opts = append(opts, o)
			for _, have := range r.Services {
				if have == s.Name {
					initial = append(initial, o)
				}
			}
		}
		sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose services"), string(incident.FieldService), opts...)
		sel.InitialOptions = initial
		input(string(incident.FieldService), incident.FieldService.Label(), sel, "")
	} else {
		el := slack.NewPlainTextInputBlockElement(plain("checkout, payments"), string(incident.FieldService))
		el.InitialValue = strings.Join(r.Services, ", ")
		input(string(incident.FieldService), incident.FieldService.Label(), el, "Lowercase names, separated by commas.")
	}
	text(incident.FieldImpact, r.Impact, "Who is affected, and how?", true)
	cust := slack.NewPlainTextInputBlockElement(plain("1200"), string(incident.FieldCustomers))
	if r.CustomersKnown {
		cust.InitialValue = strconv.FormatInt(r.Customers, 10)
	}
	input(string(incident.FieldCustomers), incident.FieldCustomers.Label(), cust, "")
	blocks = append(blocks, staticSelect(incident.FieldDetectedBy, detectionOptions(), string(r.DetectedBy)))
	link := slack.NewPlainTextInputBlockElement(plain("https://…"), BlockDetectedLink)
	link.InitialValue = r.DetectedLink
	input(BlockDetectedLink, "Detection link", link, "The alert, ticket or graph that showed it.")
	text(incident.FieldTrigger, r.Trigger, "What set it off? A deploy, a config change…", false)
	text(incident.FieldHypothesis, r.Hypothesis, "The current best guess", true)
	text(incident.FieldRootCause, r.RootCause, "The proven cause (only once confirmed)", true)
	blocks = append(blocks, staticSelect(incident.FieldAI, aiOptions(), string(r.AI)))
	owner := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("Choose a person"), string(incident.FieldPostmortemOwner))
	owner.InitialUser = r.PostmortemOwner
	input(string(incident.FieldPostmortemOwner), incident.FieldPostmortemOwner.Label(), owner, "")
	due := slack.NewDatePickerBlockElement(string(incident.FieldPostmortemDue))
	if !r.PostmortemDue.IsZero() {
		due.InitialDate = r.PostmortemDue.Format(time.DateOnly)
	}
	input(string(incident.FieldPostmortemDue), incident.FieldPostmortemDue.Label(), due, "Empty: the default after resolution.")
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DetailsCallbackID,
		Title:           plain(incident.Truncate(inc.ID()+" details", 24)),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		PrivateMetadata: channelID,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func staticSelect(f incident.Field, opts []*slack.OptionBlockObject, current string) *slack.InputBlock {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), string(f), opts...)
	for _, o := range opts {
		if o.Value == current {
			sel.InitialOption = o
		}
	}
	b := slack.NewInputBlock(string(f), plain(f.Label()), nil, sel)
	b.Optional = true
	return b
}

func detectionOptions() []*slack.OptionBlockObject {
	var opts []*slack.OptionBlockObject
	for _, d := range incident.Detections {
		opts = append(opts, slack.NewOptionBlockObject(string(d), plain(string(d)), nil))
	}
	return opts
}

func aiOptions() []*slack.OptionBlockObject {
	var opts []*slack.OptionBlockObject
	for _, a := range incident.AIConnections {
		opts = append(opts, slack.NewOptionBlockObject(string(a), plain(fmt.Sprintf("%s — %s", a, a.Describe())), nil))
	}
	return opts
}

// DetailsValues turns a details modal's submitted values into what
// `/incident set` would be given for each field ("" clears it), so the
// form and the command share one parser.
func DetailsValues(values map[string]map[string]string) map[incident.Field]string {
	out := map[incident.Field]string{}
	for _, f := range incident.Fields {
		v := Field(values, string(f))
		switch f {
		case incident.FieldService:
			v = strings.ReplaceAll(v, "\n", ",")
		case incident.FieldPostmortemOwner:
			if v != "" {
				v = "<@" + v + ">"
			}
		case incident.FieldDetectedBy:
			if link := Field(values, BlockDetectedLink); link != "" {
				if v == "" {
					v = string(incident.DetectedOther)
				}
				v += " " + link
			}
		}
		out[f] = v
	}
	return out
}
