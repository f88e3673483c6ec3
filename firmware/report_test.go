package firmware

import (
	"bytes"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// TestScanStringsMasksSecrets: `image strings` never prints the config
// block's token or WiFi password (nor a token-shaped literal of the
// sketch) unless asked with --unredacted; `image info` redacts them
// already, and the two must agree.
func TestScanStringsMasksSecrets(t *testing.T) {
	const tok = "Zq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ"
	const pw = "correct-horse-42"
	const sketchTok = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
	img := sketchWithBlock(0x40, 0x800, sampleBlock(), []byte("char auth[] = \""+sketchTok+"\";\x00"))
	p, err := PatchDetail(img, Settings{Token: ptr(blynk.NewToken(tok)), SSID: ptr("home-net"), Password: ptr(pw)})
	if err != nil {
		t.Fatal(err)
	}
	if FileMode(p.Image) != 0o600 || FileMode(img) != 0o600 {
		t.Fatal("an image with a token must be written 0600")
	}
	if FileMode(sketchWithBlock(0x40, 0x800, sampleBlock())) != 0o644 {
		t.Fatal("an image without secrets can stay 0644")
	}
	for _, fps := range []bool{false, true} {
		rep, err := ScanStrings("fw.bin", p.Image, 4, fps, false)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		rep.WriteText(&out)
		for _, s := range []string{tok, pw, sketchTok} {
			if strings.Contains(out.String(), s) {
				t.Fatalf("fingerprints=%v: %q printed:\n%s", fps, s, out.String())
			}
		}
		if rep.Redacted < len(tok)+len(pw)+len(sketchTok) {
			t.Fatalf("redacted %d bytes", rep.Redacted)
		}
	}
	rep, _ := ScanStrings("fw.bin", p.Image, 4, false, true)
	var out bytes.Buffer
	rep.WriteText(&out)
	if !strings.Contains(out.String(), tok) || !strings.Contains(out.String(), pw) {
		t.Fatal("--unredacted must show the secrets")
	}
	// A hex digest (one case) is not taken for a token.
	if s := Secrets([]byte("x\x00d41d8cd98f00b204e9800998ecf8427e\x00")); len(s) != 0 {
		t.Fatalf("md5 hex taken for a token: %q", s)
	}
	if _, err := ScanStrings("fw.bin", p.Image, -5, false, false); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("--min -5: %v", err)
	}
}

// TestInfoTextEscapesStoredFields: a host read from an image cannot carry
// a terminal escape sequence to the screen.
func TestInfoTextEscapesStoredFields(t *testing.T) {
	if got := Printable("evil\x1b]0;pwned\x07.lan"); strings.ContainsAny(got, "\x1b\x07") {
		t.Fatalf("Printable left control bytes: %q", got)
	}
}
