package firmware

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/certs"
)

const (
	cleanFP  = "A2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88"
	pastedFP = "58 20 11 7A 3B 9C 4D 5E 6F 70 81 92 A3 B4 C5 D6 E7 F8 09 1A"
)

func TestFingerprintsInFixture(t *testing.T) {
	img := fixtureArduino(t)
	hits := Fingerprints(img)
	if len(hits) != 2 {
		t.Fatalf("want 2 fingerprint literals, got %+v", hits)
	}
	byHex := map[string]FingerprintHit{}
	for _, h := range hits {
		byHex[h.Hex] = h
	}
	c, ok := byHex[cleanFP]
	if !ok || !c.Clean || len(c.Invisible) != 0 || c.Alg != "sha1" || c.Separator != " " {
		t.Errorf("clean literal: %+v", c)
	}
	if !bytes.Equal(img[c.Offset:c.Offset+c.Length], []byte(cleanFP)) {
		t.Errorf("clean literal offset 0x%X wrong", c.Offset)
	}
	p, ok := byHex[pastedFP]
	if !ok || p.Clean || len(p.Invisible) != 1 || p.Invisible[0].Code != "U+200E" || p.Invisible[0].UTF8 != "E2 80 8E" {
		t.Fatalf("pasted literal: %+v", p)
	}
	if p.Invisible[0].Offset != p.Offset || !bytes.Equal(img[p.Offset:p.Offset+3], []byte{0xE2, 0x80, 0x8E}) {
		t.Errorf("invisible char offset 0x%X (literal at 0x%X)", p.Invisible[0].Offset, p.Offset)
	}
	if !strings.HasPrefix(p.Text, "<U+200E>58 20") {
		t.Errorf("text %q", p.Text)
	}
}

func TestFingerprintsShapes(t *testing.T) {
	nul := []byte{0}
	data := bytes.Join([][]byte{
		[]byte("FD:C0:7D:8D:47:97:F7:E3:07:05:D3:4E:E3:BB:8E:3D:C0:EA:BE:1C"),
		[]byte("fdc07d8d4797f7e30705d34ee3bb8e3dc0eabe1c"),
		[]byte(strings.Repeat("AB ", 31) + "AB"),             // sha256
		[]byte(strings.Repeat("AB ", 19)),                    // 19 pairs: no
		[]byte("0123456789abcdef0123456789abcdef0123456789"), // 42 hex digits: no
		[]byte("fp=\u00a0A2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88"),
	}, nul)
	hits := Fingerprints(data)
	if len(hits) != 4 {
		t.Fatalf("%d hits: %+v", len(hits), hits)
	}
	if hits[0].Separator != ":" || hits[1].Separator != "" || hits[2].Alg != "sha256" || hits[3].Clean || hits[3].Invisible[0].Code != "U+00A0" {
		t.Errorf("%+v", hits)
	}
}

func TestReplaceStringFixture(t *testing.T) {
	img := fixtureArduino(t)
	// Replace the pasted literal (with its invisible prefix) by the clean
	// text: 3 bytes shorter, NUL-padded.
	old := "\u200e" + pastedFP
	p, err := PatchDetail(img, Settings{Replace: []Replacement{{old, pastedFP}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p.Image); err != nil {
		t.Fatal(err)
	}
	for _, h := range Fingerprints(p.Image) {
		if !h.Clean {
			t.Errorf("still unclean: %+v", h)
		}
	}
	at := p.Replaced[0].Offset
	if string(p.Image[at:at+len(old)+1]) != pastedFP+"\x00\x00\x00\x00" {
		t.Errorf("replaced bytes %q", p.Image[at:at+len(old)+1])
	}
	// Same-length replacement of the clean one.
	newFP := strings.ReplaceAll(cleanFP, " ", ":")
	p2, sectors, err := ReplaceString(img, cleanFP, newFP)
	if err != nil || Verify(p2) != nil || !bytes.Contains(p2, []byte(newFP)) {
		t.Fatalf("same length: %v", err)
	}
	if len(sectors) == 0 {
		t.Error("no changed sectors reported")
	}
}

func TestReplaceStringRefusals(t *testing.T) {
	img := fixtureArduino(t)
	cases := []struct {
		old, new string
		kind     error
		want     string
	}{
		{"no such text here", "x", ErrNotFound, "not in the image"},
		{"blynk", "BLYNK", ErrAmbiguous, "occurs"},
		{"blynkbridge fixture sketch", "blynkbridge fixture sketch!", ErrBadValue, "longer"},
		{"blynkbridge fixture", "short", ErrBadValue, "NUL-terminated"},
		{cleanFP, "\u200e" + strings.Replace(cleanFP, " ", "", 3), nil, "U+200E"},
	}
	for _, tc := range cases {
		_, _, err := ReplaceString(img, tc.old, tc.new)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.kind != nil && !errors.Is(err, tc.kind)) {
			t.Errorf("%q -> %q: %v", tc.old, tc.new, err)
		}
	}
	var ue *certs.UncleanError
	if _, _, err := ReplaceString(img, cleanFP, "\u200e"+strings.Replace(cleanFP, " ", "", 3)); !errors.As(err, &ue) {
		t.Errorf("unclean replacement not refused through certs: %v", err)
	}
}

func TestStrings(t *testing.T) {
	s := Strings([]byte("\x00\x01abc\x00hello\u200eworld\x00\xff\xfezz"), 4)
	if len(s) != 1 || s[0].Offset != 6 || s[0].Text != "hello<U+200E>world" {
		t.Errorf("%+v", s)
	}
}
