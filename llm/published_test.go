package llm_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/openaifake"
	"github.com/incidentbot/incidentbot/llm"
)

// reviewMarkup is what a published draft must never carry: citation markers,
// warning signs and mentions that would ping.
var reviewMarkup = regexp.MustCompile(`\[E\d+\]|⚠|<@|<!`)

// pingScenario is the scenario plus messages people typed with Slack markup
// in them: a decision mentioning bea and the channel, and an impact report
// from someone users.info did not name, mentioning a user by label.
func pingScenario() *scenario {
	s := newScenario()
	d := s.log.msg("UALI0001", "<@UBEA0002> please roll back, cc <!here>")
	s.log.mark(d, "UALI0001", incident.MarkDecision)
	i := s.log.msg("UDAN0004", "customers on <@UZED0005|zed>'s team see 502s")
	s.log.mark(i, "UALI0001", incident.MarkImpact)
	return s
}

// goodReply is a well-formed answer of the kind with what models do anyway:
// inline [E..] in the prose, people as <@U…> mentions, and one citation of
// an entry the timeline does not have (E999, in the first section).
func goodReply(kind incident.DraftKind, key int) string {
	var titles []string
	switch kind {
	case incident.DraftPostmortem:
		titles = []string{"Impact", "Detection", "Root cause and trigger", "Contributing factors", "What went well", "What went badly", "Lessons"}
	case incident.DraftCatchup:
		titles = []string{"What happened", "Where it stands", "Who is doing what", "Open questions"}
	default:
		titles = []string{"What is happening", "Impact", "What is being done"}
	}
	var secs []string
	for i, t := range titles {
		cites := fmt.Sprintf("[%d]", key)
		if i == 0 {
			cites = fmt.Sprintf("[%d, 999]", key)
		}
		secs = append(secs, fmt.Sprintf(`{"title":%q,"text":"<@UBEA0002> found deploy 1.42 [E%d]; <@UALI0001> leads [E3, E%d].","citations":%s}`, t, key, key, cites))
	}
	return fmt.Sprintf(`{"summary":"Checkout failed after deploy 1.42 [E%d].","sections":[%s],
		"action_items":[{"text":"Add a canary stage [E%d]","owner":"<@UBEA0002>","due":"2024-06-01"}]}`,
		key, strings.Join(secs, ","), key)
}

