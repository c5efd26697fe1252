package llm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/llm"
)

func publicRequest(s *scenario, status incident.Status) incident.DraftRequest {
	req := s.request(incident.DraftPublic)
	req.Public = &incident.PublicContext{Status: status, Components: []string{"Checkout"},
		Internal: []string{"payments-api", "checkout-db", "inc-42-checkout-returns-500"}}
	return req
}

func TestCustomerUpdateFromTheModelIsHeadlineAndBody(t *testing.T) {
	fake := openaifake.New(t)
	s := newScenario()
	fake.SetReply(fmt.Sprintf(`{"summary":"**Checkout errors for some customers**",
		"sections":[{"title":"Update","text":"Some customers cannot complete checkout [E%d]. We have found the cause and are fixing it.","citations":[%d]}]}`,
		s.keySeq, s.keySeq))
	d := newDrafter(t, fake, nil)

	dr := mustDraft(t, d, publicRequest(s, incident.Identified))

	head, body := incident.SplitPublic(dr.Text)
	if head != "Checkout errors for some customers" {
		t.Errorf("headline = %q", head)
	}
	if body != "Some customers cannot complete checkout. We have found the cause and are fixing it." {
		t.Errorf("body = %q", body)
	}
	for _, bad := range []string{"INC-42", "[E", "Next update", "Severity", "**"} {
		if strings.Contains(dr.Text, bad) {
			t.Errorf("customer update carries %q:\n%s", bad, dr.Text)
		}
	}
	if dr.Status != incident.Identified || dr.PromptVersion != llm.PromptPublic || dr.Kind != incident.DraftPublic {
		t.Errorf("Status=%q PromptVersion=%q Kind=%q", dr.Status, dr.PromptVersion, dr.Kind)
	}
	if len(dr.Flags) != 0 {
		t.Errorf("Flags = %v, want none for a clean update", dr.Flags)
	}
	sys, user := fake.Requests()[0].Messages[0].Content, fake.Requests()[0].Messages[1].Content
	for _, want := range []string{"CUSTOMERS", "public status page", "Never name internal services", "never blame", "at most 80 characters"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	for _, want := range []string{"- Status page components affected: Checkout", "- Status to announce: identified"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %q", want)
		}
	}
}

func TestCustomerUpdateFlagsWhatCustomersMustNotRead(t *testing.T) {
	fake := openaifake.New(t)
	s := newScenario()
	fake.SetReply(`{"summary":"Checkout errors","sections":[{"title":"Update","text":"ali rolled back payments-api on pg-main-3 after an engineer's mistake; see #inc-42-checkout-returns-500.","citations":[4]}]}`)
	dr := mustDraft(t, newDrafter(t, fake, nil), publicRequest(s, incident.Identified))
	all := strings.Join(dr.Flags, "\n")
	for _, want := range []string{`"payments-api", an internal name`, `"pg-main-3", which looks like a hostname`,
		`"ali", a person's name`, `"#inc-42-checkout-returns-500", a Slack channel`, `"mistake", which reads as speculation or blame`} {
		if !strings.Contains(all, want) {
			t.Errorf("flags lack %q:\n%s", want, all)
		}
	}
}

