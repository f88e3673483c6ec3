package jsonout

import (
	"encoding/json"
	"io"
)

// Write prints v as one indented JSON document. HTML escaping is off so
// that "<U+200E>" and a redacted "<token …45, 32 chars>" stay readable
// (the decoded values are the same either way).
func Write(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