// TestPublishedTextIsClean drafts every kind every way a draft can come
// about and checks that what would be published carries no review markup
// and names people, while the reviewer still gets the citations and flags.
func TestPublishedTextIsClean(t *testing.T) {
	kinds := []incident.DraftKind{incident.DraftUpdate, incident.DraftPostmortem, incident.DraftCatchup}
	ways := []struct {
		name       string
		setup      func(*testing.T, *openaifake.Server, incident.DraftKind, *scenario) *llm.Drafter
		spent      float64
		wantSource string
		wantReason string
	}{
		{"model answers well", func(t *testing.T, f *openaifake.Server, k incident.DraftKind, s *scenario) *llm.Drafter {
			f.SetReply(goodReply(k, s.keySeq))
			return newDrafter(t, f, nil)
		}, 0, llm.SourceLLM, ""},
		{"model answers garbage", func(t *testing.T, f *openaifake.Server, _ incident.DraftKind, _ *scenario) *llm.Drafter {
			f.SetMode(openaifake.Garbage)
			return newDrafter(t, f, nil)
		}, 0, llm.SourceTemplate, "could not be read as a draft"},
		{"no API key", func(t *testing.T, _ *openaifake.Server, _ incident.DraftKind, _ *scenario) *llm.Drafter {
			return llm.New(llm.Config{Clock: func() time.Time { return t0.Add(30 * time.Minute) }}, nil)
		}, 0, llm.SourceTemplate, "no OPENAI_API_KEY set"},
		{"cost cap hit", func(t *testing.T, f *openaifake.Server, _ incident.DraftKind, _ *scenario) *llm.Drafter {
			return newDrafter(t, f, func(c *llm.Config) { c.CostCapUSD = 1 })
		}, 1, llm.SourceTemplate, "cost cap of $1.00 reached"},
	}
	for _, kind := range kinds {
		for _, w := range ways {
			t.Run(string(kind)+"/"+w.name, func(t *testing.T) {
				fake := openaifake.New(t)
				s := pingScenario()
				d := w.setup(t, fake, kind, s)
				req := s.request(kind)
				req.SpentUSD = w.spent

				dr := mustDraft(t, d, req)

				if dr.Source != w.wantSource || !strings.Contains(dr.Reason, w.wantReason) {
					t.Fatalf("Source=%q Reason=%q, want %q because %q", dr.Source, dr.Reason, w.wantSource, w.wantReason)
				}
				published := []string{dr.Text}
				for _, it := range dr.ActionItems {
					published = append(published, it.Text)
				}
				for _, p := range published {
					if m := reviewMarkup.FindAllString(p, -1); len(m) > 0 {
						t.Errorf("published text carries review markup %q:\n%s", m, p)
					}
				}
				for _, name := range []string{"@ali", "@bea"} {
					if !strings.Contains(dr.Text, name) {
						t.Errorf("text does not name %s:\n%s", name, dr.Text)
					}
				}
				for _, f := range dr.Flags {
					if strings.Contains(f, "<@") {
						t.Errorf("flag %q would ping: the reviewer sees it in the channel", f)
					}
				}
				// Citations are the union of the per-section evidence, and
				// the evidence is there for the reviewer.
				var union []int
				for _, e := range dr.Evidence {
					if e.Section == "" || len(e.Seqs) == 0 {
						t.Errorf("empty evidence entry %+v", e)
					}
					union = append(union, e.Seqs...)
				}
				slices.Sort(union)
				if union = slices.Compact(union); !slices.Equal(union, dr.Citations) || len(union) == 0 {
					t.Errorf("Citations %v are not the union of Evidence %+v", dr.Citations, dr.Evidence)
				}

				if w.wantSource != llm.SourceLLM {
					if slices.ContainsFunc(dr.Flags, func(f string) bool { return strings.Contains(f, "cites") }) {
						t.Errorf("a template flagged citations: %v", dr.Flags)
					}
					return
				}
				first := map[incident.DraftKind]string{
					incident.DraftUpdate: "What is happening", incident.DraftPostmortem: "Impact", incident.DraftCatchup: "What happened",
				}[kind]
				if want := first + ": cites E999, which the timeline does not have"; !slices.Contains(dr.Flags, want) {
					t.Errorf("Flags %q lack %q", dr.Flags, want)
				}
				if !slices.Contains(dr.Citations, s.keySeq) || !slices.Contains(dr.Citations, 3) || slices.Contains(dr.Citations, 999) {
					t.Errorf("Citations = %v, want the valid inline and listed ids (3, %d) and not 999", dr.Citations, s.keySeq)
				}
				if !strings.Contains(dr.Text, "@bea found deploy 1.42; @ali leads.") {
					t.Errorf("the model's prose lost its sense with the markers:\n%s", dr.Text)
				}
				// The model saw names too, and kept its E numbers to cite with.
				user := fake.Requests()[0].Messages[1].Content
				for _, want := range []string{"@bea please roll back, cc @here", "@zed's team", "@UDAN0004 [IMPACT]", fmt.Sprintf("[E%d] 14:08 @bea [KEY EVENT]", s.keySeq)} {
					if !strings.Contains(user, want) {
						t.Errorf("prompt lacks %q:\n%s", want, user)
					}
				}
				if strings.Contains(user, "<@") || strings.Contains(user, "<!here>") {
					t.Errorf("the prompt shows Slack mentions, not names:\n%s", user)
				}
				if kind == incident.DraftPostmortem {
					want := incident.ActionItem{ID: "A1", Text: "Add a canary stage", Owner: "UBEA0002", Due: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}
					if len(dr.ActionItems) != 1 || dr.ActionItems[0] != want {
						t.Errorf("ActionItems = %+v, want %+v (the owner kept as an ID for tracking)", dr.ActionItems, want)
					}
				}
			})
		}
	}
}

