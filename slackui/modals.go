package slackui

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// DeclareCallbackID is the callback_id of the declare modal.
const DeclareCallbackID = "declare_incident"

// Declare modal block ids; each block's one input has the same action id.
const (
	BlockTitle       = "title"
	BlockSeverity    = "severity"
	BlockDescription = "description"
	BlockServices    = "services"
	BlockPrivate     = "private"
)

// PrivateOption is the value of the declare modal's private checkbox.
const PrivateOption = "private"

// DeclareForm is what the declare modal offers and prefills.
type DeclareForm struct {
	ChannelID  string // comes back as the submission's metadata
	Severity   incident.Severity
	Private    bool
	Catalog    incident.Catalog             // services to pick from; none: no picker
	Severities map[incident.Severity]string // the team's definitions
}

// DeclareModal is the form /incident declare opens when no title is given.
func DeclareModal(f DeclareForm) slack.ModalViewRequest {
	sev := f.Severity
	if !sev.Valid() {
		sev = incident.DefaultSeverity
	}
	var opts []*slack.OptionBlockObject
	for _, s := range []incident.Severity{incident.P1, incident.P2, incident.P3, incident.P4} {
		label := severityLabel(s)
		if d := f.Severities[s]; d != "" {
			label = s.String() + " — " + d
		}
		opts = append(opts, slack.NewOptionBlockObject(s.String(), plain(incident.Truncate(label, 75)), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Severity"), BlockSeverity, opts...)
	sel.InitialOption = opts[sev-1]
	title := slack.NewPlainTextInputBlockElement(plain("Checkout returns 500"), BlockTitle)
	title.MaxLength = incident.MaxTitle
	desc := slack.NewPlainTextInputBlockElement(plain("What do you see? Links to graphs, alerts…"), BlockDescription)
	desc.Multiline = true
	descBlock := slack.NewInputBlock(BlockDescription, plain("Description"), nil, desc)
	descBlock.Optional = true
	blocks := []slack.Block{
		slack.NewInputBlock(BlockTitle, plain("Title"), nil, title),
		slack.NewInputBlock(BlockSeverity, plain("Severity"), nil, sel),
	}
	if len(f.Catalog) > 0 {
		var svcOpts []*slack.OptionBlockObject
		for _, s := range f.Catalog {
			svcOpts = append(svcOpts, slack.NewOptionBlockObject(s.Name, plain(s.Name), nil))
		}
		pick := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose services"), BlockServices, svcOpts...)
		b := slack.NewInputBlock(BlockServices, plain("Service"), nil, pick)
		b.Optional = true
		blocks = append(blocks, b)
	}
	blocks = append(blocks, descBlock)
	priv := slack.NewOptionBlockObject(PrivateOption, plain("Private incident"),
		plain("A private channel; nothing is announced beyond its number and lead."))
	box := slack.NewCheckboxGroupsBlockElement(BlockPrivate, priv)
	if f.Private {
		box.InitialOptions = []*slack.OptionBlockObject{priv}
	}
	pb := slack.NewInputBlock(BlockPrivate, plain("Visibility"), nil, box)
	pb.Optional = true
	blocks = append(blocks, pb)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DeclareCallbackID,
		Title:           plain("Declare an incident"),
		Submit:          plain("Declare"),
		Close:           plain("Cancel"),
		PrivateMetadata: f.ChannelID,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func severityLabel(s incident.Severity) string {
	switch s {
	case incident.P1:
		return "P1 — critical, customers badly affected"
	case incident.P2:
		return "P2 — major, many customers affected"
	case incident.P3:
		return "P3 — minor, some customers affected"
	}
	return "P4 — low, no visible customer impact"
}

// Field is the trimmed value of a modal block whose input shares its id.
func Field(values map[string]map[string]string, block string) string {
	return strings.TrimSpace(values[block][block])
}
