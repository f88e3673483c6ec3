//go:build linux

// Linux only, as realBinary (hostile_test.go) is.

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/sim"
)

const killTestToken = "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU"

// A monitor process with --log is SIGKILLed while the board prints: every
// line it had received until 100 ms before the kill is in the file (it
// printed them on stdout, which comes after the log write), and no login
// token is (BLYNK_DEBUG text dumps and binary login frames are in the
// stream).
func TestMonitorLogSurvivesSIGKILL(t *testing.T) {
	bin := realBinary(t) // hostile_test.go: built once per test run
	fw := sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
		dev.Begin(115200)
		for i := 0; ; i++ {
			fmt.Fprintf(dev, "[%d] line L%06d\r\n", dev.Millis(), i)
			if i%25 == 0 {
				fmt.Fprintf(dev, "[%d] <[1D|00|01|00|20]%s\r\n", dev.Millis(), killTestToken)
				_, _ = dev.Write(append([]byte{0x1D, 0, 2, 0, byte(len(killTestToken))}, killTestToken...))
				_, _ = dev.Write([]byte("\r\n"))
			}
			if err := dev.Sleep(ctx, 5*time.Millisecond); err != nil {
				return err
			}
		}
	})
	_, link := simOnPTY(t, sim.Options{Flash: sim.FactoryImage(), Firmware: func([]byte) sim.Firmware { return fw }}, "d1")
	logf := filepath.Join(t.TempDir(), "board.log")
	cmd := exec.Command(bin, "monitor", "-p", link, "--plain", "--log", logf)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "BLYNKBRIDGE_NO_DAEMON=1") // a daemon running on this machine would own the board otherwise
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var mu sync.Mutex
	seen := map[string]time.Time{} // line id -> when the monitor printed it
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), " line L"); i >= 0 {
				mu.Lock()
				seen[strings.TrimSpace(sc.Text()[i+6:])] = time.Now()
				mu.Unlock()
			}
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= 150 {
			break
		}
		if time.Now().After(deadline) {
			raw, _ := os.ReadFile(logf)
			t.Fatalf("the monitor printed only %d lines in 15 s; stderr:\n%s\nlog (%d bytes):\n%.2000s", n, stderr.String(), len(raw), raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
	killAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	raw, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(logf); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log mode: %v %v, want 0600", fi.Mode().Perm(), err)
	}
	mu.Lock()
	defer mu.Unlock()
	checked := 0
	for id, at := range seen {
		if at.After(killAt.Add(-100 * time.Millisecond)) {
			continue
		}
		checked++
		if !strings.Contains(string(raw), " line "+id+"\r\n") {
			t.Errorf("line %s, received %s before the kill, is not in the log", id, killAt.Sub(at).Round(time.Millisecond))
		}
	}
	if checked < 100 {
		t.Fatalf("only %d lines to check", checked)
	}
	if strings.Contains(string(raw), killTestToken[:12]) || strings.Contains(string(raw), killTestToken[20:]) {
		t.Fatalf("the log holds the auth token")
	}
	if !strings.Contains(string(raw), "<[1D|00|01|00|20]"+strings.Repeat("*", len(killTestToken))) {
		t.Fatalf("no masked login dump in the log")
	}
	t.Logf("%d lines received before kill-100ms, all in the %d-byte log", checked, len(raw))
}

// The TUI on a real terminal: Ctrl-C exits 130 (as the README says), q 0.
func TestMonitorTUICtrlCExits130(t *testing.T) {
	bin := realBinary(t) // hostile_test.go: built once per test run
	for _, tc := range []struct {
		key  string
		want int
	}{{"\x03", 130}, {"q", 0}} {
		_, link := simOnPTY(t, sim.Options{Flash: sim.FactoryImage()}, "d1")
		cmd := exec.Command(bin, "monitor", "-p", link)
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "BLYNKBRIDGE_NO_DAEMON=1")
		tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
		if err != nil {
			t.Skipf("no pty: %v", err)
		}
		var mu sync.Mutex
		var screen strings.Builder
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := tty.Read(buf)
				mu.Lock()
				screen.Write(buf[:n])
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			drawn := strings.Contains(screen.String(), "tick")
			mu.Unlock()
			if drawn {
				break
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				mu.Lock()
				t.Fatalf("the TUI did not show the board's output; screen:\n%q", screen.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := tty.Write([]byte(tc.key)); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%q did not end the monitor", tc.key)
		}
		tty.Close()
		if got := cmd.ProcessState.ExitCode(); got != tc.want {
			t.Fatalf("%q: exit %d, want %d", tc.key, got, tc.want)
		}
	}
}
