package firmware

import "github.com/blynkbridge/blynkbridge/internal/secret"

// Secret is a WiFi password read from or written to a config block. Like
// blynk.Token, every printed form (fmt verbs, JSON, text, slog) is redacted
// by internal/secret; only Reveal gives the text, and only the block encoder
// calls it. It is its own type so a password cannot go where a token is
// wanted.
type Secret struct{ secret.Value[passwordText] }

// passwordText says only whether a password is set: unlike a token's, its
// length and last characters would help a guesser and tell the user nothing.
type passwordText struct{}

func (passwordText) Redact(s string) string {
	if s == "" {
		return "<none>"
	}
	return "<set, redacted>"
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{secret.New[passwordText](s)} }
