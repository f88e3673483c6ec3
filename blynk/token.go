package blynk

import (
	"fmt"

	"github.com/blynkbridge/blynkbridge/internal/secret"
)

// Token is a Blynk auth token. It is a distinct type so that printing one by
// accident is impossible: String, Format (every verb, including %#v), slog,
// JSON and MarshalText all redact it (internal/secret provides them, shared
// with firmware.Secret). Only Reveal gives the secret, and only the wire
// encoder, the firmware patcher and the sim call it.
type Token struct{ secret.Value[tokenText] }

// tokenText redacts a token to its length and last two characters, so a
// user can tell two tokens apart without exposing either.
type tokenText struct{}

func (tokenText) Redact(s string) string {
	if s == "" {
		return "<no token>"
	}
	if len(s) < 8 {
		return "<token redacted>"
	}
	return fmt.Sprintf("<token …%s, %d chars>", s[len(s)-2:], len(s))
}

// NewToken wraps s as a Token. It does not validate; see ValidateToken.
func NewToken(s string) Token { return Token{secret.New[tokenText](s)} }

// Equal compares two tokens.
func (t Token) Equal(u Token) bool { return t == u }

// ValidateToken checks the shape of a legacy Blynk token: 32 characters of
// [A-Za-z0-9_-]. The error never contains the token.
func ValidateToken(t Token) error {
	s := t.Reveal()
	if len(s) != 32 {
		return fmt.Errorf("auth token must be 32 characters, got %d", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("auth token has an unexpected character at position %d (only letters, digits, '_' and '-' are allowed)", i)
		}
	}
	return nil
}
