package llm

import (
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
)

func TestParseDraft(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		summary string
		titles  []string
		cites   [][]int
		items   int
		wantErr bool
	}{
		{"plain", `{"summary":"s","sections":[{"title":"Impact","text":"t","citations":[3,4]}]}`, "s", []string{"Impact"}, [][]int{{3, 4}}, 0, false},
		{"fenced", "```json\n{\"summary\":\"s\"}\n```", "s", nil, nil, 0, false},
		{"prose around", `Sure! Here it is: {"summary":"s"} Hope that helps.`, "s", nil, nil, 0, false},
		{"string citations", `{"sections":[{"title":"A","text":"t","citations":["E12","7","x",2.5]}]}`, "", []string{"A"}, [][]int{{12, 7, -1, -1}}, 0, false},
		{"sections as object", `{"summary":"s","sections":{"Impact":"i","Detection":"d"}}`, "s", []string{"Impact", "Detection"}, [][]int{nil, nil}, 0, false},
		{"string action items", `{"summary":"s","action_items":["fix it",{"text":"alert","owner":null,"due":null},{"owner":"x"}]}`, "s", nil, nil, 2, false},
		{"not json", "I cannot help with that.", "", nil, nil, 0, true},
		{"invalid json", `{"summary": "s",}`, "", nil, nil, 0, true},
		{"empty object", `{}`, "", nil, nil, 0, true},
		{"wrong types", `{"summary":42,"sections":"none"}`, "", nil, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, err := parseDraft(tt.in)
			if tt.wantErr {
				if !errors.Is(err, errUnreadable) {
					t.Fatalf("err = %v, want errUnreadable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if md.Summary != tt.summary || len(md.ActionItems) != tt.items {
				t.Errorf("summary %q items %d, want %q %d", md.Summary, len(md.ActionItems), tt.summary, tt.items)
			}
			var titles []string
			var cites [][]int
			for _, s := range md.Sections {
				titles = append(titles, s.Title)
				cites = append(cites, s.Citations)
			}
			if !slices.Equal(titles, tt.titles) || !slices.EqualFunc(cites, tt.cites, func(a, b []int) bool { return slices.Equal(a, b) }) {
				t.Errorf("sections %v %v, want %v %v", titles, cites, tt.titles, tt.cites)
			}
		})
	}
}

func TestBlameFlags(t *testing.T) {
	tests := []struct {
		text  string
		blame bool
	}{
		{"<@U123ABC> caused the outage by pushing a bad config.", true},
		{"It failed because Alice deployed on a Friday.", true},
		{"This was Bob's mistake.", true},
		{"Root cause: human error by the on-call.", true},
		{"The outage was caused by <@U99ZZZ>.", true},
		{"@sam forgot to run the migration.", true},
		{"The deploy caused the outage because the timeout was too short.", false},
		{"It failed because The config lacked a default.", false},
		{"The service's error rate rose to 35%.", false},
		{"<@U123ABC> rolled back the deploy at 14:13.", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := len(blameFlags(tt.text)) > 0; got != tt.blame {
				t.Errorf("blameFlags(%q) = %v, want blame=%v", tt.text, blameFlags(tt.text), tt.blame)
			}
		})
	}
}

// FuzzParseDraft: whatever a model answers, parsing and checking never panic,
// and every citation a checked draft keeps exists in the timeline.
func FuzzParseDraft(f *testing.F) {
	for _, s := range []string{
		`{"summary":"s [E2]","sections":[{"title":"Impact","text":"t [E9]","citations":[1,2,99]}],"action_items":[{"text":"a","owner":"<@U1234567>","due":"2024-01-02"}]}`,
		"```json\n{\"summary\":\"x\"}\n```",
		`{"sections":{"Impact":"i"}}`,
		`{"summary":["a","b"],"action_items":["x"]}`,
		`not json at all`,
		`{"sections":[{"citations":["E1",-3,1e99,null]}]}`,
	} {
		f.Add(s)
	}
	entries := []incident.Entry{{Seq: 1}, {Seq: 2}, {Seq: 3}}
	v := newVoice(incident.DraftRequest{Names: map[string]string{"U1234567": "ali"}})
	f.Fuzz(func(t *testing.T, in string) {
		md, err := parseDraft(in)
		if err != nil {
			return
		}
		for _, kind := range []incident.DraftKind{incident.DraftUpdate, incident.DraftPostmortem} {
			c := check(kind, md, entries, v)
			_, cites := evidenceOf(kind, c.body)
			for _, n := range cites {
				if n < 1 || n > 3 {
					t.Fatalf("check kept citation %d, which is not in the timeline", n)
				}
			}
			texts := []string{c.body.summary}
			for _, s := range c.body.sections {
				texts = append(texts, s)
			}
			for _, s := range c.body.extra {
				texts = append(texts, s.Title, s.Text)
			}
			for _, it := range c.body.items {
				texts = append(texts, it.Text, it.Owner)
			}
			for _, s := range texts {
				if m := publishedMarkup.FindString(s); m != "" {
					t.Fatalf("review markup %q left in %q", m, s)
				}
			}
		}
	})
}

// publishedMarkup is what must never reach a published draft: citation
// markers, warning signs, user mentions and broadcasts.
var publishedMarkup = regexp.MustCompile(`\[E\d+\]|⚠|<@|<!(?:here|channel|everyone|subteam)`)
