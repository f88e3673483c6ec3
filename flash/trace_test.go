package flash

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// TestTraceMasksSecrets: the token in FLASH_DATA payloads never reaches a
// trace in hex, wherever a block boundary cuts it, nor in text lines.
func TestTraceMasksSecrets(t *testing.T) {
	const tok = "Xq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ"
	hexOf := func(s string) string { return strings.ToUpper(spaced(hex.EncodeToString([]byte(s)))) }
	for cut := 0; cut <= len(tok); cut++ {
		var out bytes.Buffer
		tr := newTracer(MaskedTrace(&out, tok, "ab"))
		image := append(bytes.Repeat([]byte{0xFF}, 100), []byte(tok)...)
		image = append(image, bytes.Repeat([]byte{0xFF}, 100)...)
		split := 100 + cut
		for _, blk := range [][]byte{image[:split], image[split:]} {
			pkt := append(make([]byte, dataHeader), blk...)
			tr.packet("->", rom.OpFlashData, pkt)
		}
		tr.junk([]byte("login " + tok))
		for _, frag := range []string{tok[:2], tok[len(tok)-2:], tok[10:12]} {
			if strings.Contains(out.String(), hexOf(frag)) || strings.Contains(out.String(), frag) {
				t.Fatalf("cut %d: %q in the trace:\n%s", cut, frag, out.String())
			}
		}
	}
	var out bytes.Buffer
	tr := newTracer(MaskedTrace(&out, tok))
	tr.packet("->", rom.OpFlashDeflData, append(make([]byte, dataHeader), []byte("compressed")...))
	if !strings.Contains(out.String(), "compressed bytes left out") {
		t.Fatalf("compressed payload kept:\n%s", out.String())
	}
	out.Reset()
	tr = newTracer(&out) // no MaskedTrace: every byte, as before
	tr.packet("->", rom.OpFlashData, []byte(tok))
	if !strings.Contains(out.String(), hexOf(tok[:4])) {
		t.Fatal(fmt.Sprint("unmasked trace lost bytes: ", out.String()))
	}
}

func spaced(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
