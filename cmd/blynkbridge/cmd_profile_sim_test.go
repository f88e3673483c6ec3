package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// flash runs from a profile alone (port and baud) against the sim over a
// real pty.
func TestFlashFromProfileAgainstSim(t *testing.T) {
	clearEnv(t)
	b, path := loaderOnPTY(t, sim.Options{})
	cfg := filepath.Join(t.TempDir(), "p.toml")
	runOK(t, "profile", "add", "--port", path, "--flash-baud", "115200", "--config", cfg, "simboard")
	img := testV1Image(64 << 10)
	file := writeTemp(t, "sketch.bin", img)
	_, errOut := runOK(t, "-v", "flash", "--profile", "simboard", "--config", cfg, "--offset", "0x10000", "--plain", file)
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}
	if !strings.Contains(errOut, "--port="+path+" (from profile simboard)") || !strings.Contains(errOut, "--baud=115200 (from profile simboard)") {
		t.Fatalf("-v should say where settings came from:\n%s", errOut)
	}
}

// patience bounds waits for what must happen: long enough for -race under
// two CPU hogs, reached only when something is broken.
const patience = 30 * time.Second

// monitor runs from a profile alone (port and monitor baud) against the
// sim over a real pty.
func TestMonitorFromProfileAgainstSim(t *testing.T) {
	clearEnv(t)
	// The factory sketch, powered on once the monitor has the port open at
	// its rate. Waiting for the monitor's own "open at 115200 baud" line
	// (not for a fixed time after the open, as `blynkbridge sim` does)
	// keeps the boot from going out at a rate the host has not set yet,
	// however loaded the machine is.
	b, link := simOnPTY(t, sim.Options{Flash: sim.FactoryImage(), PowerOff: true}, "d1")
	useProfiles(t, "default = \"d1\"\n[profiles.d1]\nport = \""+link+"\"\nmonitor_baud = 115200\n")
	r := startCLI(t, "-v", "monitor", "--plain")
	r.waitMatch(regexp.MustCompile(regexp.QuoteMeta(link) + ` open at 115200 baud`))
	b.PowerOn()
	if !r.waitFor(patience, func() bool { return strings.Contains(r.stdout(), "tick 0") }) {
		t.Fatalf("no tick 0\nstdout:\n%s\nstderr:\n%s", r.stdout(), r.stderr())
	}
	code, out, errOut := r.stop(), r.stdout(), r.stderr()
	if code != bberr.OK && code != bberr.Interrupted {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "--port="+link+" (from profile d1)") || !strings.Contains(errOut, "--baud=115200 (from profile d1)") {
		t.Fatalf("settings not from the profile:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	if !strings.Contains(out, link+" open at 115200 baud") || !strings.Contains(out, "demo sketch at 115200 baud") {
		t.Fatalf("monitor did not show the sketch at the profile's rate\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}
