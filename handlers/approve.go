package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

type approvalSlack interface {
	Poster
	Updater
	ViewOpener
	Uploader
}

// Approvals publishes a draft only when a person approves it (as written or
// edited), exactly once however many click, or closes it on Reject.
type Approvals struct {
	incidents *Incidents
	store     DraftStore
	slack     approvalSlack
	headers   Headers
	listeners Listener
	evidence  Evidence
	announcer *Announcer
	public    *Public
	botUserID string
	log       *slog.Logger
}

// loadPending returns the draft with id when userID may decide it.
func (d *Approvals) loadPending(ctx context.Context, id, userID string) (incident.Draft, incident.Incident, error) {
	if userID == "" || userID == d.botUserID {
		return incident.Draft{}, incident.Incident{}, incident.Errorf(incident.EForbidden, "Only a person can approve a draft.")
	}
	draft, err := d.store.Draft(ctx, id)
	if isNotFound(err) {
		return draft, incident.Incident{}, incident.Errorf(incident.ENotFound, "I can't find that draft any more. Run `/incident update` for a fresh one.")
	}
	if err != nil {
		return draft, incident.Incident{}, fmt.Errorf("load draft %s: %w", id, err)
	}
	inc, err := d.incidents.Get(ctx, draft.Incident)
	if err != nil {
		return draft, inc, err
	}
	if draft.State != incident.DraftPending {
		return draft, inc, alreadyDecided(draft)
	}
	return draft, inc, nil
}

func alreadyDecided(d incident.Draft) error {
	return incident.Errorf(incident.EConflict, "This draft was already %s by %s.", d.State, slackui.Mention(d.DecidedBy))
}

// msgRef locates the draft message a decision came from.
type msgRef struct{ channel, ts string }

func (r msgRef) String() string { return r.channel + "/" + r.ts }

func parseMsgRef(s string) msgRef {
	ch, ts, _ := strings.Cut(s, "/")
	return msgRef{ch, ts}
}

func (d *Approvals) approveClick(ctx context.Context, a BlockAction, _ Responder) error {
	return d.approve(ctx, a.Value, a.UserID, "", false, msgRef{a.ChannelID, a.MessageTS})
}

// approve publishes a draft, exactly once however many people click at once:
// the state change in the store is atomic and only its winner publishes. If
// publishing fails the draft is reopened, so someone can approve it again.
func (d *Approvals) approve(ctx context.Context, id, userID, editedText string, edited bool, where msgRef) error {
	draft, inc, err := d.loadPending(ctx, id, userID)
	if err != nil {
		return err
	}
	final := draft.Text
	if edited {
		final = editedText
	}
	now := d.incidents.now()
	won, err := d.store.DecideDraft(ctx, id, incident.DraftApproved, userID, final, now)
	if err != nil {
		return fmt.Errorf("approve draft %s: %w", id, err)
	}
	if !won {
		cur, err := d.store.Draft(ctx, id)
		if err != nil {
			return fmt.Errorf("reload draft %s: %w", id, err)
		}
		return alreadyDecided(cur)
	}
	pending := draft
	draft.State, draft.DecidedBy, draft.DecidedAt, draft.FinalText = incident.DraftApproved, userID, now, final
	if err := d.publish(ctx, draft, inc); err != nil {
		if rerr := d.store.SaveDraft(context.WithoutCancel(ctx), pending); rerr != nil {
			d.log.Error("reopen draft after failed publish", "draft", id, "err", rerr)
		}
		if incident.ErrorCode(err) != incident.EInternal {
			return err
		}
		d.log.Error("publish draft", "draft", id, "incident", inc.ID(), "err", err)
		return incident.Errorf(incident.EUnavailable, "I couldn't publish the %s just now, so the draft is still open. Please click Approve again in a moment.", slackui.KindLabel(draft.Kind))
	}
	if edited {
		ratio := ChangeRatio(draft.Text, final)
		d.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindDraftEdited, Actor: userID, At: now, Text: final,
			Data: map[string]string{"draft": id, "before": draft.Text, "change_ratio": strconv.FormatFloat(ratio, 'f', 3, 64)}})
	}
	approved, err := d.incidents.Record(ctx, inc.Number, incident.Event{Kind: incident.KindDraftApproved, Actor: userID, At: now, Text: final,
		Data: map[string]string{"draft": id, "kind": string(draft.Kind), "edited": strconv.FormatBool(edited), "source": draft.Source}})
	if err != nil {
		d.log.Error("record", "incident", inc.ID(), "kind", incident.KindDraftApproved, "err", err)
	}
	if draft.Kind == incident.DraftPostmortem {
		for i, it := range draft.ActionItems {
			if it.ID == "" {
				it.ID = strconv.Itoa(i + 1)
			}
			d.incidents.Note(ctx, inc, incident.ActionItemEvent(incident.ActionAdd, it, userID, now))
		}
		if len(draft.ActionItems) > 0 {
			d.incidents.Say(ctx, inc.ChannelID, fmt.Sprintf(":clipboard: %d action item(s) are now tracked: `/incident actions` lists them.", len(draft.ActionItems)))
		}
	}
	d.markDecided(ctx, draft, inc, where)
	if trigger, ok := approvedTriggers[draft.Kind]; ok && approved.Seq > 0 {
		cur, err := d.incidents.Get(ctx, inc.Number)
		if err != nil {
			d.log.Error("reload after approval", "incident", inc.ID(), "err", err)
			cur = inc
		}
		d.listeners.Changed(ctx, Change{Trigger: trigger, Before: inc, After: cur, Actor: userID, Event: approved})
	}
	return nil
}

