package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
	"github.com/blynkbridge/blynkbridge/sim"
)

// esptool's habits, end to end against the simulated board on a pty: each
// form below exited 2 before (issue 19). The board stays in its loader
// between commands (--after no_reset_stay, esptool's spelling).
func TestEsptoolFormsOverPTY(t *testing.T) {
	clearEnv(t)
	b, path := loaderOnPTY(t, sim.Options{})
	img := testV1Image(8 << 10)
	file := writeTemp(t, "sketch.bin", img)

	// Port and baud before the command, --chip, underscore spellings.
	runOK(t, "--chip", "esp8266", "-p", path, "-b", "115200", "flash", file, "--offset", "0x10000",
		"--flash_mode", "keep", "--flash_size", "detect", "--after", "no_reset_stay", "--plain")
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash (port and baud before the command) did not write the file")
	}

	// Attached values and esptool's command name.
	img2 := testV1Image(4 << 10)
	img2[100] ^= 0xff
	file2 := writeTemp(t, "other.bin", img2)
	runOK(t, "-p"+path, "-b115200", "write_flash", "--offset", "0x20000", file2, "--after", "no_reset_stay", "--plain")
	if !bytes.Equal(b.FlashContents()[0x20000:0x20000+len(img2)], img2) {
		t.Fatal("write_flash with -pPORT -bBAUD did not write the file")
	}

	// chip_id, flash_id, read_mac are info; --before usb_reset drives
	// esptool's USB reset sequence (a pty has no lines: a warning only).
	for _, form := range [][]string{
		{"chip_id", "-p", path, "--after", "no_reset_stay"},
		{"-p", path, "flash_id", "--after", "no_reset_stay"},
		{"read_mac", "--port=" + path, "--after", "no_reset_stay", "--before", "usb_reset"},
	} {
		out, _ := runOK(t, form...)
		assertContains(t, strings.Join(form, " "), out, "Chip:       ESP8266EX", "MAC:        5c:cf:7f:c3:a1:5e", "Flash ID:   0x1640ef")
	}

	// flash -p X -v: -v after the command is --verbose (debug lines on
	// stderr); without it no internal log line reaches the user.
	_, errOut := runOK(t, "flash", "-p", path, "-b", "115200", "--offset", "0x10000", "--after", "no_reset_stay", "--plain", "-v", file)
	if !strings.Contains(errOut, "level=DEBUG") {
		t.Fatalf("flash ... -v: no debug lines on stderr:\n%s", errOut)
	}
	_, errOut = runOK(t, "flash", "-p", path, "-b", "115200", "--offset", "0x10000", "--after", "no_reset_stay", "--plain", file)
	if strings.Contains(errOut, "level=") || strings.Contains(errOut, "time=") {
		t.Fatalf("internal log lines without -v:\n%s", errOut)
	}
}

// Bad esptool-style input: exit 2 with one error and one hint line.
func TestEsptoolFormsUsageErrors(t *testing.T) {
	clearEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"moniter"}, `hint: did you mean "monitor"?`},
		{[]string{"--chip", "esp32", "flash", "fw.bin"}, "ESP8266 only"},
		{[]string{"flash", "--flash_mode", "qio", "fw.bin"}, "image build --flash-mode"},
		{[]string{"ports", "--jsn"}, "did you mean --json?"},
		{[]string{"image", "infoo"}, `did you mean "info"?`},
	} {
		_, errOut, code := runCLI(t, c.args...)
		if code != bberr.Usage || !strings.Contains(errOut, c.want) || strings.Count(errOut, "error: ") != 1 || strings.Count(errOut, "hint: ") != 1 {
			t.Errorf("%q: exit %d, stderr:\n%s", c.args, code, errOut)
		}
	}
}

// tio's form: the port as the monitor's argument.
func TestMonitorPortArgument(t *testing.T) {
	clearEnv(t)
	_, link := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "d1")
	r := startCLI(t, "monitor", link, "--plain")
	if !r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), "tick 1\n") }) {
		r.stop()
		t.Fatalf("monitor PORT: stdout:\n%s\nstderr:\n%s", r.stdout(), r.stderr())
	}
	if code := r.stop(); code != bberr.Interrupted {
		t.Fatalf("exit %d", code)
	}
}

// Every esptool command name maps to a command this build has.
func TestEsptoolCommandNamesAllMapped(t *testing.T) {
	for name, target := range cliargs.EsptoolCommands(newApp(io.Discard, io.Discard)) {
		if target == "" {
			t.Errorf("%s maps to no command", name)
		}
	}
}
