package llm

import "github.com/incidentbot/incidentbot/internal/redact"

// Redact replaces the secrets it recognises in s with "[REDACTED ...]"
// markers (see internal/redact). Everything the drafter sends to a model
// passes through it. Redact is idempotent.
func Redact(s string) string { return redact.String(s) }
