package serialio

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// PortListError travels inside the *bberr.Error for ErrNotFound and
// ErrAmbiguous and carries the ports that do exist (or the candidates), so a
// caller can offer a choice without enumerating again.
type PortListError struct {
	Err   error      // ErrNotFound or ErrAmbiguous
	Spec  string     // what was asked for: a path, "auto", "usb:1a86:7523"
	Ports []PortInfo // present ports (ErrNotFound) or the candidates (ErrAmbiguous)
}

func (e *PortListError) Error() string {
	return fmt.Sprintf("%v: %s (%s)", e.Err, e.Spec, describePorts(e.Ports))
}

func (e *PortListError) Unwrap() error { return e.Err }

// Holder is a process that has a serial device open.
type Holder struct {
	PID  int    `json:"pid"`
	Name string `json:"name"` // /proc/PID/comm: at most 15 bytes, as the kernel keeps it
}

func (h Holder) String() string { return fmt.Sprintf("%s (pid %d)", h.Name, h.PID) }

// describePorts is the one-line list used in messages: "/dev/ttyUSB0 (WeMos
// D1 mini (CH340)), /dev/ttyS0". It never returns "".
func describePorts(ports []PortInfo) string {
	if len(ports) == 0 {
		return "no serial ports present"
	}
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		s := p.Path
		switch {
		case p.Board != "":
			s += " (" + p.Board + ")"
		case p.Product != "":
			s += " (" + p.Product + ")"
		}
		parts = append(parts, s)
	}
	return "present: " + strings.Join(parts, ", ")
}

// hintNoPorts is what to do when no serial port exists at all; the Linux
// addition is the brltty trap (Ubuntu 22.04+ binds CH340 boards to the
// braille driver, so /dev/ttyUSB0 appears for a second and vanishes).
func hintNoPorts() string {
	h := "plug the board in with a data USB cable (many cables are charge-only), or try a simulated board: blynkbridge sim --link /tmp/d1, then --port /tmp/d1"
	if extra := platformNoPortsHint(); extra != "" {
		h += "; " + extra
	}
	return h
}

func notFoundError(spec string, ports []PortInfo, cause error) *bberr.Error {
	hint := "pick one of the present ports with --port, or run `blynkbridge ports`"
	if !anyUSB(ports) {
		hint = hintNoPorts()
	}
	if cause == nil {
		cause = ErrNotFound
	}
	return &bberr.Error{
		Code: bberr.PortNotFound,
		Msg:  fmt.Sprintf("serial port %s not found (%s)", spec, describePorts(ports)),
		Hint: hint,
		Err:  &PortListError{Err: joinSentinel(ErrNotFound, cause), Spec: spec, Ports: ports},
	}
}

// anyUSB: only built-in UARTs (ttyS*) present reads as "nothing plugged in".
func anyUSB(ports []PortInfo) bool {
	for _, p := range ports {
		if p.USB {
			return true
		}
	}
	return false
}

// joinSentinel keeps the sentinel first so errors.Is works, and the OS
// cause second so errors.Is(err, fs.ErrNotExist) does too.
func joinSentinel(sentinel, cause error) error {
	if cause == nil || cause == sentinel {
		return sentinel
	}
	return fmt.Errorf("%w: %w", sentinel, cause)
}

// sentinelError is the *bberr.Error of every failure that carries no data
// beyond its message: errors.Is finds both the serialio sentinel and the OS
// cause in it, and the exit code and hint travel with it.
func sentinelError(code bberr.Code, sentinel, cause error, msg, hint string) *bberr.Error {
	return &bberr.Error{Code: code, Msg: msg, Hint: hint, Err: joinSentinel(sentinel, cause)}
}

// permInfo is what the permission hint needs to know about the device file
// and the user; devicePermInfo fills it per platform, tests fill it by hand.
type permInfo struct {
	Group     string      // group owning the device ("dialout", "uucp"), or its gid
	Mode      fs.FileMode // permission bits of the device file
	InGroupDB bool        // /etc/group lists the user in Group
	InProcess bool        // this process already has Group
}

func permissionError(path string, cause error, pi permInfo) *bberr.Error {
	msg := "permission denied opening " + path
	if pi.Group != "" {
		msg += fmt.Sprintf(" (owned by group %s, mode %04o)", pi.Group, pi.Mode.Perm())
	}
	return sentinelError(bberr.Permission, ErrPermission, cause, msg, permissionHint(path, pi))
}

// permissionHint says what to do, from most to least likely: not in the
// group; in the group but this login predates it; group has no access;
// something else (a sandbox) says no.
func permissionHint(path string, pi permInfo) string {
	g := pi.Group
	switch {
	case g == "":
		return fmt.Sprintf("check who may use it (ls -l %s) and add a udev rule giving your user access, e.g. MODE=\"0660\", GROUP=\"dialout\"", path)
	case !pi.InGroupDB && !pi.InProcess:
		return fmt.Sprintf("add yourself to the %s group: sudo usermod -aG %s $USER, then log out and back in (or add a udev rule with MODE=\"0666\" for this board)", g, g)
	case !pi.InProcess:
		return fmt.Sprintf("you are in the %s group but this login session started before that: log out and back in (or run `newgrp %s`)", g, g)
	case pi.Mode.Perm()&0o060 != 0o060:
		return fmt.Sprintf("the device is mode %04o, which gives the %s group no read/write access: add a udev rule with MODE=\"0660\", GROUP=\"%s\"", pi.Mode.Perm(), g, g)
	default:
		return fmt.Sprintf("you are in the %s group yet access is denied: a sandbox (snap, flatpak, AppArmor, SELinux) is probably blocking serial devices; grant it access or run blynkbridge outside it", g)
	}
}

