package llm_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/incident"
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
