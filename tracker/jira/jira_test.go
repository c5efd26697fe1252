package jira_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/jirafake"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/tracker/jira"
)

const (
	email   = "bot@acme.example"
	token   = "ATATT-secret-token-123"
	project = "OPS"
)

// The methods the export handler calls, exactly as it declares them.
var _ interface {
	Create(ctx context.Context, project string, is incident.TrackerIssue) (incident.TrackerRef, error)
	Find(ctx context.Context, project, key string) (ref incident.TrackerRef, found bool, err error)
	State(ctx context.Context, ref incident.TrackerRef) (done bool, err error)
} = (*jira.Client)(nil)

var _ jira.Sink = (*sink)(nil)

// waits records the retry waits a client asked for, without sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

func setup(t testing.TB, edit ...func(*jira.Config)) (*jirafake.Server, *jira.Client, *waits) {
	t.Helper()
	fake := jirafake.New(email, token, project, "WEB")
	t.Cleanup(fake.Close)
	w := &waits{}
	cfg := jira.Config{BaseURL: "https://acme.atlassian.net", APIURL: fake.URL(), Email: email, Token: token,
		Policy: retry.Policy{MaxRetries: 3, Sleep: w.sleep}}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := jira.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, w
}

func item(key string) incident.TrackerIssue {
	return incident.TrackerIssue{Key: key, Title: "Add a canary for\nthe payments deploy",
		Body:     "The deploy went out to all hosts at once.\n\n- add a canary stage\n- alert on `5xx` rate\n\nSee [the runbook](https://wiki.acme.example/payments).",
		Assignee: "5b109f2e9729b51b54dc274d", Due: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC),
		Labels: []string{"postmortem", "INC 12", "postmortem"}}
}

func TestCreateCarriesEverything(t *testing.T) {
	fake, c, _ := setup(t)
	is := item("incidentbot/INC-12/a3f9")
	ref, err := c.Create(context.Background(), project, is)
	if err != nil {
		t.Fatal(err)
	}
	want := incident.TrackerRef{Kind: incident.TrackerJira, Project: project, ID: "10001", Key: "OPS-1",
		URL: "https://acme.atlassian.net/browse/OPS-1"}
	if ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
	got := fake.Issues()
	if len(got) != 1 {
		t.Fatalf("Jira holds %d issues, want 1", len(got))
	}
	g := got[0]
	if g.Summary != "Add a canary for the payments deploy" || g.Type != "Task" || g.Assignee != is.Assignee ||
		g.Due != "2026-04-03" || g.Status != "To Do" || g.Created != 1 {
		t.Errorf("issue = %+v", g)
	}
	wantLabels := []string{"postmortem", "INC-12", jira.KeyLabel(is.Key)}
	if !slices.Equal(g.Labels, wantLabels) {
		t.Errorf("labels = %q, want %q", g.Labels, wantLabels)
	}
	if !strings.HasPrefix(jira.KeyLabel(is.Key), "incidentbot-INC-12-a3f9-") {
		t.Errorf("key label %q is not readable", jira.KeyLabel(is.Key))
	}
	for _, line := range []string{"The deploy went out to all hosts at once.", "add a canary stage", "alert on 5xx rate",
		"See the runbook.", "Exported by incidentbot, item incidentbot/INC-12/a3f9"} {
		if !strings.Contains(g.Body, line) {
			t.Errorf("body %q lacks %q", g.Body, line)
		}
	}
	if strings.Contains(g.Body, "Owner:") || strings.Contains(g.Body, "Due:") {
		t.Errorf("body %q repeats fields Jira took", g.Body)
	}
}

