package github_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/tracker/github"
)

const token = "ghp_test-token-1234567890"

// sleeper records the retry waits and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return context.Cause(ctx)
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// setup starts a fake holding acme/app and a client for it.
func setup(t testing.TB) (*githubfake.Server, *github.Client, *sleeper) {
	t.Helper()
	fake := githubfake.New(token, "acme/app")
	t.Cleanup(fake.Close)
	s := &sleeper{}
	c := MustNew(t, github.Config{Token: token, APIURL: fake.URL(), Retry: retry.Policy{MaxRetries: 3, Sleep: s.Sleep}})
	return fake, c, s
}

func MustNew(t testing.TB, cfg github.Config) *github.Client {
	t.Helper()
	c, err := github.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func item(key string) incident.TrackerIssue {
	return incident.TrackerIssue{
		Key:      key,
		Title:    "Add a circuit breaker to the payments client",
		Body:     "From **INC-12**: the retries piled up.\n\n- [ ] measure first",
		Assignee: "alice",
		Due:      time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
		Labels:   []string{"incident", "postmortem", "Incident", " "},
	}
}

func TestCreateCarriesEverything(t *testing.T) {
	fake, c, _ := setup(t)
	ref, err := c.Create(t.Context(), "acme/app", item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	want := incident.TrackerRef{Kind: incident.TrackerGitHub, Project: "acme/app", ID: "1", Key: "acme/app#1",
		URL: strings.TrimSuffix(fake.URL(), "/") + "/acme/app/issues/1"}
	if ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}
	got := fake.Issues()
	if len(got) != 1 {
		t.Fatalf("fake holds %d issues, want 1", len(got))
	}
	is := got[0]
	if is.Title != item("").Title || !strings.HasPrefix(is.Body, item("").Body) ||
		!strings.Contains(is.Body, github.Marker("incidentbot/INC-12/a3f9")) {
		t.Errorf("title %q, body %q", is.Title, is.Body)
	}
	if !slices.Equal(is.Assignees, []string{"alice"}) || is.Owner != "" || is.Due != "2025-07-01" ||
		!slices.Equal(is.Labels, []string{"incident", "postmortem"}) || is.Key != "incidentbot/INC-12/a3f9" ||
		is.Created != 1 || is.Done {
		t.Errorf("issue = %+v", is)
	}
}

func TestCreateWithoutDueOrOwner(t *testing.T) {
	fake, c, _ := setup(t)
	is := item("k1")
	is.Due, is.Assignee, is.Labels = time.Time{}, "", nil
	if _, err := c.Create(t.Context(), "acme/app", is); err != nil {
		t.Fatal(err)
	}
	got := fake.Issues()[0]
	if got.Due != "" || got.Owner != "" || len(got.Assignees) != 0 || strings.Contains(got.Body, "Due:") {
		t.Errorf("issue = %+v", got)
	}
}

// GitHub refuses an owner who cannot be assigned in the repository (422):
// the issue is made anyway, naming the owner in its body.
func TestCreateUnassignableOwner(t *testing.T) {
	fake, c, _ := setup(t)
	fake.SetAssignable("bob")
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err != nil {
		t.Fatal(err)
	}
	got := fake.Issues()
	if len(got) != 1 || len(got[0].Assignees) != 0 || got[0].Owner != "alice" || got[0].Due != "2025-07-01" {
		t.Fatalf("issues = %+v", got)
	}
	if n := fake.Requests(); n != 2 {
		t.Errorf("requests = %d, want 2 (refused, then without the assignee)", n)
	}
}

func TestFind(t *testing.T) {
	_, c, _ := setup(t)
	ctx := t.Context()
	a, err := c.Create(ctx, "acme/app", item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Create(ctx, "acme/app", item("incidentbot/INC-12/b000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key   string
		want  incident.TrackerRef
		found bool
	}{
		{"incidentbot/INC-12/a3f9", a, true},
		{"incidentbot/INC-12/b000", b, true},
		{"incidentbot/INC-12/a3f", incident.TrackerRef{}, false}, // a prefix is another key
		{"incidentbot/INC-13/a3f9", incident.TrackerRef{}, false},
	} {
		got, found, err := c.Find(ctx, "acme/app", tt.key)
		if err != nil || found != tt.found || got != tt.want {
			t.Errorf("Find(%q) = %+v, %v, %v; want %+v, %v", tt.key, got, found, err, tt.want, tt.found)
		}
	}
}

// The scan pages back through the labelled issues, and finds one whose
// labels GitHub dropped among the newest issues of all.
func TestFindPagesAndUnlabelled(t *testing.T) {
	_, c, _ := setup(t)
	ctx := t.Context()
	first, err := c.Create(ctx, "acme/app", item("old"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		if _, err := c.Create(ctx, "acme/app", item(fmt.Sprintf("k%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	bare := item("bare")
	bare.Labels = nil
	unlabelled, err := c.Create(ctx, "acme/app", bare)
	if err != nil {
		t.Fatal(err)
	}
	if got, found, err := c.Find(ctx, "acme/app", "old"); err != nil || !found || got != first {
		t.Errorf("Find(old) = %+v, %v, %v; want %+v", got, found, err, first)
	}
	if got, found, err := c.Find(ctx, "acme/app", "bare"); err != nil || !found || got != unlabelled {
		t.Errorf("Find(bare) = %+v, %v, %v; want %+v", got, found, err, unlabelled)
	}
}

// A key that would end the HTML comment is escaped, and still found.
func TestMarkerEscapes(t *testing.T) {
	fake, c, _ := setup(t)
	key := "x --> <b>boo</b>\nline2 %2D"
	ref, err := c.Create(t.Context(), "acme/app", item(key))
	if err != nil {
		t.Fatal(err)
	}
	body := fake.Issues()[0].Body
	if strings.Count(body, "-->") != 1 || strings.Contains(body, "<b>") || strings.Contains(body, "line2 %2D") {
		t.Errorf("marker not escaped: %q", body)
	}
	if got, found, err := c.Find(t.Context(), "acme/app", key); err != nil || !found || got != ref {
		t.Errorf("Find = %+v, %v, %v", got, found, err)
	}
	if _, found, _ := c.Find(t.Context(), "acme/app", "x -%2D> <b>boo</b>\nline2 %2D"); found {
		t.Error("a different key matched the escaped marker")
	}
}

// The create went through but its answer was lost: the create is not
// repeated, and Find recovers the issue so the caller makes no second.
func TestLostAnswerFindRecovers(t *testing.T) {
	fake, c, _ := setup(t)
	fake.DropNextCreate()
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err == nil {
		t.Fatal("Create succeeded without an answer")
	} else if !strings.Contains(incident.ErrorMessage(err), "GITHUB_API_URL") {
		t.Errorf("message = %q", incident.ErrorMessage(err))
	}
	if n := fake.Requests(); n != 1 {
		t.Errorf("requests = %d, want 1: a create is never repeated blindly", n)
	}
	ref, found, err := c.Find(t.Context(), "acme/app", "k1")
	if err != nil || !found || ref.ID != "1" {
		t.Fatalf("Find = %+v, %v, %v", ref, found, err)
	}
	if got := fake.Issues(); len(got) != 1 || got[0].Created != 1 {
		t.Errorf("issues = %+v", got)
	}
}

func TestCreateRetriesRateLimit(t *testing.T) {
	fake, c, s := setup(t)
	fake.FailNext(1, http.StatusTooManyRequests)
	if _, err := c.Create(t.Context(), "acme/app", item("k1")); err != nil {
		t.Fatal(err)
	}
	if got := s.Waits(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("waits = %v, want [1s] from Retry-After", got)
	}
	if n, got := fake.Requests(), fake.Issues(); n != 2 || len(got) != 1 {
		t.Errorf("requests = %d, issues = %d; want 2 and 1", n, len(got))
	}
}

func TestCreateDoesNotRetry5xx(t *testing.T) {
	fake, c, s := setup(t)
	fake.FailNext(1, http.StatusInternalServerError)
	_, err := c.Create(t.Context(), "acme/app", item("k1"))
	if err == nil || retry.StatusOf(err) != http.StatusInternalServerError {
		t.Fatalf("err = %v (status %d)", err, retry.StatusOf(err))
	}
	if n := fake.Requests(); n != 1 || len(s.Waits()) != 0 {
		t.Errorf("requests = %d, waits %v; want one request, no retry", n, s.Waits())
	}
	if msg := incident.ErrorMessage(err); !strings.Contains(msg, "GitHub is having trouble (HTTP 500)") {
		t.Errorf("message = %q", msg)
	}
	if !strings.Contains(err.Error(), "github: create issue in acme/app:") {
		t.Errorf("err = %q lacks its context", err)
	}
}

func TestFindRetries5xx(t *testing.T) {
	fake, c, s := setup(t)
	want, err := c.Create(t.Context(), "acme/app", item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	before := fake.Requests()
	fake.FailNext(2, http.StatusBadGateway)
	got, found, err := c.Find(t.Context(), "acme/app", "k1")
	if err != nil || !found || got != want {
		t.Fatalf("Find = %+v, %v, %v", got, found, err)
	}
	if n := fake.Requests() - before; n != 3 || len(s.Waits()) != 2 {
		t.Errorf("requests = %d, waits = %v; want 3 and two waits", n, s.Waits())
	}
}

func TestRefusals(t *testing.T) {
	fake, _, _ := setup(t)
	bad := MustNew(t, github.Config{Token: "ghp_wrong-secret-token", APIURL: fake.URL(),
		Retry: retry.Policy{MaxRetries: 3, Sleep: (&sleeper{}).Sleep}})
	good := MustNew(t, github.Config{Token: token, APIURL: fake.URL(), Retry: retry.Policy{MaxRetries: 3, Sleep: (&sleeper{}).Sleep}})
	tests := []struct {
		name   string
		call   func() error
		status int
		says   []string
	}{
		{"wrong token", func() error { _, err := bad.Create(t.Context(), "acme/app", item("k")); return err },
			401, []string{"GitHub refused the credentials", "GITHUB_TOKEN"}},
		{"wrong token on find", func() error { _, _, err := bad.Find(t.Context(), "acme/app", "k"); return err },
			401, []string{"GITHUB_TOKEN"}},
		{"no such repository", func() error { _, err := good.Create(t.Context(), "acme/nope", item("k")); return err },
			404, []string{"repository acme/nope", "GITHUB_TOKEN"}},
		{"no such issue", func() error {
			_, err := good.State(t.Context(), incident.TrackerRef{Project: "acme/app", ID: "99"})
			return err
		}, 404, []string{"issue acme/app#99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fake.Requests()
			err := tt.call()
			if err == nil || retry.StatusOf(err) != tt.status || retry.Retryable(err) {
				t.Fatalf("err = %v (status %d, retryable %v)", err, retry.StatusOf(err), retry.Retryable(err))
			}
			msg := incident.ErrorMessage(err)
			for _, s := range tt.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not say %q", msg, s)
				}
			}
			if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), token) {
				t.Errorf("the token leaked: %v", err)
			}
			if n := fake.Requests() - before; n != 1 {
				t.Errorf("requests = %d, want 1: refusals are not retried", n)
			}
		})
	}
}

func TestState(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := t.Context()
	ref, err := c.Create(ctx, "acme/app", item("k1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		set, want bool
	}{{false, false}, {true, true}, {false, false}} {
		if err := fake.SetDone("k1", step.set); err != nil {
			t.Fatal(err)
		}
		if done, err := c.State(ctx, ref); err != nil || done != step.want {
			t.Errorf("after SetDone(%v): State = %v, %v", step.set, done, err)
		}
	}
	if _, err := c.State(ctx, incident.TrackerRef{Project: "acme/app", ID: "x"}); err == nil {
		t.Error("State of a non-number succeeded")
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	if _, err := github.New(github.Config{Token: token, APIURL: "ftp://example.com"}); err == nil ||
		!strings.Contains(err.Error(), "GITHUB_API_URL") {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkCreate is one export's cost against the fake over loopback.
func BenchmarkCreate(b *testing.B) {
	_, c, _ := setup(b)
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, err := c.Create(ctx, "acme/app", item(fmt.Sprintf("bench/%d", n))); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n), "µs/create")
}
