package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// EditCallbackID is the callback_id of the edit-draft modal.
const EditCallbackID = slackui.EditCallbackID

// draftTimeout is the outer bound on writing a draft; the drafter has its own
// tighter timeout and falls back to a template well within it.
const draftTimeout = 90 * time.Second

// maxEvidenceLinks bounds the permalinks looked up for a draft's reviewers.
const maxEvidenceLinks = 12

// Drafter writes drafts from an incident and its log. It always returns a
// draft within its own timeout: when the model is unavailable it falls back to
// a template and says so in Draft.Source and Draft.Reason.
type Drafter interface {
	Draft(ctx context.Context, req incident.DraftRequest) (incident.Draft, error)
}

// DraftStore keeps drafts and what drafting has cost.
type DraftStore interface {
	SaveDraft(ctx context.Context, d incident.Draft) error
	// Draft returns the draft with id, or ErrNotFound.
	Draft(ctx context.Context, id string) (incident.Draft, error)
	// DecideDraft atomically moves a pending draft to state; false when
	// someone else decided first.
	DecideDraft(ctx context.Context, id string, state incident.DraftState, by, finalText string, at time.Time) (bool, error)
	// AddUsage adds model tokens and cost to incident n's tally.
	AddUsage(ctx context.Context, n int64, tokens int, costUSD float64) (float64, error)
	// Usage returns incident n's model tokens and cost so far.
	Usage(ctx context.Context, n int64) (tokens int, costUSD float64, err error)
	Locker
}

// Uploader shares a text file in a channel.
type Uploader interface {
	Upload(ctx context.Context, channelID, filename, title, content string) error
}

// Permalinker links to a message.
type Permalinker interface {
	Permalink(ctx context.Context, channelID, ts string) (string, error)
}

type draftSlack interface {
	Poster
	Updater
	ViewOpener
	Uploader
	Permalinker
}

// Drafts asks the drafter for status updates, postmortems and catch-ups,
// shows them for approval, and publishes only what a person approved.
type Drafts struct {
	incidents *Incidents
	drafter   Drafter // nil: drafting is off, with a clear reply
	store     DraftStore
	slack     draftSlack
	announcer *Announcer
	names     Names
	location  *time.Location
	botUserID string
	replies
	log *slog.Logger
}

var errNoDrafter = incident.Errorf(incident.EUnavailable, "Drafting isn't set up for this bot.")

func (d *Drafts) update(ctx context.Context, c SlashCommand, _ string, _ Responder) error {
	inc, err := d.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	return d.toChannel(ctx, inc, incident.DraftUpdate, c.UserID)
}

// updateClick drafts an update from a reminder's button.
func (d *Drafts) updateClick(ctx context.Context, a BlockAction, _ Responder) error {
	inc, err := d.incidents.ForChannel(ctx, a.ChannelID)
	if err != nil {
		return err
	}
	return d.toChannel(ctx, inc, incident.DraftUpdate, a.UserID)
}

func (d *Drafts) postmortem(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := d.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	if inc.PostmortemID != "" {
		return incident.Errorf(incident.ENoop, "%s already has an approved postmortem; it is the `%s-postmortem.md` file in this channel.", inc.ID(), inc.ID())
	}
	if inc.Active() {
		d.send(ctx, r, slackui.Plain(fmt.Sprintf("%s is still %s; I'll draft from the timeline so far. Draft again after `/incident resolve` for the full story.", inc.ID(), inc.Status)))
	}
	return d.toChannel(ctx, inc, incident.DraftPostmortem, c.UserID)
}

func (d *Drafts) catchup(ctx context.Context, c SlashCommand, _ string, r Responder) error {
	inc, err := d.incidents.ForChannel(ctx, c.ChannelID)
	if err != nil {
		return err
	}
	draft, events, err := d.write(ctx, inc, incident.DraftCatchup, c.UserID)
	if err != nil {
		return err
	}
	// A catch-up is private to the person who asked, so it needs no approval.
	d.send(ctx, r, slackui.Draft(draft, inc, d.evidence(ctx, inc, draft, events), false))
	return nil
}

