package githubfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/incidentbot/incidentbot/internal/githubfake"
)

func do(t *testing.T, method, url, auth, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "test")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out any
	json.NewDecoder(res.Body).Decode(&out)
	m, _ := out.(map[string]any) // nil for a list
	return res, m
}

// The answers GitHub gives, in its shapes.
func TestWireShapes(t *testing.T) {
	s := githubfake.New("tok", "acme/app")
	defer s.Close()
	s.SetAssignable("bob")
	api := s.URL() + "repos/acme/app/issues"

	res, out := do(t, "POST", api, "", `{"title": "x"}`)
	if res.StatusCode != 401 || out["message"] != "Bad credentials" || out["documentation_url"] == nil {
		t.Errorf("no token: %d %v", res.StatusCode, out)
	}
	res, out = do(t, "POST", api, "token tok", `{"title": "x", "assignees": ["alice"]}`)
	errs, _ := out["errors"].([]any)
	if res.StatusCode != 422 || out["message"] != "Validation Failed" || len(errs) != 1 ||
		errs[0].(map[string]any)["field"] != "assignees" || errs[0].(map[string]any)["code"] != "invalid" {
		t.Errorf("unassignable: %d %v", res.StatusCode, out)
	}
	res, out = do(t, "POST", api, "Bearer tok", `{"body": "no title"}`)
	if res.StatusCode != 422 {
		t.Errorf("no title: %d %v", res.StatusCode, out)
	}
	res, out = do(t, "POST", s.URL()+"repos/acme/nope/issues", "Bearer tok", `{"title": "x"}`)
	if res.StatusCode != 404 || out["message"] != "Not Found" {
		t.Errorf("no repo: %d %v", res.StatusCode, out)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", api, strings.NewReader(`{"title": "t", "labels": ["incident", "Incident"], "assignees": ["bob"]}`))
			req.Header.Set("User-Agent", "test")
			req.Header.Set("Authorization", "Bearer tok")
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	if got := s.Issues(); len(got) != 5 || len(got[0].Labels) != 1 || got[4].Number != 5 {
		t.Fatalf("issues = %+v", got)
	}
	res, _ = do(t, "GET", api+"?per_page=2&state=all", "Bearer tok", "")
	if link := res.Header.Get("Link"); res.StatusCode != 200 || !strings.Contains(link, `page=2`) || !strings.Contains(link, `rel="next"`) ||
		!strings.Contains(link, `page=3`) || !strings.Contains(link, `rel="last"`) {
		t.Errorf("list: %d, Link %q", res.StatusCode, link)
	}
	if err := s.SetDone("acme/app#2", true); err != nil {
		t.Fatal(err)
	}
	res, out = do(t, "GET", api+"/2", "Bearer tok", "")
	if res.StatusCode != 200 || out["state"] != "closed" || out["state_reason"] != "completed" || out["closed_at"] == nil {
		t.Errorf("get: %d %v", res.StatusCode, out)
	}
	if err := s.SetDone("acme/app#9", true); err == nil {
		t.Error("SetDone of a missing issue succeeded")
	}
}
