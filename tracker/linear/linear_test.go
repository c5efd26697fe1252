package linear_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/linearfake"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/tracker/linear"
)

const apiKey = "lin_api_0123456789abcdefTESTKEY"

// sleeper records the waits and returns at once, so no test waits.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

func mustClient(t testing.TB, url, key string) (*linear.Client, *sleeper) {
	t.Helper()
	s := &sleeper{}
	c, err := linear.New(linear.Config{APIKey: key, URL: url, Policy: retry.Policy{MaxRetries: 3,
		Base: 100 * time.Millisecond, Max: time.Second, Sleep: s.Sleep, Jitter: func(d time.Duration) time.Duration { return d }}})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func mustFake(t testing.TB) *linearfake.Server {
	t.Helper()
	s := linearfake.New(apiKey, "ENG")
	t.Cleanup(s.Close)
	return s
}

// warm resolves and caches the team, so the next request a test counts is
// the one it is about.
func warm(t *testing.T, c *linear.Client) {
	t.Helper()
	if _, found, err := c.Find(context.Background(), "ENG", "incidentbot/INC-0/warm"); err != nil || found {
		t.Fatalf("warm-up Find = %v, %v", found, err)
	}
}

func item(key string) incident.TrackerIssue {
	return incident.TrackerIssue{Key: key, Title: "Add a retry budget to the checkout client",
		Body: "From **INC-12**: checkout fell over.\n\n- measure first\n- then cap", Assignee: "2f1c8a5e-0b5a-4c1e-9f4e-1a2b3c4d5e6f",
		Due: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), Labels: []string{"postmortem", "incident", "checkout"}}
}

// plain is an item without labels: one request once the team is cached.
func plain(key string) incident.TrackerIssue {
	is := item(key)
	is.Labels = nil
	return is
}

func TestCreateCarriesEverything(t *testing.T) {
	s := mustFake(t)
	s.AddLabel("ENG", "postmortem")
	s.AddLabel("", "Incident") // a workspace label, matched whatever the case
	c, _ := mustClient(t, s.URL(), apiKey)
	is := item("incidentbot/INC-12/a3f9")

	ref, err := c.Create(context.Background(), "ENG", is)
	if err != nil {
		t.Fatal(err)
	}

	issues := s.Issues()
	if len(issues) != 1 {
		t.Fatalf("the fake holds %d issues, want 1", len(issues))
	}
	got := issues[0]
	if got.Title != is.Title || got.Assignee != is.Assignee || got.Due != "2026-03-14" || got.Team != "ENG" || got.Created != 1 {
		t.Errorf("issue = %+v", got)
	}
	if !strings.HasPrefix(got.Body, is.Body) || !strings.HasSuffix(got.Body, linear.Marker(is.Key)) {
		t.Errorf("body = %q, want the Markdown then the marker", got.Body)
	}
	if want := []string{"postmortem", "Incident", "checkout"}; !slices.Equal(got.Labels, want) {
		t.Errorf("labels = %v, want %v", got.Labels, want)
	}
	if n := len(s.Labels()); n != 3 {
		t.Errorf("the fake holds %d labels, want 3 (only checkout made)", n)
	}
	want := incident.TrackerRef{Kind: incident.TrackerLinear, Project: "ENG", ID: got.ID, Key: "ENG-1", URL: got.URL}
	if ref != want {
		t.Errorf("ref = %+v, want %+v", ref, want)
	}

	// A second item reuses the cached team and labels.
	before := s.Requests()
	if _, err := c.Create(context.Background(), "ENG", item("incidentbot/INC-12/b7c1")); err != nil {
		t.Fatal(err)
	}
	if n := s.Requests() - before; n != 1 {
		t.Errorf("the second create took %d requests, want 1", n)
	}
}

func TestFindSeesJustCreatedAndOnlyItsKey(t *testing.T) {
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	ctx := context.Background()
	made, err := c.Create(ctx, "ENG", item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}

	ref, found, err := c.Find(ctx, "eng", "incidentbot/INC-12/a3f9")
	if err != nil || !found || ref != made {
		t.Errorf("Find = %+v, %v, %v, want %+v", ref, found, err, made)
	}
	if ref, found, err := c.Find(ctx, "ENG", "incidentbot/INC-12/ffff"); err != nil || found {
		t.Errorf("Find(another key) = %+v, %v, %v, want not found", ref, found, err)
	}
}

