package relay

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// An SPKI pin whose base64 begins with '/' (one certificate in 64) is
// read whole in both forms; TestPinnedForms failed now and then on that.
func TestParsePinBeginningWithSlash(t *testing.T) {
	raw := bytes.Repeat([]byte{0xFC}, sha256.Size) // base64 "/Pz8..."
	pin := base64.StdEncoding.EncodeToString(raw)
	if pin[0] != '/' {
		t.Fatalf("fixture %q does not begin with /", pin)
	}
	for _, s := range []string{"sha256/" + pin, "sha256//" + pin, "sha256///" + pin, "SHA256/" + pin} {
		p, err := ParsePin(s)
		if err != nil || p.Kind != PinSPKI || !bytes.Equal(p.Bytes, raw) {
			t.Errorf("ParsePin(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParsePin("sha256/" + pin[1:]); err == nil {
		t.Error("a pin one character short accepted")
	}
}