func TestFindSeesAJustCreatedIssueAndNoOtherKeys(t *testing.T) {
	fake, c, _ := setup(t)
	// Jira's search lags its writes; the client's own creates must not.
	fake.SetSearchLag(time.Hour)
	ctx := context.Background()
	ref, err := c.Create(ctx, project, item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := c.Find(ctx, project, "incidentbot/INC-12/a3f9")
	if err != nil || !found || got != ref {
		t.Errorf("Find = %+v, %v, %v; want %+v", got, found, err, ref)
	}
	for _, other := range []string{"incidentbot/INC-12/a3f8", "incidentbot-INC-12-a3f9", "incidentbot/INC-1"} {
		if got, found, err := c.Find(ctx, project, other); err != nil || found {
			t.Errorf("Find(%q) = %+v, %v, %v; want nothing", other, got, found, err)
		}
	}
	if _, found, err := c.Find(ctx, "WEB", "incidentbot/INC-12/a3f9"); err != nil || found {
		t.Errorf("Find in another project = %v, %v; want nothing", found, err)
	}
}

func TestFindAfterALostAnswerRecoversTheIssue(t *testing.T) {
	for _, lag := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run("search lag "+lag.String(), func(t *testing.T) {
			fake, c, _ := setup(t)
			fake.SetSearchLag(lag)
			fake.DropNextCreate()
			ctx := context.Background()
			is := item("incidentbot/INC-7/0b1c")
			if _, err := c.Create(ctx, project, is); err == nil {
				t.Fatal("Create reported success though the answer was lost")
			}
			if n := fake.CreateRequests(); n != 1 {
				t.Errorf("a create without an answer was sent %d times, want once", n)
			}
			ref, found, err := c.Find(ctx, project, is.Key)
			if err != nil || !found || ref.Key != "OPS-1" {
				t.Fatalf("Find = %+v, %v, %v; want OPS-1", ref, found, err)
			}
			if got := fake.Issues(); len(got) != 1 || got[0].Created != 1 {
				t.Errorf("Jira holds %+v; want the one issue, no second create needed", got)
			}
		})
	}
}

func TestCreateRetriesA429AsAsked(t *testing.T) {
	fake, c, w := setup(t)
	fake.FailNext(2, http.StatusTooManyRequests)
	if _, err := c.Create(context.Background(), project, item("k1")); err != nil {
		t.Fatal(err)
	}
	if got := w.all(); !slices.Equal(got, []time.Duration{time.Second, time.Second}) {
		t.Errorf("waits = %v, want the Retry-After of 1s twice", got)
	}
	if n := fake.CreateRequests(); n != 3 || len(fake.Issues()) != 1 {
		t.Errorf("%d create requests, %d issues; want 3 and 1", n, len(fake.Issues()))
	}
}

func TestCreateDoesNotRepeatA500(t *testing.T) {
	fake, c, _ := setup(t)
	fake.FailNext(1, http.StatusInternalServerError)
	_, err := c.Create(context.Background(), project, item("k1"))
	if err == nil || retry.StatusOf(err) != 500 || incident.ErrorMessage(err) != "Jira is having trouble (HTTP 500)" {
		t.Fatalf("Create = %v; want the 500 said", err)
	}
	if n := fake.Requests(); n != 1 {
		t.Errorf("%d requests reached Jira, want 1: a create after a 5xx may have worked", n)
	}
}

func TestFindAndStateRetryA500(t *testing.T) {
	fake, c, w := setup(t)
	ctx := context.Background()
	ref, err := c.Create(ctx, project, item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	fake.FailNext(2, http.StatusBadGateway)
	if got, found, err := c.Find(ctx, project, "k1"); err != nil || !found || got != ref {
		t.Errorf("Find = %+v, %v, %v", got, found, err)
	}
	fake.FailNext(1, http.StatusServiceUnavailable)
	if done, err := c.State(ctx, ref); err != nil || done {
		t.Errorf("State = %v, %v; want open", done, err)
	}
	if n := len(w.all()); n != 3 {
		t.Errorf("%d retries, want 3", n)
	}
}

func TestStateFollowsTheStatusCategory(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := context.Background()
	ref, err := c.Create(ctx, project, item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, done := range []bool{true, false, true} {
		if err := fake.SetDone(ref.Key, done); err != nil {
			t.Fatal(err)
		}
		if got, err := c.State(ctx, ref); err != nil || got != done {
			t.Errorf("State after SetDone(%v) = %v, %v", done, got, err)
		}
	}
	byKey := ref
	byKey.ID = ""
	if got, err := c.State(ctx, byKey); err != nil || !got {
		t.Errorf("State by key = %v, %v", got, err)
	}
	_, err = c.State(ctx, incident.TrackerRef{Key: "OPS-99"})
	if retry.StatusOf(err) != 404 || !strings.Contains(incident.ErrorMessage(err), jira.EnvBaseURL) {
		t.Errorf("State of a missing issue = %v", err)
	}
}

func TestRefusalsAreSaid(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*jira.Config)
		project string
		want    []string
	}{
		{"wrong token", func(c *jira.Config) { c.Token = "not-it" }, project,
			[]string{"Jira refused the credentials", jira.EnvEmail, jira.EnvToken, jira.EnvAPIURL}},
		{"unknown project", nil, "NOPE", []string{"Jira refused it", "project: valid project is required", "check the project key"}},
		{"unknown issue type", func(c *jira.Config) { c.IssueType = "Epic Saga" }, project, []string{"issuetype: The issue type selected is invalid."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits := []func(*jira.Config){}
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			fake, c, _ := setup(t, edits...)
			_, err := c.Create(context.Background(), tt.project, item("k1"))
			if err == nil {
				t.Fatal("Create succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(incident.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", incident.ErrorMessage(err), w)
				}
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "not-it") {
				t.Errorf("the error shows the token: %v", err)
			}
			if n := fake.CreateRequests(); n != 1 {
				t.Errorf("%d create requests, want 1", n)
			}
		})
	}
}

