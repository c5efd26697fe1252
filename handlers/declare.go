package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// DeclareCallbackID is the callback_id of the declare modal.
const DeclareCallbackID = "declare_incident"

// Declare modal block and action ids.
const (
	blockTitle       = "title"
	blockSeverity    = "severity"
	blockDescription = "description"
)

func (h *Handler) declareCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	// Slash-command text arrives in Slack's escaped form; titles are kept as
	// plain text and escaped wherever they are rendered.
	d, ok := incident.ParseDeclare(PlainText(args))
	if !ok {
		if c.TriggerID == "" {
			return incident.Errorf(incident.EInvalid, "Give the incident a title, for example `/incident declare P1 checkout returns 500`.")
		}
		if err := h.slack.OpenView(ctx, c.TriggerID, declareModal(c.ChannelID, d.Severity)); err != nil {
			return fmt.Errorf("open declare modal: %w", err)
		}
		return nil
	}
	inc, err := h.Declare(ctx, c.UserID, d, "slack")
	if err != nil {
		return err
	}
	h.reply(ctx, r, Message{Text: fmt.Sprintf(":white_check_mark: Declared *%s* in <#%s>.", inc.ID(), inc.ChannelID)})
	return nil
}

// Declare opens an incident: number, channel, header, pin, announcement and,
// for severities that page, a page. Steps after the channel exists are best
// effort: a failed pin must not lose the incident, so they are logged and the
// incident is returned.
func (h *Handler) Declare(ctx context.Context, by string, d incident.Declaration, source string) (incident.Incident, error) {
	if !d.Severity.Valid() {
		d.Severity = incident.DefaultSeverity
	}
	n, err := h.store.NextNumber(ctx)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("allocate incident number: %w", err)
	}
	name, chID, err := h.createChannel(ctx, incident.ChannelName(n, d.Title))
	if err != nil {
		return incident.Incident{}, err
	}
	inc := incident.Incident{
		Number: n, Title: d.Title, Description: d.Description, Severity: d.Severity,
		Status: incident.Investigating, ChannelID: chID, ChannelName: name,
		Roles: map[incident.Role]string{}, DeclaredBy: by, DeclaredAt: h.now(), Source: source,
	}
	if by != "" && by != h.cfg.BotUserID {
		inc.Roles[incident.Lead] = by
	}
	if h.runbooks != nil {
		for _, hit := range h.runbooks.Suggest(d.Title, h.cfg.RunbookSuggestions) {
			inc.Runbooks = append(inc.Runbooks, hit.Path+" ("+hit.File+")")
		}
	}
	if err := h.store.CreateIncident(ctx, inc); err != nil {
		return incident.Incident{}, fmt.Errorf("store incident %d: %w", n, err)
	}
	log := h.log.With("incident", inc.ID(), "channel", chID)
	if _, err := h.record(ctx, n, incident.Event{Kind: incident.KindDeclared, Actor: by, At: inc.DeclaredAt,
		Text: d.Description, Data: map[string]string{"title": d.Title, "severity": d.Severity.String(), "source": source}}); err != nil {
		log.Error("record declaration", "err", err)
	}
	if by != "" && by != h.cfg.BotUserID {
		if err := h.slack.Invite(ctx, chID, by); err != nil {
			log.Warn("invite declarer", "err", err)
		}
	}
	if err := h.slack.SetTopic(ctx, chID, topic(inc)); err != nil {
		log.Warn("set topic", "err", err)
	}
	ts, err := h.slack.Post(ctx, chID, headerMessage(inc))
	if err != nil {
		log.Error("post header", "err", err)
	} else {
		inc.HeaderTS = ts
		// Saved before the pin: once people see the pinned header they can
		// change the incident, and this save must not overwrite that.
		if _, _, err := h.changeIncident(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.HeaderTS = ts
			return nil, nil
		}); err != nil {
			log.Error("save header ts", "err", err)
		}
		if err := h.slack.Pin(ctx, chID, ts); err != nil {
			log.Warn("pin header", "err", err)
		}
	}
	h.announce(ctx, announceDeclared(inc))
	h.pageOnDeclare(ctx, inc)
	log.Info("incident declared", "severity", inc.Severity.String(), "by", by)
	return inc, nil
}

// createChannel creates name, or name-2, name-3... when it is taken (an
// archived channel from an old install, say).
func (h *Handler) createChannel(ctx context.Context, base string) (string, string, error) {
	name := base
	for k := 2; ; k++ {
		id, err := h.slack.CreateChannel(ctx, name)
		if err == nil {
			return name, id, nil
		}
		if !errors.Is(err, ErrNameTaken) || k > 20 {
			return "", "", fmt.Errorf("create channel %s: %w", name, err)
		}
		name = incident.WithSuffix(base, k)
	}
}

func (h *Handler) announce(ctx context.Context, msg Message) {
	if h.cfg.AnnounceChannel == "" {
		return
	}
	if _, err := h.slack.Post(ctx, h.cfg.AnnounceChannel, msg); err != nil {
		h.log.Warn("announce", "channel", h.cfg.AnnounceChannel, "err", err)
	}
}