// approvedTriggers are what approving each kind of draft tells listeners.
var approvedTriggers = map[incident.DraftKind]Trigger{
	incident.DraftUpdate:     UpdateApproved,
	incident.DraftPostmortem: PostmortemApproved,
}

// publish sends an approved draft where it belongs. It fails only when
// nothing was published; what follows a successful post is logged.
func (d *Approvals) publish(ctx context.Context, draft incident.Draft, inc incident.Incident) error {
	switch draft.Kind {
	case incident.DraftUpdate:
		if _, err := d.slack.Post(ctx, inc.ChannelID, slackui.StatusUpdate(inc, draft.FinalText, false)); err != nil {
			return fmt.Errorf("publish update of %s: %w", inc.ID(), err)
		}
		d.announcer.Announce(ctx, inc, slackui.StatusUpdate(inc, draft.FinalText, true))
		// The reminder cadence restarts from this update, and the team has
		// been told.
		var told bool
		logged, err := d.incidents.changeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.LastUpdateAt = draft.DecidedAt
			ev, err := cur.Record.MarkComm(incident.CommTeam, draft.DecidedBy, draft.DecidedAt)
			if err != nil {
				return nil, nil // already marked: keep the first
			}
			told = true
			return []incident.Event{ev}, nil
		})
		if err != nil {
			d.log.Error("record last update time", "incident", inc.ID(), "err", err)
		} else if told {
			d.headers.Show(ctx, logged.After)
			d.listeners.Changed(ctx, changedBy(CommsSent, logged, draft.DecidedBy))
		}
		return nil
	case incident.DraftPostmortem:
		// Claim the incident's one postmortem before uploading, so two
		// approved drafts can never both be published.
		if err := d.setPostmortem(ctx, inc.Number, "", draft.ID); err != nil {
			return err
		}
		name := inc.ID() + "-postmortem.md"
		if err := d.slack.Upload(ctx, inc.ChannelID, name, inc.ID()+" postmortem", draft.FinalText); err != nil {
			if uerr := d.setPostmortem(context.WithoutCancel(ctx), inc.Number, draft.ID, ""); uerr != nil {
				d.log.Error("release postmortem claim", "incident", inc.ID(), "err", uerr)
			}
			return fmt.Errorf("upload postmortem of %s: %w", inc.ID(), err)
		}
		d.announcer.Announce(ctx, inc, slackui.AnnouncePostmortem(inc))
		if cur, err := d.incidents.Get(ctx, inc.Number); err == nil {
			d.headers.Show(ctx, cur)
		}
	case incident.DraftPublic:
		return d.public.publish(ctx, draft, inc)
	}
	return nil
}

// setPostmortem moves incident n's postmortem id from "from" to "to" under
// the incident lock, refusing when another postmortem holds the slot.
func (d *Approvals) setPostmortem(ctx context.Context, n int64, from, to string) error {
	_, _, err := d.incidents.ChangeNumber(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
		if cur.PostmortemID != from && cur.PostmortemID != to {
			return nil, incident.Errorf(incident.EConflict, "%s already has an approved postmortem; this draft was not published.", cur.ID())
		}
		cur.PostmortemID = to
		return nil, nil
	})
	return err
}

