package blynk

import (
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/secret/secrettest"
)

func TestTokenNeverPrinted(t *testing.T) {
	const secret = "abcdefghijklmnopqrstuvwxyz012345"
	tok := NewToken(secret)
	secrettest.NeverPrinted(t, tok, secret)
	secrettest.NeverPrinted(t, &tok, secret)
	if tok.Reveal() != secret {
		t.Fatal("Reveal must return the secret")
	}
	if got := tok.String(); got != "<token …45, 32 chars>" {
		t.Fatalf("redacted form %q", got)
	}
}

func TestValidateToken(t *testing.T) {
	if err := ValidateToken(NewToken(strings.Repeat("a", 32))); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 33), strings.Repeat("a", 31) + " "} {
		err := ValidateToken(NewToken(bad))
		if err == nil {
			t.Fatalf("%q accepted", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error leaks token: %v", err)
		}
	}
}
