package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

func init() {
	jsonRuns["read"] = func(t *testing.T) string {
		_, path := loaderOnPTY(t, sim.Options{})
		out, _ := runOK(t, "read", "0x0", "0x2000", filepath.Join(t.TempDir(), "b.bin"), "-p", path, "--after", "no-reset", "--json")
		return out
	}
	jsonRuns["erase"] = func(t *testing.T) string {
		_, path := loaderOnPTY(t, sim.Options{})
		out, _ := runOK(t, "erase", "0x10000", "0x1000", "-p", path, "--after", "no-reset", "--json")
		return out
	}
	jsonRuns["verify"] = func(t *testing.T) string {
		_, path := loaderOnPTY(t, sim.Options{})
		out, _, _ := runCLI(t, "verify", "0x10000", writeTemp(t, "fw.bin", testV1Image(4<<10)), "-p", path, "--after", "no-reset", "--json")
		return out
	}
}

// esptool's write_flash form with two ADDRESS FILE pairs, then verify,
// read and erase, over a pty against the sim (board left in the loader).
func TestFlashPairsReadVerifyEraseOverPTY(t *testing.T) {
	clearEnv(t)
	b, path := loaderOnPTY(t, sim.Options{})
	app := sim.SketchImage(96<<10, 3)
	fs := testV1Image(8 << 10)
	appFile, fsFile := writeTemp(t, "app.bin", app), writeTemp(t, "fs.bin", fs)
	stay := []string{"-p", path, "--after", "no-reset", "--plain"}

	out, _ := runOK(t, append([]string{"flash", "0x0", appFile, "0x300000", fsFile}, stay...)...)
	assertContains(t, "flash pairs", out, "Writing 98304 bytes at 0x0 through the flasher stub", "Writing 8192 bytes at 0x300000",
		"Verified 0x0-0x17fff by MD5.", "Verified 0x300000-0x301fff by MD5.")
	got := b.FlashContents()
	if !bytes.Equal(got[:len(app)], app) || !bytes.Equal(got[0x300000:0x300000+len(fs)], fs) {
		t.Fatal("the flash does not hold both files")
	}

	// --json with pairs: one envelope, one entry per file.
	out, _ = runOK(t, append([]string{"flash", "0x0", appFile, "0x300000", fsFile, "--json"}, stay[:4]...)...)
	var env struct {
		V     int `json:"v"`
		Files []struct {
			File   string `json:"file"`
			Result struct {
				SectorsWritten int  `json:"sectors_written"`
				Verified       bool `json:"verified"`
			} `json:"result"`
		} `json:"files"`
	}
	decodeJSON(t, out, &env)
	if env.V != 1 || len(env.Files) != 2 || env.Files[1].File != fsFile || env.Files[0].Result.SectorsWritten != 0 || !env.Files[0].Result.Verified {
		t.Fatalf("flash --json with pairs (a second write of the same files writes nothing):\n%s", out)
	}

	out, _ = runOK(t, append([]string{"verify", "0x0", appFile, "0x300000", fsFile}, stay[:4]...)...)
	assertContains(t, "verify", out, "app.bin: flash 0x0-0x17fff matches", "fs.bin: flash 0x300000-0x301fff matches")
	// The same file one sector off: verify names what differs, exit 10.
	out, _, code := runCLI(t, append([]string{"verify", "0x1000", fsFile}, stay[:4]...)...)
	if code != bberr.CheckFailed || !strings.Contains(out, "DIFFERS in 2 sector(s): 0x1000 0x2000") {
		t.Fatalf("verify at the wrong address: exit %d\n%s", code, out)
	}

	backup := filepath.Join(t.TempDir(), "backup.bin")
	out, _ = runOK(t, append([]string{"read", "0x0", "0x18000", backup}, stay...)...)
	assertContains(t, "read", out, "Read 0x0-0x17fff (98304 bytes) into "+backup)
	if rb, err := os.ReadFile(backup); err != nil || !bytes.Equal(rb, app) {
		t.Fatalf("backup differs from the flash (%v)", err)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v (%v), want 0600: the flash holds the token", st.Mode(), err)
	}
	if _, _, code := runCLI(t, append([]string{"read", "0x0", "0x1000", backup}, stay...)...); code != bberr.Usage {
		t.Fatalf("read over an existing file without --force: exit %d", code)
	}

	out, _ = runOK(t, append([]string{"erase", "0x300000", "0x2000"}, stay[:4]...)...)
	assertContains(t, "erase region", out, "Erased 0x300000-0x301fff.")
	if !bytes.Equal(b.FlashContents()[0x300000:0x302000], bytes.Repeat([]byte{0xFF}, 0x2000)) {
		t.Fatal("erase region left data")
	}
	if _, errOut, code := runCLI(t, append([]string{"erase", "0x300800", "0x1000"}, stay[:4]...)...); code != bberr.BadInput || !strings.Contains(errOut, "not whole 4 KiB sectors") {
		t.Fatalf("unaligned erase: exit %d\n%s", code, errOut)
	}
	out, _ = runOK(t, append([]string{"erase"}, stay[:4]...)...)
	assertContains(t, "erase all", out, "Erased the whole flash.")
	if !bytes.Equal(b.FlashContents(), bytes.Repeat([]byte{0xFF}, sim.FlashSize)) {
		t.Fatal("erase left data")
	}

	// --no-stub keeps the ROM: no read there.
	if _, errOut, code := runCLI(t, append([]string{"read", backup + "2", "--no-stub"}, stay...)...); code != bberr.Usage || !strings.Contains(errOut, "drop --no-stub") {
		t.Fatalf("read --no-stub: exit %d\n%s", code, errOut)
	}
}

func TestFlashPairsUsageErrors(t *testing.T) {
	clearEnv(t)
	f := writeTemp(t, "a.bin", testV1Image(8<<10))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"flash", "0x0", f, "0x1000"}, "do not make ADDRESS FILE pairs"},
		{[]string{"flash", "zero", f}, `"zero" is not an address`},
		{[]string{"flash", "0x0", f, "--offset", "0x1000"}, "--offset given with ADDRESS FILE pairs"},
		{[]string{"flash", "0x0", f, "0x1000", f}, "share flash sectors"},
		{[]string{"read", "0x0", "out.bin"}, "read takes FILE, or ADDRESS SIZE FILE"},
		{[]string{"erase", "0x0"}, "erase takes nothing"},
		{[]string{"erase", "0x0", "lots"}, `bad size "lots"`},
	} {
		_, errOut, code := runCLI(t, c.args...)
		if code != bberr.Usage || !strings.Contains(errOut, c.want) || strings.Count(errOut, "hint: ") != 1 {
			t.Errorf("%q: exit %d, stderr:\n%s", c.args, code, errOut)
		}
	}
}
