package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Redactor says what a kind of secret shows instead of itself. It is a type
// parameter rather than a field so that Value stays comparable and each
// secret kind is its own type: a token cannot be passed where a password is
// wanted.
type Redactor interface {
	// Redact returns the printed form of s. It must not contain s.
	Redact(s string) string
}

// Value is a secret string redacted by R (a zero-size type). Embed it in a
// named type (type Token struct{ secret.Value[tokenText] }) to get Reveal,
// IsZero, Redacted and every redacting printer.
type Value[R Redactor] struct{ s string }

// New wraps s.
func New[R Redactor](s string) Value[R] { return Value[R]{s: s} }

// Reveal returns the secret. Call it only to put the secret where it is
// used (the wire, a firmware image, the profiles file), never to print it.
func (v Value[R]) Reveal() string { return v.s }

// IsZero reports whether the secret is empty.
func (v Value[R]) IsZero() bool { return v.s == "" }

// Redacted is what every printed form shows.
func (v Value[R]) Redacted() string {
	var r R
	return r.Redact(v.s)
}

func (v Value[R]) String() string { return v.Redacted() }

// GoString keeps %#v redacted too.
func (v Value[R]) GoString() string { return v.Redacted() }

// Format makes every fmt verb (%x and %q included) print the redacted form.
func (v Value[R]) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.Redacted())) }

// MarshalJSON writes the redacted form.
func (v Value[R]) MarshalJSON() ([]byte, error) { return json.Marshal(v.Redacted()) }

// MarshalText writes the redacted form (TOML, YAML and friends use it).
func (v Value[R]) MarshalText() ([]byte, error) { return []byte(v.Redacted()), nil }

// LogValue redacts in log/slog output.
func (v Value[R]) LogValue() slog.Value { return slog.StringValue(v.Redacted()) }
