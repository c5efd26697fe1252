package github_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/githubfake"
	"github.com/incidentbot/incidentbot/internal/retry"
	"github.com/incidentbot/incidentbot/tracker/github"
)

func appKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func TestAppInstallationToken(t *testing.T) {
	key, pemKey := appKey(t)
	// The env var form: newlines written as \n.
	escaped := []byte(strings.ReplaceAll(string(pemKey), "\n", `\n`))
	for _, tt := range []struct {
		name      string
		ttl       time.Duration
		exchanges int
	}{
		{"cached while it lasts", time.Hour, 1},
		{"renewed in its last minute", 50 * time.Second, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.New("", "acme/app") // no personal token: only installation tokens work
			t.Cleanup(fake.Close)
			fake.EnableApp(7, 42, &key.PublicKey, tt.ttl)
			c := MustNew(t, github.Config{APIURL: fake.URL(), Retry: retry.Policy{MaxRetries: 1, Sleep: (&sleeper{}).Sleep},
				App: &github.App{ID: 7, InstallationID: 42, PrivateKey: escaped}})
			for _, k := range []string{"ka", "kb", "kc"} {
				if _, err := c.Create(t.Context(), "acme/app", item(k)); err != nil {
					t.Fatal(err)
				}
			}
			if _, found, err := c.Find(t.Context(), "acme/app", "ka"); err != nil || !found {
				t.Fatalf("Find = %v, %v", found, err)
			}
			if n := fake.TokenExchanges(); n != tt.exchanges {
				t.Errorf("token exchanges = %d, want %d", n, tt.exchanges)
			}
		})
	}
}

func TestAppRefusals(t *testing.T) {
	key, pemKey := appKey(t)
	_, otherPEM := appKey(t)
	fake := githubfake.New("", "acme/app")
	t.Cleanup(fake.Close)
	fake.EnableApp(7, 42, &key.PublicKey, time.Hour)
	tests := []struct {
		name string
		app  github.App
		says string
	}{
		{"wrong key", github.App{ID: 7, InstallationID: 42, PrivateKey: otherPEM}, "GITHUB_APP_PRIVATE_KEY"},
		{"wrong app", github.App{ID: 8, InstallationID: 42, PrivateKey: pemKey}, "GITHUB_APP_ID"},
		{"wrong installation", github.App{ID: 7, InstallationID: 43, PrivateKey: pemKey}, "GITHUB_APP_INSTALLATION_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustNew(t, github.Config{APIURL: fake.URL(), App: &tt.app, Retry: retry.Policy{MaxRetries: 2, Sleep: (&sleeper{}).Sleep}})
			before := fake.Requests()
			_, _, err := c.Find(t.Context(), "acme/app", "k")
			if err == nil || retry.Retryable(err) || !strings.Contains(incident.ErrorMessage(err), tt.says) {
				t.Fatalf("err = %v, says %q", err, incident.ErrorMessage(err))
			}
			if n := fake.Requests() - before; n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
		})
	}
	if _, err := github.New(github.Config{App: &github.App{ID: 7, InstallationID: 42, PrivateKey: []byte("nope")}}); err == nil ||
		!strings.Contains(err.Error(), "GITHUB_APP_PRIVATE_KEY") {
		t.Errorf("New with a bad key: %v", err)
	}
}