func TestCustomerUpdateTemplates(t *testing.T) {
	s := newScenario()
	d := llm.New(llm.Config{}, nil)
	for _, tc := range []struct {
		status   incident.Status
		headline string
		body     string
	}{
		{incident.Investigating, "Outage: Checkout", "We are investigating problems with Checkout."},
		{incident.Identified, "Outage: Checkout", "We have identified the cause of the problems with Checkout"},
		{incident.Monitoring, "Outage: Checkout", "A fix is in place and Checkout is recovering."},
		{incident.Resolved, "Resolved: outage of Checkout", "This incident is resolved and Checkout is working normally again."},
	} {
		dr := d.Template(publicRequest(s, tc.status), "no OPENAI_API_KEY set")
		head, body := incident.SplitPublic(dr.Text)
		if head != tc.headline || !strings.HasPrefix(body, tc.body) {
			t.Errorf("%s: %q / %q, want %q / %q…", tc.status, head, body, tc.headline, tc.body)
		}
		if dr.Source != llm.SourceTemplate || dr.Status != tc.status || len(dr.Flags) != 0 || len(dr.Citations) != 0 {
			t.Errorf("%s: Source=%q Status=%q Flags=%v Citations=%v", tc.status, dr.Source, dr.Status, dr.Flags, dr.Citations)
		}
		for _, internal := range []string{"deploy 1.42", "timeout", "rolling back", "INC-42"} {
			if strings.Contains(dr.Text, internal) {
				t.Errorf("%s: the template quoted the timeline (%q):\n%s", tc.status, internal, dr.Text)
			}
		}
	}
	// Without a context it still drafts, names no component and says so.
	req := s.request(incident.DraftPublic)
	dr := d.Template(req, "no key")
	if head, _ := incident.SplitPublic(dr.Text); head != "Outage: some of our services" || dr.Status != incident.Identified {
		t.Errorf("no context: %q, Status %q", head, dr.Status)
	}
	if len(dr.Flags) != 1 || !strings.Contains(dr.Flags[0], "No status page component is mapped") {
		t.Errorf("no context: Flags = %v", dr.Flags)
	}
}

func TestPublicFlags(t *testing.T) {
	pc := incident.PublicContext{Components: []string{"Checkout", "Sign-in"}, Internal: []string{"checkout", "payments-db", "auth"}}
	names := map[string]string{"U1": "ali", "U2": "Cara Díaz"}
	flagged := map[string]string{
		"Traffic moves off db1.prod.acme.com now.":          "db1.prod.acme.com",
		"The api.payments.svc.cluster.local pool is full.":  "api.payments.svc.cluster.local",
		"Requests to 10.0.3.17 time out.":                   "10.0.3.17",
		"Requests to fd00::12 time out.":                    "fd00::12",
		"The payments-db replica is behind.":                "payments-db",
		"Cara Díaz is on it.":                               "Cara Díaz",
		"Ask in #incidents for more.":                       "#incidents",
		"<@U0123ABCD> is handling it.":                      "<@U0123ABCD>",
		"Escalated to U0123ABCD9.":                          "U0123ABCD9",
		"See INC-42 for details.":                           "INC-42",
		"We restarted ip-10-0-1-2 and web-01.":              "ip-10-0-1-2",
		"It is probably the network.":                       "probably",
		"An engineer deployed a bad change.":                "An engineer",
		"Logins fail; see https://grafana.internal/d/auth.": "grafana.internal",
	}
	for text, want := range flagged {
		flags := PublicFlagsOf(text, pc, names)
		if !strings.Contains(strings.Join(flags, " "), fmt.Sprintf("%q", want)) {
			t.Errorf("PublicFlags(%q) = %v, want one naming %q", text, flags, want)
		}
	}
	clean := []string{
		"Some customers cannot complete Checkout. We are working on a fix and will update this page by 14:30 UTC.",
		"Sign-in is slow for about 20% of customers in Europe since 09:05:30 UTC.",
		"The issue affecting Checkout is resolved. Version 2.4.1 of the app is not affected.",
		"We are sorry for the trouble. Follow updates at https://status.acme.example/history.",
		"COVID-19 guidance is unchanged; 24/7 support is available at www.acme.com/help.",
		"Payments on Checkout fail for some customers (about 1 in 3 attempts).",
	}
	for _, text := range clean {
		if flags := PublicFlagsOf(text, pc, names); len(flags) > 0 {
			t.Errorf("PublicFlags(%q) = %v, want none", text, flags)
		}
	}
}

// PublicFlagsOf is llm.PublicFlags, named for the table.
var PublicFlagsOf = llm.PublicFlags

func FuzzPublicFlags(f *testing.F) {
	f.Add("Checkout errors on pg-main-3 (10.0.0.1) see #inc-1 <@U123> INC-9 fd00::1")
	f.Add("")
	pc := incident.PublicContext{Components: []string{"Checkout"}, Internal: []string{"payments-db", "a"}}
	f.Fuzz(func(t *testing.T, text string) {
		for _, fl := range llm.PublicFlags(text, pc, map[string]string{"U1": "ali"}) {
			if fl == "" {
				t.Fatal("empty flag")
			}
		}
	})
}
