package llm_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/llm"
)

// bigIncident is the scenario followed by n chat messages, every 500th one
// marked and every 1000th a status change.
func bigIncident(n int) *scenario {
	s := newScenario()
	for i := range n {
		seq := s.log.msg(fmt.Sprintf("U%07d", i%40), fmt.Sprintf("message %d: checking the %d dashboards, error rate about %d%% on shard %d", i, i%7, i%50, i%13))
		if i%500 == 0 {
			s.log.mark(seq, "UALI0001", incident.MarkKeyEvent)
		}
		if i%1000 == 999 {
			s.log.system(incident.KindNote, "UALI0001", nil)
		}
	}
	return s
}

var lineRef = regexp.MustCompile(`(?m)^\[E(\d+)\]`)

func TestBuildPromptCondenses(t *testing.T) {
	s := bigIncident(5000)
	d := llm.New(llm.Config{TokenBudget: 4000}, nil)

	p := d.BuildPrompt(s.request(incident.DraftUpdate))

	if p.Tokens > 4000 {
		t.Errorf("prompt is %d tokens, over the 4000 budget", p.Tokens)
	}
	if p.Omitted == 0 || !regexp.MustCompile(`(?m)^\[\d+ messages omitted\]$`).MatchString(p.User) {
		t.Errorf("Omitted=%d and no omission marker in the prompt", p.Omitted)
	}
	shown := map[string]bool{}
	for _, m := range lineRef.FindAllStringSubmatch(p.User, -1) {
		shown[m[1]] = true
	}
	if len(shown) != p.Shown {
		t.Errorf("prompt has %d lines, Shown says %d", len(shown), p.Shown)
	}
	for _, e := range incident.Fold(s.log.events) {
		if (e.Marked() || e.Kind != incident.KindMessage) && !shown[fmt.Sprint(e.Seq)] {
			t.Errorf("%s (%s, marked=%v) was dropped; marked and system entries must be kept", e.Ref(), e.Kind, e.Marked())
		}
	}
	last := s.log.events[len(s.log.events)-1].Seq
	if !shown[fmt.Sprint(last)] {
		t.Errorf("the most recent message E%d was dropped", last)
	}
	if strings.Contains(p.User, "@UBEA0002: ok\n") {
		t.Error(`chatter ("ok") was kept over informative messages`)
	}
}

func TestBuildPromptKeepsEverythingThatFits(t *testing.T) {
	s := newScenario()
	d := llm.New(llm.Config{}, nil)

	p := d.BuildPrompt(s.request(incident.DraftPostmortem))

	if p.Omitted != 0 || p.Shown != len(incident.Fold(s.log.events)) {
		t.Errorf("Shown=%d Omitted=%d for a small incident, want everything", p.Shown, p.Omitted)
	}
	if p.Version != llm.PromptPostmortem || !strings.Contains(p.System, `"Root cause and trigger"`) {
		t.Errorf("postmortem prompt version %q lacks its sections", p.Version)
	}
}

func TestDraftSummarisesHugeTimelinesInChunks(t *testing.T) {
	fake := openaifake.New(t)
	d := newDrafter(t, fake, func(c *llm.Config) { c.TokenBudget = 3000 })
	s := bigIncident(4000)

	dr, err := d.Draft(context.Background(), s.request(incident.DraftUpdate))
	if err != nil {
		t.Fatal(err)
	}

	if dr.Source != llm.SourceLLM {
		t.Fatalf("Source=%q Reason=%q", dr.Source, dr.Reason)
	}
	reqs := fake.Requests()
	if len(reqs) < 3 {
		t.Fatalf("fake got %d requests, want chunk summaries and a final draft", len(reqs))
	}
	final := reqs[len(reqs)-1].Messages[1].Content
	for _, r := range reqs[:len(reqs)-1] {
		if !strings.Contains(r.Messages[0].Content, "summarise this stretch") {
			t.Errorf("an early request is not a chunk summary: %.200q", r.Messages[0].Content)
		}
	}
	if !strings.Contains(final, "Summaries of the whole conversation in stretches") || !strings.Contains(final, "The fake model summarised the incident") {
		t.Errorf("final prompt lacks the chunk summaries:\n%.2000s", final)
	}
	if dr.Tokens <= 0 {
		t.Errorf("Tokens = %d, want the chunk calls counted", dr.Tokens)
	}
}