func (d *Approvals) rejectClick(ctx context.Context, a BlockAction, _ Responder) error {
	id, where := a.Value, msgRef{a.ChannelID, a.MessageTS}
	draft, inc, err := d.loadPending(ctx, id, a.UserID)
	if err != nil {
		return err
	}
	now := d.incidents.now()
	won, err := d.store.DecideDraft(ctx, id, incident.DraftRejected, a.UserID, "", now)
	if err != nil {
		return fmt.Errorf("reject draft %s: %w", id, err)
	}
	if !won {
		cur, _ := d.store.Draft(ctx, id)
		return alreadyDecided(cur)
	}
	draft.State, draft.DecidedBy, draft.DecidedAt = incident.DraftRejected, a.UserID, now
	d.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindDraftRejected, Actor: a.UserID, At: now,
		Data: map[string]string{"draft": id, "kind": string(draft.Kind), "source": draft.Source}})
	d.markDecided(ctx, draft, inc, where)
	return nil
}

// markDecided replaces the draft message's buttons with who decided.
func (d *Approvals) markDecided(ctx context.Context, draft incident.Draft, inc incident.Incident, where msgRef) {
	if where.channel == "" || where.ts == "" {
		return
	}
	var ev []slackui.Evidence
	if len(draft.Citations) > 0 {
		if events, err := d.incidents.Events(ctx, inc); err == nil {
			ev = d.evidence.links(ctx, inc, draft, events)
		}
	}
	if err := d.slack.Update(ctx, where.channel, where.ts, slackui.Decided(draft, inc, ev)); err != nil {
		d.log.Warn("update draft message", "draft", draft.ID, "err", err)
	}
}

func (d *Approvals) editClick(ctx context.Context, a BlockAction, _ Responder) error {
	draft, _, err := d.loadPending(ctx, a.Value, a.UserID)
	if err != nil {
		return err
	}
	meta := draft.ID + " " + msgRef{a.ChannelID, a.MessageTS}.String()
	if err := d.slack.OpenView(ctx, a.TriggerID, slackui.EditModal(draft, meta)); err != nil {
		return fmt.Errorf("open edit modal: %w", err)
	}
	return nil
}

// validateEdit checks an edit before it is acknowledged: an empty text, or
// a draft someone else decided meanwhile, is a field error in the modal so
// the person's text is not lost.
func (d *Approvals) validateEdit(ctx context.Context, v ViewSubmission) map[string]string {
	field := slackui.EditFirstField
	if slackui.EditedText(v.Values) == "" {
		return map[string]string{field: "The text can't be empty. Reject the draft instead if you don't want to publish it."}
	}
	id, _, _ := strings.Cut(v.PrivateMetadata, " ")
	draft, err := d.store.Draft(ctx, id)
	if err == nil && draft.State != incident.DraftPending {
		return map[string]string{field: fmt.Sprintf("This draft was already %s by someone else, so your edit was not published. Copy your text before closing.", draft.State)}
	}
	if err == nil && draft.Kind == incident.DraftPublic {
		return d.validatePublic(ctx, draft, slackui.EditedText(v.Values))
	}
	return nil
}

// validatePublic checks an edited customer update: it needs a headline,
// and what the checks find is shown once before it goes public; submitting
// the same text again publishes it as written.
func (d *Approvals) validatePublic(ctx context.Context, draft incident.Draft, text string) map[string]string {
	field := slackui.EditFirstField
	if headline, _ := incident.SplitPublic(text); headline == "" {
		return map[string]string{field: "Put the headline customers should see on the first line."}
	}
	inc, err := d.incidents.Get(ctx, draft.Incident)
	if err != nil {
		return nil // the submission reports it
	}
	flags := d.public.flags(ctx, inc, draft, text)
	if len(flags) == 0 {
		return nil
	}
	// The lock records that this exact text was shown its warnings, on
	// whichever replica the second submission lands.
	sum := sha256.Sum256([]byte(text))
	token, err := d.store.Lock(ctx, "public-warned:"+draft.ID+":"+hex.EncodeToString(sum[:8]), time.Hour)
	if err != nil || token == "" {
		return nil
	}
	return map[string]string{field: incident.Truncate("Customers will read this. "+strings.Join(flags, " ")+" Change it, or submit again to publish it as written.", 2000)}
}

func (d *Approvals) submitEdit(ctx context.Context, v ViewSubmission, _ Responder) error {
	id, ref, _ := strings.Cut(v.PrivateMetadata, " ")
	return d.approve(ctx, id, v.UserID, slackui.EditedText(v.Values), true, parseMsgRef(ref))
}

// editChannel is where to answer an edit's submitter: the draft's channel.
func editChannel(v ViewSubmission) string {
	_, ref, _ := strings.Cut(v.PrivateMetadata, " ")
	return parseMsgRef(ref).channel
}
