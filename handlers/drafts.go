package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Button action_ids: a public contract, kept stable for users' scripts.
const (
	ActionApprove      = "draft_approve"
	ActionEdit         = "draft_edit"
	ActionReject       = "draft_reject"
	ActionDraftUpdate  = "draft_update"
	ActionItemDone     = "action_done"
	ActionShareRunbook = "runbook_share"
)

// EditCallbackID is the callback_id of the edit-draft modal.
const EditCallbackID = "draft_edit_submit"

// blockDraftText prefixes the edit modal's text inputs; a long draft is split
// over several inputs because Slack caps one at 3,000 characters.
const blockDraftText = "draft_text"

// draftTimeout is the outer bound on writing a draft; the drafter has its own
// tighter timeout and falls back to a template well within it.
const draftTimeout = 90 * time.Second

func init() {
	register("update", subcommand{usage: "update", summary: "draft a status update for approval",
		ack: "Drafting a status update…", run: (*Handler).updateCommand})
	register("postmortem", subcommand{usage: "postmortem", summary: "draft the postmortem for approval",
		ack: "Drafting the postmortem…", run: (*Handler).postmortemCommand})
	register("catchup", subcommand{usage: "catchup", summary: "a private summary of the incident so far",
		ack: "Catching you up…", run: (*Handler).catchupCommand})
}

// BlockAction is a button click.
type BlockAction struct {
	UserID    string
	ChannelID string
	MessageTS string
	ActionID  string
	Value     string
	TriggerID string
}

var errNoDrafter = incident.Errorf(incident.EUnavailable, "Drafting isn't set up for this bot.")

func (h *Handler) updateCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	_, err = h.draftToChannel(ctx, inc, incident.DraftUpdate, c.UserID)
	return err
}

func (h *Handler) postmortemCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	if inc.PostmortemID != "" {
		return incident.Errorf(incident.ENoop, "%s already has an approved postmortem; it is the `%s-postmortem.md` file in this channel.", inc.ID(), inc.ID())
	}
	if inc.Active() {
		h.reply(ctx, r, Message{Text: fmt.Sprintf("%s is still %s; I'll draft from the timeline so far. Draft again after `/incident resolve` for the full story.", inc.ID(), inc.Status)})
	}
	_, err = h.draftToChannel(ctx, inc, incident.DraftPostmortem, c.UserID)
	return err
}

