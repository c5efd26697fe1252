package incident_test

import (
	"slices"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
)

func TestChecklistFold(t *testing.T) {
	failover := incident.Checklist{Name: "db-failover", Items: []incident.ChecklistItem{
		{Text: "Freeze writes", Role: incident.Tech, Required: true},
		{Text: "Tell support"},
	}}
	comms := func() incident.AttachedChecklist {
		c, _ := incident.FindChecklist(incident.Checklists([]incident.Event{incident.AttachEvent(incident.CommsChecklist, "U1", at(0))}), "comms")
		return c
	}()
	log := []incident.Event{
		incident.AttachEvent(incident.CommsChecklist, "U1", at(0)),
		incident.PostedEvent("comms", "1700.1", at(0)),
		incident.AttachEvent(failover, "U2", at(1)),
		// attached again with other items (a workflow ran twice after a
		// config change): the first copy stands
		incident.AttachEvent(incident.Checklist{Name: "comms", Items: []incident.ChecklistItem{{Text: "other"}}}, "U3", at(2)),
		comms.Change(incident.ChecklistTick, 0, "U1", at(3)),
		comms.Change(incident.ChecklistTick, 1, "U2", at(4)),
		comms.Change(incident.ChecklistUntick, 1, "U2", at(5)),
		comms.Change(incident.ChecklistSkip, 0, "U9", at(6)), // already done: ignored
		incident.ItemEvent(incident.ChecklistSkip, "db-failover", 0, "U1", at(7)),
		incident.ItemEvent(incident.ChecklistTick, "db-failover", 7, "U1", at(8)), // no such item
		incident.ItemEvent(incident.ChecklistTick, "nope", 0, "U1", at(8)),        // no such list
		incident.PostedEvent("comms", "1700.9", at(9)),                            // re-posted: the latest wins
	}
	got := incident.Checklists(log)
	if len(got) != 2 || got[0].Name != "comms" || got[1].Name != "db-failover" {
		t.Fatalf("lists %+v", got)
	}
	c := got[0]
	if len(c.Items) != 3 || c.TS != "1700.9" {
		t.Fatalf("comms %+v", c)
	}
	if it := c.Items[0]; !it.Done || it.Skipped || it.By != "U1" || !it.At.Equal(at(3)) || it.Index != 0 {
		t.Errorf("item 0 %+v, want done by U1 at 14:03", it)
	}
	if it := c.Items[1]; it.Done || it.By != "" || !it.At.IsZero() {
		t.Errorf("item 1 %+v, want open after the untick", it)
	}
	if open := c.OpenRequired(); len(open) != 1 || open[0].Index != 1 || open[0].Text != "Update the team" {
		t.Errorf("open required %+v, want only Update the team (the status page is optional)", open)
	}
	f := got[1]
	if it := f.Items[0]; !it.Skipped || it.Done || it.By != "U1" {
		t.Errorf("failover item 0 %+v, want skipped by U1", it)
	}
	if len(f.OpenRequired()) != 0 || len(f.Open()) != 2 {
		t.Errorf("failover: a skipped item is still open but no longer asked about; got open %d, required %d", len(f.Open()), len(f.OpenRequired()))
	}
	if f.TS != "" {
		t.Errorf("failover was never posted, has ts %q", f.TS)
	}
	// Ticking a skipped item clears the skip.
	got = incident.Checklists(append(log, incident.ItemEvent(incident.ChecklistTick, "db-failover", 0, "U2", at(10))))
	if it := got[1].Items[0]; !it.Done || it.Skipped || it.By != "U2" {
		t.Errorf("ticked after the skip %+v", it)
	}
}

func TestChecklistEventsOnTheTimeline(t *testing.T) {
	comms, _ := incident.FindChecklist(incident.Checklists([]incident.Event{incident.AttachEvent(incident.CommsChecklist, "U1", at(0))}), "comms")
	log := []incident.Event{
		incident.AttachEvent(incident.CommsChecklist, "U1", at(0)),
		incident.PostedEvent("comms", "1700.1", at(0)),
		comms.Change(incident.ChecklistTick, 0, "U1", at(1)),
		comms.Change(incident.ChecklistUntick, 0, "U1", at(2)),
		comms.Change(incident.ChecklistSkip, 1, "U2", at(3)),
		incident.ItemEvent(incident.ChecklistTick, "comms", 2, "U2", at(4)), // no text carried
	}
	var got []string
	for _, e := range incident.Fold(seq(log...)) {
		got = append(got, e.Describe())
	}
	want := []string{
		"comms checklist attached (3 items)",
		`comms checklist: ticked "Tell affected customers"`,
		`comms checklist: unticked "Tell affected customers"`,
		`comms checklist: skipped "Update the team" on resolving`,
		`comms checklist: ticked "item 3"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline (the posted pointer left out):\n got %q\nwant %q", got, want)
	}
}

// BenchmarkChecklists is the fold a checkbox click runs (twice) and resolve
// runs once: a 10,000-event log with two lists and 40 ticks among it.
func BenchmarkChecklists(b *testing.B) {
	log := genIncident(10000)
	comms, _ := incident.FindChecklist(incident.Checklists([]incident.Event{incident.AttachEvent(incident.CommsChecklist, "U1", at(0))}), "comms")
	log = append(log, incident.AttachEvent(incident.CommsChecklist, "U1", at(0)),
		incident.AttachEvent(incident.Checklist{Name: "db-failover", Items: []incident.ChecklistItem{{Text: "Freeze writes", Required: true}}}, "U1", at(0)))
	for i := range 40 {
		log = append(log, comms.Change(incident.ChecklistTick, i%3, "U2", at(i)))
	}
	b.ReportAllocs()
	for b.Loop() {
		if lists := incident.Checklists(log); len(lists) != 2 {
			b.Fatal(len(lists))
		}
	}
}
