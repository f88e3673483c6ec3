package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// imgBuilt builds the fixture ELF (firmware/testdata) into the full Arduino layout.
func imgBuilt(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "fw.bin")
	out, errs, code := runCLI(t, "image", "build", fixtureSketchELF, "-o", bin, "--eboot", fixtureEbootELF)
	if code != 0 || !strings.Contains(out, "Flash it at 0x0") {
		t.Fatalf("build: %d\n%s%s", code, out, errs)
	}
	return dir, bin
}

func TestImageBuildInfo(t *testing.T) {
	dir, bin := imgBuilt(t)
	out, _ := runOK(t, "image", "info", bin)
	assertContains(t, "info output", out, "Layout: Arduino ESP8266", "Segment 1: len 0x002F4 load 0x40201010", "Arduino CRC: length", "(valid)",
		"Config block at 0x11F4: version 1", "Server: blynk.example.com:9443", "All seals valid.")
	// Broken checksum: says so and exits CheckFailed.
	data, _ := os.ReadFile(bin)
	data[0x1100] ^= 0x55
	bad := filepath.Join(dir, "bad.bin")
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, "image", "info", bad)
	if code != bberr.CheckFailed || !strings.Contains(out, "INVALID") || !strings.Contains(errs, "XOR checksum wrong") {
		t.Errorf("broken: %d\n%s%s", code, out, errs)
	}
	out, _, code = runCLI(t, "image", "info", bad, "--json")
	var in struct {
		Valid    bool     `json:"valid"`
		Problems []string `json:"problems"`
	}
	if code != bberr.CheckFailed || json.Unmarshal([]byte(out), &in) != nil || in.Valid || len(in.Problems) != 2 {
		t.Errorf("broken --json: %d %+v", code, in)
	}
	// An existing output is never overwritten without --force.
	if _, errs, code := runCLI(t, "image", "build", fixtureSketchELF, "-o", bin); code != bberr.Usage || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
}

func TestImagePatchCLI(t *testing.T) {
	dir, bin := imgBuilt(t)
	tok := writeTemp(t, "token", []byte(testToken+"\n"))
	out := filepath.Join(dir, "patched.bin")
	stdout, _ := runOK(t, "image", "patch", bin, "-o", out, "--server", "10.0.0.2:9443", "--token-file", tok,
		"--fingerprint", "a2:10:3c:79:7d:19:fb:b2:50:0d:02:c6:39:8b:94:d0:02:b8:88:88", "--json")
	var rep struct {
		Sectors []int `json:"changed_sectors"`
		Config  struct {
			Host, Token, Fingerprint string
			Port                     int
			TokenSet                 bool `json:"token_set"`
		} `json:"config"`
		Resealed []string `json:"resealed"`
	}
	decodeJSON(t, stdout, &rep)
	if rep.Config.Host != "10.0.0.2" || rep.Config.Port != 9443 || !rep.Config.TokenSet || !strings.HasPrefix(rep.Config.Fingerprint, "A2 10") ||
		len(rep.Sectors) != 1 || rep.Sectors[0] != 1 || len(rep.Resealed) != 4 {
		t.Errorf("report %+v", rep)
	}
	img, _ := os.ReadFile(out)
	if err := firmware.Verify(img); err != nil {
		t.Fatal(err)
	}
	if c, err := firmware.FindConfig(img); err != nil || c.Token.Reveal() != testToken {
		t.Fatalf("token not written: %v", err)
	}
	// Refusals write nothing.
	out2 := filepath.Join(dir, "refused.bin")
	_, errs, code := runCLI(t, "image", "patch", bin, "-o", out2, "--fingerprint", "\u200eA2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88")
	if code != bberr.CheckFailed || !strings.Contains(errs, "U+200E LEFT-TO-RIGHT MARK") {
		t.Errorf("invisible: %d %s", code, errs)
	}
	_, errs, code = runCLI(t, "image", "patch", bin, "-o", out2, "--token", "short")
	if code != bberr.Usage || !strings.Contains(errs, "32 characters") {
		t.Errorf("short token: %d %s", code, errs)
	}
	_, errs, code = runCLI(t, "image", "patch", bin, "-o", out2, "--server", strings.Repeat("h", 64)+":80")
	if code != bberr.Usage || !strings.Contains(errs, "at most 63") {
		t.Errorf("long host: %d %s", code, errs)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Error("a refused patch wrote its output")
	}
	if _, errs, code := runCLI(t, "image", "patch", bin, "-o", out, "--server", "a:1"); code != bberr.Usage || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
}

// --fingerprint-from fetches a real TLS server (certs.Fetch) and pins its leaf's SHA-1.
func TestImagePatchFingerprintFrom(t *testing.T) {
	iss := testServerCert(t)
	addr := serveTLS(t, iss.TLS)
	dir, bin := imgBuilt(t)
	out := filepath.Join(dir, "p.bin")
	runOK(t, "image", "patch", bin, "-o", out, "--fingerprint-from", addr)
	img, _ := os.ReadFile(out)
	c, err := firmware.FindConfig(img)
	if err != nil {
		t.Fatal(err)
	}
	if want := certs.SHA1Of(iss.Cert).ESP8266(); c.FingerprintHex() != want || c.TLS != firmware.TLSSHA1 {
		t.Errorf("pinned %s, server's SHA-1 %s", c.FingerprintHex(), want)
	}
}

func TestImageStringsCLI(t *testing.T) {
	_, bin := imgBuilt(t)
	out, errs, code := runCLI(t, "image", "strings", bin, "--fingerprints")
	if code != bberr.CheckFailed || !strings.Contains(out, "UNCLEAN") || !strings.Contains(out, "U+200E LEFT-TO-RIGHT MARK (UTF-8 E2 80 8E)") {
		t.Errorf("%d\n%s%s", code, out, errs)
	}
	out, _, _ = runCLI(t, "image", "strings", bin, "--fingerprints", "--json")
	var rep struct {
		Fingerprints []firmware.FingerprintHit `json:"fingerprints"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Fingerprints) != 2 {
		t.Fatalf("%v %s", err, out)
	}
	out, _, code = runCLI(t, "image", "strings", bin)
	if code != 0 || !strings.Contains(out, "blynkbridge fixture sketch") {
		t.Errorf("plain strings: %d %s", code, out)
	}
}
