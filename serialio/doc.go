// Package serialio owns every byte that crosses a serial port: the Port
// interface, opening a device over go.bug.st/serial with one place that
// classifies errors (not found, permission, busy, unplugged, no modem lines)
// and attaches a hint, exclusive locking (TIOCEXCL plus flock, as tio and
// picocom do), non-standard baud rates, atomic DTR/RTS, and discovery of USB
// serial bridges (VID/PID, serial number, bridge chip, board guess, stable
// identity across replug).
//
// It does not know what is on the wire: ROM protocol lives in flash, log
// decoding in decode, Blynk frames in blynk.
package serialio