// write asks the drafter for a draft and counts what it cost.
func (d *Drafts) write(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string) (incident.Draft, []incident.Event, error) {
	if d.drafter == nil {
		return incident.Draft{}, nil, errNoDrafter
	}
	// One draft at a time per incident, on any replica: a double-typed
	// command does not pay twice, and every draft sees what the one before
	// it spent, so the cost cap holds.
	lock := fmt.Sprintf("drafting:%d", inc.Number)
	token, err := d.store.Lock(ctx, lock, draftTimeout+10*time.Second)
	if err != nil {
		return incident.Draft{}, nil, fmt.Errorf("lock drafting for %s: %w", inc.ID(), err)
	}
	if token == "" {
		return incident.Draft{}, nil, incident.Errorf(incident.EConflict, "I'm already writing a draft for %s; it will appear here in a moment.", inc.ID())
	}
	defer d.store.Unlock(context.WithoutCancel(ctx), lock, token)
	events, err := d.incidents.Events(ctx, inc)
	if err != nil {
		return incident.Draft{}, nil, err
	}
	_, spent, err := d.store.Usage(ctx, inc.Number)
	if err != nil {
		return incident.Draft{}, nil, fmt.Errorf("load usage of %s: %w", inc.ID(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, draftTimeout)
	defer cancel()
	req := incident.DraftRequest{Kind: kind, Incident: inc, Events: events, SpentUSD: spent, Now: d.incidents.now(),
		Names: d.names.Map(ctx, people(inc, events)), Location: d.location}
	draft, err := d.drafter.Draft(ctx, req)
	if err != nil {
		return incident.Draft{}, nil, fmt.Errorf("draft %s for %s: %w", kind, inc.ID(), err)
	}
	if draft.Tokens > 0 || draft.CostUSD > 0 {
		if _, err := d.store.AddUsage(ctx, inc.Number, draft.Tokens, draft.CostUSD); err != nil {
			d.log.Error("count usage", "incident", inc.ID(), "err", err)
		}
	}
	draft.ID, draft.Incident, draft.Kind, draft.State = newID(), inc.Number, kind, incident.DraftPending
	draft.CreatedAt, draft.CreatedBy, draft.ChannelID = d.incidents.now(), by, inc.ChannelID
	return draft, events, nil
}

// people lists everyone an incident's record names: role holders, actors,
// and people mentioned in messages.
func people(inc incident.Incident, events []incident.Event) []string {
	ids := []string{inc.DeclaredBy}
	for _, id := range inc.Roles {
		ids = append(ids, id)
	}
	for _, ev := range events {
		ids = append(ids, ev.Actor, ev.Get("user"))
		for _, m := range incident.Mentions(ev.Text) {
			ids = append(ids, m)
		}
	}
	return ids
}

// toChannel writes a draft, keeps it, and shows it in the channel with
// Approve / Edit / Reject. Nothing is published from here.
func (d *Drafts) toChannel(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string) error {
	draft, events, err := d.write(ctx, inc, kind, by)
	if err != nil {
		return err
	}
	if err := d.store.SaveDraft(ctx, draft); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	d.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindDraftCreated, Actor: by, Text: draft.Text,
		Data: map[string]string{"draft": draft.ID, "kind": string(kind), "source": draft.Source, "reason": draft.Reason,
			"model": draft.Model, "prompt_version": draft.PromptVersion, "flags": strings.Join(draft.Flags, "; "),
			"tokens": strconv.Itoa(draft.Tokens)}})
	// The draft is saved before it is shown and never saved again: a click
	// can come the instant the message appears, and a later save would undo
	// the decision. Clicks carry the message's location instead.
	if _, err := d.slack.Post(ctx, inc.ChannelID, slackui.Draft(draft, inc, d.evidence(ctx, inc, draft, events), true)); err != nil {
		return fmt.Errorf("post draft: %w", err)
	}
	return nil
}

// evidence links a draft's citations to the messages they cite, for its
// reviewers. Events that are not messages are listed without a link.
func (d *Drafts) evidence(ctx context.Context, inc incident.Incident, draft incident.Draft, events []incident.Event) []slackui.Evidence {
	if len(draft.Citations) == 0 {
		return nil
	}
	ts := make(map[int]string, len(events))
	for _, ev := range events {
		if ev.Kind == incident.KindMessage && ev.TS != "" {
			ts[int(ev.Seq)] = ev.TS
		}
	}
	var out []slackui.Evidence
	for i, seq := range draft.Citations {
		e := slackui.Evidence{Seq: seq}
		if t, ok := ts[seq]; ok && i < maxEvidenceLinks {
			if link, err := d.slack.Permalink(ctx, inc.ChannelID, t); err == nil {
				e.Link = link
			}
		}
		out = append(out, e)
	}
	return out
}

