package slackui_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

func TestChecklistMessage(t *testing.T) {
	items := []incident.ChecklistItem{
		{Text: "Freeze writes & drain " + strings.Repeat("<queues> ", 12), Role: incident.Tech, Required: true},
	}
	for i := 1; i < 12; i++ {
		items = append(items, incident.ChecklistItem{Text: "step " + strconv.Itoa(i)})
	}
	at := time.Date(2025, 3, 1, 14, 0, 0, 0, time.UTC)
	name := "db:failover" // a colon in the name survives the block_id
	log := []incident.Event{
		incident.AttachEvent(incident.Checklist{Name: name, Items: items}, "U1", at),
		incident.ItemEvent(incident.ChecklistTick, name, 1, "U1", at),
		incident.ItemEvent(incident.ChecklistTick, name, 11, "U2", at),
	}
	c, _ := incident.FindChecklist(incident.Checklists(log), name)
	m := slackui.Checklist(c)

	var boxes []*slack.CheckboxGroupsBlockElement
	var blocks []slackui.ChecklistBlock
	for _, b := range m.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		cb, ok := slackui.ParseChecklistBlock(a.BlockID)
		if !ok || cb.List != name {
			t.Fatalf("block_id %q does not name the list", a.BlockID)
		}
		blocks = append(blocks, cb)
		boxes = append(boxes, a.Elements.ElementSet[0].(*slack.CheckboxGroupsBlockElement))
	}
	if len(boxes) != 2 || len(boxes[0].Options) != 10 || len(boxes[1].Options) != 2 {
		t.Fatalf("12 items should be two elements of 10 and 2 (Slack's limit), got %d", len(boxes))
	}
	for i, box := range boxes {
		if box.ActionID != slackui.ActionChecklistToggle {
			t.Errorf("element %d action_id %q", i, box.ActionID)
		}
		for _, o := range box.Options {
			if n := utf8.RuneCountInString(o.Text.Text); n > 75 {
				t.Errorf("option %s text is %d characters, over Slack's 75", o.Value, n)
			}
		}
	}
	if o := boxes[0].Options[0]; !strings.Contains(o.Text.Text, "&amp;") || strings.Contains(o.Text.Text, "<queues>") ||
		o.Description == nil || o.Description.Text != "Tech lead · *required*" {
		t.Errorf("first option %q / %+v: want escaped text, role and required marked", o.Text.Text, o.Description)
	}
	// The block_id says what each element showed, ticked items included.
	for i, want := range []struct{ items, ticked []int }{{[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{1}}, {[]int{10, 11}, []int{11}}} {
		got, ticked := blocks[i].Seen(len(items))
		var tickedList []int
		for _, j := range got {
			if ticked[j] {
				tickedList = append(tickedList, j)
			}
		}
		if !slices.Equal(got, want.items) || !slices.Equal(tickedList, want.ticked) {
			t.Errorf("element %d saw %v ticked %v, want %v ticked %v", i, got, tickedList, want.items, want.ticked)
		}
		var initial []int
		for _, o := range boxes[i].InitialOptions {
			n, _ := strconv.Atoi(o.Value)
			initial = append(initial, n)
		}
		if !slices.Equal(initial, want.ticked) {
			t.Errorf("element %d initial options %v, want %v", i, initial, want.ticked)
		}
	}
	raw, _ := json.Marshal(m.Blocks)
	if s := string(raw); !strings.Contains(s, "\\u003c@U2\\u003e") || !strings.Contains(s, "1 required still open") {
		t.Errorf("message should say who ticked and that a required item is open:\n%s", s)
	}
	if _, ok := slackui.ParseChecklistBlock("header_actions"); ok {
		t.Error("a foreign block_id parsed as a checklist's")
	}
}
