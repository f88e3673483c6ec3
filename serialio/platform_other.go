//go:build !linux

package serialio

// holders: without /proc there is no portable way to name the holder.
func holders(string) []Holder { return nil }

func platformNoPortsHint() string { return "" }

// usbLocation: only Linux's sysfs gives the socket cheaply.
func usbLocation(string) string { return "" }
