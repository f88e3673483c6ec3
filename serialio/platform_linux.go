//go:build linux

package serialio

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// holders names the processes that have path's device open, by scanning
// /proc/*/fd. It matches on the device number, not the link text, so a
// symlink (--link /tmp/d1, /dev/serial/by-id/...) finds the same holders.
// Processes of other users are invisible unless we are root: then the list
// is just shorter, never wrong.
func holders(path string) []Holder {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	real, _ := filepath.EvalSymlinks(path)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []Holder
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid <= 0 {
			continue
		}
		dir := "/proc/" + p.Name() + "/fd"
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(dir + "/" + fd.Name())
			if err != nil || !strings.HasPrefix(link, "/dev/") {
				continue
			}
			if link != real && !sameDevice(dir+"/"+fd.Name(), st.Rdev) {
				continue
			}
			out = append(out, Holder{PID: pid, Name: procName(pid)})
			break
		}
	}
	return out
}

func sameDevice(fdPath string, rdev uint64) bool {
	fi, err := os.Stat(fdPath)
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Rdev == rdev
}

// procName is /proc/PID/comm without its newline, "?" if it vanished.
func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "?"
	}
	return cleanComm(string(b))
}

func platformNoPortsHint() string {
	return "on Ubuntu 22.04+ a CH340 board vanishing at once is brltty grabbing it: sudo apt remove brltty"
}

// usbLocation is the USB interface a tty hangs off, e.g. "1-1.4:1.0" (bus
// 1, hub port 1, port 4, config 1, interface 0): the same physical socket
// gives the same location after replug, which makes it the identity of a
// board whose bridge has no serial number (CH340).
func usbLocation(ttyPath string) string {
	real, err := filepath.EvalSymlinks("/sys/class/tty/" + filepath.Base(ttyPath) + "/device")
	if err != nil {
		return ""
	}
	return parseUSBLocation(real)
}
