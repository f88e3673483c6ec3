package demo

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/monitor"
)

func TestFixtureCopiesMatch(t *testing.T) {
	for name, got := range map[string][]byte{"sketch.elf": sketchELF, "eboot.elf": ebootELF} {
		want, err := os.ReadFile("../firmware/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("demo/fixture/%s differs from firmware/testdata/%s: copy it again", name, name)
		}
	}
}

const testFP = "3F EB AC 6D 31 23 60 3D 69 18 B3 C8 10 67 6E BF A7 73 7F 54"

// The forum image is a real, sealed Arduino image whose one fingerprint
// literal starts with U+200E and whose block names the server by IP with
// no fingerprint; the fix patches only the block's sector and verifies.
func TestForumImageAndFix(t *testing.T) {
	tok := blynk.NewToken(strings.Repeat("a", 32))
	img, err := ForumImage("127.0.0.1", 9443, tok, SSID, testFP)
	if err != nil {
		t.Fatal(err)
	}
	if err := firmware.Verify(img); err != nil {
		t.Fatal(err)
	}
	if _, err := firmware.ParseArduino(img); err != nil {
		t.Fatalf("not an Arduino layout: %v", err)
	}
	hits := firmware.Fingerprints(img)
	if len(hits) != 1 || len(hits[0].Invisible) != 1 || hits[0].Invisible[0].Code != "U+200E" || hits[0].Hex != testFP {
		t.Fatalf("fingerprint literals: %+v", hits)
	}
	cfg, err := firmware.FindConfig(img)
	if err != nil || cfg.Host != "127.0.0.1" || cfg.TLS != firmware.TLSSHA1 || len(cfg.Fingerprint) != 0 || cfg.Sealed() {
		t.Fatalf("block %+v, %v", cfg, err)
	}
	fx, err := PlanFix(img, CertHost)
	if err != nil {
		t.Fatal(err)
	}
	if len(fx.Findings) != 2 || !strings.Contains(fx.Findings[0].What, "U+200E") || !strings.Contains(fx.Findings[1].What, "127.0.0.1") {
		t.Fatalf("findings %+v", fx.Findings)
	}
	if len(fx.Sectors) != 1 || fx.Sectors[0] != 1 {
		t.Fatalf("changed sectors %v, want [1] (the block at 0x11F4)", fx.Sectors)
	}
	if err := firmware.Verify(fx.Image); err != nil {
		t.Fatal(err)
	}
	fixed, _ := firmware.FindConfig(fx.Image)
	if fixed.Host != CertHost || fixed.FingerprintHex() != testFP || !fixed.Sealed() {
		t.Fatalf("fixed block %+v", fixed)
	}
}

// The image check names both causes before the fix and none after it: the
// sealed block now pins the fingerprint, so the pasted literal with U+200E
// is dead text, and the host is a name.
func TestImageProblemsClearAfterFix(t *testing.T) {
	img, err := ForumImage("127.0.0.1", 9443, blynk.NewToken(strings.Repeat("a", 32)), SSID, testFP)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(img []byte) (out []string) {
		for _, p := range monitor.ImageProblems(img) {
			out = append(out, p.ID)
		}
		return out
	}
	if got := strings.Join(ids(img), ","); got != "image-fingerprint-invisible-char,image-server-by-ip" {
		t.Fatalf("before the fix: %s", got)
	}
	fix, err := PlanFix(img, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fix.Image); len(got) != 0 {
		t.Fatalf("after the fix: %v", got)
	}
}
