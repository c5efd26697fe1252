package llm_test

import (
	"context"
	"fmt"
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

// publicBenchText is a typical customer update, about 400 characters.
const publicBenchText = "Checkout errors for some customers\n\nSince 14:02 UTC some customers have seen errors when paying at checkout, " +
	"and a few orders may show as pending. We have found the cause and are rolling out a fix now; most payments already succeed " +
	"again. If an order of yours is pending, there is no need to pay twice. We will post another update by 15:00 UTC or sooner if anything changes."

func publicBenchContext() incident.PublicContext {
	pc := incident.PublicContext{Components: []string{"Checkout", "Payments"}}
	for i := range 20 {
		pc.Internal = append(pc.Internal, fmt.Sprintf("svc-%02d-api", i))
	}
	return pc
}

// BenchmarkPublicFlags checks a customer update against 20 internal names.
func BenchmarkPublicFlags(b *testing.B) {
	pc, names := publicBenchContext(), map[string]string{"U1": "ali", "U2": "sam", "U3": "Cara Díaz"}
	for b.Loop() {
		if len(llm.PublicFlags(publicBenchText, pc, names)) != 0 {
			b.Fatal("the clean text was flagged")
		}
	}
}

// BenchmarkRedactPublicText is the baseline: the secret redaction every
// draft already goes through, on the same text.
func BenchmarkRedactPublicText(b *testing.B) {
	for b.Loop() {
		llm.Redact(publicBenchText)
	}
}
