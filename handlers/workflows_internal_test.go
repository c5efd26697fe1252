package handlers

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
	"github.com/incidentbot/incidentbot/workflow"
)

func TestMain(m *testing.M) { redistest.Main(m) }

type fixedWorkflows []workflow.Workflow

func (f fixedWorkflows) Workflows() []workflow.Workflow { return f }

// TestWorkflowRunsOncePerEventAcrossReplicas hands the same change to two
// replicas' engines, five times each, at once: the workflow runs once. A
// second triggering event runs it again.
func TestWorkflowRunsOncePerEventAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	st, err := store.New(ctx, redistest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inc := incident.Incident{Number: 1, Title: "t", Severity: incident.P1, Status: incident.Investigating, ChannelID: "C1", DeclaredAt: time.Now()}
	if err := st.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	source := fixedWorkflows{{Name: "cadence", On: []workflow.Trigger{workflow.Declared},
		Do: []workflow.Step{{Kind: workflow.StepCadence, Cadence: 15 * time.Minute}}}}
	replica := func() *Workflows {
		incidents := &Incidents{store: st, clock: systemClock{}, log: log}
		return &Workflows{incidents: incidents, source: source, catalog: noCatalog{}, store: st,
			headers: Headers{log: log}, background: NewBackground(log), log: log}
	}
	a, b := replica(), replica()
	declared, _, err := st.Append(ctx, 1, "", incident.Event{Kind: incident.KindDeclared, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	change := func(ev incident.Event) Change { return Change{Trigger: Declared, After: inc, Event: ev} }
	var wg sync.WaitGroup
	for range 5 {
		for _, w := range []*Workflows{a, b} {
			wg.Go(func() { w.Changed(ctx, change(declared)) })
		}
	}
	wg.Wait()
	a.background.Wait()
	b.background.Wait()
	count := func() int {
		events, err := st.Events(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range events {
			if ev.Kind == incident.KindWorkflow {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("the workflow ran %d times for one event, want 1", n)
	}
	again, _, err := st.Append(ctx, 1, "", incident.Event{Kind: incident.KindSeverity, At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	a.Changed(ctx, change(again))
	a.background.Wait()
	if n := count(); n != 2 {
		t.Errorf("a second event ran it %d times in all, want 2", n)
	}
	// A change without a logged event is refused rather than run unguarded.
	a.Changed(ctx, Change{Trigger: Declared, After: inc})
	a.background.Wait()
	if n := count(); n != 2 {
		t.Errorf("an unlogged change ran the workflow")
	}
}
