package statuspage_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/internal/spfake"
	"github.com/incidentbot/incidentbot/statuspage"
)

const key, page = "sp-secret-key-123", "pg1abc2def3"

func setup(t *testing.T) (*spfake.Server, *statuspage.Client) {
	t.Helper()
	fake := spfake.New(key, page)
	t.Cleanup(fake.Close)
	return fake, statuspage.New(key, page, fake.URL(), nil)
}

func TestPushCreatesThenUpdatesOneIncident(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	first := incident.StatuspageUpdate{Name: "Checkout is failing", Status: incident.Investigating, Body: "We are looking into failed payments.",
		Components: map[string]incident.ComponentState{"cmp111111": incident.MajorOutage, "cmp222222": incident.Degraded}}
	id, err := c.Push(ctx, "INC-7", "", first)
	if err != nil || id == "" {
		t.Fatalf("first push = %q, %v", id, err)
	}
	if got := fake.Incidents()[0].Components; got["cmp111111"] != "major_outage" || got["cmp222222"] != "degraded_performance" {
		t.Errorf("components after the first push = %v; want Statuspage's names for the states", got)
	}
	second := incident.StatuspageUpdate{Name: "Checkout is failing", Status: incident.Resolved, Body: "Payments work again.",
		Components: map[string]incident.ComponentState{"cmp111111": incident.Operational, "cmp222222": incident.Operational}}
	id2, err := c.Push(ctx, "INC-7", id, second)
	if err != nil || id2 != id {
		t.Fatalf("second push = %q, %v; want the same incident %q", id2, err, id)
	}
	got := fake.Incidents()
	if len(got) != 1 {
		t.Fatalf("Statuspage has %d incidents, want 1", len(got))
	}
	inc := got[0]
	if inc.Status != "resolved" || inc.Key != "INC-7" || inc.Updated != 1 ||
		strings.Join(inc.Updates, "|") != "We are looking into failed payments.|Payments work again." ||
		inc.Components["cmp111111"] != "operational" || inc.Components["cmp222222"] != "operational" {
		t.Errorf("Statuspage holds %+v", inc)
	}
}

func TestPushAfterALostCreateAnswerUpdatesInsteadOfCreatingAgain(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	u := incident.StatuspageUpdate{Name: "Search is slow", Status: incident.Investigating, Body: "Searches take longer than usual."}
	if _, err := c.Push(ctx, "INC-9", "", u); err != nil {
		t.Fatal(err)
	}
	// The bot never learnt the id: it pushes again knowing none.
	u.Status, u.Body = incident.Monitoring, "A fix is out."
	if _, err := c.Push(ctx, "INC-9", "", u); err != nil {
		t.Fatal(err)
	}
	// Another incident's key is not taken for this one.
	if _, err := c.Push(ctx, "INC-10", "", u); err != nil {
		t.Fatal(err)
	}
	got := fake.Incidents()
	if len(got) != 2 || got[0].Key != "INC-9" || got[0].Updated != 1 || got[0].Status != "monitoring" || got[1].Key != "INC-10" {
		t.Errorf("incidents = %+v; want INC-9 updated once and INC-10 created", got)
	}
}

func TestFailuresAreClassifiedAndNeverCarryTheKey(t *testing.T) {
	fake := spfake.New(key, page)
	defer fake.Close()
	ctx := context.Background()
	u := incident.StatuspageUpdate{Name: "x", Status: incident.Investigating, Body: "y"}

	_, err := statuspage.New("wrong-key-456", page, fake.URL(), nil).Push(ctx, "INC-1", "", u)
	if err == nil || retry.Retryable(err) || strings.Contains(err.Error(), "wrong-key-456") ||
		!strings.Contains(incident.ErrorMessage(err), "STATUSPAGE_API_KEY") {
		t.Errorf("wrong key: err = %v (retryable %v, says %q)", err, retry.Retryable(err), incident.ErrorMessage(err))
	}
	_, err = statuspage.New(key, "otherpage", fake.URL(), nil).Push(ctx, "INC-1", "", u)
	if err == nil || retry.Retryable(err) || !strings.Contains(incident.ErrorMessage(err), "STATUSPAGE_PAGE_ID") {
		t.Errorf("wrong page: err = %v", err)
	}
	c := statuspage.New(key, page, fake.URL(), nil)
	fake.FailNext(1, http.StatusServiceUnavailable)
	if _, err = c.Push(ctx, "INC-1", "", u); err == nil || !retry.Retryable(err) {
		t.Errorf("503: err = %v, retryable %v; want a retryable error", err, retry.Retryable(err))
	}
	fake.FailNext(1, http.StatusTooManyRequests)
	if _, err = c.Push(ctx, "INC-1", "", u); err == nil || !retry.Retryable(err) {
		t.Errorf("429: err = %v; want retryable", err)
	}
	if _, err := c.Push(ctx, "INC-1", "", incident.StatuspageUpdate{Name: "x", Status: incident.Status("exploded"), Body: "y"}); err == nil || retry.Retryable(err) {
		t.Errorf("an invalid status: err = %v; want a permanent refusal", err)
	}
	if len(fake.Incidents()) != 0 {
		t.Errorf("failed pushes created incidents: %+v", fake.Incidents())
	}
	if _, err := c.Push(ctx, "INC-1", "", u); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

// A retry whose create went through, answer lost, finds the incident by
// its key and does not post the same text to customers twice.
func TestRetryOfALostCreatePostsNothingTwice(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	u := incident.StatuspageUpdate{Name: "Login fails", Status: incident.Identified, Body: "A bad deploy; rolling back.",
		Components: map[string]incident.ComponentState{"cmp333333": incident.PartialOutage}}
	id, err := c.Push(ctx, "INC-11", "", u)
	if err != nil {
		t.Fatal(err)
	}
	before := fake.Requests()
	id2, err := c.Push(ctx, "INC-11", "", u)
	if err != nil || id2 != id {
		t.Fatalf("retry = %q, %v; want %q", id2, err, id)
	}
	got := fake.Incidents()
	if len(got) != 1 || got[0].Updated != 0 || len(got[0].Updates) != 1 || fake.Requests()-before != 1 {
		t.Errorf("after the retry: %+v, %d requests; want the one incident untouched after one lookup", got, fake.Requests()-before)
	}
}

// An id Statuspage does not know is a refusal waiting will not fix.
func TestPushToAnUnknownIncidentIsPermanent(t *testing.T) {
	_, c := setup(t)
	u := incident.StatuspageUpdate{Name: "x", Status: incident.Investigating, Body: "y"}
	_, err := c.Push(context.Background(), "INC-1", "spnope", u)
	if err == nil || retry.Retryable(err) || retry.StatusOf(err) != http.StatusNotFound ||
		!strings.Contains(err.Error(), "statuspage: update incident spnope") {
		t.Errorf("err = %v (status %d)", err, retry.StatusOf(err))
	}
}

// A server that echoes the request (a proxy, a misconfigured gateway)
// must not put the key into an error, and the snippet stays short.
func TestErrorsRedactAnEchoedKeyAndStayShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "got %s %s", r.Header.Get("Authorization"), strings.Repeat("x", 500))
	}))
	defer srv.Close()
	_, err := statuspage.New(key, page, srv.URL+"/", nil).Push(context.Background(), "INC-1", "", incident.StatuspageUpdate{Name: "x"})
	if err == nil || !retry.Retryable(err) || strings.Contains(err.Error(), key) || strings.Count(err.Error(), "x") > 210 {
		t.Errorf("err = %v", err)
	}
}
