package serialio

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Device is a real serial device (or a pseudo-terminal) opened with Open.
// It implements Port over go.bug.st/serial; on Unix it also keeps a second
// descriptor on the same tty that holds the flock and carries the ioctls
// go.bug.st does not expose (one-call TIOCMSET, TCGETS2 read-back).
type Device struct {
	path string
	p    serial.Port
	ctl  *ctlHandle // nil on Windows (CreateFile is exclusive there)

	mu     sync.Mutex // serialises mode changes; Read/Write do not take it
	mode   serial.Mode
	closed atomic.Bool
}

var _ Port = (*Device)(nil)

// Open opens path at baud, exclusively, in raw 8N1 mode, with a blocking
// read (call SetReadTimeout). Every failure is a *bberr.Error wrapping one of
// ErrNotFound (with the ports that do exist), ErrPermission (with the group
// to join), ErrBusy (naming the holding process when /proc tells) or, for a
// file that is not a tty, ErrNotFound.
//
// Exclusivity is two locks, as tio and picocom take them: TIOCEXCL (set by
// go.bug.st; stops other non-root opens) and flock(LOCK_EX|LOCK_NB) (stops
// every cooperating program, including root, which TIOCEXCL does not).
//
// Opening a USB bridge asserts DTR and RTS (the kernel does so on first
// open); on the D1 mini's two-transistor circuit both asserted means no
// reset, so opening does not reboot the board.
//
// The result is a *Device; a type assertion reaches ActualBaud. A path
// that is an rfc2217:// URL (esptool's syntax, ?ign_set_control included)
// opens a port served over the network instead: a *RFC2217Port.
func Open(ctx context.Context, path string, baud int) (Port, error) {
	if IsRFC2217(path) {
		p, err := DialRFC2217(ctx, path, baud)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	d, err := openDevice(ctx, path, baud)
	if err != nil {
		// Never a typed nil inside a non-nil interface.
		return nil, err
	}
	return d, nil
}

func openDevice(ctx context.Context, path string, baud int) (*Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if baud <= 0 {
		return nil, bberr.New(bberr.Usage, "use a positive rate such as 115200 or 74880", "invalid baud rate %d", baud)
	}
	list := func() []PortInfo {
		ports, _ := List()
		return ports
	}
	if runtime.GOOS != "windows" {
		// Stat first: go.bug.st's error for a missing file is a bare
		// ENOENT, and a regular file would get a confusing termios error.
		fi, err := os.Stat(path)
		if err != nil {
			return nil, classifyOpen(path, err, list)
		}
		if fi.Mode()&os.ModeCharDevice == 0 {
			return nil, notSerialError(path, fmt.Errorf("%s is a %s", path, describeMode(fi.Mode())))
		}
	}
	// The lock comes first so a second blynkbridge never touches the
	// termios (or the lines) of a port someone else is flashing.
	ctl, err := openCtl(path)
	if err != nil {
		return nil, classifyOpen(path, err, list)
	}
	mode := serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	p, err := serial.Open(path, &mode)
	if err != nil {
		ctl.close()
		return nil, classifyOpen(path, err, list)
	}
	markCloexec(path)
	d := &Device{path: path, p: p, ctl: ctl, mode: mode}
	if err := ctx.Err(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "block device"
	}
	return "non-terminal file"
}

// Name is the path the port was opened with (a symlink stays a symlink, so a
// reconnect follows the sim's --link or /dev/serial/by-id to the new node).
func (d *Device) Name() string { return d.path }

// Read returns (0, nil) when the read timeout expires with nothing received,
// an error wrapping ErrUnplugged when the device went away, and fs.ErrClosed
// after Close.
func (d *Device) Read(b []byte) (int, error) {
	if d.closed.Load() {
		return 0, classifyIO(d.path, "read", os.ErrClosed, true)
	}
	n, err := d.p.Read(b)
	if err != nil {
		return n, classifyIO(d.path, "read", err, d.closed.Load())
	}
	return n, nil
}

// Write writes all of b (looping over short writes, as io.Writer requires)
// and returns an error wrapping ErrUnplugged if the device went away.
func (d *Device) Write(b []byte) (int, error) {
	if d.closed.Load() {
		return 0, classifyIO(d.path, "write", os.ErrClosed, true)
	}
	done := 0
	for done < len(b) {
		n, err := d.p.Write(b[done:])
		done += n
		if err != nil {
			return done, classifyIO(d.path, "write", err, d.closed.Load())
		}
		if n == 0 {
			// A tty in blocking mode never writes zero bytes unless the
			// other side is gone.
			return done, unpluggedError(d.path, "write", fmt.Errorf("zero-byte write"))
		}
	}
	return done, nil
}

// SetReadTimeout: NoTimeout blocks, zero or any other negative value polls.
func (d *Device) SetReadTimeout(t time.Duration) error {
	switch {
	case t == NoTimeout:
		t = serial.NoTimeout
	case t < 0:
		t = 0
	}
	return classifyIO(d.path, "set read timeout", d.p.SetReadTimeout(t), d.closed.Load())
}

// SetBaud changes the rate. go.bug.st/serial v1.8.0 sets rates outside the
// Bxxx table (74880) with BOTHER through TCSETS2 on Linux and IOSSIOSPEED on
// macOS; the test reads the rate back from the pty master to prove it.
func (d *Device) SetBaud(baud int) error {
	if baud <= 0 {
		return bberr.New(bberr.Usage, "use a positive rate such as 115200 or 74880", "invalid baud rate %d", baud)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.mode
	m.BaudRate = baud
	if err := d.p.SetMode(&m); err != nil {
		return classifyIO(d.path, fmt.Sprintf("set baud %d", baud), err, d.closed.Load())
	}
	d.mode = m
	return nil
}

// Baud is the rate last set.
func (d *Device) Baud() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mode.BaudRate
}

// ActualBaud asks the driver which output rate is in force (TCGETS2 on
// Linux): USB bridges may round a rate, and a test can prove 74880 stuck.
// Elsewhere it returns errors.ErrUnsupported.
func (d *Device) ActualBaud() (int, error) {
	if d.closed.Load() {
		return 0, classifyIO(d.path, "read baud", os.ErrClosed, true)
	}
	n, err := d.ctl.actualBaud()
	if err != nil {
		return 0, classifyIO(d.path, "read baud", err, d.closed.Load())
	}
	return n, nil
}

// SetLines sets DTR and RTS together: one TIOCMSET on Linux, so the
// auto-reset circuit never sees a half-changed pair; two calls elsewhere.
// A pty returns an error wrapping ErrNoModemLines.
func (d *Device) SetLines(dtr, rts bool) error {
	if d.closed.Load() {
		return classifyIO(d.path, "set DTR/RTS", os.ErrClosed, true)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return classifyIO(d.path, "set DTR/RTS", setLines(d.p, d.ctl, dtr, rts), d.closed.Load())
}

// ResetInput discards bytes received but not yet read.
func (d *Device) ResetInput() error {
	return classifyIO(d.path, "flush input", d.p.ResetInputBuffer(), d.closed.Load())
}

// Drain waits until written bytes have left the host (tcdrain).
func (d *Device) Drain() error {
	return classifyIO(d.path, "drain", d.p.Drain(), d.closed.Load())
}

// Close releases the port and the flock; a blocked Read returns. Closing
// twice is harmless.
func (d *Device) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	err := d.p.Close()
	if cerr := d.ctl.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return bberr.Wrap(err, bberr.Failure, "", "close %s", d.path)
	}
	return nil
}