func (h *Handler) catchupCommand(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := h.incidentFor(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	d, err := h.writeDraft(ctx, inc, incident.DraftCatchup, c.UserID)
	if err != nil {
		return err
	}
	// A catch-up is private to the person who asked, so it needs no approval.
	msg := draftMessage(d, inc, false)
	h.reply(ctx, r, msg)
	return nil
}

// writeDraft asks the drafter for a draft and counts what it cost.
func (h *Handler) writeDraft(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string) (incident.Draft, error) {
	if h.drafter == nil {
		return incident.Draft{}, errNoDrafter
	}
	// One draft at a time per incident, on any replica: a double-typed
	// command does not pay twice, and every draft sees what the one before
	// it spent, so the cost cap holds.
	lock := fmt.Sprintf("drafting:%d", inc.Number)
	token, err := h.store.Lock(ctx, lock, draftTimeout+10*time.Second)
	if err != nil {
		return incident.Draft{}, fmt.Errorf("lock drafting for %s: %w", inc.ID(), err)
	}
	if token == "" {
		return incident.Draft{}, incident.Errorf(incident.EConflict, "I'm already writing a draft for %s; it will appear here in a moment.", inc.ID())
	}
	defer h.store.Unlock(context.WithoutCancel(ctx), lock, token)
	events, err := h.store.Events(ctx, inc.Number)
	if err != nil {
		return incident.Draft{}, fmt.Errorf("load events of %s: %w", inc.ID(), err)
	}
	_, spent, err := h.store.Usage(ctx, inc.Number)
	if err != nil {
		return incident.Draft{}, fmt.Errorf("load usage of %s: %w", inc.ID(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, draftTimeout)
	defer cancel()
	d, err := h.drafter.Draft(ctx, incident.DraftRequest{Kind: kind, Incident: inc, Events: events, SpentUSD: spent, Now: h.now()})
	if err != nil {
		return incident.Draft{}, fmt.Errorf("draft %s for %s: %w", kind, inc.ID(), err)
	}
	if d.Tokens > 0 || d.CostUSD > 0 {
		if _, err := h.store.AddUsage(ctx, inc.Number, d.Tokens, d.CostUSD); err != nil {
			h.log.Error("count usage", "incident", inc.ID(), "err", err)
		}
	}
	d.ID, d.Incident, d.Kind, d.State = newID(), inc.Number, kind, incident.DraftPending
	d.CreatedAt, d.CreatedBy, d.ChannelID = h.now(), by, inc.ChannelID
	return d, nil
}

// draftToChannel writes a draft, keeps it, and shows it in the channel with
// Approve / Edit / Reject. Nothing is published from here.
func (h *Handler) draftToChannel(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string) (incident.Draft, error) {
	d, err := h.writeDraft(ctx, inc, kind, by)
	if err != nil {
		return d, err
	}
	if err := h.store.SaveDraft(ctx, d); err != nil {
		return d, fmt.Errorf("save draft: %w", err)
	}
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindDraftCreated, Actor: by, Text: d.Text,
		Data: map[string]string{"draft": d.ID, "kind": string(kind), "source": d.Source, "reason": d.Reason,
			"model": d.Model, "prompt_version": d.PromptVersion, "flags": strings.Join(d.Flags, "; "),
			"tokens": strconv.Itoa(d.Tokens)}})
	// The draft is saved before it is shown and never saved again: a click
	// can come the instant the message appears, and a later save would undo
	// the decision. Clicks carry the message's location instead.
	ts, err := h.slack.Post(ctx, inc.ChannelID, draftMessage(d, inc, true))
	if err != nil {
		return d, fmt.Errorf("post draft: %w", err)
	}
	d.MessageTS = ts
	return d, nil
}

func kindLabel(k incident.DraftKind) string {
	switch k {
	case incident.DraftPostmortem:
		return "postmortem"
	case incident.DraftCatchup:
		return "catch-up"
	}
	return "status update"
}

// draftMessage renders a draft; withButtons adds Approve / Edit / Reject.
func draftMessage(d incident.Draft, inc incident.Incident, withButtons bool) Message {
	head := fmt.Sprintf(":robot_face: *AI draft* — %s for %s", kindLabel(d.Kind), inc.ID())
	if d.Source != "llm" {
		head = fmt.Sprintf(":memo: *Template draft* — %s for %s", kindLabel(d.Kind), inc.ID())
		if d.Reason != "" {
			head += fmt.Sprintf(" (the AI was not used: %s)", d.Reason)
		}
	}
	blocks := []slack.Block{section(incident.Truncate(head, maxSectionText))}
	body := sections(safe(Mrkdwn(d.Text)))
	if len(body) > maxBlocks-6 {
		body = append(body[:maxBlocks-7], contextBlock("…the draft continues; the full text is kept and published in full when approved."))
	}
	blocks = append(blocks, body...)
	if len(d.Flags) > 0 {
		blocks = append(blocks, contextBlock(":warning: *Check before approving:* "+strings.Join(d.Flags, " · ")))
	}
	var meta []string
	if d.Model != "" {
		meta = append(meta, "model "+d.Model)
	}
	if d.PromptVersion != "" {
		meta = append(meta, "prompt "+d.PromptVersion)
	}
	if len(d.Citations) > 0 {
		var refs []string
		for _, c := range d.Citations {
			refs = append(refs, "E"+strconv.Itoa(c))
		}
		meta = append(meta, "cites "+incident.Truncate(strings.Join(refs, ", "), 300))
	}
	if withButtons {
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
	return Message{Text: incident.Truncate(head, maxFallback), Blocks: blocks}
}

// Action carries out a button click. Call it after acknowledging.
func (h *Handler) Action(ctx context.Context, a BlockAction, r Responder) {
	err := Recover(h.log, "action "+a.ActionID, func() error {
		switch a.ActionID {
		case ActionApprove:
			return h.approve(ctx, a.Value, a.UserID, "", false, msgRef{a.ChannelID, a.MessageTS})
		case ActionReject:
			return h.reject(ctx, a.Value, a.UserID, msgRef{a.ChannelID, a.MessageTS})
		case ActionEdit:
			return h.openEdit(ctx, a)
		case ActionDraftUpdate:
			inc, err := h.incidentFor(ctx, a.ChannelID)
			if err != nil {
				return err
			}
			_, err = h.draftToChannel(ctx, inc, incident.DraftUpdate, a.UserID)
			return err
		case ActionItemDone:
			return h.actionDone(ctx, a, r)
		case ActionShareRunbook:
			return h.shareRunbook(ctx, a, r)
		}
		return incident.Errorf(incident.EInvalid, "That button is no longer supported. Run the command again.")
	})
	if err != nil {
		h.fail(ctx, r, "action "+a.ActionID, err, "user", a.UserID, "value", a.Value)
	}
}

// loadPending returns the draft with id when userID may decide it.
func (h *Handler) loadPending(ctx context.Context, id, userID string) (incident.Draft, incident.Incident, error) {
	if userID == "" || userID == h.cfg.BotUserID {
		return incident.Draft{}, incident.Incident{}, incident.Errorf(incident.EForbidden, "Only a person can approve a draft.")
	}
	d, err := h.store.Draft(ctx, id)
	if isNotFound(err) {
		return d, incident.Incident{}, incident.Errorf(incident.ENotFound, "I can't find that draft any more. Run `/incident update` for a fresh one.")
	}
	if err != nil {
		return d, incident.Incident{}, fmt.Errorf("load draft %s: %w", id, err)
	}
	inc, err := h.store.Incident(ctx, d.Incident)
	if err != nil {
		return d, inc, fmt.Errorf("load incident %d: %w", d.Incident, err)
	}
	if d.State != incident.DraftPending {
		return d, inc, alreadyDecided(d)
	}
	return d, inc, nil
}

func alreadyDecided(d incident.Draft) error {
	return incident.Errorf(incident.EConflict, "This draft was already %s by %s.", d.State, user(d.DecidedBy))
}

// msgRef locates the draft message a decision came from.
type msgRef struct{ channel, ts string }

func (r msgRef) String() string { return r.channel + "/" + r.ts }

func parseMsgRef(s string) msgRef {
	ch, ts, _ := strings.Cut(s, "/")
	return msgRef{ch, ts}
}

// approve publishes a draft, exactly once however many people click at once:
// the state change in the store is atomic and only its winner publishes. If
// publishing fails the draft is reopened, so someone can approve it again.
func (h *Handler) approve(ctx context.Context, id, userID, editedText string, edited bool, where msgRef) error {
	d, inc, err := h.loadPending(ctx, id, userID)
	if err != nil {
		return err
	}
	final := d.Text
	if edited {
		final = editedText
	}
	now := h.now()
	won, err := h.store.DecideDraft(ctx, id, incident.DraftApproved, userID, final, now)
	if err != nil {
		return fmt.Errorf("approve draft %s: %w", id, err)
	}
	if !won {
		d, err := h.store.Draft(ctx, id)
		if err != nil {
			return fmt.Errorf("reload draft %s: %w", id, err)
		}
		return alreadyDecided(d)
	}
	pending := d
	d.State, d.DecidedBy, d.DecidedAt, d.FinalText = incident.DraftApproved, userID, now, final
	if err := h.publish(ctx, d, inc); err != nil {
		if rerr := h.store.SaveDraft(context.WithoutCancel(ctx), pending); rerr != nil {
			h.log.Error("reopen draft after failed publish", "draft", id, "err", rerr)
		}
		if incident.ErrorCode(err) != incident.EInternal {
			return err
		}
		h.log.Error("publish draft", "draft", id, "incident", inc.ID(), "err", err)
		return incident.Errorf(incident.EUnavailable, "I couldn't publish the %s just now, so the draft is still open. Please click Approve again in a moment.", kindLabel(d.Kind))
	}
	if edited {
		ratio := ChangeRatio(d.Text, final)
		h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindDraftEdited, Actor: userID, At: now, Text: final,
			Data: map[string]string{"draft": id, "before": d.Text, "change_ratio": strconv.FormatFloat(ratio, 'f', 3, 64)}})
	}
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindDraftApproved, Actor: userID, At: now, Text: final,
		Data: map[string]string{"draft": id, "kind": string(d.Kind), "edited": strconv.FormatBool(edited), "source": d.Source}})
	if d.Kind == incident.DraftPostmortem {
		for i, it := range d.ActionItems {
			if it.ID == "" {
				it.ID = strconv.Itoa(i + 1)
			}
			h.recordQuietly(ctx, inc, incident.ActionItemEvent(incident.ActionAdd, it, userID, now))
		}
		if len(d.ActionItems) > 0 {
			h.post(ctx, inc.ChannelID, fmt.Sprintf(":clipboard: %d action item(s) are now tracked: `/incident actions` lists them.", len(d.ActionItems)))
		}
	}
	h.markDecided(ctx, d, inc, where, fmt.Sprintf(":white_check_mark: Approved by %s", user(userID)))
	return nil
}

