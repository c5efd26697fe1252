package incident

import (
	"slices"
	"time"
)

// Action item operations recorded in KindActionItem events' Data["op"].
const (
	ActionAdd    = "add"
	ActionDone   = "done"
	ActionReopen = "reopen"
)

// ActionItemEvent builds the event that records op on item.
func ActionItemEvent(op string, item ActionItem, by string, at time.Time) Event {
	data := map[string]string{"op": op, "id": item.ID}
	if op == ActionAdd {
		data["owner"] = item.Owner
		if !item.Due.IsZero() {
			data["due"] = item.Due.UTC().Format("2006-01-02")
		}
	}
	return Event{Kind: KindActionItem, At: at, Actor: by, Text: item.Text, Data: data}
}

// ActionItems folds an incident's log into its action items, in the order
// they were added, with their current done state.
func ActionItems(events []Event) []ActionItem {
	var items []ActionItem
	for _, ev := range events {
		if ev.Kind != KindActionItem {
			continue
		}
		id := ev.Get("id")
		i := slices.IndexFunc(items, func(it ActionItem) bool { return it.ID == id })
		switch ev.Get("op") {
		case ActionAdd:
			if i >= 0 {
				continue
			}
			it := ActionItem{ID: id, Text: ev.Text, Owner: ev.Get("owner")}
			if d, err := time.Parse("2006-01-02", ev.Get("due")); err == nil {
				it.Due = d
			}
			items = append(items, it)
		case ActionDone, ActionReopen:
			if i >= 0 {
				items[i].Done = ev.Get("op") == ActionDone
			}
		}
	}
	return items
}
