//go:build !darwin || cgo

package serialio

import (
	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"
)

// enumerate asks go.bug.st's enumerator for USB details (sysfs on Linux,
// SetupAPI on Windows, IOKit through cgo on macOS). No active USB probing:
// it would open devices, and opening a USB bridge can reset a board.
func enumerate() ([]rawPort, error) {
	det, err := enumerator.GetDetailedPortsList()
	if err != nil {
		// Fall back to bare names rather than listing nothing: one odd
		// device must not hide the board the user wants.
		names, nerr := serial.GetPortsList()
		if nerr != nil {
			return nil, err
		}
		out := make([]rawPort, len(names))
		for i, n := range names {
			out[i] = rawPort{Name: n, Details: "USB details unavailable: " + err.Error()}
		}
		return out, nil
	}
	out := make([]rawPort, 0, len(det))
	for _, d := range det {
		out = append(out, rawPort{
			Name: d.Name, IsUSB: d.IsUSB, VID: d.VID, PID: d.PID,
			Serial: d.SerialNumber, Manufacturer: d.Manufacturer, Product: d.Product,
		})
	}
	fillNames(out)
	return out, nil
}

// fillNames repairs a go.bug.st v1.8.0 quirk: on Linux a port without
// /sys/class/tty/NAME/device comes back with an empty Name. The detailed
// list is built in the order of GetPortsList, so the index tells the name
// (if the list did not change in between).
func fillNames(out []rawPort) {
	missing := false
	for _, r := range out {
		missing = missing || r.Name == ""
	}
	if !missing {
		return
	}
	names, err := serial.GetPortsList()
	if err != nil || len(names) != len(out) {
		return
	}
	for i := range out {
		if out[i].Name == "" {
			out[i].Name = names[i]
		}
	}
}
