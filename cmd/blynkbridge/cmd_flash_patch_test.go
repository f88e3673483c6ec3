package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// patchTestFP is a clean SHA-1 fingerprint, different from the fixture's
// default (the old Blynk cloud one), so the patch visibly changes it.
const patchTestFP = "3A:1F:9C:44:0B:E2:7D:58:A6:13:C9:F0:2E:8B:64:D7:05:BA:91:6C"

// expectPatched computes the patched image independently of the CLI; fp ""
// leaves the fingerprint as it is.
func expectPatched(t *testing.T, img []byte, host string, port int, token, fp string) ([]byte, []int) {
	t.Helper()
	tok := blynk.NewToken(token)
	set := firmware.Settings{Host: &host, Port: &port, Token: &tok}
	if fp != "" {
		set.Fingerprint = &fp
	}
	want, secs, err := firmware.Patch(img, set)
	if err != nil {
		t.Fatal(err)
	}
	return want, secs
}

// bootRecorder is a sim sketch that hands the flash it booted from to the
// test: proof that the board rebooted, and into which image.
type bootRecorder chan []byte

func (r bootRecorder) firmware(flash []byte) sim.Firmware {
	return sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
		select {
		case r <- append([]byte(nil), dev.Flash()...):
		default:
		}
		<-ctx.Done()
		return nil
	})
}

func (r bootRecorder) next(t *testing.T) []byte {
	t.Helper()
	select {
	case f := <-r:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("the board did not boot its sketch")
		return nil
	}
}

var sentRE = regexp.MustCompile(`sent (\d+) bytes, ([0-9.]+)% of a full flash \((\d+) bytes\)`)

// Issue 5's Must show: patch then flash only the changed sector over a
// real pty; the board ends up with exactly the independently patched
// image, the bytes sent are reported as a fraction of a full flash, and
// the board reboots into the patched sketch.
func TestFlashPatchConfigOnlyOverPTY(t *testing.T) {
	boots := make(bootRecorder, 4)
	b, port := loaderOnPTY(t, sim.Options{Firmware: boots.firmware})
	orig := fixtureImage(t, 0)
	origFile := writeTemp(t, "ORIGINAL.bin", orig)

	// 1. Full flash of the unpatched image; it boots.
	runOK(t, "flash", origFile, "-p", port, "--plain")
	if !bytes.Equal(boots.next(t)[:len(orig)], orig) {
		t.Fatal("after the full flash the board runs something else")
	}

	// 2. RESET with FLASH held: back in the loader. Patch + config-only.
	b.PressReset()
	want, secs := expectPatched(t, orig, "localhost", 9443, testToken, patchTestFP)
	if len(secs) != 1 || secs[0] != 1 {
		t.Fatalf("the patch changes sectors %v; the fixture's block, CRC words and checksum are all in sector 1", secs)
	}
	out, errOut := runOK(t, "-v", "flash", origFile, "--server", "localhost:9443", "--token", testToken,
		"--fingerprint", patchTestFP, "--config-only", "--base", origFile, "-p", port, "--plain")
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	got := b.FlashContents()
	if !bytes.Equal(got[:len(want)], want) {
		t.Fatal("the board's flash differs from the independently patched image")
	}
	if !bytes.Equal(got[len(want):0x10000], bytes.Repeat([]byte{0xFF}, 0x10000-len(want))) {
		t.Fatal("flash after the image changed")
	}
	assertContains(t, "stdout", out,
		"Patched "+origFile+" in memory",
		"Server: localhost:9443  Token: "+testTokenShown,
		"TLS: sha1 3A 1F 9C 44 0B E2 7D 58 A6 13 C9 F0 2E 8B 64 D7 05 BA 91 6C",
		"changed 4 KiB sectors: 1 of 2 (0x1000)",
		"Skipped 1 unchanged sectors, wrote 1.",
		"Board reset into the new firmware.")
	m := sentRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no bytes-sent summary:\n%s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	full, _ := strconv.Atoi(m[3])
	// Through the stub: sector 1 alone (0x1000-0x142F), compressed,
	// against the compressed 5168-byte image.
	if sent <= 0 || sent >= full || full >= 5168 {
		t.Fatalf("sent %d of %d (%s%%):\n%s", sent, full, m[2], out)
	}

	// 3. The board rebooted into the patched sketch, which reads the block.
	booted := boots.next(t)
	cfg, err := firmware.FindConfig(booted)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "localhost" || cfg.Port != 9443 || cfg.Token.Reveal() != testToken || cfg.TLS != firmware.TLSSHA1 ||
		cfg.FingerprintHex() == "" || !strings.EqualFold(strings.ReplaceAll(cfg.FingerprintHex(), " ", ""), strings.ReplaceAll(patchTestFP, ":", "")) {
		t.Fatalf("the rebooted sketch reads %+v", cfg)
	}
	if b.State() != sim.Running {
		t.Fatalf("board state %v", b.State())
	}
}

