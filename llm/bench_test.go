package llm_test

import (
	"context"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/llm"
)

// BenchmarkPromptBuild50k builds the prompt for a 50,000-message incident:
// fold, facts, condensing to the default budget, redaction of what is kept.
func BenchmarkPromptBuild50k(b *testing.B) {
	req := bigIncident(50000).request(incident.DraftPostmortem)
	d := llm.New(llm.Config{}, nil)
	var p llm.Prompt
	b.ReportAllocs()
	for b.Loop() {
		p = d.BuildPrompt(req)
	}
	b.ReportMetric(float64(p.Tokens), "tokens")
	b.ReportMetric(float64(p.Shown), "lines")
}

// BenchmarkTemplateDraft is the fallback path on a 1,000-message incident.
func BenchmarkTemplateDraft(b *testing.B) {
	req := bigIncident(1000).request(incident.DraftUpdate)
	d := llm.New(llm.Config{}, nil)
	b.ReportAllocs()
	for b.Loop() {
		d.Template(req, "benchmark")
	}
}

// BenchmarkDraftFakeLLM is a whole Draft of a 1,000-message incident through
// go-openai against the local fake answering at once: prompt, HTTP, parse,
// checks, render.
func BenchmarkDraftFakeLLM(b *testing.B) {
	fake := openaifake.New(b)
	d := llm.New(llm.Config{APIKey: "sk-bench", BaseURL: fake.BaseURL()}, nil)
	req := bigIncident(1000).request(incident.DraftUpdate)
	b.ReportAllocs()
	for b.Loop() {
		if dr, _ := d.Draft(context.Background(), req); dr.Source != llm.SourceLLM {
			b.Fatalf("Source=%q Reason=%q", dr.Source, dr.Reason)
		}
	}
}
