package serialio

import (
	"errors"
	"io"
	"time"
)

// Port is the one view of a serial port every other package uses. It is
// implemented over go.bug.st/serial for real devices and ptys (Open), and by
// the simulated board for in-process tests (sim.Board.HostPort).
//
// Read follows go.bug.st/serial: it blocks until at least one byte arrives or
// the read timeout expires, and returns (0, nil) on timeout. An unplugged
// device yields an error that errors.Is(err, ErrUnplugged).
type Port interface {
	io.ReadWriteCloser

	// Name is the path the port was opened with (or the sim's name).
	Name() string

	// SetReadTimeout sets how long Read waits for the first byte. Zero or
	// negative means "return at once"; NoTimeout blocks forever.
	SetReadTimeout(d time.Duration) error

	// SetBaud changes the line rate. Non-standard rates (74880) must work.
	SetBaud(baud int) error

	// Baud returns the rate last set.
	Baud() int

	// SetLines sets DTR and RTS together (true = asserted = pin low). On
	// Linux this is one TIOCMSET so the auto-reset circuit never sees an
	// intermediate state. Ports without modem lines (ptys) return an error
	// that errors.Is(err, ErrNoModemLines): callers treat it as a capability.
	SetLines(dtr, rts bool) error

	// ResetInput discards bytes received but not yet read.
	ResetInput() error

	// Drain waits until all written bytes have left the host.
	Drain() error
}

// NoTimeout makes Read block until data arrives.
const NoTimeout time.Duration = -1

// Sentinel errors. Open and Port methods wrap them in *bberr.Error with a hint,
// so errors.Is works on what callers get back.
var (
	ErrNotFound     = errors.New("serial port not found")
	ErrPermission   = errors.New("permission denied")
	ErrBusy         = errors.New("serial port busy")
	ErrUnplugged    = errors.New("serial port disappeared (board unplugged?)")
	ErrNoModemLines = errors.New("port has no modem control lines (DTR/RTS)")
	ErrAmbiguous    = errors.New("several candidate ports")
)
