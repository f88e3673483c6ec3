package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// The token used throughout: if any output holds it, a test fails.
const patchTestToken = "Zq7vK2mN9xR4tW8yB1cD5fG3hJ6kL0pS"

// patchTestFP is a clean SHA-1 fingerprint, different from the fixture's
// default (the old Blynk cloud one), so the patch visibly changes it.
const patchTestFP = "3A:1F:9C:44:0B:E2:7D:58:A6:13:C9:F0:2E:8B:64:D7:05:BA:91:6C"

// fixtureImage builds the full Arduino-layout image (eboot at 0x0, sketch
// at 0x1000) from the firmware package's real xtensa ELF fixtures; pad > 0
// appends 0xFF up to pad bytes, as in a flash dump or a sketch of
// realistic size (the seals cover only the image).
func fixtureImage(t *testing.T, pad int) []byte {
	t.Helper()
	elf, err := os.ReadFile("../../firmware/testdata/sketch.elf")
	if err != nil {
		t.Fatal(err)
	}
	eboot, err := os.ReadFile("../../firmware/testdata/eboot.elf")
	if err != nil {
		t.Fatal(err)
	}
	b, err := firmware.FromELF(elf, firmware.BuildOptions{Eboot: eboot})
	if err != nil {
		t.Fatal(err)
	}
	if b.FlashOffset != 0 || b.Layout != firmware.LayoutArduino {
		t.Fatalf("fixture built for 0x%x as %s", b.FlashOffset, b.Layout)
	}
	img := b.Image
	for len(img) < pad {
		img = append(img, 0xFF)
	}
	if err := firmware.Verify(img); err != nil {
		t.Fatal(err)
	}
	return img
}

