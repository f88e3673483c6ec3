//go:build linux

package serialio

import (
	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// setLines reads the modem bits once and writes both back with one
// TIOCMSET, so DTR and RTS change in the same instant: with two calls the
// D1 mini's auto-reset circuit briefly sees a state that pulls EN or GPIO0
// low by itself, which is how esptool-style resets go wrong.
func setLines(_ serial.Port, c *ctlHandle, dtr, rts bool) error {
	bits, err := unix.IoctlGetInt(c.fd, unix.TIOCMGET)
	if err != nil {
		return err
	}
	bits &^= unix.TIOCM_DTR | unix.TIOCM_RTS
	if dtr {
		bits |= unix.TIOCM_DTR
	}
	if rts {
		bits |= unix.TIOCM_RTS
	}
	return unix.IoctlSetPointerInt(c.fd, unix.TIOCMSET, bits)
}

// actualBaud reads the output rate with TCGETS2, which reports BOTHER rates
// (74880) as numbers where TCGETS would say only "BOTHER".
func (c *ctlHandle) actualBaud() (int, error) {
	t, err := unix.IoctlGetTermios(c.fd, unix.TCGETS2)
	if err != nil {
		return 0, err
	}
	return int(t.Ospeed), nil
}