// A sketch of realistic size (the fixture image padded to 256 KiB, as the
// flash holds it): config-only sends a few KiB of it. This run also takes
// the other way in: `image patch` first, then the flash command it
// suggests, with --json.
func TestFlashConfigOnlyJSONSmallFraction(t *testing.T) {
	b, port := loaderOnPTY(t, sim.Options{})
	orig := fixtureImage(t, 256<<10)
	origFile := writeTemp(t, "ORIGINAL.bin", orig)
	runOK(t, "flash", origFile, "-p", port, "--plain", "--after", "no-reset")
	want, _ := expectPatched(t, orig, "blynk.local", 8441, testToken, patchTestFP)

	// Patched on the fly, --json.
	out, _ := runOK(t, "flash", origFile, "--server", "blynk.local:8441", "--token-file", writeTemp(t, "token", []byte(testToken+"\n")),
		"--fingerprint", patchTestFP, "--config-only", "--base", origFile, "-p", port, "--json", "--after", "no-reset")
	var res struct {
		V              int     `json:"v"`
		SentBytes      int     `json:"sent_bytes"`
		FullFlashBytes int     `json:"full_flash_bytes"`
		SentFraction   float64 `json:"sent_fraction"`
		Result         struct {
			Bytes          int `json:"bytes"`
			SectorsWritten int `json:"sectors_written"`
			SectorsSkipped int `json:"sectors_skipped"`
		} `json:"result"`
		Patch struct {
			Patched        bool   `json:"patched"`
			ConfigOnly     bool   `json:"config_only"`
			ChangedSectors []int  `json:"changed_sectors"`
			ImageSectors   int    `json:"image_sectors"`
			Base           string `json:"base"`
			Config         struct {
				Host  string `json:"host"`
				Port  int    `json:"port"`
				Token string `json:"token"`
				TLS   string `json:"tls"`
			} `json:"config"`
		} `json:"patch"`
	}
	decodeJSON(t, out, &res)
	t.Logf("config-only of a %d-byte image: sent %d of %d bytes (%.2f%%), %d sectors written", len(orig), res.SentBytes, res.FullFlashBytes, 100*res.SentFraction, res.Result.SectorsWritten)
	// The stub erases exactly: sector 1 alone goes out, compressed (the
	// fixture is mostly padding, so the whole image compresses to little
	// more than that sector).
	if res.V != 1 || res.SentBytes != res.Result.Bytes || res.SentBytes <= 0 || res.SentBytes >= 4096 || res.FullFlashBytes <= res.SentBytes ||
		res.SentFraction >= 1 || res.Result.SectorsWritten != 1 || res.Result.SectorsSkipped != 63 {
		t.Fatalf("%+v\n%s", res, out)
	}
	if !res.Patch.Patched || !res.Patch.ConfigOnly || len(res.Patch.ChangedSectors) != 1 || res.Patch.ChangedSectors[0] != 1 ||
		res.Patch.ImageSectors != 64 || res.Patch.Base != origFile || res.Patch.Config.Host != "blynk.local" || res.Patch.Config.Port != 8441 ||
		res.Patch.Config.Token != testTokenShown || res.Patch.Config.TLS != "sha1" {
		t.Fatalf("patch %+v", res.Patch)
	}
	if !bytes.Equal(b.FlashContents()[:len(want)], want) {
		t.Fatal("flash differs from the patched image")
	}

	// image patch, then the command it prints; the board holds `want`
	// now, which is what --base says.
	patched := filepath.Join(t.TempDir(), "patched.bin")
	out, _ = runOK(t, "image", "patch", origFile, "-o", patched, "--server", "10.0.0.7:9443", "--token", testToken, "--tls", "none")
	if !strings.Contains(out, "--base "+origFile+" --config-only") {
		t.Fatalf("image patch no longer suggests --config-only:\n%s", out)
	}
	cur := writeTemp(t, "current.bin", want)
	out, _ = runOK(t, "flash", patched, "--base", cur, "--config-only", "-p", port, "--after", "no-reset", "--plain")
	p2, _ := os.ReadFile(patched)
	if !bytes.Equal(b.FlashContents()[:len(p2)], p2) {
		t.Fatal("flash differs from image patch's output")
	}
	if !strings.Contains(out, "differs from "+cur+" only in its config block and seals") || !sentRE.MatchString(out) {
		t.Fatalf("stdout:\n%s", out)
	}
}

