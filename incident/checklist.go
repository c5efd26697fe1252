package incident

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Checklist is a named list of things to do during an incident, from the
// config file or built in.
type Checklist struct {
	Name  string
	Items []ChecklistItem
}

// ChecklistItem is one thing to do; Role, when set, owns it, and a Required
// item left open makes resolving ask for confirmation.
type ChecklistItem struct {
	Text     string `json:"text"`
	Role     Role   `json:"role,omitempty"`
	Required bool   `json:"required,omitempty"`
}

// CommsChecklist is the built-in communications checklist: the seeds'
// customer notification, team update and status page.
var CommsChecklist = Checklist{Name: "comms", Items: []ChecklistItem{
	{Text: "Tell affected customers", Role: Comms, Required: true},
	{Text: "Update the team", Role: Comms, Required: true},
	{Text: "Update the status page", Role: Comms},
}}

// Checklist operations recorded in KindChecklist events' Data["op"].
const (
	ChecklistAttach = "attach" // Text holds the items as JSON, copied when attached
	ChecklistTick   = "tick"
	ChecklistUntick = "untick"
	ChecklistSkip   = "skip" // resolved with the item still open, confirmed
	// ChecklistPosted points at the Slack message that shows the list
	// (Data ts), so it can be updated in place; the latest one wins.
	ChecklistPosted = "posted"
)

// KindChecklist records a checklist attached, an item ticked, unticked or
// skipped: Data op, list, item (0-based index).
const KindChecklist Kind = "checklist"

// AttachEvent is the event that attaches c to an incident. The items are
// copied into it, so a later config change never rewrites a checklist in use.
func AttachEvent(c Checklist, by string, at time.Time) Event {
	items, _ := json.Marshal(c.Items)
	return Event{Kind: KindChecklist, Actor: by, At: at, Text: string(items),
		Data: map[string]string{"op": ChecklistAttach, "list": c.Name}}
}

// ItemEvent records op on item i of the named checklist.
func ItemEvent(op, list string, i int, by string, at time.Time) Event {
	return Event{Kind: KindChecklist, Actor: by, At: at,
		Data: map[string]string{"op": op, "list": list, "item": strconv.Itoa(i)}}
}

// PostedEvent records that the message at ts shows the named checklist.
// It is recorded after the post, outside the incident's lock: it is only a
// pointer, and the timeline leaves it out.
func PostedEvent(list, ts string, at time.Time) Event {
	return Event{Kind: KindChecklist, At: at,
		Data: map[string]string{"op": ChecklistPosted, "list": list, "ts": ts}}
}

// AttachedChecklist is a checklist on an incident with each item's state.
type AttachedChecklist struct {
	Name  string
	Items []ItemState
	// TS is the Slack message showing the list; "" until it is posted.
	TS string
}

// ItemState is a checklist item and who ticked (or skipped) it when; By
// and At are zero while it is open.
type ItemState struct {
	ChecklistItem
	Index   int // its place in the list, 0-based, as events name it
	Done    bool
	Skipped bool
	By      string
	At      time.Time
}

// Change is the event recording op on item i, carrying the item's text so
// the timeline can say which item without folding the list.
func (c AttachedChecklist) Change(op string, i int, by string, at time.Time) Event {
	ev := ItemEvent(op, c.Name, i, by, at)
	if i >= 0 && i < len(c.Items) {
		ev.Text = c.Items[i].Text
	}
	return ev
}

// OpenRequired lists the required items neither done nor skipped: the
// ones resolving asks about.
func (c AttachedChecklist) OpenRequired() []ItemState {
	var out []ItemState
	for _, it := range c.Items {
		if it.Required && !it.Done && !it.Skipped {
			out = append(out, it)
		}
	}
	return out
}

// FindChecklist returns the attached checklist named name.
func FindChecklist(lists []AttachedChecklist, name string) (AttachedChecklist, bool) {
	for _, c := range lists {
		if c.Name == name {
			return c, true
		}
	}
	return AttachedChecklist{}, false
}

// Open lists the items not done.
func (c AttachedChecklist) Open() []ItemState {
	var out []ItemState
	for _, it := range c.Items {
		if !it.Done {
			out = append(out, it)
		}
	}
	return out
}

// Checklists folds an incident's log into its checklists, in the order
// attached. Attaching a list already attached is ignored; events about an
// unknown list or item are ignored, since the fold must accept any log.
func Checklists(events []Event) []AttachedChecklist {
	var out []AttachedChecklist
	index := map[string]int{}
	for _, ev := range events {
		if ev.Kind != KindChecklist {
			continue
		}
		name := ev.Get("list")
		if ev.Get("op") == ChecklistAttach {
			if _, ok := index[name]; ok {
				continue
			}
			var items []ChecklistItem
			if err := json.Unmarshal([]byte(ev.Text), &items); err != nil {
				continue
			}
			c := AttachedChecklist{Name: name}
			for i, it := range items {
				c.Items = append(c.Items, ItemState{ChecklistItem: it, Index: i})
			}
			index[name] = len(out)
			out = append(out, c)
			continue
		}
		ci, ok := index[name]
		if ok && ev.Get("op") == ChecklistPosted {
			out[ci].TS = ev.Get("ts")
			continue
		}
		i, err := strconv.Atoi(ev.Get("item"))
		if !ok || err != nil || i < 0 || i >= len(out[ci].Items) {
			continue
		}
		it := &out[ci].Items[i]
		switch ev.Get("op") {
		case ChecklistTick:
			it.Done, it.Skipped, it.By, it.At = true, false, ev.Actor, ev.At
		case ChecklistUntick:
			it.Done, it.Skipped, it.By, it.At = false, false, "", time.Time{}
		case ChecklistSkip:
			if !it.Done {
				it.Skipped, it.By, it.At = true, ev.Actor, ev.At
			}
		}
	}
	return out
}

// describeChecklist says what a checklist event did, for the timeline.
func describeChecklist(e Entry) string {
	list, text := e.Data["list"], e.Text
	if text == "" && e.Data["op"] != ChecklistAttach {
		n, _ := strconv.Atoi(e.Data["item"])
		text = fmt.Sprintf("item %d", n+1)
	}
	switch e.Data["op"] {
	case ChecklistAttach:
		var items []ChecklistItem
		_ = json.Unmarshal([]byte(text), &items)
		return fmt.Sprintf("%s checklist attached (%d items)", list, len(items))
	case ChecklistTick:
		return fmt.Sprintf("%s checklist: ticked %q", list, text)
	case ChecklistUntick:
		return fmt.Sprintf("%s checklist: unticked %q", list, text)
	case ChecklistSkip:
		return fmt.Sprintf("%s checklist: skipped %q on resolving", list, text)
	}
	return list + " checklist"
}
