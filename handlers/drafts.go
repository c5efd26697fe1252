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

// DetailsCallbackID is the callback_id of the incident details modal.
const DetailsCallbackID = slackui.DetailsCallbackID

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

// Drafts asks the drafter for status updates, postmortems and catch-ups and
// shows them to their reviewers. Nothing is published from here: see
// Approvals.
type Drafts struct {
	incidents *Incidents
	drafter   Drafter // nil: drafting is off, with a clear reply
	store     DraftStore
	slack     Poster
	headers   Headers
	cadence   func() map[incident.Severity]time.Duration
	evidence  Evidence
	names     Names
	location  *time.Location
	replies
	log *slog.Logger
}

// Evidence links a draft's citations to the messages they cite, for its
// reviewers.
type Evidence struct{ slack Permalinker }

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
	draft, events, err := d.write(ctx, inc, incident.DraftCatchup, c.UserID, nil)
	if err != nil {
		return err
	}
	// A catch-up is private to the person who asked, so it needs no approval.
	d.send(ctx, r, slackui.Draft(draft, inc, d.evidence.links(ctx, inc, draft, events), false))
	return nil
}

// write asks the drafter for a draft and counts what it cost; pub is set
// for customer updates.
func (d *Drafts) write(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string, pub *incident.PublicContext) (incident.Draft, []incident.Event, error) {
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
		Names: d.names.Map(ctx, people(inc, events)), Location: d.location, Cadence: d.cadence(), Public: pub}
	if inc.CadenceSet {
		req.Cadence[inc.Severity] = inc.Cadence
	}
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
	if pub != nil {
		draft.Status = pub.Status
	}
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
	return d.toChannelWith(ctx, inc, kind, by, nil)
}

// toChannelWith is toChannel with what a customer update may say.
func (d *Drafts) toChannelWith(ctx context.Context, inc incident.Incident, kind incident.DraftKind, by string, pub *incident.PublicContext) error {
	draft, events, err := d.write(ctx, inc, kind, by, pub)
	if err != nil {
		return err
	}
	if err := d.store.SaveDraft(ctx, draft); err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	d.incidents.Note(ctx, inc, incident.Event{Kind: incident.KindDraftCreated, Actor: by, Text: draft.Text,
		Data: map[string]string{"draft": draft.ID, "kind": string(kind), "source": draft.Source, "reason": draft.Reason,
			"model": draft.Model, "prompt_version": draft.PromptVersion, "flags": strings.Join(draft.Flags, "; "),
			"tokens": strconv.Itoa(draft.Tokens), "status": string(draft.Status)}})
	if kind == incident.DraftPostmortem && !inc.PostmortemDrafted {
		if _, cur, err := d.incidents.ChangeNumber(ctx, inc.Number, func(cur *incident.Incident) ([]incident.Event, error) {
			cur.PostmortemDrafted = true
			return nil, nil
		}); err != nil {
			d.log.Error("record postmortem drafted", "incident", inc.ID(), "err", err)
		} else {
			d.headers.Show(ctx, cur)
		}
	}
	// The draft is saved before it is shown and never saved again: a click
	// can come the instant the message appears, and a later save would undo
	// the decision. Clicks carry the message's location instead.
	if _, err := d.slack.Post(ctx, inc.ChannelID, slackui.Draft(draft, inc, d.evidence.links(ctx, inc, draft, events), true)); err != nil {
		return fmt.Errorf("post draft: %w", err)
	}
	return nil
}

// links lists a draft's citations, with a link to each cited message; events
// that are not messages are listed without one.
func (x Evidence) links(ctx context.Context, inc incident.Incident, draft incident.Draft, events []incident.Event) []slackui.Evidence {
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
			if link, err := x.slack.Permalink(ctx, inc.ChannelID, t); err == nil {
				e.Link = link
			}
		}
		out = append(out, e)
	}
	return out
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
