package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const imgTestToken = "abcdefghijklmnopqrstuvwxyz012345"

func imgRun(t *testing.T, args ...string) (bberr.Code, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, append([]string{"blynkbridge"}, args...), &out, &errb)
	if strings.Contains(out.String()+errb.String(), imgTestToken) {
		t.Fatalf("the token was printed:\n%s%s", out.String(), errb.String())
	}
	return code, out.String(), errb.String()
}

// imgBuilt builds the fixture ELF (firmware/testdata) into the full Arduino layout.
func imgBuilt(t *testing.T) (dir, bin string) {
	dir = t.TempDir()
	bin = filepath.Join(dir, "fw.bin")
	code, out, errs := imgRun(t, "image", "build", "../../firmware/testdata/sketch.elf", "-o", bin, "--eboot", "../../firmware/testdata/eboot.elf")
	if code != 0 || !strings.Contains(out, "Flash it at 0x0") {
		t.Fatalf("build: %d\n%s%s", code, out, errs)
	}
	return dir, bin
}

func TestImageBuildInfo(t *testing.T) {
	dir, bin := imgBuilt(t)
	code, out, errs := imgRun(t, "image", "info", bin)
	if code != 0 {
		t.Fatalf("info: %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Layout: Arduino ESP8266", "Segment 1: len 0x002F4 load 0x40201010", "Arduino CRC: length", "(valid)",
		"Config block at 0x11F4: version 1", "Server: blynk.example.com:9443", "All seals valid."} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
	// Broken checksum: says so and exits CheckFailed.
	data, _ := os.ReadFile(bin)
	data[0x1100] ^= 0x55
	bad := filepath.Join(dir, "bad.bin")
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = imgRun(t, "image", "info", bad)
	if code != bberr.CheckFailed || !strings.Contains(out, "INVALID") || !strings.Contains(errs, "XOR checksum wrong") {
		t.Errorf("broken: %d\n%s%s", code, out, errs)
	}
	code, out, _ = imgRun(t, "image", "info", bad, "--json")
	var in struct {
		Valid    bool     `json:"valid"`
		Problems []string `json:"problems"`
	}
	if code != bberr.CheckFailed || json.Unmarshal([]byte(out), &in) != nil || in.Valid || len(in.Problems) != 2 {
		t.Errorf("broken --json: %d %+v", code, in)
	}
	// An existing output is never overwritten without --force.
	if code, _, errs := imgRun(t, "image", "build", "../../firmware/testdata/sketch.elf", "-o", bin); code != bberr.Usage || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
}

func TestImagePatchCLI(t *testing.T) {
	dir, bin := imgBuilt(t)
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(imgTestToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "patched.bin")
	code, stdout, errs := imgRun(t, "image", "patch", bin, "-o", out, "--server", "10.0.0.2:9443", "--token-file", tok,
		"--fingerprint", "a2:10:3c:79:7d:19:fb:b2:50:0d:02:c6:39:8b:94:d0:02:b8:88:88", "--json")
	if code != 0 {
		t.Fatalf("patch: %d\n%s%s", code, stdout, errs)
	}
	var rep struct {
		Sectors []int `json:"changed_sectors"`
		Config  struct {
			Host, Token, Fingerprint string
			Port                     int
			TokenSet                 bool `json:"token_set"`
		} `json:"config"`
		Resealed []string `json:"resealed"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Config.Host != "10.0.0.2" || rep.Config.Port != 9443 || !rep.Config.TokenSet || !strings.HasPrefix(rep.Config.Fingerprint, "A2 10") ||
		len(rep.Sectors) != 1 || rep.Sectors[0] != 1 || len(rep.Resealed) != 4 {
		t.Errorf("report %+v", rep)
	}
	img, _ := os.ReadFile(out)
	if err := firmware.Verify(img); err != nil {
		t.Fatal(err)
	}
	if c, err := firmware.FindConfig(img); err != nil || c.Token.Reveal() != imgTestToken {
		t.Fatalf("token not written: %v", err)
	}
	// Refusals write nothing.
	out2 := filepath.Join(dir, "refused.bin")
	code, _, errs = imgRun(t, "image", "patch", bin, "-o", out2, "--fingerprint", "\u200eA2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88")
	if code != bberr.CheckFailed || !strings.Contains(errs, "U+200E LEFT-TO-RIGHT MARK") {
		t.Errorf("invisible: %d %s", code, errs)
	}
	code, _, errs = imgRun(t, "image", "patch", bin, "-o", out2, "--token", "short")
	if code != bberr.Usage || !strings.Contains(errs, "32 characters") {
		t.Errorf("short token: %d %s", code, errs)
	}
	code, _, errs = imgRun(t, "image", "patch", bin, "-o", out2, "--server", strings.Repeat("h", 64)+":80")
	if code != bberr.Usage || !strings.Contains(errs, "at most 63") {
		t.Errorf("long host: %d %s", code, errs)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Error("a refused patch wrote its output")
	}
	if code, _, errs := imgRun(t, "image", "patch", bin, "-o", out, "--server", "a:1"); code != bberr.Usage || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: %d %s", code, errs)
	}
}

// --fingerprint-from fetches a real TLS server (certs.Fetch) and pins its leaf's SHA-1.
func TestImagePatchFingerprintFrom(t *testing.T) {
	ca, err := certs.NewCA("test CA", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := ca.IssueServer(nil, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{iss.TLS}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()
	dir, bin := imgBuilt(t)
	out := filepath.Join(dir, "p.bin")
	code, stdout, errs := imgRun(t, "image", "patch", bin, "-o", out, "--fingerprint-from", ln.Addr().String())
	if code != 0 {
		t.Fatalf("%d\n%s%s", code, stdout, errs)
	}
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
	code, out, errs := imgRun(t, "image", "strings", bin, "--fingerprints")
	if code != bberr.CheckFailed || !strings.Contains(out, "UNCLEAN") || !strings.Contains(out, "U+200E LEFT-TO-RIGHT MARK (UTF-8 E2 80 8E)") {
		t.Errorf("%d\n%s%s", code, out, errs)
	}
	_, out, _ = imgRun(t, "image", "strings", bin, "--fingerprints", "--json")
	var rep struct {
		Fingerprints []firmware.FingerprintHit `json:"fingerprints"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Fingerprints) != 2 {
		t.Fatalf("%v %s", err, out)
	}
	code, out, _ = imgRun(t, "image", "strings", bin)
	if code != 0 || !strings.Contains(out, "blynkbridge fixture sketch") {
		t.Errorf("plain strings: %d %s", code, out)
	}
}
