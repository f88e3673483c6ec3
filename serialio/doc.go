// Package serialio owns every byte that crosses a serial port, and finding
// the port in the first place.
//
// What it does:
//   - Port, the one interface other packages use (the sim implements it
//     too), and Device, the real one: Open over go.bug.st/serial v1.8.0,
//     raw 8N1, read with timeout ((0, nil) when it expires), non-standard
//     rates such as 74880 (go.bug.st sets BOTHER via TCSETS2 on Linux;
//     ActualBaud reads it back), DTR and RTS in one TIOCMSET on Linux.
//   - Exclusive access as tio and picocom take it: TIOCEXCL (go.bug.st) plus
//     flock(LOCK_EX|LOCK_NB) on a second descriptor, because root bypasses
//     TIOCEXCL. The second descriptor also carries the ioctls go.bug.st
//     keeps private (termios and modem lines belong to the tty, not the fd).
//   - Errors classified once, here, into *bberr.Error wrapping a sentinel:
//     ErrNotFound (with the ports that do exist, PortListError), ErrPermission
//     (naming the group that owns the device and what to do), ErrBusy
//     (naming the holder from /proc, BusyError), ErrUnplugged (EIO, ENXIO,
//     ENODEV or a hangup after open), ErrNoModemLines (a pty: ENOTTY) which
//     callers treat as a capability, ErrAmbiguous (--port auto saw several).
//   - Discovery (List) with go.bug.st/serial/enumerator: VID:PID, serial,
//     product, the /dev/serial/by-id alias, the USB socket, the bridge chip
//     and a board guess from a table; Identity, which finds the same board
//     after replug; Resolve for --port specs; WaitFor for reconnects.
//   - RFC 2217: Open("rfc2217://host:port[?ign_set_control]") dials a port
//     served over the network (ser2net, esptool's esp_rfc2217_server, the
//     blynkbridge daemon) and returns an RFC2217Port (rfc2217.go); the wire
//     format is the rfc2217 subpackage. The client never waits for DTR/RTS
//     acknowledgements (ser2net on a pty never sends them) and maps a lost
//     connection to ErrUnplugged, so the monitor reconnects as for a board.
//
// Platform code sits behind build tags: sys_unix.go (lock descriptor,
// errnos, device group), sys_windows.go, lines_linux.go (TIOCMSET, TCGETS2),
// lines_other.go (two go.bug.st calls), platform_linux.go (/proc holders,
// sysfs USB location), enum.go / enum_darwin_nocgo.go (macOS without cgo
// has no USB details; PortInfo.Details says so). CGO_ENABLED=0 builds for
// linux/amd64, arm64, arm, windows/amd64 and darwin/amd64, arm64.
//
// What it does not do: it does not know what is on the wire. The ROM
// protocol lives in flash, log decoding in decode, Blynk frames in blynk;
// the reset sequences that drive SetLines live in flash.
package serialio
