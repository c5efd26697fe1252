package handlers

import (
	"slices"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

type fileChecklists map[string]incident.Checklist

func (f fileChecklists) Checklist(name string) (incident.Checklist, bool) {
	c, ok := f[name]
	return c, ok
}

func (f fileChecklists) Names() []string {
	var out []string
	for n := range f {
		out = append(out, n)
	}
	return out
}

func TestChecklistCatalogHasCommsBuiltIn(t *testing.T) {
	none := checklistCatalog{}
	if c, ok := none.Checklist("comms"); !ok || len(c.Items) != 3 {
		t.Errorf("without a file, comms = %+v, %v; want the built-in list", c, ok)
	}
	if _, ok := none.Checklist("db-failover"); ok {
		t.Error("without a file, db-failover was found")
	}
	if got := none.Names(); !slices.Equal(got, []string{"comms"}) {
		t.Errorf("names without a file = %v", got)
	}
	ours := incident.Checklist{Name: "comms", Items: []incident.ChecklistItem{{Text: "Post in #status"}}}
	file := checklistCatalog{file: fileChecklists{
		"db-failover": {Name: "db-failover", Items: []incident.ChecklistItem{{Text: "Freeze writes", Required: true}}},
		"comms":       ours,
	}}
	if c, _ := file.Checklist("comms"); len(c.Items) != 1 || c.Items[0].Text != "Post in #status" {
		t.Errorf("the file's comms should win over the built-in one, got %+v", c)
	}
	if got := file.Names(); !slices.Equal(got, []string{"comms", "db-failover"}) {
		t.Errorf("names = %v, want each once, sorted", got)
	}
}

func TestToggledRecordsOnlyWhatTheClickerChanged(t *testing.T) {
	items := make([]incident.ChecklistItem, 12)
	for i := range items {
		items[i] = incident.ChecklistItem{Text: "step"}
	}
	list := incident.Checklist{Name: "long", Items: items}
	at := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	// state folds a log where the given items were ticked.
	state := func(ticked ...int) incident.AttachedChecklist {
		log := []incident.Event{incident.AttachEvent(list, "U1", at)}
		for _, i := range ticked {
			log = append(log, incident.ItemEvent(incident.ChecklistTick, "long", i, "U1", at))
		}
		c, _ := incident.FindChecklist(incident.Checklists(log), "long")
		return c
	}
	// block is the block_id of the element holding item first, as a
	// message rendered from seen showed it.
	block := func(seen incident.AttachedChecklist, first int) slackui.ChecklistBlock {
		for _, id := range blockIDs(t, slackui.Checklist(seen)) {
			if b, ok := slackui.ParseChecklistBlock(id); ok && b.Start <= first && first < b.Start+10 {
				return b
			}
		}
		t.Fatalf("no element holds item %d", first)
		return slackui.ChecklistBlock{}
	}
	tests := []struct {
		name     string
		log      incident.AttachedChecklist // the list as the log has it now
		seen     incident.AttachedChecklist // as the clicker's message showed it
		first    int                        // an item of the clicked element
		selected []int
		want     []string // "op item"
	}{
		{"tick", state(), state(), 0, []int{3}, []string{"tick 3"}},
		{"untick", state(3), state(3), 0, nil, []string{"untick 3"}},
		{"someone ticked 0 since: a stale click on 1 keeps it", state(0), state(), 0, []int{1}, []string{"tick 1"}},
		{"someone unticked 2 since: a stale click on 1 leaves it unticked", state(), state(2), 0, []int{1, 2}, []string{"tick 1"}},
		{"both ticked the same item: recorded once", state(4), state(), 0, []int{4}, nil},
		{"the second element: items 10 and 11", state(), state(), 11, []int{10, 11}, []string{"tick 10", "tick 11"}},
		{"values outside the element are ignored", state(), state(), 11, []int{10, 2, 99}, []string{"tick 10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			selected := map[int]bool{}
			for _, i := range tt.selected {
				selected[i] = true
			}
			var got []string
			for _, ev := range toggled(tt.log, block(tt.seen, tt.first), selected, "U2", at) {
				if ev.Actor != "U2" || ev.Text != "step" {
					t.Errorf("event %+v: want by U2 with the item's text", ev)
				}
				got = append(got, ev.Get("op")+" "+ev.Get("item"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("recorded %q, want %q", got, tt.want)
			}
		})
	}
}

func blockIDs(t *testing.T, m slackui.Message) []string {
	t.Helper()
	var out []string
	for _, b := range m.Blocks {
		if id := b.ID(); id != "" {
			out = append(out, id)
		}
	}
	return out
}