// publish sends an approved draft where it belongs. It fails only when
// nothing was published; what follows a successful post is logged.
func (h *Handler) publish(ctx context.Context, d incident.Draft, inc incident.Incident) error {
	switch d.Kind {
	case incident.DraftUpdate:
		text := fmt.Sprintf(":mega: *Status update — %s* (%s, %s)\n%s", inc.ID(), inc.Severity, inc.Status, safe(Mrkdwn(d.FinalText)))
		if _, err := h.slack.Post(ctx, inc.ChannelID, textMessage(text)); err != nil {
			return fmt.Errorf("publish update of %s: %w", inc.ID(), err)
		}
		h.announce(ctx, textMessage(text+fmt.Sprintf("\n<#%s>", inc.ChannelID)))
		// The reminder cadence restarts from this update.
		if _, _, err := h.changeIncident(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.LastUpdateAt = d.DecidedAt
			return nil, nil
		}); err != nil {
			h.log.Error("record last update time", "incident", inc.ID(), "err", err)
		}
		return nil
	case incident.DraftPostmortem:
		// Claim the incident's one postmortem before uploading, so two
		// approved drafts can never both be published.
		if err := h.setPostmortem(ctx, inc.Number, "", d.ID); err != nil {
			return err
		}
		name := inc.ID() + "-postmortem.md"
		if err := h.slack.Upload(ctx, inc.ChannelID, name, inc.ID()+" postmortem", d.FinalText); err != nil {
			if uerr := h.setPostmortem(context.WithoutCancel(ctx), inc.Number, d.ID, ""); uerr != nil {
				h.log.Error("release postmortem claim", "incident", inc.ID(), "err", uerr)
			}
			return fmt.Errorf("upload postmortem of %s: %w", inc.ID(), err)
		}
		h.announce(ctx, textMessage(fmt.Sprintf(":page_facing_up: The postmortem for *%s* (%s) is published in <#%s>.", inc.ID(), escape(inc.Title), inc.ChannelID)))
	}
	return nil
}

