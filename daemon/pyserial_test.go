package daemon

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/sim"
)

// pyserialClient is what esptool does through pyserial's rfc2217:// client,
// one telnet command per line change: open at 74880, hard reset (RTS),
// read the ROM banner, switch to the sketch's rate, write; then esptool's
// classic bootloader entry (DTR and RTS as separate commands, which the
// daemon must recognise and play with the right timing) and read the
// ROM's download-mode banner.
const pyserialClient = `
import sys, time, serial
s = serial.serial_for_url(sys.argv[1], baudrate=74880, timeout=0.2)
print("OPEN", s.baudrate, flush=True)
def read_until(want, secs=5):
    data, end = b"", time.time() + secs
    while time.time() < end and want not in data:
        data += s.read(4096)
    return data
s.dtr = False
s.rts = True
time.sleep(0.1)
s.rts = False
b = read_until(b"~ld")
print("BANNER", repr(b), flush=True)
s.baudrate = 115200
t = read_until(b"tick")
print("SKETCH", repr(t), flush=True)
s.write(b"hello from pyserial\n")
time.sleep(0.3)
s.baudrate = 74880
s.reset_input_buffer()
s.dtr = False
s.rts = True
time.sleep(0.1)
s.dtr = True
s.rts = False
time.sleep(0.05)
s.dtr = False
d = read_until(b"boot mode:(1,7)\r\n")
print("DOWNLOAD", repr(d), flush=True)
s.close()
print("CLOSED", flush=True)
`

func TestRFC2217ServerWithPyserial(t *testing.T) {
	py := testkit.PySerial(t)
	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	cfg := simConfig("d1", path, b)
	cfg.RFC2217 = "127.0.0.1:0"
	d, c, logs := startDaemon(t, Config{Boards: []BoardConfig{cfg}})
	bs := waitState(t, c, "d1", StateRunning)
	if bs.RFC2217 == "" {
		t.Fatal("no RFC 2217 address in the status")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", pyserialClient, "rfc2217://"+bs.RFC2217).CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("pyserial: %v\n%s\ndaemon log:\n%s", err, text, logs.String())
	}
	for _, want := range []string{"OPEN 74880", "ets Jan  8 2013,rst cause:2, boot mode:(3,6)", "SKETCH", "tick",
		"boot mode:(1,7)", "CLOSED"} {
		if !strings.Contains(text, want) {
			t.Errorf("pyserial output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("pyserial output:\n%s\ndaemon log:\n%s", text, logs.String())
	}
	if !strings.Contains(logs.String(), "reset into the bootloader (played locally)") {
		t.Errorf("daemon did not recognise the bootloader sequence:\n%s", logs.String())
	}
	// The board got the write; capture resumed after the client left.
	jr := filepath.Join(d.cfg.LogDir, "d1", "journal.jsonl")
	fileHas(t, jr, "port lent to RFC 2217 client 127.0.0.1:", "done; monitoring again")
	b.PressReset() // out of the loader, so the daemon reads the sketch again
	fileHas(t, jr, "tick")
}
