//go:build darwin || freebsd || openbsd

package serialio

import "errors"

// actualBaud: these systems have no TCGETS2; the rate last set is all we know.
func (c *ctlHandle) actualBaud() (int, error) { return 0, errors.ErrUnsupported }