// setPostmortem moves incident n's postmortem id from "from" to "to" under
// the incident lock, refusing when another postmortem holds the slot.
func (h *Handler) setPostmortem(ctx context.Context, n int64, from, to string) error {
	_, _, err := h.changeIncident(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
		if cur.PostmortemID != from && cur.PostmortemID != to {
			return nil, incident.Errorf(incident.EConflict, "%s already has an approved postmortem; this draft was not published.", cur.ID())
		}
		cur.PostmortemID = to
		return nil, nil
	})
	return err
}

func (h *Handler) reject(ctx context.Context, id, userID string, where msgRef) error {
	d, inc, err := h.loadPending(ctx, id, userID)
	if err != nil {
		return err
	}
	now := h.now()
	won, err := h.store.DecideDraft(ctx, id, incident.DraftRejected, userID, "", now)
	if err != nil {
		return fmt.Errorf("reject draft %s: %w", id, err)
	}
	if !won {
		d, _ = h.store.Draft(ctx, id)
		return alreadyDecided(d)
	}
	d.State, d.DecidedBy, d.DecidedAt = incident.DraftRejected, userID, now
	h.recordQuietly(ctx, inc, incident.Event{Kind: incident.KindDraftRejected, Actor: userID, At: now,
		Data: map[string]string{"draft": id, "kind": string(d.Kind)}})
	h.markDecided(ctx, d, inc, where, fmt.Sprintf(":x: Rejected by %s", user(userID)))
	return nil
}

