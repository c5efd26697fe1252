package linearfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/internal/linearfake"
)

// post sends one GraphQL request and returns the status and the first
// error's code.
func post(t *testing.T, s *linearfake.Server, auth, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL(), strings.NewReader(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	if len(out.Errors) == 0 {
		return res.StatusCode, ""
	}
	return res.StatusCode, out.Errors[0].Extensions.Code
}

func TestFakeSpeaksLinearsErrors(t *testing.T) {
	s := linearfake.New("lin_api_k", "ENG")
	defer s.Close()
	create := `{"query":"mutation X($input: IssueCreateInput!) { issueCreate(input: $input) { success } }","variables":{"input":%s}}`
	tests := []struct {
		name, auth, body string
		status           int
		code             string
	}{
		{"bearer prefix", "Bearer lin_api_k", `{"query":"{ teams { nodes { id } } }","variables":{"filter":{}}}`, 401, "AUTHENTICATION_ERROR"},
		{"field not in the schema", "lin_api_k", strings.Replace(create, "%s", `{"teamId":"x","title":"t","body":"b"}`, 1), 400, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown team", "lin_api_k", strings.Replace(create, "%s", `{"teamId":"x","title":"t"}`, 1), 200, "INPUT_ERROR"},
		{"unknown issue", "lin_api_k", `{"query":"query($id: String!) { issue(id: $id) { id } }","variables":{"id":"ENG-9"}}`, 200, "INPUT_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, code := post(t, s, tt.auth, tt.body); status != tt.status || code != tt.code {
				t.Errorf("answer = %d %q, want %d %q", status, code, tt.status, tt.code)
			}
		})
	}
}