// Refusals happen before the port is opened (the port here does not
// exist: a refusal that came too late would say so instead).
func TestFlashPatchRefusals(t *testing.T) {
	orig := fixtureImage(t, 0)
	origFile := writeTemp(t, "ORIGINAL.bin", orig)
	noBlock := writeTemp(t, "plain.bin", testV1Image(16<<10))
	other := append([]byte(nil), orig...)
	other[0x20] ^= 1 // eboot's code: another build
	other, err := firmware.Reseal(other)
	if err != nil {
		t.Fatal(err)
	}
	otherFile := writeTemp(t, "other.bin", other)
	cfg, err := firmware.FindConfig(orig)
	if err != nil {
		t.Fatal(err)
	}
	// A second block after the image (a flash dump holding an old copy,
	// say): FindConfig must not guess.
	twoFile := writeTemp(t, "two.bin", append(append([]byte(nil), orig...), orig[cfg.Offset:cfg.Offset+cfg.Length]...))
	noPort := filepath.Join(t.TempDir(), "no-such-port")
	fp := "\u200e" + patchTestFP
	for _, c := range []struct {
		name string
		args []string
		code bberr.Code
		want []string
	}{
		{"invisible character", []string{"flash", origFile, "--server", "localhost:9443", "--token", testToken, "--fingerprint", fp},
			bberr.CheckFailed, []string{"U+200E"}},
		{"invisible character json", []string{"flash", origFile, "--token", testToken, "--fingerprint", fp, "--json"},
			bberr.CheckFailed, []string{"U+200E"}},
		{"token too short", []string{"flash", origFile, "--token", testToken[:31], "--fingerprint", patchTestFP},
			bberr.Usage, []string{"32 characters, got 31"}},
		{"token too long", []string{"flash", origFile, "--token", testToken + "x", "--config-only", "--json"},
			bberr.Usage, []string{"32 characters, got 33"}},
		{"no config block", []string{"flash", noBlock, "--server", "localhost:9443", "--token", testToken},
			bberr.BadInput, []string{"plain.bin: it has no blynkbridge config block", "hint: flash it without the patch flags"}},
		{"two blocks", []string{"flash", twoFile, "--token", testToken},
			bberr.BadInput, []string{"2 config blocks in this image (at 0x11F4, 0x1430)"}},
		{"host too long", []string{"flash", origFile, "--server", strings.Repeat("h", 70) + ":9443"},
			bberr.Usage, []string{"server host is 70 characters"}},
		{"config-only, other build as base", []string{"flash", origFile, "--token", testToken, "--config-only", "--base", otherFile},
			bberr.Usage, []string{"differs from --base " + otherFile + " outside the sectors the patch changes (sectors 0x0)"}},
		{"config-only, nothing to patch", []string{"flash", origFile, "--config-only"},
			bberr.Usage, []string{"nothing to patch and no --base"}},
		{"config-only, not only a config change", []string{"flash", otherFile, "--config-only", "--base", origFile},
			bberr.Usage, []string{"outside its config block and seals (sectors 0x0)"}},
		{"no-patch and config-only", []string{"flash", origFile, "--token", testToken, "--no-patch", "--config-only"},
			bberr.Usage, []string{"--no-patch and --config-only"}},
		{"two token sources", []string{"flash", origFile, "--token", testToken, "--token-file", origFile},
			bberr.Usage, []string{"--token and --token-file both given"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append(c.args, "-p", noPort)...)
			t.Logf("stderr:\n%s", errOut)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Fatalf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "no-such-port") {
				t.Fatalf("refused only after trying the port:\n%s", errOut)
			}
		})
	}
}

