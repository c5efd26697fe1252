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
)

// DeclareModal is the form /incident declare opens when no title is given;
// channelID comes back as the submission's metadata.
func DeclareModal(channelID string, sev incident.Severity) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	for _, s := range []incident.Severity{incident.P1, incident.P2, incident.P3, incident.P4} {
		opts = append(opts, slack.NewOptionBlockObject(s.String(), plain(severityLabel(s)), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Severity"), BlockSeverity, opts...)
	sel.InitialOption = opts[sev-1]
	title := slack.NewPlainTextInputBlockElement(plain("Checkout returns 500"), BlockTitle)
	title.MaxLength = incident.MaxTitle
	desc := slack.NewPlainTextInputBlockElement(plain("What do you see? Links to graphs, alerts…"), BlockDescription)
	desc.Multiline = true
	descBlock := slack.NewInputBlock(BlockDescription, plain("Description"), nil, desc)
	descBlock.Optional = true
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DeclareCallbackID,
		Title:           plain("Declare an incident"),
		Submit:          plain("Declare"),
		Close:           plain("Cancel"),
		PrivateMetadata: channelID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(BlockTitle, plain("Title"), nil, title),
			slack.NewInputBlock(BlockSeverity, plain("Severity"), nil, sel),
			descBlock,
		}},
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