// TestDraftTimesInIncidentZone: with INCIDENT_TIMEZONE America/New_York,
// every time a person reads is in New York time with its zone, across a
// daylight-saving switch; durations are unchanged.
func TestDraftTimesInIncidentZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	// Clocks went forward at 2024-03-10 07:00 UTC (02:00 EST → 03:00 EDT).
	start := time.Date(2024, 3, 10, 6, 30, 0, 0, time.UTC)
	s := &scenario{inc: incident.Incident{
		Number: 7, Title: "api slow", Severity: incident.P2, Status: incident.Resolved, ChannelID: "C7",
		DeclaredBy: "UALI0001", DeclaredAt: start, ResolvedAt: start.Add(90 * time.Minute),
	}}
	l := &s.log
	l.add(incident.Event{Kind: incident.KindDeclared, Actor: "UALI0001", At: start, Data: map[string]string{"severity": "P2", "title": "api slow"}})
	s.keySeq = l.add(incident.Event{Kind: incident.KindMessage, Actor: "UBEA0002", TS: tsOf(2), At: start.Add(60 * time.Minute), Text: "found it: the cache is cold"})
	l.add(incident.Event{Kind: incident.KindMark, Actor: "UALI0001", TS: tsOf(2), Mark: incident.MarkKeyEvent, At: start.Add(61 * time.Minute)})
	l.add(incident.Event{Kind: incident.KindStatus, Actor: "UALI0001", At: start.Add(90 * time.Minute), Data: map[string]string{"from": "investigating", "to": "resolved"}})
	req := incident.DraftRequest{Kind: incident.DraftPostmortem, Incident: s.inc, Events: l.events, Now: start.Add(2 * time.Hour), Names: names, Location: ny}

	d := llm.New(llm.Config{}, nil)
	dr := d.Template(req, "testing")

	for _, want := range []string{
		"- Declared: 2024-03-10 01:30 EST by @ali",
		"- Resolved: 2024-03-10 04:00 EDT",
		"- Duration: 1h 30m",
		"- Status: resolved (investigating → resolved at 04:00 EDT)",
		"- 01:30 EST @ali: declared P2",
		"- 03:30 EDT @bea (key event): “found it: the cache is cold”",
		"_Computed: declared 2024-03-10 01:30 EST by @ali._",
	} {
		if !strings.Contains(dr.Text, want) {
			t.Errorf("postmortem lacks %q:\n%s", want, dr.Text)
		}
	}
	if strings.Contains(dr.Text, "UTC") {
		t.Errorf("a time is still in UTC:\n%s", dr.Text)
	}

	// The prompt names the zone once and, because the abbreviation changes
	// during the incident, marks each line with its own.
	p := d.BuildPrompt(req)
	for _, want := range []string{
		"- Time zone: America/New_York (EDT); every time below is in it",
		"- Declared: 2024-03-10 01:30 EST by @ali",
		"[E1] 01:30 EST @ali (system): declared P2",
		fmt.Sprintf("[E%d] 03:30 EDT @bea [KEY EVENT]: found it", s.keySeq),
	} {
		if !strings.Contains(p.User, want) {
			t.Errorf("prompt lacks %q:\n%s", want, p.User)
		}
	}

	// An update in summer: EDT, and the next-update time in it too.
	up := newScenario().request(incident.DraftUpdate)
	up.Location = ny
	ut := d.Template(up, "testing").Text
	for _, want := range []string{"Status: identified since 10:12 EDT.", "**Next update:** by 10:50 EDT (P1 updates every 20m)"} {
		if !strings.Contains(ut, want) {
			t.Errorf("update lacks %q:\n%s", want, ut)
		}
	}
	if p := d.BuildPrompt(up); !strings.Contains(p.User, "\n[E8] 10:08 @bea [KEY EVENT]") || !strings.Contains(p.User, "- Time zone: America/New_York (EDT)") {
		t.Errorf("summer prompt lines are not in New York time:\n%s", p.User)
	}
}