// markDecided replaces the draft message's buttons with who decided.
func (h *Handler) markDecided(ctx context.Context, d incident.Draft, inc incident.Incident, where msgRef, line string) {
	if where.channel == "" || where.ts == "" {
		return
	}
	msg := draftMessage(d, inc, false)
	msg.Blocks = append(msg.Blocks, contextBlock(line))
	msg.Text = line + " — " + msg.Text
	if err := h.slack.Update(ctx, where.channel, where.ts, msg); err != nil {
		h.log.Warn("update draft message", "draft", d.ID, "err", err)
	}
}

func (h *Handler) openEdit(ctx context.Context, a BlockAction) error {
	d, _, err := h.loadPending(ctx, a.Value, a.UserID)
	if err != nil {
		return err
	}
	parts := cutText(d.Text, maxSectionText)
	var blocks []slack.Block
	for i, part := range parts {
		in := slack.NewPlainTextInputBlockElement(nil, fmt.Sprintf("%s_%d", blockDraftText, i))
		in.Multiline, in.InitialValue, in.MaxLength = true, part, maxSectionText
		label := "Text"
		if len(parts) > 1 {
			label = fmt.Sprintf("Text, part %d of %d", i+1, len(parts))
		}
		blk := slack.NewInputBlock(fmt.Sprintf("%s_%d", blockDraftText, i), plain(label), nil, in)
		blk.Optional = i > 0
		blocks = append(blocks, blk)
	}
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: EditCallbackID, PrivateMetadata: d.ID + " " + msgRef{a.ChannelID, a.MessageTS}.String(),
		Title: plain("Edit " + kindLabel(d.Kind)), Submit: plain("Publish"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
	if err := h.slack.OpenView(ctx, a.TriggerID, view); err != nil {
		return fmt.Errorf("open edit modal: %w", err)
	}
	return nil
}

// editedText joins the edit modal's parts back into one text.
func (v ViewSubmission) editedText() string {
	var parts []string
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s_%d", blockDraftText, i)
		vals, ok := v.Values[id]
		if !ok {
			break
		}
		parts = append(parts, vals[id])
	}
	// The parts were cut without dropping a character, so they join back
	// exactly.
	return strings.TrimSpace(strings.Join(parts, ""))
}

func (h *Handler) submitEdit(ctx context.Context, v ViewSubmission) error {
	id, ref, _ := strings.Cut(v.PrivateMetadata, " ")
	return h.approve(ctx, id, v.UserID, v.editedText(), true, parseMsgRef(ref))
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return "d" + hex.EncodeToString(b[:])
}
