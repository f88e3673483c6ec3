package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/sim"
)

// The daemon survives what happens to a gateway: clients killed with
// SIGKILL mid-session, boards unplugged, its socket deleted, its log disk
// full. Nothing already captured is lost.

// TestHelperClient is not a test: it is the client process the SIGKILL
// test starts (this test binary re-run), holding a loan or an attachment
// until it is killed.
func TestHelperClient(t *testing.T) {
	sock, mode := os.Getenv("BBD_HELPER_SOCKET"), os.Getenv("BBD_HELPER_MODE")
	if sock == "" {
		t.Skip("helper process for TestSurviveClientSIGKILL")
	}
	c, err := Connect(context.Background(), sock)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	if mode == "lend" {
		_, err = c.Lend(context.Background(), "d1", "flash", 115200, false)
	} else {
		_, err = c.Attach(context.Background(), "d1", 115200)
	}
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("HOLDING")
	time.Sleep(time.Minute)
}

func TestSurviveClientSIGKILL(t *testing.T) {
	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	d, c, _ := startDaemon(t, Config{Boards: []BoardConfig{simConfig("d1", path, b)}})
	waitState(t, c, "d1", StateRunning)
	for _, mode := range []string{"lend", "attach"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClient$")
		cmd.Env = append(os.Environ(), "BBD_HELPER_SOCKET="+d.Socket(), "BBD_HELPER_MODE="+mode)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 256)
		n, _ := out.Read(buf)
		if !strings.Contains(string(buf[:n]), "HOLDING") {
			t.Fatalf("%s helper: %q", mode, buf[:n])
		}
		if mode == "lend" {
			waitState(t, c, "d1", StateFlashing)
		} else if !eventually(5*time.Second, func() bool { s, _ := c.Boards(context.Background()); return s[0].Attached == 1 }) {
			t.Fatal("attachment not seen")
		}
		before, _ := c.Boards(context.Background())
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		// The loan ends with the connection; capture goes on.
		waitState(t, c, "d1", StateRunning)
		if !eventually(5*time.Second, func() bool {
			s, _ := c.Boards(context.Background())
			return s[0].Attached == 0 && s[0].LentTo == "" && s[0].BytesIn > before[0].BytesIn
		}) {
			s, _ := c.Boards(context.Background())
			t.Fatalf("%s: after SIGKILL %+v", mode, s[0])
		}
	}
	fileHas(t, filepath.Join(d.cfg.LogDir, "d1", "journal.jsonl"), "port lent to flash (pid ", "done; monitoring again")
}

func TestSurviveUnplugAndSocketRemoval(t *testing.T) {
	b, err := sim.New(sim.Options{Flash: sim.FactoryImage()})
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "d1")
	if _, err := b.AttachPTY(link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	d, c, _ := startDaemon(t, Config{Boards: []BoardConfig{{Name: "d1", Port: link}}})
	waitState(t, c, "d1", StateRunning)
	m, err := c.Attach(context.Background(), "d1", 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	readUntil(t, m, "tick", 5*time.Second)

	b.Unplug()
	waitState(t, c, "d1", StateAbsent)
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	s := waitState(t, c, "d1", StateRunning)
	if s.Gaps != 1 {
		t.Errorf("gaps = %d, want 1", s.Gaps)
	}
	// Every byte read reached the raw log.
	if !eventually(5*time.Second, func() bool {
		bs, _ := c.Boards(context.Background())
		return bs[0].BytesLog == bs[0].BytesIn
	}) {
		t.Errorf("bytes logged != bytes in")
	}
	fileHas(t, filepath.Join(d.cfg.LogDir, "d1", "journal.jsonl"), "board unplugged; waiting for it to come back", "board back after")

	// Someone deletes the control socket: the daemon makes it again.
	if err := os.Remove(d.Socket()); err != nil {
		t.Fatal(err)
	}
	if !eventually(5*time.Second, func() bool {
		c2, err := Connect(context.Background(), d.Socket())
		if err != nil {
			return false
		}
		_, err = c2.Boards(context.Background())
		return err == nil
	}) {
		t.Fatal("socket not recreated")
	}
	if fi, err := os.Stat(d.Socket()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("recreated socket: %v %v", fi, err)
	}
}

// A full log disk, for real: a 256 KiB tmpfs (needs root to mount; skips
// otherwise, and TestRotFileDiskFull covers ENOSPC with /dev/full). The
// daemon reports it, keeps capturing into memory, and writes it all once
// there is room again: the raw log has every tick, in order.
func TestSurviveFullLogDisk(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root and mount(8)): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	// Fill the disk but for a few KiB.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	os.Truncate(filler, mustSize(t, filler)-12<<10)

	b, path := simBoard(t, sim.Options{Flash: sim.FactoryImage()})
	_, c, logs := startDaemon(t, Config{LogDir: filepath.Join(dir, "logs"), Boards: []BoardConfig{simConfig("d1", path, b)}})
	waitState(t, c, "d1", StateRunning)
	// Chatter until the disk is full.
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				b.Garbage(200)
			}
		}
	}()
	var st BoardStatus
	if !eventually(20*time.Second, func() bool {
		bs, err := c.Boards(context.Background())
		if err != nil {
			t.Logf("status: %v", err)
			return false
		}
		st = bs[0]
		return strings.Contains(st.RawLog.Error, "no space left")
	}) {
		close(stop)
		t.Fatalf("disk never reported full: %+v", st)
	}
	close(stop)
	if st.State == StateAbsent {
		t.Fatalf("board state %s while the disk is full", st.State)
	}
	// Room again.
	os.Remove(filler)
	if !eventually(10*time.Second, func() bool {
		bs, err := c.Boards(context.Background())
		if err != nil {
			return false
		}
		st = bs[0]
		return st.RawLog.Error == "" && st.RawLog.Held == 0 && st.Journal.Held == 0
	}) {
		t.Fatalf("did not recover: %+v", st)
	}
	if st.RawLog.Dropped != 0 {
		t.Fatalf("dropped %d bytes", st.RawLog.Dropped)
	}
	if !eventually(5*time.Second, func() bool {
		return strings.Contains(logs.String(), "cannot write a log") && strings.Contains(logs.String(), "log writable again")
	}) {
		t.Errorf("the daemon's log does not report the full disk and the recovery:\n%s", logs.String())
	}
	// Everything read is in the file, ticks in order.
	raw, _ := os.ReadFile(filepath.Join(dir, "logs", "d1", "raw.log"))
	last := -1
	for _, line := range strings.Split(string(raw), "\n") {
		var n int
		if i := strings.Index(line, " tick "); i >= 0 {
			if _, err := fmt.Sscanf(line[i+6:], "%d", &n); err == nil {
				if last >= 0 && n != last+1 {
					t.Fatalf("tick %d after %d: a gap in the raw log", n, last)
				}
				last = n
			}
		}
	}
	if last < 0 {
		t.Fatal("no ticks in the raw log")
	}
}

func mustSize(t *testing.T, p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
