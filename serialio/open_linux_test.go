//go:build linux

package serialio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// newPTY makes a real pseudo-terminal pair and opens its slave with Open.
// The master stands in for the board.
func newPTY(t *testing.T, baud int) (*os.File, *Device) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	path := slave.Name()
	// Only our Open should hold the slave, as with a real device.
	slave.Close()
	p, err := Open(context.Background(), path, baud)
	if err != nil {
		master.Close()
		t.Fatalf("Open(%s): %v", path, err)
	}
	d := p.(*Device)
	t.Cleanup(func() {
		d.Close()
		master.Close()
	})
	return master, d
}

// readFull reads n bytes with a bounded number of timed reads (no wall-clock
// assertion: the bound only stops a broken implementation from hanging).
func readFull(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 256)
	for tries := 0; len(got) < n && tries < 200; tries++ {
		k, err := r.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:k]...)
	}
	return got
}

func TestPTYReadWrite(t *testing.T) {
	master, d := newPTY(t, 115200)
	if err := d.SetReadTimeout(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Board -> host, including bytes a cooked tty would eat or translate.
	msg := []byte("rst cause:2, boot mode:(3,6)\r\n\x00\x03\x11\x13\xff")
	if _, err := master.Write(msg); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, d, len(msg)); !bytes.Equal(got, msg) {
		t.Fatalf("host read %q, want %q", got, msg)
	}
	// Host -> board.
	out := []byte{0xc0, 0x00, 0x08, 0x24, 0xdb, 0xdc, '\n', 0xc0}
	if n, err := d.Write(out); err != nil || n != len(out) {
		t.Fatalf("write = %d, %v", n, err)
	}
	if err := d.Drain(); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, master, len(out)); !bytes.Equal(got, out) {
		t.Fatalf("board read %x, want %x", got, out)
	}
	if d.Name() == "" || d.Baud() != 115200 {
		t.Fatalf("Name %q Baud %d", d.Name(), d.Baud())
	}
}

func TestPTYReadTimeoutReturnsZeroNil(t *testing.T) {
	_, d := newPTY(t, 115200)
	for _, to := range []time.Duration{0, -5, 20 * time.Millisecond} {
		if err := d.SetReadTimeout(to); err != nil {
			t.Fatal(err)
		}
		n, err := d.Read(make([]byte, 16))
		if n != 0 || err != nil {
			t.Fatalf("timeout %v: Read = %d, %v; want 0, nil", to, n, err)
		}
	}
}

func TestPTYResetInput(t *testing.T) {
	master, d := newPTY(t, 115200)
	master.Write([]byte("stale garbage"))
	// The bytes must have reached the slave's queue before the flush;
	// poll (bounded) until they are visible rather than sleeping.
	for i := 0; i < 100; i++ {
		n, _ := unix.IoctlGetInt(d.ctl.fd, unix.TIOCINQ)
		if n >= len("stale garbage") {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := d.ResetInput(); err != nil {
		t.Fatal(err)
	}
	master.Write([]byte("fresh"))
	d.SetReadTimeout(200 * time.Millisecond)
	if got := readFull(t, d, 5); string(got) != "fresh" {
		t.Fatalf("after ResetInput read %q, want %q", got, "fresh")
	}
}

// The rate must really be in the tty: read it back from the master side,
// which is how the simulated board learns the host's baud.
func TestPTYSetBaudNonStandard(t *testing.T) {
	master, d := newPTY(t, 115200)
	for _, rate := range []int{74880, 921600, 115200, 74880, 460800} {
		if err := d.SetBaud(rate); err != nil {
			t.Fatalf("SetBaud(%d): %v", rate, err)
		}
		tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS2)
		if err != nil {
			t.Fatal(err)
		}
		if int(tio.Ospeed) != rate || int(tio.Ispeed) != rate {
			t.Fatalf("after SetBaud(%d) master TCGETS2 says ospeed %d ispeed %d", rate, tio.Ospeed, tio.Ispeed)
		}
		if got, err := d.ActualBaud(); err != nil || got != rate {
			t.Fatalf("ActualBaud = %d, %v; want %d", got, err, rate)
		}
		if d.Baud() != rate {
			t.Fatalf("Baud() = %d", d.Baud())
		}
	}
	if err := d.SetBaud(0); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("SetBaud(0) = %v", err)
	}
}

func TestPTYOpenAt74880(t *testing.T) {
	master, _ := newPTY(t, 74880)
	tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS2)
	if err != nil || tio.Ospeed != 74880 {
		t.Fatalf("opened at 74880, master sees %d (%v)", tio.Ospeed, err)
	}
}

func TestPTYSetLinesNoModemLines(t *testing.T) {
	_, d := newPTY(t, 115200)
	err := d.SetLines(false, true)
	if !errors.Is(err, ErrNoModemLines) {
		t.Fatalf("SetLines on a pty = %v, want ErrNoModemLines", err)
	}
	if bberr.HintOf(err) == "" {
		t.Fatal("no hint")
	}
	if errors.Is(err, ErrUnplugged) {
		t.Fatal("no-modem-lines must not look like an unplug")
	}
}

