package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/testkit"
	"github.com/blynkbridge/blynkbridge/monitor"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// simBoard starts a simulated D1 mini on a real pty; the board is closed
// when the test ends.
func simBoard(t *testing.T, opts sim.Options) (*sim.Board, string) {
	t.Helper()
	b, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	return b, path
}

// simConfig is a board config for a sim on a pty: the bytes cross the real
// pty, the DTR/RTS the daemon sets reach the sim's reset circuit (a pty has
// no modem lines).
func simConfig(name, path string, b *sim.Board) BoardConfig {
	return BoardConfig{Name: name, Port: path, Open: func(ctx context.Context) (serialio.Port, error) {
		p, err := serialio.Open(ctx, path, 115200)
		if err != nil {
			return nil, err
		}
		return monitor.WithLines(p, b.SetLines), nil
	}}
}

// startDaemon runs a daemon with cfg (socket and logs in temp dirs unless
// set) until the test ends, and returns it with a connected client.
func startDaemon(t *testing.T, cfg Config) (*Daemon, *Client, *testkit.SyncBuffer) {
	t.Helper()
	if cfg.Socket == "" {
		dir, err := os.MkdirTemp("", "bbd")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		cfg.Socket = filepath.Join(dir, "d.sock")
	}
	if cfg.LogDir == "" {
		cfg.LogDir = t.TempDir()
	}
	if cfg.Poll == 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	logs := &testkit.SyncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("daemon did not stop within 10 s")
		}
	})
	var c *Client
	if !eventually(5*time.Second, func() bool {
		c, err = Connect(context.Background(), cfg.Socket)
		return err == nil
	}) {
		t.Fatalf("daemon socket never answered: %v\nlogs:\n%s", err, logs.String())
	}
	return d, c, logs
}

func eventually(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// readUntil reads p until want appears (or fails the test after d).
func readUntil(t *testing.T, p serialio.Port, want string, d time.Duration) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	_ = p.SetReadTimeout(50 * time.Millisecond)
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, err := p.Read(buf)
		got = append(got, buf[:n]...)
		if bytes.Contains(got, []byte(want)) {
			return got
		}
		if err != nil {
			t.Fatalf("read %s: %v (got %q)", p.Name(), err, got)
		}
	}
	t.Fatalf("%s: no %q within %s; got %q", p.Name(), want, d, got)
	return nil
}

// boardState polls the board's status until it is in state.
func waitState(t *testing.T, c *Client, name, state string) BoardStatus {
	t.Helper()
	var last BoardStatus
	if !eventually(10*time.Second, func() bool {
		bs, err := c.Boards(context.Background())
		if err != nil {
			return false
		}
		for _, b := range bs {
			if b.Name == name {
				last = b
				return b.State == state
			}
		}
		return false
	}) {
		t.Fatalf("board %s never %q; last status %+v", name, state, last)
	}
	return last
}

func fileHas(t *testing.T, path string, wants ...string) string {
	t.Helper()
	var text string
	ok := eventually(5*time.Second, func() bool {
		b, _ := os.ReadFile(path)
		text = string(b)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("%s lacks one of %q:\n%s", path, wants, text)
	}
	return text
}
