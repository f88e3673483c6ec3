package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// TestFlashInterruptedReportsRangesAndResume: Ctrl-C in the middle of a
// write prints the written and unwritten ranges and the command that
// continues, on stderr and (with --json) as one JSON record on stdout.
func TestFlashInterruptedReportsRangesAndResume(t *testing.T) {
	// The timing model on: at 115200 baud the write takes many seconds, so
	// the interrupt lands mid-write however loaded the machine is.
	b, path := loaderOnPTY(t, sim.Options{Timing: true})
	img := testV1Image(128 << 10)
	file := writeTemp(t, "big.bin", img)
	r := startCLI(t, "flash", "--json", "-p", path, "-b", "115200", "--offset", "0x10000", file)
	// Interrupt once the first block is on the flash: mid-write, whatever
	// the machine's load.
	if !r.waitFor(30*time.Second, func() bool { return bytes.Equal(b.FlashContents()[0x10000:0x10010], img[:16]) }) {
		t.Fatalf("no block written\nstderr:\n%s", r.stderr())
	}
	code := r.stop()
	if code != bberr.Interrupted {
		t.Fatalf("exit %d, want 130\nstderr:\n%s", code, r.stderr())
	}
	var rec struct {
		V          int      `json:"v"`
		Stopped    bool     `json:"stopped"`
		Interrupt  bool     `json:"interrupted"`
		Written    []uint32 `json:"written"`
		NotWritten []uint32 `json:"not_written"`
		Resume     string   `json:"resume"`
	}
	if err := json.Unmarshal([]byte(r.stdout()), &rec); err != nil {
		t.Fatalf("no JSON record: %v\n%s", err, r.stdout())
	}
	if rec.V != 1 || !rec.Stopped || !rec.Interrupt || len(rec.NotWritten) != 2 || rec.NotWritten[1] != 0x10000+128<<10 ||
		!strings.HasSuffix(rec.Resume, "--resume") || !strings.Contains(rec.Resume, "flash") {
		t.Fatalf("%+v", rec)
	}
	if !regexp.MustCompile(`(?m)^error: flash write interrupted: .*not written: 0x`).MatchString(r.stderr()) ||
		!regexp.MustCompile(`(?m)^hint: continue with: blynkbridge flash .*--resume$`).MatchString(r.stderr()) {
		t.Fatalf("stderr:\n%s", r.stderr())
	}
}