func busyError(path string, holders []Holder, cause error) *bberr.Error {
	msg := fmt.Sprintf("serial port %s is busy", path)
	hint := fmt.Sprintf("close the other serial program (Arduino IDE, screen, minicom, another blynkbridge); `fuser -v %s` shows who has it", path)
	if len(holders) > 0 {
		names := make([]string, len(holders))
		for i, h := range holders {
			names[i] = h.String()
		}
		msg += ": held by " + strings.Join(names, ", ")
		h := holders[0]
		switch h.Name {
		case "ModemManager":
			hint = "ModemManager is probing the port: wait a few seconds, or make it ignore the board with a udev rule ENV{ID_MM_DEVICE_IGNORE}=\"1\""
		default:
			hint = fmt.Sprintf("close %s (a serial monitor or another blynkbridge?), or stop it: kill %d", h.Name, h.PID)
		}
	}
	return &bberr.Error{Code: bberr.PortBusy, Msg: msg, Hint: hint, Err: &BusyError{Path: path, Holders: holders, cause: cause}}
}

// BusyError travels inside the *bberr.Error for ErrBusy and names the
// processes found holding the device (none when /proc could not tell).
type BusyError struct {
	Path    string
	Holders []Holder
	cause   error
}

func (e *BusyError) Error() string { return ErrBusy.Error() + ": " + e.Path }

func (e *BusyError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrBusy}
	}
	return []error{ErrBusy, e.cause}
}

func unpluggedError(path, op string, cause error) *bberr.Error {
	return sentinelError(bberr.Unplugged, ErrUnplugged, cause,
		fmt.Sprintf("serial port %s disappeared during %s (board unplugged?)", path, op),
		"check the USB cable and plug the board back in; a board that drops off by itself may need a better cable or a powered hub")
}

func noModemLinesError(path string, cause error) *bberr.Error {
	return sentinelError(bberr.NoResponse, ErrNoModemLines, cause,
		fmt.Sprintf("%s has no DTR/RTS modem lines, so the board cannot be reset from here", path),
		"reset the board into download mode by hand: hold FLASH (GPIO0) low, press and release RESET, then release FLASH")
}

func notSerialError(path string, cause error) *bberr.Error {
	return sentinelError(bberr.PortNotFound, ErrNotFound, cause,
		fmt.Sprintf("%s is not a serial port", path),
		"pick a serial device: `blynkbridge ports` lists them")
}

// classifyOpen turns whatever opening path produced into one *bberr.Error.
// It is the only place open errors are interpreted; list supplies the
// present ports for the not-found message (called only when needed).
func classifyOpen(path string, err error, list func() []PortInfo) error {
	if err == nil {
		return nil
	}
	var be *bberr.Error
	if errors.As(err, &be) {
		return err
	}
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return busyError(path, holders(path), err)
		case serial.PermissionDenied:
			return permissionError(path, err, devicePermInfo(path))
		case serial.PortNotFound:
			return notFoundError(path, list(), err)
		case serial.InvalidSerialPort:
			return notSerialError(path, err)
		}
	}
	switch {
	case errors.Is(err, errLocked) || isBusyErrno(err):
		return busyError(path, holders(path), err)
	case errors.Is(err, errNotTTY):
		return notSerialError(path, err)
	case errors.Is(err, fs.ErrNotExist) || isGoneErrno(err):
		return notFoundError(path, list(), err)
	case errors.Is(err, fs.ErrPermission):
		return permissionError(path, err, devicePermInfo(path))
	}
	return bberr.Wrap(err, bberr.Failure, "", "open %s", path)
}

// classifyIO interprets an error from an open port. closed says whether we
// closed it ourselves (then a "port closed" report is not an unplug).
func classifyIO(path, op string, err error, closed bool) error {
	if err == nil {
		return nil
	}
	var be *bberr.Error
	if errors.As(err, &be) {
		return err
	}
	if closed {
		return fmt.Errorf("%s %s: %w", op, path, fs.ErrClosed)
	}
	var pe *serial.PortError
	if errors.As(err, &pe) && pe.Code() == serial.PortClosed {
		// go.bug.st reports a zero-byte read (Linux hangup) as PortClosed.
		return unpluggedError(path, op, err)
	}
	if isGoneErrno(err) {
		return unpluggedError(path, op, err)
	}
	if isNoLinesErrno(err) && op == "set DTR/RTS" {
		return noModemLinesError(path, err)
	}
	return bberr.Wrap(err, bberr.Failure, "", "%s %s", op, path)
}

// Sentinels the platform files produce before go.bug.st is involved.
var (
	errLocked = errors.New("another process holds the lock on the device")
	errNotTTY = errors.New("not a terminal device")
)
