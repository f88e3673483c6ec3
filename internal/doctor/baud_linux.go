//go:build linux && (amd64 || arm64 || arm || 386)

package doctor

import (
	"fmt"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// try74880 is nil where the check does not apply.
var try74880 = probe74880

// probe74880 sets 74880 baud on a fresh pty with termios2 (BOTHER), as
// go.bug.st/serial does for non-standard rates, and reads it back.
func probe74880() error {
	master, slave, err := pty.Open()
	if err != nil {
		return fmt.Errorf("no pseudo-terminal to test on: %w", err)
	}
	defer master.Close()
	defer slave.Close()
	fd := int(slave.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil {
		return fmt.Errorf("TCGETS2: %w", err)
	}
	t.Cflag &^= unix.CBAUD
	t.Cflag |= unix.BOTHER
	t.Ispeed, t.Ospeed = 74880, 74880
	if err := unix.IoctlSetTermios(fd, unix.TCSETS2, t); err != nil {
		return fmt.Errorf("TCSETS2: %w", err)
	}
	back, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil {
		return fmt.Errorf("TCGETS2: %w", err)
	}
	if back.Ospeed != 74880 {
		return fmt.Errorf("asked for 74880, kernel kept %d", back.Ospeed)
	}
	return nil
}
