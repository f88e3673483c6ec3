package blynk

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Token is a Blynk auth token. It is a distinct type so that printing one by
// accident is impossible: String, Format (every verb, including %#v), slog and
// JSON all redact it. Only Reveal gives the secret, and only the wire encoder,
// the firmware patcher and the sim call it.
type Token struct{ s string }

// NewToken wraps s as a Token. It does not validate; see ValidateToken.
func NewToken(s string) Token { return Token{s: s} }

// Reveal returns the secret. Call it only to put the token on the wire or into
// a firmware image, never to print it.
func (t Token) Reveal() string { return t.s }

// IsZero reports whether the token is empty.
func (t Token) IsZero() bool { return t.s == "" }

// Equal compares two tokens.
func (t Token) Equal(u Token) bool { return t.s == u.s }

// Redacted is what every printed form of a token shows: its length and last
// two characters, so a user can tell two tokens apart without exposing either.
func (t Token) Redacted() string {
	if t.s == "" {
		return "<no token>"
	}
	if len(t.s) < 8 {
		return "<token redacted>"
	}
	return fmt.Sprintf("<token …%s, %d chars>", t.s[len(t.s)-2:], len(t.s))
}

func (t Token) String() string { return t.Redacted() }

// GoString keeps %#v redacted too.
func (t Token) GoString() string { return t.Redacted() }

// Format makes every fmt verb print the redacted form.
func (t Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(t.Redacted())) }

// MarshalJSON writes the redacted form.
func (t Token) MarshalJSON() ([]byte, error) { return json.Marshal(t.Redacted()) }

// MarshalText writes the redacted form (TOML, YAML and friends use it).
func (t Token) MarshalText() ([]byte, error) { return []byte(t.Redacted()), nil }

// LogValue redacts the token in log/slog output.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.Redacted()) }

// ValidateToken checks the shape of a legacy Blynk token: 32 characters of
// [A-Za-z0-9_-]. The error never contains the token.
func ValidateToken(t Token) error {
	if len(t.s) != 32 {
		return fmt.Errorf("auth token must be 32 characters, got %d", len(t.s))
	}
	for i := 0; i < len(t.s); i++ {
		c := t.s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("auth token has an unexpected character at position %d (only letters, digits, '_' and '-' are allowed)", i)
		}
	}
	return nil
}