func TestLostAnswerIsFoundNotMadeTwice(t *testing.T) {
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	ctx := context.Background()
	is := item("incidentbot/INC-12/a3f9")
	s.DropNextCreate()

	if _, err := c.Create(ctx, "ENG", is); err == nil {
		t.Fatal("Create succeeded though its answer was dropped")
	}
	if n := s.Calls("issueCreate"); n != 1 {
		t.Errorf("issueCreate requests = %d, want 1: a create is not repeated blindly", n)
	}
	ref, found, err := c.Find(ctx, "ENG", is.Key)
	if err != nil || !found {
		t.Fatalf("Find = %v, %v, want the issue the lost create made", found, err)
	}
	if issues := s.Issues(); len(issues) != 1 || issues[0].ID != ref.ID || issues[0].Created != 1 {
		t.Fatalf("issues = %+v, want the one", issues)
	}

	// A caller that creates again anyway gets the same issue: Linear
	// refuses the taken id and the client reads it.
	again, err := c.Create(ctx, "ENG", is)
	if err != nil || again != ref {
		t.Errorf("second Create = %+v, %v, want %+v", again, err, ref)
	}
	if n := len(s.Issues()); n != 1 {
		t.Errorf("the fake holds %d issues, want 1", n)
	}
}

func TestRateLimitIsRetried(t *testing.T) {
	t.Run("HTTP 429 with Retry-After", func(t *testing.T) {
		s := mustFake(t)
		c, sl := mustClient(t, s.URL(), apiKey)
		warm(t, c)
		s.FailNext(1, http.StatusTooManyRequests)
		if _, err := c.Create(context.Background(), "ENG", plain("incidentbot/INC-12/a3f9")); err != nil {
			t.Fatal(err)
		}
		if n := s.Calls("issueCreate"); n != 2 {
			t.Errorf("issueCreate requests = %d, want 2", n)
		}
		if w := sl.Waits(); !slices.Equal(w, []time.Duration{time.Second}) {
			t.Errorf("waits = %v, want the Retry-After, 1s", w)
		}
	})
	t.Run("HTTP 400 RATELIMITED with the reset", func(t *testing.T) {
		s := mustFake(t)
		c, sl := mustClient(t, s.URL(), apiKey)
		warm(t, c)
		s.RateLimitNext(1, 3*time.Second)
		if _, err := c.Create(context.Background(), "ENG", plain("incidentbot/INC-12/a3f9")); err != nil {
			t.Fatal(err)
		}
		if w := sl.Waits(); len(w) != 1 || w[0] < 2*time.Second || w[0] > 3*time.Second {
			t.Errorf("waits = %v, want about 3s, until the reset", w)
		}
		if n := len(s.Issues()); n != 1 {
			t.Errorf("the fake holds %d issues, want 1", n)
		}
	})
	t.Run("gives up with a sentence", func(t *testing.T) {
		s := mustFake(t)
		c, _ := mustClient(t, s.URL(), apiKey)
		warm(t, c)
		s.RateLimitNext(10, time.Second)
		_, err := c.Create(context.Background(), "ENG", plain("incidentbot/INC-12/a3f9"))
		if retry.StatusOf(err) != http.StatusTooManyRequests || !strings.Contains(incident.ErrorMessage(err), "rate-limiting") {
			t.Errorf("Create = %v (status %d)", err, retry.StatusOf(err))
		}
	})
}

func TestServerErrorOnCreateIsNotRetried(t *testing.T) {
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	warm(t, c)
	s.FailNext(1, http.StatusInternalServerError)

	_, err := c.Create(context.Background(), "ENG", plain("incidentbot/INC-12/a3f9"))

	if n := s.Calls("issueCreate"); n != 1 {
		t.Errorf("issueCreate requests = %d, want 1", n)
	}
	if retry.StatusOf(err) != 500 || incident.ErrorCode(err) != incident.EUnavailable ||
		!strings.Contains(incident.ErrorMessage(err), "Linear is having trouble") ||
		!strings.HasPrefix(err.Error(), "linear: create issue in ENG: ") {
		t.Errorf("Create = %v", err)
	}
}

