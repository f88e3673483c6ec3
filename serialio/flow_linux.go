package serialio

import "golang.org/x/sys/unix"

// setFlow sets RTS/CTS (CRTSCTS) or XON/XOFF (IXON|IXOFF) flow control in
// the tty's termios; go.bug.st/serial has no setting for either.
func setFlow(c *ctlHandle, flow string) error {
	if c == nil {
		return nil
	}
	t, err := unix.IoctlGetTermios(c.fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Cflag &^= unix.CRTSCTS
	t.Iflag &^= unix.IXON | unix.IXOFF | unix.IXANY
	switch flow {
	case "rtscts":
		t.Cflag |= unix.CRTSCTS
	case "xonxoff":
		t.Iflag |= unix.IXON | unix.IXOFF
	}
	return unix.IoctlSetTermios(c.fd, unix.TCSETS, t)
}
