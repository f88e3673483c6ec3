package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// monBuffer is a bytes.Buffer safe to read while run() writes it.
type monBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (m *monBuffer) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b.Write(p)
}

func (m *monBuffer) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b.String()
}

// runMonitorOn runs `monitor` with args against a simulated board on a pty
// until want appears in its output, then interrupts it (Ctrl-C).
func runMonitorOn(t *testing.T, want string, args ...string) (string, string, bberr.Code) {
	t.Helper()
	b, err := sim.New(sim.Options{Flash: sim.FactoryImage()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	link := filepath.Join(t.TempDir(), "d1")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb monBuffer
	code := make(chan bberr.Code, 1)
	go func() {
		code <- run(ctx, append([]string{"blynkbridge", "monitor", "-p", link}, args...), &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			cancel()
			<-code
			t.Fatalf("no %q after 10 s; stdout:\n%s\nstderr:\n%s", want, out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	c := <-code // run has returned: the output is complete
	return out.String(), errb.String(), c
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
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["v"] != 1.0 {
			t.Fatalf("line %d not a v1 record: %s", i, l)
		}
	}
	var last map[string]any
	_ = json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	if last["kind"] != "diagnosis" {
		t.Fatalf("last line is %v, want the diagnosis record", last["kind"])
	}
}

func TestMonitorUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"blynkbridge", "monitor", "extra"}, &out, &errb); code != bberr.Usage {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := run(context.Background(), []string{"blynkbridge", "monitor", "-p", "/nonexistent/tty", "--plain"}, &out, &errb); code != bberr.PortNotFound {
		t.Fatalf("missing port: exit %d: %s", code, errb.String())
	}
}
