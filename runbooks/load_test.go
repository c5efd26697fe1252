package runbooks_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/incidentbot/incidentbot/incident"

	"github.com/incidentbot/incidentbot/runbooks"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// problemStrings formats problems the way lint prints them.
func problemStrings(ps []runbooks.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name     string
		files    fstest.MapFS
		want     []string // problems, in order
		sections int
	}{
		{
			name:     "clean file",
			files:    fstest.MapFS{"a.md": file("# A\ntext\n## B\nmore\n")},
			sections: 2,
		},
		{
			name: "broken front matter is an error and the file is skipped",
			files: fstest.MapFS{
				"bad.md":  file("---\ntitle: [x\n---\n# Bad\n"),
				"good.md": file("# Good\ntext\n"),
			},
			want:     []string{"bad.md: error: front matter: yaml: line 1: did not find expected ',' or ']'; file skipped"},
			sections: 1,
		},
		{
			name:     "invalid UTF-8 is skipped",
			files:    fstest.MapFS{"bin.md": file("# A\n\xff\xfe\n")},
			want:     []string{"bin.md: error: not valid UTF-8; file skipped"},
			sections: 0,
		},
		{
			name:     "no headings is a warning and still searchable",
			files:    fstest.MapFS{"plain.md": file("restart the thing\n")},
			want:     []string{"plain.md: warning: no headings: the whole file is one search result; split it with # headings"},
			sections: 1,
		},
		{
			name:     "empty section, but a heading whose body is its subsections is fine",
			files:    fstest.MapFS{"e.md": file("# A\n## Parent\n### Child\ntext\n## Empty\n\n## Last\nx\n")},
			want:     []string{`e.md:5: warning: empty section "Empty"`},
			sections: 5,
		},
		{
			name:     "duplicate heading trail is an error",
			files:    fstest.MapFS{"d.md": file("# A\n## Fix\nx\n## Fix\ny\n# B\n## Fix\nz\n")},
			want:     []string{`d.md:4: error: duplicate heading "A > Fix" (first on line 2)`},
			sections: 5,
		},
		{
			name:     "last_reviewed that is not a date",
			files:    fstest.MapFS{"r.md": file("---\nlast_reviewed: last spring\n---\n# A\nx\n")},
			want:     []string{`r.md: warning: last_reviewed "last spring" is not a date like 2025-01-31`},
			sections: 1,
		},
		{
			name: "hidden directories and other files are ignored, subdirectories are not",
			files: fstest.MapFS{
				".git/x.md":      file("# Hidden\n"),
				"notes.txt":      file("# Text\n"),
				"db/postgres.md": file("# Postgres\nx\n"),
			},
			sections: 1,
		},
		{
			name: "a broken synonyms file is an error; search still works",
			files: fstest.MapFS{
				"synonyms.yaml": file("- [lonely]\n"),
				"a.md":          file("# A\nx\n"),
			},
			want:     []string{"synonyms.yaml: error: group 1 has 1 words; a synonym group needs at least 2"},
			sections: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, ps, err := runbooks.Load(tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if got := problemStrings(ps); !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
			if _, n := ix.Count(); n != tt.sections {
				t.Errorf("%d sections, want %d", n, tt.sections)
			}
		})
	}
}

func TestLoadSynonymsFile(t *testing.T) {
	fsys := fstest.MapFS{
		"pay.md":        file("# Adyen outage\nThe acquirer is failing authorisations.\n"),
		"other.md":      file("# Something else\nnothing to see\n"),
		"synonyms.yaml": file("- [psp, adyen, acquirer]\n- [checkout, \"order placement\"]\n"),
	}
	ix, ps, err := runbooks.Load(fsys)
	if err != nil || len(ps) > 0 {
		t.Fatalf("load: %v %v", err, ps)
	}
	for _, q := range []string{"psp down", "acquirer"} {
		hits := ix.Search(q, 1)
		if len(hits) != 1 || hits[0].File != "pay.md" {
			t.Errorf("Search(%q) = %+v, want pay.md", q, hits)
		}
	}
}

