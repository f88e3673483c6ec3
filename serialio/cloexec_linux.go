//go:build linux

package serialio

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// markCloexec sets FD_CLOEXEC on this process's descriptors for path's
// device. go.bug.st/serial v1.8.0 opens the tty without O_CLOEXEC, so any
// program blynkbridge starts (an editor, addr2line, a shell hook) would
// inherit the port and keep it open, and busy, after blynkbridge exits.
// The flock descriptor is opened with O_CLOEXEC already.
func markCloexec(path string) {
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range fds {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var fst unix.Stat_t
		if unix.Fstat(fd, &fst) != nil || fst.Mode&unix.S_IFMT != unix.S_IFCHR || fst.Rdev != st.Rdev {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC)
		}
	}
}
