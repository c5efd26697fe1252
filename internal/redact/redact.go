// Package redact removes secrets from text before it leaves the process:
// prompts sent to a model, events sent to PagerDuty. It recognises cloud
// keys, tokens of the common SaaS APIs, private keys, passwords in URLs and
// DSNs, and key=value pairs whose key names a secret.
package redact

import (
	"regexp"
	"strings"
)

// A redaction rule replaces one kind of secret. hints are cheap substring
// checks run before the regular expression: almost no chat line carries a
// secret, and skipping the regexp keeps redaction of a 50k-message incident
// well inside the prompt-build budget.
type redaction struct {
	name string
	re   *regexp.Regexp
	repl string
	// hints are matched case-sensitively, lowerHints against the lowered
	// text; no hints at all means always run.
	hints      []string
	lowerHints []string
	// quoted rules keep the quotes around the value they redact.
	quoted bool
}

// secretKey names the keys whose values are secrets: any identifier that
// ends in a secret word, in any case and style (DB_PASSWORD, dbPassword,
// "SecretAccessKey", _authToken, AccountKey, sig).
const secretKey = `\b([A-Za-z0-9_.\-]*?(?:password|passwd|passphrase|pwd|pass|secret|token|api[_\-]?key|apikey|access[_\-]?key|account[_\-]?key|private[_\-]?key|client[_\-]?secret|credentials?|signature|sig|auth))`

var secretValue = regexp.MustCompile(`(?i)` + secretKey + `(["']?\s*[:=]\s*)(.*)`)