// refreshHeader re-renders the pinned header and topic after a change.
func (h *Handler) refreshHeader(ctx context.Context, inc incident.Incident) {
	if inc.HeaderTS != "" {
		if err := h.slack.Update(ctx, inc.ChannelID, inc.HeaderTS, headerMessage(inc)); err != nil {
			h.log.Warn("update header", "incident", inc.ID(), "err", err)
		}
	}
	if err := h.slack.SetTopic(ctx, inc.ChannelID, topic(inc)); err != nil {
		h.log.Warn("set topic", "incident", inc.ID(), "err", err)
	}
}

func topic(inc incident.Incident) string {
	return incident.Truncate(fmt.Sprintf("%s · %s · %s · %s", inc.ID(), inc.Severity, inc.Status, inc.Title), 250)
}

func declareModal(channelID string, sev incident.Severity) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	for _, s := range []incident.Severity{incident.P1, incident.P2, incident.P3, incident.P4} {
		opts = append(opts, slack.NewOptionBlockObject(s.String(), plain(severityLabel(s)), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Severity"), blockSeverity, opts...)
	sel.InitialOption = opts[sev-1]
	title := slack.NewPlainTextInputBlockElement(plain("Checkout returns 500"), blockTitle)
	title.MaxLength = incident.MaxTitle
	desc := slack.NewPlainTextInputBlockElement(plain("What do you see? Links to graphs, alerts…"), blockDescription)
	desc.Multiline = true
	descBlock := slack.NewInputBlock(blockDescription, plain("Description"), nil, desc)
	descBlock.Optional = true
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DeclareCallbackID,
		Title:           plain("Declare an incident"),
		Submit:          plain("Declare"),
		Close:           plain("Cancel"),
		PrivateMetadata: channelID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockTitle, plain("Title"), nil, title),
			slack.NewInputBlock(blockSeverity, plain("Severity"), nil, sel),
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

// ViewSubmission is a submitted modal.
type ViewSubmission struct {
	UserID          string
	CallbackID      string
	PrivateMetadata string
	// Values maps block_id -> action_id -> value.
	Values map[string]map[string]string
}

func (v ViewSubmission) value(block string) string {
	return strings.TrimSpace(v.Values[block][block])
}

// ValidateView checks a submission before it is acknowledged; the errors it
// returns (block_id -> message) go back in the ack's response_action so the
// person can fix the field in place, and nothing they typed is lost.
func (h *Handler) ValidateView(ctx context.Context, v ViewSubmission) map[string]string {
	switch v.CallbackID {
	case DeclareCallbackID:
		if incident.CleanText(v.value(blockTitle)) == "" {
			return map[string]string{blockTitle: "Give the incident a short title, like “checkout returns 500”."}
		}
	case EditCallbackID:
		field := blockDraftText + "_0"
		if strings.TrimSpace(v.editedText()) == "" {
			return map[string]string{field: "The text can't be empty. Reject the draft instead if you don't want to publish it."}
		}
		id, _, _ := strings.Cut(v.PrivateMetadata, " ")
		d, err := h.store.Draft(ctx, id)
		if err == nil && d.State != incident.DraftPending {
			return map[string]string{field: fmt.Sprintf("This draft was already %s by someone else, so your edit was not published. Copy your text before closing.", d.State)}
		}
	}
	return nil
}

// ViewChannel is the channel to answer a modal's submitter in: the channel
// the modal was opened from.
func ViewChannel(v ViewSubmission) string {
	switch v.CallbackID {
	case DeclareCallbackID:
		return v.PrivateMetadata
	case EditCallbackID:
		_, ref, _ := strings.Cut(v.PrivateMetadata, " ")
		return parseMsgRef(ref).channel
	}
	return ""
}

// SubmitView carries out a validated submission. Call it after acknowledging.
func (h *Handler) SubmitView(ctx context.Context, v ViewSubmission, r Responder) {
	err := Recover(h.log, "view "+v.CallbackID, func() error {
		switch v.CallbackID {
		case DeclareCallbackID:
			sev, ok := incident.ParseSeverity(v.value(blockSeverity))
			if !ok {
				sev = incident.DefaultSeverity
			}
			full := incident.CleanText(v.value(blockTitle))
			d := incident.Declaration{Severity: sev, Title: incident.Truncate(full, incident.MaxTitle),
				Description: strings.TrimSpace(v.Values[blockDescription][blockDescription])}
			if d.Title != full && d.Description == "" {
				d.Description = full
			}
			inc, err := h.Declare(ctx, v.UserID, d, "slack")
			if err != nil {
				return err
			}
			// A modal has no response_url; tell the declarer in the channel.
			if err := h.slack.Ephemeral(ctx, inc.ChannelID, v.UserID, Message{Text: fmt.Sprintf("You declared *%s*. This channel is its record.", inc.ID())}); err != nil {
				h.log.Warn("confirm declare", "err", err)
			}
			return nil
		case EditCallbackID:
			return h.submitEdit(ctx, v)
		}
		return fmt.Errorf("unknown view callback %q", v.CallbackID)
	})
	if err != nil {
		h.fail(ctx, r, "view "+v.CallbackID, err, "user", v.UserID)
	}
}
