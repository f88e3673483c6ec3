package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// runMonitorOn runs `monitor` with args against a simulated board on a pty
// until want appears in its output, then interrupts it (Ctrl-C).
func runMonitorOn(t *testing.T, want string, args ...string) (string, string, bberr.Code) {
	t.Helper()
	_, link := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "d1")
	r := startCLI(t, append([]string{"monitor", "-p", link}, args...)...)
	if !r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), want) }) {
		r.stop()
		t.Fatalf("no %q after 10 s; stdout:\n%s\nstderr:\n%s", want, r.stdout(), r.stderr())
	}
	code := r.stop() // run has returned: the output is complete
	return r.stdout(), r.stderr(), code
}

// stdout is not a terminal: annotated lines, the --log file, and the
// diagnosis when interrupted.
func TestMonitorPlainOverPTY(t *testing.T) {
	logf := filepath.Join(t.TempDir(), "raw.log")
	out, _, code := runMonitorOn(t, "tick 1\n", "--log", logf)
	if code != bberr.Interrupted {
		t.Fatalf("exit %d, want %d (Ctrl-C)", code, bberr.Interrupted)
	}
	if !strings.Contains(out, " open at 115200 baud\n") || !strings.Contains(out, "] tick 1\n") {
		t.Fatalf("stdout:\n%s", out)
	}
	raw, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "[20") || !strings.Contains(string(raw), "] tick 1\r\n") || strings.Contains(string(raw), "\x1b[") {
		t.Fatalf("raw log:\n%s", raw)
	}
}

// --json: every line is a v1 record.
func TestMonitorJSONOverPTY(t *testing.T) {
	out, _, _ := runMonitorOn(t, `"raw":"[`, "--json")
	recs := v1Records(t, out)
	if last := recs[len(recs)-1]; last["kind"] != "diagnosis" {
		t.Fatalf("last line is %v, want the diagnosis record", last["kind"])
	}
}

func TestMonitorUsageErrors(t *testing.T) {
	if _, errOut, code := runCLI(t, "monitor", "/dev/port", "extra"); code != bberr.Usage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "monitor", "-p", "/nonexistent/tty", "--plain"); code != bberr.PortNotFound {
		t.Fatalf("missing port: exit %d: %s", code, errOut)
	}
}