// loadPending returns the draft with id when userID may decide it.
func (d *Drafts) loadPending(ctx context.Context, id, userID string) (incident.Draft, incident.Incident, error) {
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

func (d *Drafts) approveClick(ctx context.Context, a BlockAction, _ Responder) error {
	return d.approve(ctx, a.Value, a.UserID, "", false, msgRef{a.ChannelID, a.MessageTS})
}

// approve publishes a draft, exactly once however many people click at once:
// the state change in the store is atomic and only its winner publishes. If
// publishing fails the draft is reopened, so someone can approve it again.
func (d *Drafts) approve(ctx context.Context, id, userID, editedText string, edited bool, where msgRef) error {
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
	d.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindDraftApproved, Actor: userID, At: now, Text: final,
		Data: map[string]string{"draft": id, "kind": string(draft.Kind), "edited": strconv.FormatBool(edited), "source": draft.Source}})
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
	return nil
}

// publish sends an approved draft where it belongs. It fails only when
// nothing was published; what follows a successful post is logged.
func (d *Drafts) publish(ctx context.Context, draft incident.Draft, inc incident.Incident) error {
	switch draft.Kind {
	case incident.DraftUpdate:
		if _, err := d.slack.Post(ctx, inc.ChannelID, slackui.StatusUpdate(inc, draft.FinalText, false)); err != nil {
			return fmt.Errorf("publish update of %s: %w", inc.ID(), err)
		}
		d.announcer.Announce(ctx, inc, slackui.StatusUpdate(inc, draft.FinalText, true))
		// The reminder cadence restarts from this update.
		if _, _, err := d.incidents.ChangeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.LastUpdateAt = draft.DecidedAt
			return nil, nil
		}); err != nil {
			d.log.Error("record last update time", "incident", inc.ID(), "err", err)
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
	}
	return nil
}

// setPostmortem moves incident n's postmortem id from "from" to "to" under
// the incident lock, refusing when another postmortem holds the slot.
func (d *Drafts) setPostmortem(ctx context.Context, n int64, from, to string) error {
	_, _, err := d.incidents.ChangeNumber(ctx, n, func(cur *incident.Incident) ([]incident.Event, error) {
		if cur.PostmortemID != from && cur.PostmortemID != to {
			return nil, incident.Errorf(incident.EConflict, "%s already has an approved postmortem; this draft was not published.", cur.ID())
		}
		cur.PostmortemID = to
		return nil, nil
	})
	return err
}

func (d *Drafts) rejectClick(ctx context.Context, a BlockAction, _ Responder) error {
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
		Data: map[string]string{"draft": id, "kind": string(draft.Kind)}})
	d.markDecided(ctx, draft, inc, where)
	return nil
}

// markDecided replaces the draft message's buttons with who decided.
func (d *Drafts) markDecided(ctx context.Context, draft incident.Draft, inc incident.Incident, where msgRef) {
	if where.channel == "" || where.ts == "" {
		return
	}
	var ev []slackui.Evidence
	if len(draft.Citations) > 0 {
		if events, err := d.incidents.Events(ctx, inc); err == nil {
			ev = d.evidence(ctx, inc, draft, events)
		}
	}
	if err := d.slack.Update(ctx, where.channel, where.ts, slackui.Decided(draft, inc, ev)); err != nil {
		d.log.Warn("update draft message", "draft", draft.ID, "err", err)
	}
}

func (d *Drafts) editClick(ctx context.Context, a BlockAction, _ Responder) error {
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
func (d *Drafts) validateEdit(ctx context.Context, v ViewSubmission) map[string]string {
	field := slackui.EditFirstField
	if slackui.EditedText(v.Values) == "" {
		return map[string]string{field: "The text can't be empty. Reject the draft instead if you don't want to publish it."}
	}
	id, _, _ := strings.Cut(v.PrivateMetadata, " ")
	draft, err := d.store.Draft(ctx, id)
	if err == nil && draft.State != incident.DraftPending {
		return map[string]string{field: fmt.Sprintf("This draft was already %s by someone else, so your edit was not published. Copy your text before closing.", draft.State)}
	}
	return nil
}

func (d *Drafts) submitEdit(ctx context.Context, v ViewSubmission, _ Responder) error {
	id, ref, _ := strings.Cut(v.PrivateMetadata, " ")
	return d.approve(ctx, id, v.UserID, slackui.EditedText(v.Values), true, parseMsgRef(ref))
}

// editChannel is where to answer an edit's submitter: the draft's channel.
func editChannel(v ViewSubmission) string {
	_, ref, _ := strings.Cut(v.PrivateMetadata, " ")
	return parseMsgRef(ref).channel
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return "d" + hex.EncodeToString(b[:])
}

// ChangeRatio measures how much a person changed a draft: the word-level edit
// distance divided by the longer text's word count. 0 means untouched, 1
// means rewritten.
func ChangeRatio(before, after string) float64 {
	a, b := strings.Fields(before), strings.Fields(after)
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(max(len(a), len(b)))
}
