//go:build linux || darwin || freebsd || openbsd

package serialio

import (
	"errors"
	"os"
	"os/user"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// ctlHandle is a second descriptor on the same tty. It carries the flock
// (per open file description, so it excludes every other opener that also
// locks: picocom, tio, esptool's pyserial with exclusive=True, another
// blynkbridge) and the ioctls go.bug.st keeps to itself. termios and modem
// lines belong to the tty, not the descriptor, so ioctls here act on the
// port go.bug.st reads from.
type ctlHandle struct{ fd int }

// openCtl opens path non-blocking (a tty without CLOCAL could otherwise
// wait for carrier), checks it is a terminal, and takes the lock.
func openCtl(path string) (*ctlHandle, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if !term.IsTerminal(fd) {
		unix.Close(fd)
		return nil, errNotTTY
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return &ctlHandle{fd: fd}, nil
}

// close drops the lock with the descriptor. It first ends the exclusive
// mode go.bug.st/serial set (TIOCEXCL): a real tty ends it when its last
// descriptor closes, but a pty whose other side keeps the slave open (the
// sim, socat) would keep it, and refuse our own next open (a reconnect)
// with EBUSY when not root.
func (c *ctlHandle) close() error {
	if c == nil || c.fd < 0 {
		return nil
	}
	_ = unix.IoctlSetInt(c.fd, unix.TIOCNXCL, 0)
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}

// isGoneErrno: what the kernel returns once a USB bridge is unplugged (EIO
// from the hung-up tty, ENXIO/ENODEV from a removed device) and what a pty
// slave reads after its master closed (EIO).
func isGoneErrno(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV)
}

// isBusyErrno: EBUSY is TIOCEXCL refusing a non-root second open.
func isBusyErrno(err error) bool { return errors.Is(err, syscall.EBUSY) }

// isNoLinesErrno: a pty has no tiocmget/tiocmset (ENOTTY); some drivers
// answer EINVAL.
func isNoLinesErrno(err error) bool {
	return errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.EINVAL)
}

// devicePermInfo finds the group owning the device and whether the user is
// in it (per /etc/group) and whether this process has it (a login session
// started before `usermod -aG` does not).
func devicePermInfo(path string) permInfo {
	var pi permInfo
	fi, err := os.Stat(path)
	if err != nil {
		return pi
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return pi
	}
	pi.Mode = fi.Mode()
	gid := strconv.FormatUint(uint64(st.Gid), 10)
	pi.Group = gid
	if g, err := user.LookupGroupId(gid); err == nil {
		pi.Group = g.Name
	}
	if groups, err := os.Getgroups(); err == nil {
		pi.InProcess = slices.Contains(groups, int(st.Gid)) || os.Getegid() == int(st.Gid)
	}
	if u, err := user.Current(); err == nil {
		if ids, err := u.GroupIds(); err == nil {
			pi.InGroupDB = slices.Contains(ids, gid)
		}
	}
	return pi
}
