package insights

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// JSON is the report for scripts (schema_version 1), indented, with a
// final newline.
func JSON(r Report) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // service names stay readable; this is not HTML
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("insights: encode report: %w", err)
	}
	return b.Bytes(), nil
}
