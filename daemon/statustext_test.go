package daemon

import (
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/relay"
)

func TestWriteStatus(t *testing.T) {
	v := VersionBody{Version: "1.2.3", PID: 42, Started: "2026-01-01T00:00:00Z", Socket: "/run/bb.sock", LogDir: "/var/log/bb"}
	var b strings.Builder
	WriteStatus(&b, v, nil)
	want := "daemon 1.2.3 (pid 42) since 2026-01-01T00:00:00Z, socket /run/bb.sock, logs in /var/log/bb\n" +
		"no boards yet (plug one in, or start the daemon with --port)\n"
	if b.String() != want {
		t.Fatalf("no boards:\n%s", b.String())
	}
	b.Reset()
	WriteStatus(&b, v, []BoardStatus{
		{Name: "desk", Port: "auto", Path: "/dev/ttyUSB0", State: StateRelaying, LentTo: "flash", Baud: 115200, BytesIn: 10, BytesLog: 9,
			Blynk: "ready", Relay: &relay.Stats{State: relay.StateOnline, FramesUp: 3, FramesDown: 4}, Attached: 1, RFC2217Clients: 1,
			Problems: []Problem{{Severity: decode.SevWarn, Title: "weak power"}}, RawLog: fileHealth{Error: "disk full"}, RFC2217: "0.0.0.0:2217"},
		{Name: "bench", Port: "/dev/ttyUSB1", State: StateUnknown, Baud: 9600},
	})
	for _, want := range []string{
		"BOARD  STATE",
		"desk   relaying (flash)  /dev/ttyUSB0  115200  10    9       ready  online up 3/down 4  2\n",
		"bench  unknown           /dev/ttyUSB1  9600    0     0       -      -                   0\n",
		"desk:\n  warn: weak power\n  raw log cannot be written (disk full); held in memory and retried\n  RFC 2217 at rfc2217://0.0.0.0:2217\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "bench:") {
		t.Errorf("a board without notes got a notes block:\n%s", b.String())
	}
}
