package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// TestSimCommand runs `sim` in-process: the pty link appears, the board
// powers on when a host opens it, a reader at 115200 sees the sketch, and
// Ctrl-C (context) stops it cleanly and writes the flash file.
func TestSimCommand(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "d1")
	flashFile := filepath.Join(dir, "d1.flash")
	r := startCLI(t, "sim", "--link", link, "--flash", flashFile, "--no-timing")
	deadline := time.Now().Add(5 * time.Second)
	if !r.waitFor(5*time.Second, func() bool {
		_, err := os.Stat(link)
		return err == nil && strings.Contains(r.stdout(), "waiting for a host")
	}) {
		t.Fatalf("no link; output %q %q", r.stdout(), r.stderr())
	}
	p, err := serial.Open(link, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetReadTimeout(50 * time.Millisecond)
	var got []byte
	buf := make([]byte, 1024)
	for !bytes.Contains(got, []byte("tick 0")) {
		if time.Now().After(deadline) {
			t.Fatalf("no sketch output: %q", got)
		}
		n, _ := p.Read(buf)
		got = append(got, buf[:n]...)
	}
	if bytes.Contains(got, []byte("rst cause")) {
		t.Fatal("115200 host read the 74880 banner as text")
	}
	if code := r.stop(); code != bberr.OK && code != bberr.Interrupted {
		t.Fatalf("exit %d: %s%s", code, r.stdout(), r.stderr())
	}
	assertContains(t, "output", r.stdout(), "pty: /dev/pts/", "link: "+link)
	if fi, err := os.Stat(flashFile); err != nil || fi.Size() != 4<<20 {
		t.Fatalf("flash file: %v", err)
	}
}

func TestSimBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"sim", "--boot", "sideways"},
		{"sim", "--power-on", "later"},
		{"sim", "--crash-kind", "meltdown"},
	} {
		if _, errOut, code := runCLI(t, args...); code != bberr.Usage {
			t.Errorf("%v: exit %d, want usage (%q)", args, code, errOut)
		}
	}
}

// The board line names the rate the sketch really runs at: a usb-stream
// sketch at its 9600 default, not the demo sketch's 115200.
func TestSimBoardLineNamesSketchBaud(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--firmware", "usb-stream", "--token", "abcdefabcdefabcdefabcdefabcdef12"}, "sketch at 9600 baud"},
		{[]string{"--firmware", "usb-stream", "--token", "abcdefabcdefabcdefabcdefabcdef12", "--baud", "57600"}, "sketch at 57600 baud"},
		{nil, "sketch at 115200 baud"},
	} {
		link := filepath.Join(t.TempDir(), "d1")
		r := startCLI(t, append([]string{"sim", "--link", link, "--no-timing", "--power-on", "start"}, tc.args...)...)
		if !r.waitFor(10*time.Second, func() bool { return strings.Contains(r.stdout(), "board: ") }) {
			r.stop()
			t.Fatalf("%v: no board line; stderr %s", tc.args, r.stderr())
		}
		r.stop()
		if !strings.Contains(r.stdout(), tc.want) {
			t.Errorf("%v: board line %q, want %q", tc.args, r.stdout(), tc.want)
		}
	}
}
