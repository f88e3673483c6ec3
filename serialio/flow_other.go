//go:build !linux

package serialio

import "errors"

// setFlow: only Linux is wired for flow control.
func setFlow(_ *ctlHandle, flow string) error {
	if flow == "none" {
		return nil
	}
	return errors.ErrUnsupported
}
