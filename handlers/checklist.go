package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// ChecklistSource holds the checklists that can be attached by name: the
// config file's `checklists:`, as the file stands now (it reloads).
type ChecklistSource interface {
	Checklist(name string) (incident.Checklist, bool)
	Names() []string
}

// checklistCatalog is the file's checklists with the built-in comms list
// beside them, so comms works without a file; a list the file names comms
// wins over the built-in one.
type checklistCatalog struct{ file ChecklistSource } // file may be nil

func (c checklistCatalog) Checklist(name string) (incident.Checklist, bool) {
	if c.file != nil {
		if l, ok := c.file.Checklist(name); ok {
			return l, true
		}
	}
	if name == incident.CommsChecklist.Name {
		return incident.CommsChecklist, true
	}
	return incident.Checklist{}, false
}

func (c checklistCatalog) Names() []string {
	names := []string{incident.CommsChecklist.Name}
	if c.file != nil {
		names = append(names, c.file.Names()...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

type checklistSlack interface {
	Poster
	Updater
}

// Checklists attaches checklists to incidents and shows them in the
// channel as checkboxes, updated in place. Attaching, ticking, unticking
// and skipping are events on the log with who and when; the message is a
// view of them. The message's ts is on the log too (a posted event), so
// anything that changes a list can find its message.
type Checklists struct {
	incidents *Incidents
	source    checklistCatalog
	slack     checklistSlack
	log       *slog.Logger
}

// Attach records list on inc and posts it in the incident's channel. A
// list already attached is left alone and nil returned: a workflow may run
// twice.
func (c *Checklists) Attach(ctx context.Context, inc incident.Incident, list incident.Checklist, by string) error {
	_, err := c.attach(ctx, inc.Number, list, by)
	if incident.ErrorCode(err) == incident.ENoop {
		return nil
	}
	return err
}

// attach records list under the incident's lock and posts it. When the
// list is already attached it returns that one and an ENoop error.
func (c *Checklists) attach(ctx context.Context, n int64, list incident.Checklist, by string) (incident.AttachedChecklist, error) {
	if len(list.Items) == 0 {
		return incident.AttachedChecklist{}, incident.Errorf(incident.EInvalid,
			"The %s checklist has no items. Give it some in the config file's `checklists:`.", slackui.Escape(list.Name))
	}
	var attached incident.AttachedChecklist
	logged, err := c.incidents.changeNumber(ctx, n, func(inc *incident.Incident) ([]incident.Event, error) {
		events, err := c.incidents.Events(ctx, *inc)
		if err != nil {
			return nil, err
		}
		if cur, ok := incident.FindChecklist(incident.Checklists(events), list.Name); ok {
			attached = cur
			return nil, incident.Errorf(incident.ENoop,
				"The %s checklist is already attached: tick its items in the channel, or `/incident checklist` to see where it stands.", slackui.Escape(list.Name))
		}
		return []incident.Event{incident.AttachEvent(list, by, c.incidents.now())}, nil
	})
	if err != nil {
		return attached, err
	}
	attached, _ = incident.FindChecklist(incident.Checklists(logged.Events), list.Name)
	return attached, c.post(ctx, logged.After, attached)
}

// post shows list in the channel and records where.
func (c *Checklists) post(ctx context.Context, inc incident.Incident, list incident.AttachedChecklist) error {
	ts, err := c.slack.Post(ctx, inc.ChannelID, slackui.Checklist(list))
	if err != nil {
		return fmt.Errorf("post the %s checklist of %s: %w", list.Name, inc.ID(), err)
	}
	c.incidents.Note(ctx, inc, incident.PostedEvent(list.Name, ts, c.incidents.now()))
	return nil
}

// command is `/incident checklist [add <name>]`.
func (c *Checklists) command(ctx context.Context, cmd SlashCommand, args string, r Responder) error {
	sub, name, _ := strings.Cut(strings.TrimSpace(args), " ")
	switch strings.ToLower(sub) {
	case "":
		return c.show(ctx, cmd.ChannelID, r)
	case "add":
		return c.add(ctx, cmd, strings.TrimSpace(name))
	}
	return incident.Errorf(incident.EInvalid, "Use `/incident checklist` to see the checklists, or `/incident checklist add <name>` to attach one (%s).",
		strings.Join(c.source.Names(), ", "))
}

func (c *Checklists) add(ctx context.Context, cmd SlashCommand, name string) error {
	list, ok := c.source.Checklist(name)
	if !ok {
		return incident.Errorf(incident.ENotFound, "%s", slackui.UnknownChecklist(name, c.source.Names()))
	}
	inc, err := c.incidents.ForChannel(ctx, cmd.ChannelID)
	if err != nil {
		return err
	}
	attached, err := c.attach(ctx, inc.Number, list, cmd.UserID)
	if incident.ErrorCode(err) == incident.ENoop && attached.TS == "" {
		// Attached, but its post failed: show it now.
		return c.post(ctx, inc, attached)
	}
	return err
}

// show answers `/incident checklist` privately: each list and its items.
func (c *Checklists) show(ctx context.Context, channelID string, r Responder) error {
	inc, events, err := c.incidents.WithEvents(ctx, channelID)
	if err != nil {
		return err
	}
	return r.Reply(ctx, slackui.ChecklistState(inc, incident.Checklists(events), c.source.Names()))
}

// toggle is a click on a checklist's checkboxes. Slack sends the element's
// whole new selection; what the person changed is its difference from what
// the element showed them (the block_id says), and only the changes the log
// does not already hold are recorded, under the incident's lock, so two
// people ticking at once never lose a tick. Then the message is updated.
func (c *Checklists) toggle(ctx context.Context, a BlockAction, _ Responder) error {
	block, ok := slackui.ParseChecklistBlock(a.BlockID)
	if !ok {
		return incident.Errorf(incident.EInvalid, "I can't read that checklist. `/incident checklist` shows where it stands.")
	}
	selected := slackui.ChecklistItems(a.Selected)
	var list incident.AttachedChecklist
	logged, err := c.incidents.ChangeLogged(ctx, a.ChannelID, func(inc *incident.Incident) ([]incident.Event, error) {
		events, err := c.incidents.Events(ctx, *inc)
		if err != nil {
			return nil, err
		}
		cur, ok := incident.FindChecklist(incident.Checklists(events), block.List)
		if !ok {
			return nil, incident.Errorf(incident.ENotFound, "The %s checklist is not attached to this incident.", slackui.Escape(block.List))
		}
		changes := toggled(cur, block, selected, a.UserID, c.incidents.now())
		list, _ = incident.FindChecklist(incident.Checklists(append(events, changes...)), block.List)
		if len(changes) == 0 {
			return nil, errNoChange
		}
		return changes, nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return err
	}
	inc := logged.After
	if errors.Is(err, errNoChange) {
		// Nothing to record, but the clicker's copy may be stale: show them
		// the list as it stands.
		if inc, err = c.incidents.ForChannel(ctx, a.ChannelID); err != nil {
			return err
		}
	}
	ts := a.MessageTS
	if ts == "" {
		ts = list.TS
	}
	c.refresh(ctx, inc, list, ts)
	return nil
}

// errNoChange is a click that changes nothing on the log.
var errNoChange = errors.New("checklist: nothing changed")

// toggled turns a click into events: a tick or untick for each item of the
// element whose new state differs from what the person saw, where the log
// does not already have it so.
func toggled(cur incident.AttachedChecklist, b slackui.ChecklistBlock, selected map[int]bool, by string, at time.Time) []incident.Event {
	items, saw := b.Seen(len(cur.Items))
	var out []incident.Event
	for _, i := range items {
		want := selected[i]
		if want == saw[i] || want == cur.Items[i].Done {
			continue
		}
		op := incident.ChecklistUntick
		if want {
			op = incident.ChecklistTick
		}
		out = append(out, cur.Change(op, i, by, at))
	}
	return out
}

// refresh shows list in its message at ts, then reads the log again and
// repeats while the list has moved on. Whoever's update lands last has read
// the log after it landed, so however the updates of concurrent clicks
// interleave, the message ends showing the log.
func (c *Checklists) refresh(ctx context.Context, inc incident.Incident, list incident.AttachedChecklist, ts string) {
	for range 3 {
		if err := c.slack.Update(ctx, inc.ChannelID, ts, slackui.Checklist(list)); err != nil {
			c.log.Warn("update checklist", "incident", inc.ID(), "list", list.Name, "err", err)
			return
		}
		events, err := c.incidents.Events(ctx, inc)
		if err != nil {
			c.log.Warn("update checklist", "incident", inc.ID(), "list", list.Name, "err", err)
			return
		}
		now, ok := incident.FindChecklist(incident.Checklists(events), list.Name)
		if !ok || sameItems(now, list) {
			return
		}
		list = now
	}
}

// sameItems reports whether a and b show the same.
func sameItems(a, b incident.AttachedChecklist) bool {
	return slices.EqualFunc(a.Items, b.Items, func(x, y incident.ItemState) bool {
		return x.Done == y.Done && x.Skipped == y.Skipped && x.By == y.By && x.At.Equal(y.At)
	})
}

// Changed shows the skipped items in their lists' messages once an
// incident is resolved with required items open.
func (c *Checklists) Changed(ctx context.Context, ch Change) {
	if ch.Trigger != Resolved {
		return
	}
	events, err := c.incidents.Events(ctx, ch.After)
	if err != nil {
		c.log.Warn("show skipped checklist items", "incident", ch.After.ID(), "err", err)
		return
	}
	for _, list := range incident.Checklists(events) {
		if list.TS != "" && slices.ContainsFunc(list.Items, func(it incident.ItemState) bool { return it.Skipped }) {
			c.refresh(ctx, ch.After, list, list.TS)
		}
	}
}

// openRequired lists the required items of every list that are neither
// done nor skipped: what resolving asks about.
func openRequired(events []incident.Event) []slackui.OpenItem {
	var out []slackui.OpenItem
	for _, list := range incident.Checklists(events) {
		for _, it := range list.OpenRequired() {
			out = append(out, slackui.OpenItem{List: list.Name, ItemState: it})
		}
	}
	return out
}

// skipEvents records each open item as skipped by by.
func skipEvents(open []slackui.OpenItem, by string, at time.Time) []incident.Event {
	out := make([]incident.Event, 0, len(open))
	for _, it := range open {
		ev := incident.ItemEvent(incident.ChecklistSkip, it.List, it.Index, by, at)
		ev.Text = it.Text
		out = append(out, ev)
	}
	return out
}