func TestCreateWithoutFieldsTheScreenLacks(t *testing.T) {
	for _, hidden := range [][]string{{"duedate"}, {"assignee"}, {"assignee", "duedate"}} {
		t.Run(strings.Join(hidden, "+"), func(t *testing.T) {
			fake, c, _ := setup(t)
			for _, f := range hidden {
				fake.HideField(f)
			}
			is := item("k1")
			ref, err := c.Create(context.Background(), project, is)
			if err != nil || ref.Key != "OPS-1" {
				t.Fatalf("Create = %+v, %v", ref, err)
			}
			got := fake.Issues()
			if len(got) != 1 {
				t.Fatalf("%d issues, want 1", len(got))
			}
			g := got[0]
			if slices.Contains(hidden, "duedate") != (g.Due == "") || slices.Contains(hidden, "assignee") != (g.Assignee == "") {
				t.Errorf("fields kept: due %q, assignee %q", g.Due, g.Assignee)
			}
			if slices.Contains(hidden, "duedate") && !strings.Contains(g.Body, "Due: 2026-04-03") {
				t.Errorf("body %q lacks the due date", g.Body)
			}
			if slices.Contains(hidden, "assignee") && !strings.Contains(g.Body, "Owner: @"+is.Assignee) {
				t.Errorf("body %q lacks the owner", g.Body)
			}
		})
	}
}

func TestCreateDoesNotDropOtherRefusedFields(t *testing.T) {
	fake, c, _ := setup(t)
	fake.HideField("duedate")
	is := item("k1")
	is.Title = "   "
	_, err := c.Create(context.Background(), project, is)
	msg := incident.ErrorMessage(err)
	if !strings.Contains(msg, "duedate: Field 'duedate' cannot be set") || !strings.Contains(msg, "summary: You must specify a summary") {
		t.Errorf("message = %q; want both fields named", msg)
	}
	if n := fake.CreateRequests(); n != 1 {
		t.Errorf("%d create requests, want 1: the summary would be refused again", n)
	}
}

func TestNewSaysWhatIsMissing(t *testing.T) {
	for _, cfg := range []jira.Config{{Email: email, Token: token}, {BaseURL: "acme.atlassian.net", Email: email, Token: token},
		{BaseURL: "https://acme.atlassian.net", Token: token}} {
		if _, err := jira.New(cfg); err == nil || !strings.Contains(err.Error(), "JIRA_") {
			t.Errorf("New(%+v) = %v; want a sentence naming the variable", cfg, err)
		}
	}
}

func TestCreateNeedsAKey(t *testing.T) {
	_, c, _ := setup(t)
	if _, err := c.Create(context.Background(), project, incident.TrackerIssue{Title: "x"}); err == nil {
		t.Error("Create without a key succeeded")
	}
}

func TestFindGivesUpWhenTheContextEnds(t *testing.T) {
	fake, c, _ := setup(t)
	fake.SetSearchLag(time.Hour)
	fake.DropNextCreate()
	_, _ = c.Create(context.Background(), project, item("k1"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, found, err := c.Find(ctx, project, "k1"); found || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Find = %v, %v; want the deadline", found, err)
	}
}

// BenchmarkCreate is one export to the fake over loopback.
func BenchmarkCreate(b *testing.B) {
	_, c, _ := setup(b)
	ctx := context.Background()
	is := item("bench")
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		is.Key = fmt.Sprintf("bench/%d", i)
		if _, err := c.Create(ctx, project, is); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/op")
}
