package serialio

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzSpec feeds --port values (user text) to the resolver and the
// identity parser: no panic, identities round-trip, and a resolved port is
// one of the listed ports or the path that was asked for.
func FuzzSpec(f *testing.F) {
	for _, s := range []string{"auto", "", "usb:1a86:7523", "usb:0403:6001:A50285BI", "usb:1a86:*",
		"serial:0001", "usbpath:1a86:7523@1-1.2:1.0", "usbpath:1a86:7523@", "/dev/ttyUSB0", "ttyUSB2",
		"usb-1a86_USB2.0-Serial-if00-port0", "usb::", "usb:0x1A86:0XEA60:", "COM3", "usbpath::@1-1:1.0",
		"rfc2217://127.0.0.1:4000", "rfc2217://gw:4000?ign_set_control&timeout=5", "RFC2217://[::1]:1?logging=debug", "rfc2217://h:0", "rfc2217://h:1/x?bad"} {
		f.Add(s)
	}
	ports := sample()
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := resolveIn(spec, ports, exists("/tmp/d1"))
		if err == nil {
			found := p.Path == strings.TrimSpace(spec)
			for _, q := range ports {
				found = found || q.Path == p.Path
			}
			if !found {
				t.Fatalf("resolved %q to unknown %q", spec, p.Path)
			}
		}
		id, err := ParseIdentity(spec)
		if err != nil {
			return
		}
		back, err := ParseIdentity(id.String())
		if err != nil || back != id {
			t.Fatalf("identity %q -> %+v -> %q -> %+v, %v", spec, id, id.String(), back, err)
		}
	})
}

// FuzzOutsideText covers the parsers of text the system hands us: sysfs
// paths, USB ids and strings from the device, /proc comm, macOS node names.
func FuzzOutsideText(f *testing.F) {
	for _, s := range []string{
		"/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4/1-1.4.2/1-1.4.2:1.0/ttyUSB0",
		"1-2:1.0", "1A86", "0x10c4", "ea60", "serialio.test\n", "CP2104 USB to UART Bridge Controller",
		"/dev/cu.wchusbserial1410", "/dev/cu.usbmodem14101", "\xff\xfe\x00", "1-:.", "9-9.9.9.9:9.9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if loc := parseUSBLocation(s); loc != "" && !isUSBInterface(loc) {
			t.Fatalf("parseUSBLocation(%q) = %q", s, loc)
		}
		if h := normHex(s); h != "" && (len(h) != 4 || strings.Trim(h, "0123456789abcdef") != "") {
			t.Fatalf("normHex(%q) = %q", s, h)
		}
		for _, c := range []string{cleanText(s), cleanComm(s)} {
			for _, r := range c {
				if !unicode.IsPrint(r) {
					t.Fatalf("clean(%q) kept %q", s, r)
				}
			}
		}
		_ = usableSerial(s)
		g := guessFromName(s)
		if g.Chip != "" && g.Board == "" {
			t.Fatalf("guessFromName(%q) = %+v", s, g)
		}
		c := identifyChip(normHex(s), normHex(s), s)
		if c.Chip != "" && c.Board == "" {
			t.Fatalf("identifyChip = %+v", c)
		}
	})
}