var redactions = []redaction{
	{
		// PEM private key blocks, also when pasted truncated or JSON-escaped
		// (the \n of a GCP service-account file stay literal).
		name:  "private key",
		re:    regexp.MustCompile(`(?s)-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z)`),
		repl:  "[REDACTED private key]",
		hints: []string{"PRIVATE KEY"},
	},
	{
		// GCP service-account JSON: "private_key" and "private_key_id" values.
		name:  "service account key",
		re:    regexp.MustCompile(`("private_key(?:_id)?"\s*:\s*)"(?:[^"\\]|\\.)*"`),
		repl:  `$1"[REDACTED]"`,
		hints: []string{"private_key"},
	},
	{
		name:  "aws access key",
		re:    regexp.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b`),
		repl:  "[REDACTED aws-key]",
		hints: []string{"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA"},
	},
	{
		name:       "aws secret key",
		re:         regexp.MustCompile(`(?i)((?:aws[_\-])?secret[_\-]access[_\-]key|aws[_\-]secret[_\-]key|aws[_\-]session[_\-]token)(["']?\s*[:=]\s*["']?|\s+)[A-Za-z0-9/+=]{16,}`),
		repl:       "${1}${2}[REDACTED]",
		lowerHints: []string{"secret_access_key", "secret-access-key", "aws_secret_key", "aws_session_token", "aws-session-token"},
	},
	{
		name:  "gcp api key",
		re:    regexp.MustCompile(`AIza[0-9A-Za-z_\-]{30,}`),
		repl:  "[REDACTED gcp-key]",
		hints: []string{"AIza"},
	},
	{
		name:  "slack token",
		re:    regexp.MustCompile(`\b(?:xox[abposrec]|xapp)-[0-9A-Za-z\-]{8,}`),
		repl:  "[REDACTED slack-token]",
		hints: []string{"xox", "xapp-"},
	},
	{
		name:  "slack webhook",
		re:    regexp.MustCompile(`(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+`),
		repl:  "[REDACTED slack-webhook]",
		hints: []string{"hooks.slack.com"},
	},
	{
		name:  "github token",
		re:    regexp.MustCompile(`\b(?:(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`),
		repl:  "[REDACTED github-token]",
		hints: []string{"ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"},
	},
	{
		name:  "gitlab token",
		re:    regexp.MustCompile(`\bglpat-[A-Za-z0-9_\-]{20,}`),
		repl:  "[REDACTED gitlab-token]",
		hints: []string{"glpat-"},
	},
	{
		name:  "jwt",
		re:    regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*`),
		repl:  "[REDACTED jwt]",
		hints: []string{"eyJ"},
	},
	{
		name:  "stripe key",
		re:    regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|\bwhsec_[0-9A-Za-z]{10,}`),
		repl:  "[REDACTED stripe-key]",
		hints: []string{"_live_", "_test_", "whsec_"},
	},
	{
		name:  "openai key",
		re:    regexp.MustCompile(`\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_\-]{20,}`),
		repl:  "[REDACTED openai-key]",
		hints: []string{"sk-"},
	},
	{
		name:  "google oauth token",
		re:    regexp.MustCompile(`\bya29\.[0-9A-Za-z_\-]{20,}`),
		repl:  "[REDACTED google-token]",
		hints: []string{"ya29."},
	},
	{
		// Authorization headers of any scheme, and bare "Bearer <token>".
		name:       "authorization header",
		re:         regexp.MustCompile(`(?i)\b(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token|digest)\s+)?[^\s"',;]+`),
		repl:       "${1}[REDACTED]",
		lowerHints: []string{"authorization"},
	},
	{
		name:       "bearer token",
		re:         regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*`),
		repl:       "${1}[REDACTED]",
		lowerHints: []string{"bearer"},
	},
	{
		// scheme://user:password@host keeps the user and host, which help
		// the reader, and drops the password.
		name:  "url password",
		re:    regexp.MustCompile(`\b([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):(\S*)@`),
		repl:  "${1}:[REDACTED]@",
		hints: []string{"://"},
	},
	{
		// Go-style DSNs without a scheme: user:password@tcp(host:3306)/db.
		name:  "dsn password",
		re:    regexp.MustCompile(`\b([\w.\-]+):([^\s@]+)@(tcp|unix)\(`),
		repl:  "${1}:[REDACTED]@${3}(",
		hints: []string{"@tcp(", "@unix("},
	},
	{
		// curl -u user:password, --user user:password.
		name:  "curl credentials",
		re:    regexp.MustCompile(`(\s(?:-u|--user)[=\s]\s*["']?)([^\s:"']+):([^\s"']+)`),
		repl:  "${1}${2}:[REDACTED]",
		hints: []string{"-u ", "--user"},
	},
	{
		name:  "npm token",
		re:    regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`),
		repl:  "[REDACTED npm-token]",
		hints: []string{"npm_"},
	},
	{
		name:  "putty private key",
		re:    regexp.MustCompile(`(?s)PuTTY-User-Key-File-\d+:.*?(?:Private-MAC:\s*\S+|\z)`),
		repl:  "[REDACTED private key]",
		hints: []string{"PuTTY-User-Key-File"},
	},
	{
		// key=value pairs; quoted values keep their quotes so JSON and YAML
		// stay well-formed. The unquoted value cannot start with "[", so a
		// redaction marker is never redacted again.
		name:       "secret pair",
		re:         regexp.MustCompile(`(?i)` + secretKey + `(["']?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']\S*)`),
		lowerHints: []string{"pass", "pwd", "secret", "token", "key", "credential", "sig", "auth"},
		quoted:     true,
	},
	{
		name:       "password phrase",
		re:         regexp.MustCompile(`(?i)\b(password|passwd|passphrase)(\s+(?:is|was)\s+)[^\s,;]+`),
		repl:       "${1}${2}[REDACTED]",
		lowerHints: []string{"pass"},
	},
}

// String replaces the secrets it recognises in s with "[REDACTED ...]"
// markers: cloud keys (AWS, GCP), service-account private keys, PEM private
// key blocks, Slack, GitHub, GitLab, OpenAI and Stripe tokens, JWTs, bearer
// and Authorization headers, passwords in URLs, and password=/secret=/token=
// style pairs. Everything the drafter sends to a model passes through it.
// Redact is idempotent: redacting twice gives the same text.
func String(s string) string {
	if s == "" {
		return s
	}
	lower := ""
	for _, r := range redactions {
		if !r.applies(s, &lower) {
			continue
		}
		if r.quoted {
			s = r.re.ReplaceAllStringFunc(s, redactPair)
		} else {
			s = r.re.ReplaceAllString(s, r.repl)
		}
		lower = "" // s changed
	}
	return s
}

func (r redaction) applies(s string, lower *string) bool {
	if len(r.hints) == 0 && len(r.lowerHints) == 0 {
		return true
	}
	for _, h := range r.hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	if len(r.lowerHints) == 0 {
		return false
	}
	if *lower == "" {
		*lower = strings.ToLower(s)
	}
	for _, h := range r.lowerHints {
		if strings.Contains(*lower, h) {
			return true
		}
	}
	return false
}

// redactPair redacts the value of one key=value match, keeping its quotes.
func redactPair(m string) string {
	sm := secretValue.FindStringSubmatch(m)
	if sm == nil {
		return m
	}
	v := sm[3]
	if strings.HasPrefix(v, "[REDACTED") {
		return m // already redacted: keep Redact idempotent
	}
	switch {
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\''):
		v = v[:1] + "[REDACTED]" + v[:1]
	default:
		v = "[REDACTED]"
	}
	return sm[1] + sm[2] + v
}