func TestServerErrorOnFindIsRetried(t *testing.T) {
	s := mustFake(t)
	c, sl := mustClient(t, s.URL(), apiKey)
	ctx := context.Background()
	made, err := c.Create(ctx, "ENG", item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(2, http.StatusBadGateway)

	ref, found, err := c.Find(ctx, "ENG", "incidentbot/INC-12/a3f9")

	if err != nil || !found || ref != made {
		t.Fatalf("Find = %+v, %v, %v", ref, found, err)
	}
	if n := s.Calls("issue"); n != 3 {
		t.Errorf("issue requests = %d, want 3", n)
	}
	if w := sl.Waits(); len(w) != 2 {
		t.Errorf("waits = %v, want two backoffs", w)
	}
}

func TestRefusedKeyNamesTheVariable(t *testing.T) {
	s := mustFake(t)
	for name, key := range map[string]string{"wrong key": "lin_api_wrongwrongwrong", "Bearer prefix": "Bearer " + apiKey} {
		t.Run(name, func(t *testing.T) {
			c, sl := mustClient(t, s.URL(), key)
			_, err := c.Create(context.Background(), "ENG", item("incidentbot/INC-12/a3f9"))
			if retry.StatusOf(err) != http.StatusUnauthorized || !strings.Contains(incident.ErrorMessage(err), linear.EnvAPIKey) {
				t.Errorf("Create = %v (status %d), want a 401 naming %s", err, retry.StatusOf(err), linear.EnvAPIKey)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the error shows the key: %v", err)
			}
			if len(sl.Waits()) != 0 {
				t.Errorf("a refused key was retried: %v", sl.Waits())
			}
		})
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	// A proxy that echoes the request headers into its error page.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway, you sent "+r.Header.Get("Authorization"), http.StatusBadGateway)
	}))
	defer echo.Close()
	c, _ := mustClient(t, echo.URL, apiKey)
	_, _, err := c.Find(context.Background(), "ENG", "incidentbot/INC-12/a3f9")
	if err == nil || strings.Contains(err.Error(), apiKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("Find = %v", err)
	}
}

func TestUnknownTeamSaysWhereToLook(t *testing.T) {
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	_, err := c.Create(context.Background(), "OPS", item("incidentbot/INC-12/a3f9"))
	if !errors.Is(err, incident.ErrNotFound) || incident.ErrorCode(err) != incident.ENotFound ||
		!strings.Contains(incident.ErrorMessage(err), "linear:TEAM") {
		t.Errorf("Create = %v", err)
	}
}

func TestStateFollowsThePerson(t *testing.T) {
	s := mustFake(t)
	c, _ := mustClient(t, s.URL(), apiKey)
	ctx := context.Background()
	ref, err := c.Create(ctx, "ENG", item("incidentbot/INC-12/a3f9"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		state string
		done  bool
	}{{"", false}, {"started", false}, {"completed", true}, {"canceled", false}, {"duplicate", false}, {"completed", true}, {"unstarted", false}}
	for _, st := range steps {
		if st.state != "" {
			if err := s.SetState(ref.Key, st.state); err != nil {
				t.Fatal(err)
			}
		}
		if done, err := c.State(ctx, ref); err != nil || done != st.done {
			t.Errorf("State after %q = %v, %v, want %v", st.state, done, err, st.done)
		}
	}
	if err := s.SetDone("incidentbot/INC-12/a3f9", true); err != nil {
		t.Fatal(err)
	}
	if done, err := c.State(ctx, incident.TrackerRef{Key: ref.Key}); err != nil || !done {
		t.Errorf("State by identifier = %v, %v, want done", done, err)
	}

	_, err = c.State(ctx, incident.TrackerRef{ID: "00000000-0000-4000-8000-000000000000", Key: "ENG-99"})
	if !errors.Is(err, incident.ErrNotFound) || !strings.Contains(incident.ErrorMessage(err), "ENG-99") {
		t.Errorf("State(missing) = %v", err)
	}
}

func TestNewNeedsAKey(t *testing.T) {
	if _, err := linear.New(linear.Config{}); err == nil || !strings.Contains(err.Error(), linear.EnvAPIKey) {
		t.Errorf("New = %v", err)
	}
}

func BenchmarkCreate(b *testing.B) {
	s := linearfake.New(apiKey, "ENG")
	defer s.Close()
	c, _ := mustClient(b, s.URL(), apiKey)
	ctx := context.Background()
	is := item("")
	n := 0
	start := time.Now()
	for b.Loop() {
		n++
		is.Key = "incidentbot/INC-1/" + time.Duration(n).String()
		if _, err := c.Create(ctx, "ENG", is); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(n), "µs/op")
}