func TestSearch(t *testing.T) {
	ix, _, err := runbooks.Load(runbooks.Starter())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		wantPath    string // the first hit's path must contain this
	}{
		{"stemming: expired finds expiry", "certificates expired", "TLS certificate expiry"},
		{"abbreviation k8s", "k8s rollback", "Roll back on Kubernetes"},
		{"multi-word synonym: rate limit is 429", "rate limited by openai", "LLM provider outage"},
		{"typo within one edit", "evicton", "Redis memory and eviction"},
		{"typo within two edits for long words", "certifcate expirey", "TLS certificate expiry"},
		{"heading beats body", "verify", "> Verify"},
		{"case and punctuation do not matter", "NO SPACE LEFT ON DEVICE!!!", "Disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.query, 3)
			if len(hits) == 0 || !strings.Contains(hits[0].Path, tt.wantPath) {
				t.Fatalf("Search(%q) first = %v, want path containing %q", tt.query, paths(hits), tt.wantPath)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Score > hits[i-1].Score {
					t.Errorf("hits not best first: %v", hits)
				}
			}
		})
	}
	t.Run("limit and empty queries", func(t *testing.T) {
		if got := len(ix.Search("deploy", 2)); got != 2 {
			t.Errorf("limit 2 gave %d hits", got)
		}
		for _, q := range []string{"", "   ", "the and of", "zzqxv"} {
			if hits := ix.Search(q, 3); len(hits) != 0 {
				t.Errorf("Search(%q) = %v, want none", q, paths(hits))
			}
		}
		if hits := ix.Search("deploy", 0); len(hits) != 0 {
			t.Errorf("limit 0 gave %d hits", len(hits))
		}
	})
}

func paths(hits []incident.RunbookHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Path)
	}
	return out
}

func TestSuggest(t *testing.T) {
	ix, _, err := runbooks.Load(runbooks.Starter())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		title    string
		wantFile string // "" = no suggestion
	}{
		{"Postgres connections exhausted on api", "postgres-connection-exhaustion.md"},
		{"TLS cert expired on api.example.com", "tls-certificate-expiry.md"},
		{"OpenAI returning 429s", "llm-provider-outage.md"},
		{"quarterly planning offsite", ""},
		{"new logo colours", ""},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			hits := ix.Suggest(tt.title, 3)
			if tt.wantFile == "" {
				if len(hits) > 0 {
					t.Fatalf("Suggest(%q) = %v, want nothing", tt.title, paths(hits))
				}
				return
			}
			if len(hits) == 0 || hits[0].File != tt.wantFile {
				t.Fatalf("Suggest(%q) = %v, want %s first", tt.title, paths(hits), tt.wantFile)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	ix, _, err := runbooks.Load(fstest.MapFS{"a.md": file("# Postgres replication\nreplica lag and failover\n")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  string
	}{
		{"postgrs", "postgres"},
		{"replcation", "replication"},
		{"repli", "replica"},
		{"failovr", "failover"},
	}
	for _, tt := range tests {
		if got := ix.Closest(tt.query); !slices.Contains(got, tt.want) {
			t.Errorf("Closest(%q) = %q, want it to contain %q", tt.query, got, tt.want)
		}
	}
	if got := ix.Closest("postgres"); len(got) != 0 {
		t.Errorf("Closest of a known word = %q, want none", got)
	}
}

func TestSnippet(t *testing.T) {
	ix, _, err := runbooks.Load(runbooks.Starter())
	if err != nil {
		t.Fatal(err)
	}
	text := "## Check\nFirst line without it.\nThe Certificate has EXPIRED today.\nAnother cert line.\n"
	tests := []struct {
		name, query string
		max         int
		want        string
	}{
		{"marks stems and synonyms, keeps case", "certificates expiry", 5, "The *Certificate* has *EXPIRED* today.\nAnother *cert* line."},
		{"stops at max lines", "cert", 1, "The *Certificate* has EXPIRED today."},
		{"no match falls back to the first lines", "kafka", 1, "First line without it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ix.Snippet(text, tt.query, tt.max); got != tt.want {
				t.Errorf("Snippet = %q, want %q", got, tt.want)
			}
		})
	}
}
