package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// flash and info run end to end over a real pty against the sim: the port
// has no modem lines, so the board's FLASH button is held (download strap).
func TestFlashAndInfoCommandsOverPTY(t *testing.T) {
	b, path := loaderOnPTY(t, sim.Options{})
	img := testV1Image(200 << 10)
	file := writeTemp(t, "sketch.bin", img)
	out, errOut := runOK(t, "flash", file, "-p", path, "-b", "115200", "--offset", "0x10000", "--plain")
	if !strings.Contains(out, "Wrote 204800 bytes in ") || !strings.Contains(out, "of the wire limit)") ||
		!strings.Contains(out, "Writing at 100% (204800 of 204800 bytes)") {
		t.Fatalf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "no DTR/RTS") {
		t.Fatalf("no modem-line warning on stderr:\n%s", errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}

	// The soft reset started the app; RESET with FLASH held re-enters the loader.
	b.PressReset()
	out, _ = runOK(t, "info", "-p", path, "--json", "--after", "no-reset")
	var info struct {
		V          int    `json:"v"`
		Chip       string `json:"chip"`
		MAC        string `json:"mac"`
		CrystalMHz int    `json:"crystal_mhz"`
		FlashID    uint32 `json:"flash_id"`
		FlashSize  int    `json:"flash_size"`
	}
	decodeJSON(t, out, &info)
	if info.V != 1 || info.Chip != "ESP8266EX" || info.MAC != "5c:cf:7f:c3:a1:5e" || info.CrystalMHz != 26 || info.FlashID != 0x1640EF || info.FlashSize != 4<<20 {
		t.Fatalf("%+v", info)
	}

	// Human output; the loader is still running (--after no-reset).
	out, _ = runOK(t, "info", "-p", path, "--after", "no_reset")
	assertContains(t, "info output", out, "Chip:       ESP8266EX (Wi-Fi, 160MHz)", "MAC:        5c:cf:7f:c3:a1:5e", "Crystal:    26 MHz",
		"Flash ID:   0x1640ef (manufacturer 0xef, device 0x4016)", "Flash size: 4 MiB")

	// --base with the same image: nothing to write; --json result.
	out, _ = runOK(t, "flash", "--json", "-p", path, "--offset", "0x10000", "--base", file, "--after", "no-reset", file)
	var res struct {
		V      int `json:"v"`
		Result struct {
			Planned        int `json:"planned"`
			SectorsSkipped int `json:"sectors_skipped"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.V != 1 || res.Result.Planned != 0 || res.Result.SectorsSkipped != 50 {
		t.Fatalf("%v %+v\n%s", err, res, out)
	}
}

func TestFlashCommandUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"flash"},
		{"flash", "x.bin", "--before", "watchdog-reset", "-p", "/dev/null"}, // usb_reset is esptool's, mapped (internal/cliargs)
		{"flash", "x.bin", "--connect-seq", "D0|Q1", "-p", "/dev/null"},
	} {
		if len(args) > 1 {
			args[1] = writeTemp(t, "x.bin", []byte{1, 2, 3})
		}
		if _, errOut, code := runCLI(t, args...); code != bberr.Usage {
			t.Errorf("%v: exit %d, want usage\n%s", args, code, errOut)
		}
	}
}

// An ELF is converted (firmware.FromELF) and, without --offset, written
// where the converted image belongs (0x1000 for a sketch).
func TestFlashCommandELF(t *testing.T) {
	built, err := firmware.FromELF(readFile(t, fixtureSketchELF), firmware.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, path := loaderOnPTY(t, sim.Options{})
	trace := filepath.Join(t.TempDir(), "trace.txt")
	args := []string{"flash", fixtureSketchELF, "-p", path, "--after", "no-reset", "--trace", trace}
	out, _ := runOK(t, args...)
	tr := readFile(t, trace)
	if !bytes.Contains(tr, []byte("-> SYNC")) || !bytes.Contains(tr, []byte("<- FLASH_DEFL_DATA")) || !bytes.Contains(tr, []byte("<- SPI_FLASH_MD5")) {
		t.Fatalf("trace:\n%s", tr)
	}
	if _, _, code := runCLI(t, args...); code != bberr.Usage {
		t.Fatalf("an existing trace file was accepted (exit %d)", code)
	}
	if !strings.Contains(out, "at 0x1000") {
		t.Fatalf("stdout:\n%s", out)
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x1000:0x1000+len(built.Image)], built.Image) {
		t.Fatal("flash differs from the converted ELF")
	}
}
