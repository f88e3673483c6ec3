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

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

type simOut struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *simOut) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *simOut) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSimCommand runs `sim` in-process: the pty link appears, the board
// powers on when a host opens it, a reader at 115200 sees the sketch, and
// Ctrl-C (context) stops it cleanly and writes the flash file.
func TestSimCommand(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "d1")
	flashFile := filepath.Join(dir, "d1.flash")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out simOut
	done := make(chan bberr.Code, 1)
	go func() {
		done <- run(ctx, []string{"blynkbridge", "sim", "--link", link, "--flash", flashFile, "--no-timing"}, &out, &out)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(link); err == nil && strings.Contains(out.String(), "waiting for a host") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no link; output %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
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
	cancel()
	select {
	case code := <-done:
		if code != bberr.OK && code != bberr.Interrupted {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sim did not stop on cancel")
	}
	for _, w := range []string{"pty: /dev/pts/", "link: " + link} {
		if !strings.Contains(out.String(), w) {
			t.Fatalf("output lacks %q: %q", w, out.String())
		}
	}
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
		var out simOut
		if code := run(context.Background(), append([]string{"blynkbridge"}, args...), &out, &out); code != bberr.Usage {
			t.Errorf("%v: exit %d, want usage (%q)", args, code, out.String())
		}
	}
}
