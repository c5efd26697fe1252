package slackui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Button action_ids and the view callback of the draft flow: a public
// contract, kept stable for users' scripts.
const (
	ActionApprove     = "draft_approve"
	ActionEdit        = "draft_edit"
	ActionReject      = "draft_reject"
	ActionDraftUpdate = "draft_update"
	EditCallbackID    = "draft_edit_submit"
)

// blockDraftText prefixes the edit modal's text inputs; a long draft is split
// over several inputs because Slack caps one at 3,000 characters.
const blockDraftText = "draft_text"

// KindLabel names a kind of draft for people.
func KindLabel(k incident.DraftKind) string {
	switch k {
	case incident.DraftPostmortem:
		return "postmortem"
	case incident.DraftCatchup:
		return "catch-up"
	case incident.DraftPublic:
		return "customer update"
	}
	return "status update"
}

// Evidence is a cited event as the reviewer sees it: a link to the message
// when there is one.
type Evidence struct {
	Seq  int
	Link string
}

// Draft renders a draft for its reviewers: the text as it would be
// published, then what only a reviewer needs (the template notice, check
// findings, the evidence it cites, the model and prompt stamp) beside it.
// withButtons adds Approve / Edit / Reject.
func Draft(d incident.Draft, inc incident.Incident, evidence []Evidence, withButtons bool) Message {
	head := fmt.Sprintf(":robot_face: *AI draft* — %s for %s", KindLabel(d.Kind), inc.ID())
	if d.Source != "llm" {
		head = fmt.Sprintf(":memo: *Template draft* — %s for %s", KindLabel(d.Kind), inc.ID())
		if d.Reason != "" {
			head += fmt.Sprintf(" (the AI was not used: %s)", d.Reason)
		}
	}
	blocks := []slack.Block{section(incident.Truncate(head, MaxSectionText))}
	text := d.Text
	if d.Kind == incident.DraftPublic {
		// Customers read the headline as the incident's name; show it as
		// such, and say where the words go.
		headline, rest := incident.SplitPublic(d.Text)
		text = "*" + Escape(headline) + "*\n" + Mrkdwn(rest)
		blocks = append(blocks, contextBlock(fmt.Sprintf(":globe_with_meridians: For the public status page, as *%s*. The first line is the headline customers see.", d.Status)))
	} else {
		text = Mrkdwn(text)
	}
	body := sections(Safe(text))
	if len(body) > MaxBlocks-6 {
		body = append(body[:MaxBlocks-7], contextBlock("…the draft continues; the full text is kept and published in full when approved."))
	}
	blocks = append(blocks, body...)
	if len(d.Flags) > 0 {
		blocks = append(blocks, contextBlock(":warning: *Check before approving:* "+strings.Join(d.Flags, " · ")))
	}
	if len(evidence) > 0 {
		var refs []string
		for _, e := range evidence {
			ref := "E" + strconv.Itoa(e.Seq)
			if e.Link != "" {
				ref = fmt.Sprintf("<%s|%s>", e.Link, ref)
			}
			refs = append(refs, ref)
		}
		blocks = append(blocks, contextBlock(":link: *Evidence:* "+strings.Join(refs, ", ")))
	}
	var meta []string
	if d.Model != "" {
		meta = append(meta, "model "+d.Model)
	}
	if d.PromptVersion != "" {
		meta = append(meta, "prompt "+d.PromptVersion)
	}
	if withButtons && d.Kind == incident.DraftPublic {
		meta = append(meta, "nothing reaches the status page until someone approves")
	} else if withButtons {
		meta = append(meta, "nothing is published until someone approves")
	}
	if len(meta) > 0 {
		blocks = append(blocks, contextBlock(strings.Join(meta, " · ")))
	}
	if withButtons {
		approve := slack.NewButtonBlockElement(ActionApprove, d.ID, plain("Approve"))
		approve.Style = slack.StylePrimary
		reject := slack.NewButtonBlockElement(ActionReject, d.ID, plain("Reject"))
		reject.Style = slack.StyleDanger
		blocks = append(blocks, slack.NewActionBlock("draft_actions", approve,
			slack.NewButtonBlockElement(ActionEdit, d.ID, plain("Edit")), reject))
	}
	return Message{Text: incident.Truncate(head, maxFallback), Blocks: capBlocks(blocks, "…")}
}

// Decided is a draft message once someone approved or rejected it.
func Decided(d incident.Draft, inc incident.Incident, evidence []Evidence) Message {
	line := fmt.Sprintf(":x: Rejected by %s", Mention(d.DecidedBy))
	if d.State == incident.DraftApproved {
		line = fmt.Sprintf(":white_check_mark: Approved by %s", Mention(d.DecidedBy))
	}
	msg := Draft(d, inc, evidence, false)
	msg.Blocks = capBlocks(append(msg.Blocks, contextBlock(line)), line)
	msg.Text = line + " — " + msg.Text
	return msg
}

// EditModal opens a pending draft for editing; metadata comes back with the
// submission.
func EditModal(d incident.Draft, metadata string) slack.ModalViewRequest {
	parts := CutText(d.Text, MaxSectionText)
	var blocks []slack.Block
	for i, part := range parts {
		in := slack.NewPlainTextInputBlockElement(nil, fmt.Sprintf("%s_%d", blockDraftText, i))
		in.Multiline, in.InitialValue, in.MaxLength = true, part, MaxSectionText
		label := "Text"
		if len(parts) > 1 {
			label = fmt.Sprintf("Text, part %d of %d", i+1, len(parts))
		}
		blk := slack.NewInputBlock(fmt.Sprintf("%s_%d", blockDraftText, i), plain(label), nil, in)
		blk.Optional = i > 0
		blocks = append(blocks, blk)
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: EditCallbackID, PrivateMetadata: metadata,
		Title: plain("Edit " + KindLabel(d.Kind)), Submit: plain("Publish"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// EditFirstField is the block the edit modal's errors attach to.
const EditFirstField = blockDraftText + "_0"

// EditedText joins the edit modal's parts back into one text.
func EditedText(values map[string]map[string]string) string {
	var parts []string
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s_%d", blockDraftText, i)
		vals, ok := values[id]
		if !ok {
			break
		}
		parts = append(parts, vals[id])
	}
	// The parts were cut without dropping a character, so they join back
	// exactly.
	return strings.TrimSpace(strings.Join(parts, ""))
}

// UpdateReminder nudges a channel whose status update is overdue, with a
// button that drafts one.
func UpdateReminder(inc incident.Incident, since, cadence string) Message {
	btn := slack.NewButtonBlockElement(ActionDraftUpdate, strconv.FormatInt(inc.Number, 10), plain("Draft update"))
	btn.Style = slack.StylePrimary
	text := fmt.Sprintf(":alarm_clock: No status update for %s — %s incidents get one every %s. Stakeholders are waiting.",
		since, inc.Severity, cadence)
	return Message{Text: text, Blocks: []slack.Block{section(text), slack.NewActionBlock("", btn)}}
}

// PostmortemReminder nudges a resolved incident whose postmortem is past
// due, naming its owner when one is set.
func PostmortemReminder(inc incident.Incident, now time.Time) Message {
	who := ""
	if inc.PostmortemOwner != "" {
		who = " " + Mention(inc.PostmortemOwner) + ", it's yours."
	}
	return Text(fmt.Sprintf(":memo: %s was resolved %s ago and its postmortem is still %s.%s `/incident postmortem` drafts it from the timeline.",
		inc.ID(), incident.FormatDuration(now.Sub(inc.ResolvedAt)), inc.PostmortemState(), who))
}
