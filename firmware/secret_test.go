package firmware

import (
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/secret/secrettest"
)

func TestSecretNeverPrinted(t *testing.T) {
	const pass = "wifi-secret-1"
	p := NewSecret(pass)
	secrettest.NeverPrinted(t, p, pass)
	secrettest.NeverPrinted(t, Config{Password: p}, pass)
	if p.Reveal() != pass || p.String() != "<set, redacted>" || NewSecret("").String() != "<none>" {
		t.Fatalf("%q %q", p.Reveal(), p)
	}
}
