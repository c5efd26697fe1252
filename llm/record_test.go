package llm_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/llm"
)

// TestDraftsTakeTheRecordAsFact: what responders recorded reaches the model
// labelled with how to treat it, and the template states a confirmed root
// cause as the cause but a hypothesis only as a hypothesis.
func TestDraftsTakeTheRecordAsFact(t *testing.T) {
	d := llm.New(llm.Config{}, nil)
	s := newScenario()
	s.inc.Record = incident.Record{Services: []string{"checkout"}, Impact: "EU card payments fail", Customers: 4200, CustomersKnown: true,
		Hypothesis: "provider p99 above the new timeout", Trigger: "deploy 1.42", AI: incident.AICode}

	prompt := d.BuildPrompt(s.request(incident.DraftPostmortem)).User
	for _, want := range []string{
		"- Services: checkout",
		"- Impact (recorded by the responders): EU card payments fail (4200 customers affected)",
		"- Hypothesis (NOT confirmed: present it as a hypothesis, never as the cause): provider p99 above the new timeout",
		"- AI connection: code (AI-generated code)",
	} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt lacks %q", want)
		}
	}
	if strings.Contains(prompt, "- Root cause") {
		t.Error("the prompt names a root cause nobody confirmed")
	}
	pm := d.Template(s.request(incident.DraftPostmortem), "testing").Text
	for _, want := range []string{"Hypothesis (not yet confirmed): Provider p99 above the new timeout.", "Trigger: Deploy 1.42.",
		"EU card payments fail (4,200 customers affected).", "- Hypothesis (unconfirmed): provider p99 above the new timeout"} {
		if !strings.Contains(pm, want) {
			t.Errorf("postmortem template lacks %q:\n%s", want, pm)
		}
	}
	if strings.Contains(pm, "Root cause: ") {
		t.Errorf("the template states an unconfirmed cause:\n%s", pm)
	}

	// Once a person sets the root cause, it is the cause.
	s.inc.RootCause = "the payments client timeout of 100ms is below the provider's p99"
	prompt = d.BuildPrompt(s.request(incident.DraftPostmortem)).User
	if !strings.Contains(prompt, "- Root cause (confirmed by the responders: state it as fact): the payments client timeout of 100ms") {
		t.Errorf("prompt lacks the confirmed root cause:\n%s", prompt)
	}
	pm = d.Template(s.request(incident.DraftPostmortem), "testing").Text
	if !strings.Contains(pm, "Root cause: The payments client timeout of 100ms is below the provider's p99.") || strings.Contains(pm, "Hypothesis (not yet confirmed)") {
		t.Errorf("postmortem template with a root cause:\n%s", pm)
	}
	up := d.Template(s.request(incident.DraftUpdate), "testing").Text
	if !strings.Contains(up, "EU card payments fail (4,200 customers affected).") {
		t.Errorf("update template lacks the recorded impact:\n%s", up)
	}
	if !strings.Contains(d.BuildPrompt(s.request(incident.DraftUpdate)).Version, "update/v3") {
		t.Error("the prompt version did not change with the prompt")
	}
}
