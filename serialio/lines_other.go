//go:build !linux

package serialio

import "go.bug.st/serial"

// setLines uses go.bug.st's two calls where the OS offers no portable
// one-shot (macOS and the BSDs have TIOCMSET but their USB-serial drivers
// are not guaranteed to apply it atomically; Windows has only
// EscapeCommFunction per line). DTR goes first as esptool does.
func setLines(p serial.Port, _ *ctlHandle, dtr, rts bool) error {
	if err := p.SetDTR(dtr); err != nil {
		return err
	}
	return p.SetRTS(rts)
}
