//go:build windows

package serialio

import (
	"errors"

	"golang.org/x/sys/windows"
)

// ctlHandle is empty on Windows: CreateFile with no sharing is already
// exclusive against every other process, administrator included.
type ctlHandle struct{}

func openCtl(string) (*ctlHandle, error) { return nil, nil }

func (c *ctlHandle) close() error { return nil }

func (c *ctlHandle) actualBaud() (int, error) { return 0, errors.ErrUnsupported }

// isGoneErrno: errors Windows USB-serial drivers return after unplug.
func isGoneErrno(err error) bool {
	return errors.Is(err, windows.ERROR_DEVICE_NOT_CONNECTED) ||
		errors.Is(err, windows.ERROR_BAD_COMMAND) ||
		errors.Is(err, windows.ERROR_GEN_FAILURE) ||
		errors.Is(err, windows.ERROR_OPERATION_ABORTED) ||
		errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}

// isBusyErrno: a COM port another process has open gives ACCESS_DENIED
// (go.bug.st already maps it to PortBusy; this catches later calls).
func isBusyErrno(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

func isNoLinesErrno(err error) bool {
	return errors.Is(err, windows.ERROR_INVALID_FUNCTION) || errors.Is(err, windows.ERROR_NOT_SUPPORTED)
}

// devicePermInfo: Windows has no device groups; the generic hint applies.
func devicePermInfo(string) permInfo { return permInfo{} }
