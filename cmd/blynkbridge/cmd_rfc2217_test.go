//go:build linux

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/sim"
)

// Every command takes --port rfc2217://host:port as esptool does. These
// run monitor and flash through Debian's ser2net serving a simulated
// board's pty (ser2net on a pty passes no modem lines and acknowledges no
// DTR/RTS: the commands must not wait for it).

func TestMonitorThroughSer2net(t *testing.T) {
	_, path := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "")
	url := "rfc2217://" + testkit.Ser2net(t, path)
	r := startCLI(t, "monitor", "-p", url, "--json")
	if !r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), "] tick 1\\r\\n") }) {
		r.stop()
		t.Fatalf("no tick through ser2net; stdout:\n%s\nstderr:\n%s", r.stdout(), r.stderr())
	}
	r.stop()
	recs := v1Records(t, r.stdout())
	if recs[0]["text"] != url+" open at 115200 baud" {
		t.Errorf("first record %v", recs[0])
	}
}

func TestFlashThroughSer2net(t *testing.T) {
	b, path := loaderOnPTY(t, sim.Options{})
	url := "rfc2217://" + testkit.Ser2net(t, path) + "?ign_set_control"
	img := testV1Image(64 << 10)
	file := writeTemp(t, "sketch.bin", img)
	out, errOut := runOK(t, "flash", file, "-p", url, "-b", "460800", "--offset", "0x10000", "--plain")
	if !strings.Contains(out, "Wrote 65536 bytes in ") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}
}

func TestRFC2217BadURL(t *testing.T) {
	_, errOut, code := runCLI(t, "monitor", "-p", "rfc2217://host:4000?nope")
	if code != 2 || !strings.Contains(errOut, `unknown option "nope"`) || !strings.Contains(errOut, "hint:") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
