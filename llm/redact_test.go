package llm_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/llm"
)

// secretCase is a line someone might paste in an incident channel and the
// secret inside it that must never reach the model.
type secretCase struct {
	name, line, secret string
}

var secretCorpus = []secretCase{
	{"aws access key id", "creds: AKIAIOSFODNN7EXAMPLE in the env", "AKIAIOSFODNN7EXAMPLE"},
	{"aws temporary key id", "key ASIAY34FZKBOKMUTVV7A expired", "ASIAY34FZKBOKMUTVV7A"},
	{"aws secret key", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	{"aws secret key in yaml", `AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"`, "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"},
	{"gcp api key", "maps key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe broke", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"},
	{"gcp service account", `{"type": "service_account", "private_key_id": "a1b2c3d4e5f6a7b8c9d0", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"}`, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
	{"gcp service account key id", `"private_key_id": "a1b2c3d4e5f6a7b8c9d0e1f2"`, "a1b2c3d4e5f6a7b8c9d0e1f2"},
	{"pem rsa key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn"},
	{"pem key truncated", "here: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"},
	{"slack bot token", "SLACK_BOT_TOKEN is xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"},
	{"slack user token", "old token xoxp-1111-2222-3333-abcdefabcdef", "xoxp-1111-2222-3333-abcdefabcdef"},
	{"slack app token", "app token xapp-1-A0123456789-1234567890123-abcdef0123456789", "xapp-1-A0123456789-1234567890123-abcdef0123456789"},
	{"slack webhook", "post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXXXXXXXXXX"},
	{"github classic token", "GH_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a used", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github oauth token", "gho_16C7e42F292c6912E7710c838347Ae178B4a", "gho_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github app token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a in CI", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github user token", "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "ghu_16C7e42F292c6912E7710c838347Ae178B4a"},
	{"github fine-grained pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS"},
	{"jwt", "session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
	{"bearer header", "curl -H 'Authorization: Bearer abcdef0123456789abcdef0123456789' https://api", "abcdef0123456789abcdef0123456789"},
	{"bare bearer", "token was Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA== sent", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=="},
	{"basic auth header", "Authorization: Basic dXNlcjpodW50ZXIyaHVudGVyMg==", "dXNlcjpodW50ZXIyaHVudGVyMg=="},
	{"postgres url password", "DATABASE_URL=postgres://app:s3cr3t-Pa55@db.internal:5432/app", "s3cr3t-Pa55"},
	{"redis url password", "redis://:R3d1sP4ss@cache:6379/0", "R3d1sP4ss"},
	{"password pair", "login with password=hunter2hunter2 on the box", "hunter2hunter2"},
	{"passwd colon", "passwd: Tr0ub4dor&3", "Tr0ub4dor&3"},
	{"secret pair quoted", `client_secret="9f8e7d6c5b4a"`, "9f8e7d6c5b4a"},
	{"token pair", "use token=abc123def456ghi789 for the API", "abc123def456ghi789"},
	{"api key pair", "X_API_KEY: 5ebe2294ecd0e0f08eab7690d2a6ee69", "5ebe2294ecd0e0f08eab7690d2a6ee69"},
	{"password phrase", "the admin password is CorrectHorse42", "CorrectHorse42"},
	{"openai key", "OPENAI_API_KEY=sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
	{"openai legacy key", "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF", "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"},
	{"stripe live key", "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
	{"stripe restricted key", "rk_live_51H8abcdefghijklmnop", "rk_live_51H8abcdefghijklmnop"},
	{"gitlab token", "glpat-xxxxxxxxxxxxxxxxxxxx1234", "glpat-xxxxxxxxxxxxxxxxxxxx1234"},
	{"google oauth token", "ya29.a0AfH6SMBx3Y8kqGmEXAMPLEtoken1234567", "ya29.a0AfH6SMBx3Y8kqGmEXAMPLEtoken1234567"},
	// Shapes a review found leaking.
	{"sts json secret", `"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"`, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"},
	{"sts json session token", `"SessionToken": "FwoGZXIvYXdzEBYaDHh2bW5vcGVuZXhhbXBsZQ"`, "FwoGZXIvYXdzEBYaDHh2bW5vcGVuZXhhbXBsZQ"},
	{"aws configure set", "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"},
	{"azure account key", "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu==;EndpointSuffix=core", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu"},
	{"azure sas sig", "https://acme.blob.core.windows.net/c/b?sv=2020-08-04&sig=abcDEF123ghiJKL456%3D&se=2030", "abcDEF123ghiJKL456"},
	{"pgpassword", "PGPASSWORD=Wq9!zz77 psql -h db", "Wq9!zz77"},
	{"camel case json password", `{"dbPassword": "Hx82-kk1p"}`, "Hx82-kk1p"},
	{"camel case access token", `accessToken: 'tok_9d8c7b6a5f4e'`, "tok_9d8c7b6a5f4e"},
	{"npm auth token", "//registry.npmjs.org/:_authToken=npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
	{"bare npm token", "token npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 leaked", "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
	{"query api key", "GET /v1/rates?api_key=7f3a9c1e2b4d&currency=eur", "7f3a9c1e2b4d"},
	{"curl basic credentials", "curl -u admin:hunter2xyz https://api", "hunter2xyz"},
	{"password with slack escaped ampersand", "password=Xy7;k#2&amp;Q9", "Q9"},
	{"password with escaped quote", `"password":"hun\"ter2x"`, `ter2x`},
	{"url password with slash", "postgres://app:hun/ter2x@db/prod", "ter2x"},
	{"url password with at", "postgres://app:p@ssw0rdx@db/prod", "ssw0rdx"},
	{"mysql dsn", "DSN app:hunter2xyz@tcp(db:3306)/prod", "hunter2xyz"},
	{"slack webhook without scheme", "hooks.slack.com/services/T00000000/B00000000/YYYYYYYYYYYYYYYYYYYYYYYY", "YYYYYYYYYYYYYYYYYYYYYYYY"},
	{"putty key", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAAIBgnp9zzPuttyPrivateBody\nPrivate-MAC: 1234abcd", "AAAAIBgnp9zzPuttyPrivateBody"},
}

func TestRedactCorpus(t *testing.T) {
	for _, c := range secretCorpus {
		t.Run(c.name, func(t *testing.T) {
			got := llm.Redact(c.line)
			if strings.Contains(got, c.secret) {
				t.Fatalf("Redact(%q) = %q still holds the secret", c.line, got)
			}
			if !strings.Contains(got, "REDACTED") {
				t.Errorf("Redact(%q) = %q has no redaction marker", c.line, got)
			}
			if again := llm.Redact(got); again != got {
				t.Errorf("Redact is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestRedactKeepsOrdinaryText(t *testing.T) {
	for _, line := range []string{
		"seeing 500s on /checkout, error rate 35%",
		"deploy 1.42 at 13:58 changed the payments client timeout to 100ms",
		"<@U012ABCDEF> can you check https://grafana.example.com/d/abc?orgId=1",
		"the tokens per second dropped; key rotation is tomorrow",
		"skip the bypass flag, task-runner is fine",
		"ask-reviewer@example.com said 40 AKIA-like strings are fine",
	} {
		t.Run(line, func(t *testing.T) {
			if got := llm.Redact(line); got != line {
				t.Errorf("Redact(%q) = %q, want it unchanged", line, got)
			}
		})
	}
}