// expectPatched computes the patched image independently of the CLI.
func expectPatched(t *testing.T, img []byte, host string, port int, token, fp string) ([]byte, []int) {
	t.Helper()
	tok := blynk.NewToken(token)
	want, secs, err := firmware.Patch(img, firmware.Settings{Host: &host, Port: &port, Token: &tok, Fingerprint: &fp})
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

// patchRun runs the CLI and fails the test if stdout or stderr ever holds
// the token.
func patchRun(t *testing.T, args ...string) (string, string, bberr.Code) {
	t.Helper()
	var o, e bytes.Buffer
	code := run(context.Background(), append([]string{"blynkbridge"}, args...), &o, &e)
	if strings.Contains(o.String()+e.String(), patchTestToken) || strings.Contains(o.String()+e.String(), patchTestToken[:16]) {
		t.Fatalf("the token was printed (args %q)\nstdout:\n%s\nstderr:\n%s", args, o.String(), e.String())
	}
	return o.String(), e.String(), code
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var sentRE = regexp.MustCompile(`sent (\d+) bytes, ([0-9.]+)% of a full flash \((\d+) bytes\)`)

// Issue 5's Must show: patch then flash only the changed sector over a
// real pty; the board ends up with exactly the independently patched
// image, the bytes sent are reported as a fraction of a full flash, and
// the board reboots into the patched sketch.
func TestFlashPatchConfigOnlyOverPTY(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	boots := make(bootRecorder, 4)
	b, err := sim.New(sim.Options{Boot: sim.BootDownload, Firmware: boots.firmware})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	orig := fixtureImage(t, 0)
	origFile := writeTemp(t, "ORIGINAL.bin", orig)

	// 1. Full flash of the unpatched image; it boots.
	out, errOut, code := patchRun(t, "flash", origFile, "-p", port, "--plain")
	if code != bberr.OK {
		t.Fatalf("full flash: exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(boots.next(t)[:len(orig)], orig) {
		t.Fatal("after the full flash the board runs something else")
	}

	// 2. RESET with FLASH held: back in the loader. Patch + config-only.
	b.PressReset()
	want, secs := expectPatched(t, orig, "localhost", 9443, patchTestToken, patchTestFP)
	if len(secs) != 1 || secs[0] != 1 {
		t.Fatalf("the patch changes sectors %v; the fixture's block, CRC words and checksum are all in sector 1", secs)
	}
	out, errOut, code = patchRun(t, "-v", "flash", origFile, "--server", "localhost:9443", "--token", patchTestToken,
		"--fingerprint", patchTestFP, "--config-only", "--base", origFile, "-p", port, "--plain")
	if code != bberr.OK {
		t.Fatalf("config-only flash: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	got := b.FlashContents()
	if !bytes.Equal(got[:len(want)], want) {
		t.Fatal("the board's flash differs from the independently patched image")
	}
	if !bytes.Equal(got[len(want):0x10000], bytes.Repeat([]byte{0xFF}, 0x10000-len(want))) {
		t.Fatal("flash after the image changed")
	}
	for _, s := range []string{
		"Patched " + origFile + " in memory",
		"Server: localhost:9443  Token: <token …pS, 32 chars>",
		"TLS: sha1 3A 1F 9C 44 0B E2 7D 58 A6 13 C9 F0 2E 8B 64 D7 05 BA 91 6C",
		"changed 4 KiB sectors: 1 of 2 (0x1000)",
		"Skipped 1 unchanged sectors, wrote 1.",
		"Board reset into the new firmware.",
	} {
		if !strings.Contains(out, s) {
			t.Fatalf("stdout lacks %q:\n%s", s, out)
		}
	}
	m := sentRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no bytes-sent summary:\n%s", out)
	}
	sent, _ := strconv.Atoi(m[1])
	full, _ := strconv.Atoi(m[3])
	// One 4 KiB sector at most (the run 0x1000-0x142F is 2 blocks of
	// 1 KiB) against a full flash of the 5168-byte image (6 blocks).
	if sent != 2048 || full != 6144 || m[2] != "33.3" {
		t.Fatalf("sent %d of %d (%s%%):\n%s", sent, full, m[2], out)
	}

	// 3. The board rebooted into the patched sketch, which reads the block.
	booted := boots.next(t)
	cfg, err := firmware.FindConfig(booted)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "localhost" || cfg.Port != 9443 || cfg.Token.Reveal() != patchTestToken || cfg.TLS != firmware.TLSSHA1 ||
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
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	orig := fixtureImage(t, 256<<10)
	origFile := writeTemp(t, "ORIGINAL.bin", orig)
	if out, errOut, code := patchRun(t, "flash", origFile, "-p", port, "--plain", "--after", "no-reset"); code != bberr.OK {
		t.Fatalf("full flash: exit %d\n%s\n%s", code, out, errOut)
	}
	want, _ := expectPatched(t, orig, "blynk.local", 8441, patchTestToken, patchTestFP)

	// Patched on the fly, --json.
	out, errOut, code := patchRun(t, "flash", origFile, "--server", "blynk.local:8441", "--token-file", writeTemp(t, "token", []byte(patchTestToken+"\n")),
		"--fingerprint", patchTestFP, "--config-only", "--base", origFile, "-p", port, "--json", "--after", "no-reset")
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
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
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Logf("config-only of a %d-byte image: sent %d of %d bytes (%.2f%%), %d sectors written", len(orig), res.SentBytes, res.FullFlashBytes, 100*res.SentFraction, res.Result.SectorsWritten)
	// Sector 1 alone would make the ROM erase sector 2 too: the flasher
	// rewrites it, so 2 sectors (8 KiB) of 64 go out.
	if res.V != 1 || res.SentBytes != res.Result.Bytes || res.SentBytes != 8192 || res.FullFlashBytes != 256<<10 ||
		res.SentFraction > 0.05 || res.Result.SectorsWritten != 2 || res.Result.SectorsSkipped != 62 {
		t.Fatalf("%+v\n%s", res, out)
	}
	if !res.Patch.Patched || !res.Patch.ConfigOnly || len(res.Patch.ChangedSectors) != 1 || res.Patch.ChangedSectors[0] != 1 ||
		res.Patch.ImageSectors != 64 || res.Patch.Base != origFile || res.Patch.Config.Host != "blynk.local" || res.Patch.Config.Port != 8441 ||
		res.Patch.Config.Token != "<token …pS, 32 chars>" || res.Patch.Config.TLS != "sha1" {
		t.Fatalf("patch %+v", res.Patch)
	}
	if !bytes.Equal(b.FlashContents()[:len(want)], want) {
		t.Fatal("flash differs from the patched image")
	}

	// image patch, then the command it prints; the board holds `want`
	// now, which is what --base says.
	patched := filepath.Join(t.TempDir(), "patched.bin")
	out, errOut, code = patchRun(t, "image", "patch", origFile, "-o", patched, "--server", "10.0.0.7:9443", "--token", patchTestToken, "--tls", "none")
	if code != bberr.OK {
		t.Fatalf("image patch: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "--base "+origFile+" --config-only") {
		t.Fatalf("image patch no longer suggests --config-only:\n%s", out)
	}
	cur := writeTemp(t, "current.bin", want)
	out, errOut, code = patchRun(t, "flash", patched, "--base", cur, "--config-only", "-p", port, "--after", "no-reset", "--plain")
	if code != bberr.OK {
		t.Fatalf("flash of the patched file: exit %d\n%s\n%s", code, out, errOut)
	}
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
		{"invisible character", []string{"flash", origFile, "--server", "localhost:9443", "--token", patchTestToken, "--fingerprint", fp},
			bberr.CheckFailed, []string{"U+200E"}},
		{"invisible character json", []string{"flash", origFile, "--token", patchTestToken, "--fingerprint", fp, "--json"},
			bberr.CheckFailed, []string{"U+200E"}},
		{"token too short", []string{"flash", origFile, "--token", patchTestToken[:31], "--fingerprint", patchTestFP},
			bberr.Usage, []string{"32 characters, got 31"}},
		{"token too long", []string{"flash", origFile, "--token", patchTestToken + "x", "--config-only", "--json"},
			bberr.Usage, []string{"32 characters, got 33"}},
		{"no config block", []string{"flash", noBlock, "--server", "localhost:9443", "--token", patchTestToken},
			bberr.BadInput, []string{"plain.bin: it has no blynkbridge config block", "hint: flash it without the patch flags"}},
		{"two blocks", []string{"flash", twoFile, "--token", patchTestToken},
			bberr.BadInput, []string{"2 config blocks in this image (at 0x11F4, 0x1430)"}},
		{"host too long", []string{"flash", origFile, "--server", strings.Repeat("h", 70) + ":9443"},
			bberr.Usage, []string{"server host is 70 characters"}},
		{"config-only, other build as base", []string{"flash", origFile, "--token", patchTestToken, "--config-only", "--base", otherFile},
			bberr.Usage, []string{"differs from --base " + otherFile + " outside the sectors the patch changes (sectors 0x0)"}},
		{"config-only, nothing to patch", []string{"flash", origFile, "--config-only"},
			bberr.Usage, []string{"nothing to patch and no --base"}},
		{"config-only, not only a config change", []string{"flash", otherFile, "--config-only", "--base", origFile},
			bberr.Usage, []string{"outside its config block and seals (sectors 0x0)"}},
		{"no-patch and config-only", []string{"flash", origFile, "--token", patchTestToken, "--no-patch", "--config-only"},
			bberr.Usage, []string{"--no-patch and --config-only"}},
		{"two token sources", []string{"flash", origFile, "--token", patchTestToken, "--token-file", origFile},
			bberr.Usage, []string{"--token and --token-file both given"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := patchRun(t, append(c.args, "-p", noPort)...)
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
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	img := testV1Image(8 << 10)
	file := writeTemp(t, "plain.bin", img)
	out, errOut, code := patchRun(t, "flash", file, "--server", "localhost:9443", "--token", patchTestToken, "--no-patch", "-p", port, "--offset", "0x10000", "--after", "no-reset")
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) || strings.Contains(out, "Patched") {
		t.Fatalf("not flashed unchanged:\n%s", out)
	}
}

// wireProfilesForPatchTest wires profiles into the real commands as
// main.go is meant to, and undoes it after the test (a no-op for commands
// already wired).
func wireProfilesForPatchTest(t *testing.T) {
	type saved struct {
		flags  []cli.Flag
		before cli.BeforeFunc
	}
	keep := map[*cli.Command]saved{}
	var walk func([]*cli.Command)
	walk = func(cs []*cli.Command) {
		for _, c := range cs {
			keep[c] = saved{append([]cli.Flag{}, c.Flags...), c.Before}
			walk(c.Subcommands)
		}
	}
	walk(commands)
	was := map[*cli.Command]bool{}
	for c, v := range wired {
		was[c] = v
	}
	wireProfiles(commands)
	t.Cleanup(func() {
		for c, s := range keep {
			if !was[c] {
				c.Flags, c.Before = s.flags, s.before
				delete(wired, c)
			}
		}
	})
}

// With profiles wired, a server and token from the environment (or a
// profile) patch a sketch that has the block, and leave one without it
// alone: refusing would break plain flashing for relay users who export
// BLYNKBRIDGE_TOKEN. Typed on the command line, the same values are
// refused for a sketch without the block (TestFlashPatchRefusals).
func TestFlashPatchFromEnvironment(t *testing.T) {
	for _, k := range []string{"BLYNKBRIDGE_PROFILE", "BLYNKBRIDGE_PORT", "ESPTOOL_PORT", "BLYNKBRIDGE_BAUD", "ESPTOOL_BAUD",
		"BLYNKBRIDGE_TOKEN_FILE", "BLYNKBRIDGE_FINGERPRINT", "BLYNKBRIDGE_CA"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("BLYNKBRIDGE_CONFIG", filepath.Join(t.TempDir(), "none.toml"))
	t.Setenv("BLYNKBRIDGE_SERVER", "relay.lan:8080")
	t.Setenv("BLYNKBRIDGE_TOKEN", patchTestToken)
	wireProfilesForPatchTest(t)
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	plain := testV1Image(8 << 10)
	out, errOut, code := patchRun(t, "flash", writeTemp(t, "plain.bin", plain), "-p", port, "--offset", "0x10000", "--after", "no-reset")
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(plain)], plain) || !strings.Contains(errOut, "no blynkbridge config block: flashing it unchanged") {
		t.Fatalf("plain image not flashed unchanged:\n%s\n%s", out, errOut)
	}

	orig := fixtureImage(t, 0)
	tok := blynk.NewToken(patchTestToken)
	host, p := "relay.lan", 8080
	want, _, err := firmware.Patch(orig, firmware.Settings{Host: &host, Port: &p, Token: &tok})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = patchRun(t, "flash", writeTemp(t, "fw.bin", orig), "-p", port, "--after", "no-reset")
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[:len(want)], want) || !strings.Contains(out, "Server: relay.lan:8080  Token: <token …pS, 32 chars>") {
		t.Fatalf("not patched from the environment:\n%s\n%s", out, errOut)
	}
}

// --fingerprint-from pins the SHA-1 of the certificate a live TLS server
// presents (here an in-process one with a fresh CA), then flashes.
func TestFlashFingerprintFrom(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ca, err := certs.NewCA("blynkbridge test CA", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := ca.IssueServer([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Hour)
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
			go func() {
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	orig := fixtureImage(t, 0)
	want, _ := expectPatched(t, orig, "localhost", 9443, patchTestToken, certs.SHA1Of(iss.Cert).ESP8266())
	out, errOut, code := patchRun(t, "flash", writeTemp(t, "fw.bin", orig), "--server", "localhost:9443", "--token", patchTestToken,
		"--fingerprint-from", ln.Addr().String(), "-p", port, "--after", "no-reset")
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[:len(want)], want) {
		t.Fatalf("flash is not the image pinned to the server's certificate\n%s\n%s", out, errOut)
	}
	if !strings.Contains(errOut, "pinning its SHA-1 "+certs.SHA1Of(iss.Cert).ESP8266()) {
		t.Fatalf("stderr:\n%s", errOut)
	}
}