// --no-patch flashes FILE unchanged even with patch values given (they may
// come from a profile or the environment).
func TestFlashNoPatchWritesFileUnchanged(t *testing.T) {
	b, port := loaderOnPTY(t, sim.Options{})
	img := testV1Image(8 << 10)
	file := writeTemp(t, "plain.bin", img)
	out, _ := runOK(t, "flash", file, "--server", "localhost:9443", "--token", testToken, "--no-patch", "-p", port, "--offset", "0x10000", "--after", "no-reset")
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) || strings.Contains(out, "Patched") {
		t.Fatalf("not flashed unchanged:\n%s", out)
	}
}

// With profiles wired, a server and token from the environment (or a
// profile) patch a sketch that has the block, and leave one without it
// alone: refusing would break plain flashing for relay users who export
// BLYNKBRIDGE_TOKEN. Typed on the command line, the same values are
// refused for a sketch without the block (TestFlashPatchRefusals).
func TestFlashPatchFromEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("BLYNKBRIDGE_CONFIG", filepath.Join(t.TempDir(), "none.toml"))
	t.Setenv("BLYNKBRIDGE_SERVER", "relay.lan:8080")
	t.Setenv("BLYNKBRIDGE_TOKEN", testToken)
	b, port := loaderOnPTY(t, sim.Options{})
	plain := testV1Image(8 << 10)
	out, errOut := runOK(t, "flash", writeTemp(t, "plain.bin", plain), "-p", port, "--offset", "0x10000", "--after", "no-reset")
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(plain)], plain) || !strings.Contains(errOut, "no blynkbridge config block: flashing it unchanged") {
		t.Fatalf("plain image not flashed unchanged:\n%s\n%s", out, errOut)
	}

	orig := fixtureImage(t, 0)
	want, _ := expectPatched(t, orig, "relay.lan", 8080, testToken, "")
	out, errOut = runOK(t, "flash", writeTemp(t, "fw.bin", orig), "-p", port, "--after", "no-reset")
	if !bytes.Equal(b.FlashContents()[:len(want)], want) || !strings.Contains(out, "Server: relay.lan:8080  Token: "+testTokenShown) {
		t.Fatalf("not patched from the environment:\n%s\n%s", out, errOut)
	}
}

// --fingerprint-from pins the SHA-1 of the certificate a live TLS server
// presents (here an in-process one with a fresh CA), then flashes.
func TestFlashFingerprintFrom(t *testing.T) {
	iss := testServerCert(t)
	addr := serveTLS(t, iss.TLS)
	b, port := loaderOnPTY(t, sim.Options{})
	orig := fixtureImage(t, 0)
	want, _ := expectPatched(t, orig, "localhost", 9443, testToken, certs.SHA1Of(iss.Cert).ESP8266())
	out, errOut := runOK(t, "flash", writeTemp(t, "fw.bin", orig), "--server", "localhost:9443", "--token", testToken,
		"--fingerprint-from", addr, "-p", port, "--after", "no-reset")
	if !bytes.Equal(b.FlashContents()[:len(want)], want) {
		t.Fatalf("flash is not the image pinned to the server's certificate\n%s\n%s", out, errOut)
	}
	if !strings.Contains(errOut, "pinning its SHA-1 "+certs.SHA1Of(iss.Cert).ESP8266()) {
		t.Fatalf("stderr:\n%s", errOut)
	}
}
