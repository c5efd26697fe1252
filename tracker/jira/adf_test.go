package jira

import (
	"encoding/json"
	"testing"
)

func TestMarkdownADF(t *testing.T) {
	tests := []struct {
		name, md, want string
	}{
		{"empty", "", `[]`},
		{"paragraphs join their lines", "one\ntwo\n\nthree",
			`[{"content":[{"text":"one two","type":"text"}],"type":"paragraph"},{"content":[{"text":"three","type":"text"}],"type":"paragraph"}]`},
		{"bullets", "- a\n* b `c`",
			`[{"content":[{"content":[{"content":[{"text":"a","type":"text"}],"type":"paragraph"}],"type":"listItem"},` +
				`{"content":[{"content":[{"text":"b ","type":"text"},{"marks":[{"type":"code"}],"text":"c","type":"text"}],"type":"paragraph"}],"type":"listItem"}],"type":"bulletList"}]`},
		{"ordered from 3", "3. x\n4. y",
			`[{"attrs":{"order":3},"content":[{"content":[{"content":[{"text":"x","type":"text"}],"type":"paragraph"}],"type":"listItem"},` +
				`{"content":[{"content":[{"text":"y","type":"text"}],"type":"paragraph"}],"type":"listItem"}],"type":"orderedList"}]`},
		{"fenced code keeps its text", "```sh\n# not a heading\n- not a list\n```",
			`[{"attrs":{"language":"sh"},"content":[{"text":"# not a heading\n- not a list","type":"text"}],"type":"codeBlock"}]`},
		{"empty code block has no empty text", "```\n```", `[{"type":"codeBlock"}]`},
		{"heading", "## Why", `[{"attrs":{"level":2},"content":[{"text":"Why","type":"text"}],"type":"heading"}]`},
		{"links", "see [docs](https://x.example/a) or https://y.example/b.",
			`[{"content":[{"text":"see ","type":"text"},{"marks":[{"attrs":{"href":"https://x.example/a"},"type":"link"}],"text":"docs","type":"text"},` +
				`{"text":" or ","type":"text"},{"marks":[{"attrs":{"href":"https://y.example/b"},"type":"link"}],"text":"https://y.example/b","type":"text"},{"text":".","type":"text"}],"type":"paragraph"}]`},
		{"no script links", "[x](javascript:alert(1))",
			`[{"content":[{"text":"[x](javascript:alert(1))","type":"text"}],"type":"paragraph"}]`},
		{"bold inside a link", "[**now**](https://x.example)",
			`[{"content":[{"marks":[{"attrs":{"href":"https://x.example"},"type":"link"},{"type":"strong"}],"text":"now","type":"text"}],"type":"paragraph"}]`},
		{"code is not read as markdown", "`**a** [b](https://c)`",
			`[{"content":[{"marks":[{"type":"code"}],"text":"**a** [b](https://c)","type":"text"}],"type":"paragraph"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(markdownADF(tt.md))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "[]" && string(got) == "null" {
				got = []byte("[]")
			}
			if string(got) != tt.want {
				t.Errorf("markdownADF(%q) =\n%s\nwant\n%s", tt.md, got, tt.want)
			}
		})
	}
}

func TestKeyLabel(t *testing.T) {
	a, b := KeyLabel("incidentbot/INC-12/a3f9"), KeyLabel("incidentbot-INC-12-a3f9")
	if a == b {
		t.Errorf("keys that sanitize alike share the label %q", a)
	}
	if l := KeyLabel("incidentbot/INC-12/a3f9 with spaces"); Label(l) != l || len(l) > 255 {
		t.Errorf("KeyLabel gave %q, which Jira would not take as it is", l)
	}
	if Label("  INC 12 / payments  ") != "INC-12-payments" {
		t.Errorf("Label = %q", Label("  INC 12 / payments  "))
	}
}
