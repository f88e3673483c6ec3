package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

// wireForTest wires profiles into the real commands the way main.go is
// asked to, and undoes it after the test (if main.go already wires them,
// this is a no-op).
func wireForTest(t *testing.T) {
	type saved struct {
		flags  []cli.Flag
		before cli.BeforeFunc
	}
	keep := map[*cli.Command]saved{}
	var walk func([]*cli.Command)
	walk = func(cs []*cli.Command) {
		for _, c := range cs {
			keep[c] = saved{append([]cli.Flag{}, c.Flags...), c.Before}
			walk(c.Subcommands)
		}
	}
	walk(commands)
	wasWired := map[*cli.Command]bool{}
	for c, v := range wired {
		wasWired[c] = v
	}
	wireProfiles(commands)
	t.Cleanup(func() {
		for c, s := range keep {
			if !wasWired[c] {
				c.Flags, c.Before = s.flags, s.before
				delete(wired, c)
			}
		}
	})
}

// flash runs from a profile alone (port and baud) against the sim over a
// real pty.
func TestFlashFromProfileAgainstSim(t *testing.T) {
	clearEnv(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	wireForTest(t)
	b, err := sim.New(sim.Options{Boot: sim.BootDownload})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "p.toml")
	if _, e, code := runCLI(t, "profile", "add", "--port", path, "--flash-baud", "115200", "--config", cfg, "simboard"); code != 0 {
		t.Fatal(e)
	}
	img := testV1Image(64 << 10)
	file := filepath.Join(t.TempDir(), "sketch.bin")
	if err := os.WriteFile(file, img, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "-v", "flash", "--profile", "simboard", "--config", cfg, "--offset", "0x10000", "--plain", file)
	if code != bberr.OK {
		t.Fatalf("flash from profile: exit %d\n%s\n%s", code, out, errOut)
	}
	if !bytes.Equal(b.FlashContents()[0x10000:0x10000+len(img)], img) {
		t.Fatal("flash differs from the file")
	}
	if !strings.Contains(errOut, "--port="+path+" (from profile simboard)") || !strings.Contains(errOut, "--baud=115200 (from profile simboard)") {
		t.Fatalf("-v should say where settings came from:\n%s", errOut)
	}
}

// monitor runs from a profile alone (port and monitor baud) against the
// sim over a real pty.
func TestMonitorFromProfileAgainstSim(t *testing.T) {
	clearEnv(t)
	wireForTest(t)
	// The factory sketch, powered on when the monitor opens the port (as
	// `blynkbridge sim` does), so the boot output is not missed.
	b, err := sim.New(sim.Options{Flash: sim.FactoryImage(), PowerOff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	link := filepath.Join(t.TempDir(), "d1")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	if opened := b.WaitHostOpen(); opened != nil {
		go func() {
			select {
			case <-opened:
				time.Sleep(100 * time.Millisecond)
				b.PowerOn()
			case <-time.After(10 * time.Second):
			}
		}()
	} else {
		b.PowerOn()
	}
	cfg := filepath.Join(t.TempDir(), "p.toml")
	if err := os.WriteFile(cfg, []byte("default = \"d1\"\n[profiles.d1]\nport = \""+link+"\"\nmonitor_baud = 115200\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLYNKBRIDGE_CONFIG", cfg)
	code, out, errOut := runUntil(t, []string{"-v", "monitor", "--plain"}, func(out, _ string) bool { return strings.Contains(out, "tick 0") })
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

// runUntil runs the CLI until stop says so (or 10 s), then cancels it like
// Ctrl-C.
func runUntil(t *testing.T, args []string, stop func(out, errOut string) bool) (bberr.Code, string, string) {
	t.Helper()
	var out, errb lockedBuf
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan bberr.Code, 1)
	go func() { done <- run(ctx, append([]string{"blynkbridge"}, args...), &out, &errb) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case code := <-done:
			return code, out.String(), errb.String()
		case <-tick.C:
			if stop(out.String(), errb.String()) {
				cancel()
			}
		}
	}
}

// lockedBuf is a bytes.Buffer safe for the command's goroutine to write
// while the test reads it.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
