package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// testV1Image is a bootable one-segment ESP8266 image padded with random
// bytes to n.
func testV1Image(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	seg := make([]byte, 0x400)
	for i := range seg {
		seg[i] = byte(r.Uint32())
	}
	b := []byte{0xE9, 1, 0x02, 0x40}
	b = binary.LittleEndian.AppendUint32(b, 0x40100004)
	b = binary.LittleEndian.AppendUint32(b, 0x40100000)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(seg)))
	b = append(b, seg...)
	chk := byte(0xEF)
	for _, v := range seg {
		chk ^= v
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	b = append(b, chk)
	for len(b) < n {
		b = append(b, byte(r.Uint32()))
	}
	return b
}

// flash and info run end to end over a real pty against the sim: the port
// has no modem lines, so the board's FLASH button is held (download strap).
func TestFlashAndInfoCommandsOverPTY(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	img := testV1Image(200 << 10)
	file := filepath.Join(t.TempDir(), "sketch.bin")
	if err := os.WriteFile(file, img, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"blynkbridge", "flash", file, "-p", path, "-b", "115200", "--offset", "0x10000", "--plain"}, &out, &errb)
	if code != bberr.OK {
		t.Fatalf("flash exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "Wrote 204800 bytes in ") || !strings.Contains(out.String(), "of the wire limit)") ||
		!strings.Contains(out.String(), "Writing at 100% (204800 of 204800 bytes)") {
		t.Fatalf("stdout:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "no DTR/RTS") {
		t.Fatalf("no modem-line warning on stderr:\n%s", errb.String())
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}

	// The soft reset started the app; RESET with FLASH held re-enters the loader.
	b.PressReset()
	out.Reset()
	errb.Reset()
	code = run(ctx, []string{"blynkbridge", "info", "-p", path, "--json", "--after", "no-reset"}, &out, &errb)
	if code != bberr.OK {
		t.Fatalf("info exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	var info struct {
		V          int    `json:"v"`
		Chip       string `json:"chip"`
		MAC        string `json:"mac"`
		CrystalMHz int    `json:"crystal_mhz"`
		FlashID    uint32 `json:"flash_id"`
		FlashSize  int    `json:"flash_size"`
	}
	if err := json.Unmarshal(out.Bytes(), &info); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if info.V != 1 || info.Chip != "ESP8266EX" || info.MAC != "5c:cf:7f:c3:a1:5e" || info.CrystalMHz != 26 || info.FlashID != 0x1640EF || info.FlashSize != 4<<20 {
		t.Fatalf("%+v", info)
	}

	// Human output; the loader is still running (--after no-reset).
	out.Reset()
	code = run(ctx, []string{"blynkbridge", "info", "-p", path, "--after", "no_reset"}, &out, &errb)
	for _, want := range []string{"Chip:       ESP8266EX (Wi-Fi, 160MHz)", "MAC:        5c:cf:7f:c3:a1:5e", "Crystal:    26 MHz", "Flash ID:   0x1640ef (manufacturer 0xef, device 0x4016)", "Flash size: 4 MiB"} {
		if code != bberr.OK || !strings.Contains(out.String(), want) {
			t.Fatalf("info exit %d, lacks %q:\n%s\n%s", code, want, out.String(), errb.String())
		}
	}

	// --base with the same image: nothing to write; --json result.
	out.Reset()
	code = run(ctx, []string{"blynkbridge", "flash", "--json", "-p", path, "--offset", "0x10000", "--base", file, "--after", "no-reset", file}, &out, &errb)
	if code != bberr.OK {
		t.Fatalf("flash --base exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	var res struct {
		V      int `json:"v"`
		Result struct {
			Planned        int `json:"planned"`
			SectorsSkipped int `json:"sectors_skipped"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.V != 1 || res.Result.Planned != 0 || res.Result.SectorsSkipped != 50 {
		t.Fatalf("%v %+v\n%s", err, res, out.String())
	}
}

func TestFlashCommandUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"flash"},
		{"flash", "x.bin", "--before", "usb-reset", "-p", "/dev/null"},
		{"flash", "x.bin", "--connect-seq", "D0|Q1", "-p", "/dev/null"},
	} {
		dir := t.TempDir()
		if len(args) > 1 {
			os.WriteFile(filepath.Join(dir, "x.bin"), []byte{1, 2, 3}, 0o600)
			args[1] = filepath.Join(dir, "x.bin")
		}
		if code := run(context.Background(), append([]string{"blynkbridge"}, args...), &out, &errb); code != bberr.Usage {
			t.Errorf("%v: exit %d, want usage\n%s", args, code, errb.String())
		}
	}
}

// An ELF is converted (firmware.FromELF) and, without --offset, written
// where the converted image belongs (0x1000 for a sketch).
func TestFlashCommandELF(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	elf, err := os.ReadFile("../../firmware/testdata/sketch.elf")
	if err != nil {
		t.Fatal(err)
	}
	built, err := firmware.FromELF(elf, firmware.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	trace := filepath.Join(t.TempDir(), "trace.txt")
	args := []string{"blynkbridge", "flash", "../../firmware/testdata/sketch.elf", "-p", path, "--after", "no-reset", "--trace", trace}
	code := run(context.Background(), args, &out, &errb)
	if code != bberr.OK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	tr, _ := os.ReadFile(trace)
	if !bytes.Contains(tr, []byte("-> SYNC")) || !bytes.Contains(tr, []byte("<- FLASH_DATA")) {
		t.Fatalf("trace:\n%s", tr)
	}
	if code := run(context.Background(), args, &out, &errb); code != bberr.Usage {
		t.Fatalf("an existing trace file was accepted (exit %d)", code)
	}
	if !strings.Contains(out.String(), "at 0x1000") {
		t.Fatalf("stdout:\n%s", out.String())
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x1000:0x1000+len(built.Image)], built.Image) {
		t.Fatal("flash differs from the converted ELF")
	}
}

func TestFlashProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &flashProgress{w: &buf, tty: true, lastPct: -1}
	p.update(0, 4096)
	p.update(4096, 4096)
	p.finish()
	s := buf.String()
	if !strings.Contains(s, "\r[..............................]   0% 0/4096 bytes") ||
		!strings.Contains(s, "\r[##############################] 100% 4096/4096 bytes") || !strings.HasSuffix(s, "\n") {
		t.Fatalf("%q", s)
	}
	buf.Reset()
	p = newFlashProgress(&buf, true, false)
	p.update(1, 2)
	if buf.Len() != 0 {
		t.Fatal("progress printed with --json")
	}
}
