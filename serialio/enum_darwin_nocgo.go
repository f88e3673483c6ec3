//go:build darwin && !cgo

package serialio

import (
	"strings"

	"go.bug.st/serial"
)

// detailsNoCgo is what PortInfo.Details says on a macOS build without cgo:
// go.bug.st's enumerator needs IOKit through cgo for VID/PID.
const detailsNoCgo = "USB details unavailable without cgo"

// enumerate lists /dev/cu.* nodes only: each has a /dev/tty.* twin whose
// open waits for carrier, and listing both would make --port auto see two
// boards where there is one.
func enumerate() ([]rawPort, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	var out []rawPort
	for _, n := range names {
		if strings.HasPrefix(n, "/dev/tty.") {
			continue
		}
		out = append(out, rawPort{Name: n, Details: detailsNoCgo})
	}
	return out, nil
}
