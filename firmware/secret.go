package firmware

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Secret is a WiFi password read from or written to a config block. Like
// blynk.Token, every printed form (fmt verbs, JSON, slog) is redacted; only
// Reveal gives the text, and only the block encoder calls it.
type Secret struct{ s string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{s: s} }

// Reveal returns the secret. Never print it.
func (p Secret) Reveal() string { return p.s }

// IsZero reports whether the secret is empty.
func (p Secret) IsZero() bool { return p.s == "" }

// Redacted is what every printed form shows.
func (p Secret) Redacted() string {
	if p.s == "" {
		return "<none>"
	}
	return "<set, redacted>"
}

func (p Secret) String() string   { return p.Redacted() }
func (p Secret) GoString() string { return p.Redacted() }

// Format makes every fmt verb print the redacted form.
func (p Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.Redacted())) }

// MarshalJSON writes the redacted form.
func (p Secret) MarshalJSON() ([]byte, error) { return json.Marshal(p.Redacted()) }

// LogValue redacts in log/slog output.
func (p Secret) LogValue() slog.Value { return slog.StringValue(p.Redacted()) }
