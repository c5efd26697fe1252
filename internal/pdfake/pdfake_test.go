package pdfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/internal/pdfake"
)

func TestEnqueueValidates(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantDedup  string
	}{
		{"trigger", `{"routing_key":"K","event_action":"trigger","dedup_key":"D1","payload":{"summary":"s","source":"x","severity":"critical"}}`, 202, "D1"},
		{"trigger gets a dedup key", `{"routing_key":"K","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}`, 202, "pdfake-1"},
		{"resolve", `{"routing_key":"K","event_action":"resolve","dedup_key":"D1"}`, 202, "D1"},
		{"resolve without dedup key", `{"routing_key":"K","event_action":"resolve"}`, 400, ""},
		{"no routing key", `{"event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}`, 400, ""},
		{"bad severity", `{"routing_key":"K","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"P1"}}`, 400, ""},
		{"summary too long", `{"routing_key":"K","event_action":"trigger","payload":{"summary":"` + strings.Repeat("x", 1025) + `","source":"x","severity":"info"}}`, 400, ""},
		{"bad action", `{"routing_key":"K","event_action":"page"}`, 400, ""},
		{"not JSON", `{`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pdfake.New(t, "tok")
			resp, err := http.Post(s.URL+"/v2/enqueue", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct {
				Status   string   `json:"status"`
				DedupKey string   `json:"dedup_key"`
				Errors   []string `json:"errors"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || got.DedupKey != tt.wantDedup {
				t.Errorf("status %d dedup %q (%+v), want %d %q", resp.StatusCode, got.DedupKey, got, tt.wantStatus, tt.wantDedup)
			}
			if wantEvents := map[bool]int{true: 1, false: 0}[tt.wantStatus == 202]; len(s.Events()) != wantEvents {
				t.Errorf("recorded %d events, want %d", len(s.Events()), wantEvents)
			}
			if len(s.Requests("/v2/enqueue")) != 1 || s.Requests("/v2/enqueue")[0].Status != tt.wantStatus {
				t.Errorf("requests = %+v", s.Requests(""))
			}
		})
	}
}

func TestRESTNeedsToken(t *testing.T) {
	s := pdfake.New(t, "tok")
	for _, path := range []string{"/oncalls", "/schedules", "/escalation_policies"} {
		req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Token token=nope")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d", path, resp.StatusCode)
		}
	}
}

func TestFailNext(t *testing.T) {
	s := pdfake.New(t, "tok")
	s.FailNext(1, http.StatusTooManyRequests, "3")
	body := `{"routing_key":"K","event_action":"resolve","dedup_key":"D"}`
	for i, want := range []int{429, 202} {
		resp, err := http.Post(s.URL+"/v2/enqueue", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || (want == 429 && resp.Header.Get("Retry-After") != "3") {
			t.Errorf("request %d: %d Retry-After %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
}