func TestPTYSecondOpenBusyNamesHolder(t *testing.T) {
	_, d := newPTY(t, 115200)
	// We are root in CI: TIOCEXCL alone would let this through.
	p2, err := Open(context.Background(), d.Name(), 115200)
	if err == nil {
		p2.Close()
		t.Fatal("second Open succeeded; want ErrBusy")
	}
	if !errors.Is(err, ErrBusy) || bberr.CodeOf(err) != bberr.PortBusy {
		t.Fatalf("second Open = %v (code %d), want ErrBusy", err, bberr.CodeOf(err))
	}
	pid := strconv.Itoa(os.Getpid())
	if !strings.Contains(err.Error(), "pid "+pid) {
		t.Fatalf("busy error %q does not name this process (pid %s)", err, pid)
	}
	var be *BusyError
	if !errors.As(err, &be) || len(be.Holders) == 0 || be.Holders[0].PID != os.Getpid() {
		t.Fatalf("BusyError holders = %+v", be)
	}
	if !strings.Contains(bberr.HintOf(err), "kill "+pid) {
		t.Fatalf("hint %q", bberr.HintOf(err))
	}
	// Closing releases the flock: the port opens again.
	d.Close()
	p3, err := Open(context.Background(), d.Name(), 115200)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	p3.Close()
}

// A symlink (the sim's --link, /dev/serial/by-id) locks the same device.
func TestPTYBusyThroughSymlink(t *testing.T) {
	_, d := newPTY(t, 115200)
	link := filepath.Join(t.TempDir(), "d1")
	if err := os.Symlink(d.Name(), link); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), link, 115200)
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("Open via symlink = %v", err)
	}
}

func TestOpenMissingPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttyUSB9")
	_, err := Open(context.Background(), path, 115200)
	if !errors.Is(err, ErrNotFound) || bberr.CodeOf(err) != bberr.PortNotFound {
		t.Fatalf("Open(missing) = %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("cause lost: %v", err)
	}
	var le *PortListError
	if !errors.As(err, &le) || le.Spec != path {
		t.Fatalf("no PortListError: %#v", err)
	}
	// The message lists what exists (whatever this machine has).
	want, _ := List()
	if !strings.Contains(err.Error(), describePorts(want)) {
		t.Fatalf("message %q lacks the present list %q", err, describePorts(want))
	}
	if bberr.HintOf(err) == "" {
		t.Fatal("no hint")
	}
}

func TestOpenNotATTY(t *testing.T) {
	f := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(f, []byte("x"), 0o600)
	_, err := Open(context.Background(), f, 115200)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not a serial port") {
		t.Fatalf("Open(regular file) = %v", err)
	}
	// /dev/null is a character device but not a terminal.
	_, err = Open(context.Background(), "/dev/null", 115200)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "not a serial port") {
		t.Fatalf("Open(/dev/null) = %v", err)
	}
}

func TestOpenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "/dev/null", 115200); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open(cancelled) = %v", err)
	}
}

// Closing the master is the pty's unplug: reads and writes must fail with
// ErrUnplugged at once, not hang and not report (0, nil) forever.
func TestPTYMasterCloseIsUnplug(t *testing.T) {
	master, d := newPTY(t, 115200)
	d.SetReadTimeout(NoTimeout)
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := d.Read(buf)
			if err != nil {
				done <- err
				return
			}
			if n == 0 {
				done <- errors.New("Read returned (0, nil) with no timeout set")
				return
			}
		}
	}()
	master.Write([]byte("hello"))
	master.Close()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked after the master closed")
	}
	if !errors.Is(err, ErrUnplugged) || bberr.CodeOf(err) != bberr.Unplugged {
		t.Fatalf("Read after unplug = %v, want ErrUnplugged", err)
	}
	if _, err := d.Write([]byte("x")); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("Write after unplug = %v, want ErrUnplugged", err)
	}
	// With a timeout set, too: no (0, nil) loop.
	d.SetReadTimeout(50 * time.Millisecond)
	if n, err := d.Read(make([]byte, 8)); !errors.Is(err, ErrUnplugged) {
		t.Fatalf("timed Read after unplug = %d, %v", n, err)
	}
}

func TestCloseUnblocksReadAndIsIdempotent(t *testing.T) {
	_, d := newPTY(t, 115200)
	d.SetReadTimeout(NoTimeout)
	done := make(chan error, 1)
	go func() {
		_, err := d.Read(make([]byte, 8))
		done <- err
	}()
	// Close may race the Read's start; either way Read must end with
	// fs.ErrClosed, never ErrUnplugged.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, fs.ErrClosed) || errors.Is(err, ErrUnplugged) {
			t.Fatalf("Read after Close = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := d.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
}

func TestWaitForPTYPath(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "d1")
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan PortInfo, 1)
	go func() {
		p, err := WaitFor(ctx, Identity{Path: link}, time.Millisecond)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	// "Replug": the link appears while WaitFor polls.
	if err := os.Symlink(slave.Name(), link); err != nil {
		t.Fatal(err)
	}
	if p := <-got; p.Path != link {
		t.Fatalf("WaitFor = %+v", p)
	}
}

// go.bug.st opens without O_CLOEXEC; Open fixes that so child processes
// do not inherit (and keep busy) the port.
func TestPTYDescriptorsAreCloseOnExec(t *testing.T) {
	_, d := newPTY(t, 115200)
	fi, err := os.Stat(d.Name())
	if err != nil {
		t.Fatal(err)
	}
	rdev := fi.Sys().(*syscall.Stat_t).Rdev
	ents, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != rdev {
			continue
		}
		n++
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("fd %d on %s lacks FD_CLOEXEC", fd, d.Name())
		}
	}
	if n < 2 {
		t.Fatalf("found %d descriptors on the device, want go.bug.st's and the lock's", n)
	}
}
