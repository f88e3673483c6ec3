package serialio

import (
	"fmt"
	"strings"
)

// Identity names a board so it can be found again after unplug/replug,
// when its node may come back as /dev/ttyUSB1 instead of /dev/ttyUSB0.
// In order of preference:
//   - VID+PID+serial number, when the bridge has a serial that is not one
//     of the shared dummies (CP2102 clones all say "0001");
//   - VID+PID at a USB location (the socket: "1-1.4:1.0"), for bridges with
//     no serial (CH340, the D1 mini's);
//   - the path, for ptys and anything without USB details.
//
// Its text form (String) is also a valid --port spec.
type Identity struct {
	VID, PID string
	Serial   string
	Location string
	Path     string
}

// IdentityOf picks the strongest identity p's details allow.
func IdentityOf(p PortInfo) Identity {
	switch {
	case p.VID != "" && usableSerial(p.Serial):
		return Identity{VID: p.VID, PID: p.PID, Serial: p.Serial}
	case p.VID != "" && p.Location != "":
		return Identity{VID: p.VID, PID: p.PID, Location: p.Location}
	}
	return Identity{Path: p.Path}
}

// String: "usb:1a86:55d4:5A7B012345", "usbpath:1a86:7523@1-1.4:1.0" or the path.
func (id Identity) String() string {
	switch {
	case id.Serial != "":
		return fmt.Sprintf("usb:%s:%s:%s", id.VID, id.PID, id.Serial)
	case id.Location != "":
		return fmt.Sprintf("usbpath:%s:%s@%s", id.VID, id.PID, id.Location)
	}
	return id.Path
}

// IsZero reports an identity that names nothing.
func (id Identity) IsZero() bool { return id == Identity{} }

// MarshalText makes Identity a plain string in JSON.
func (id Identity) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses what String produced.
func (id *Identity) UnmarshalText(b []byte) error {
	v, err := ParseIdentity(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseIdentity reads the String form back. A bare path is a path identity.
func ParseIdentity(s string) (Identity, error) {
	switch {
	case strings.HasPrefix(s, "usb:"):
		parts := strings.SplitN(s[len("usb:"):], ":", 3)
		if len(parts) != 3 || normHex(parts[0]) == "" || normHex(parts[1]) == "" || parts[2] == "" {
			return Identity{}, fmt.Errorf("identity %q: want usb:VID:PID:SERIAL", s)
		}
		return Identity{VID: normHex(parts[0]), PID: normHex(parts[1]), Serial: parts[2]}, nil
	case strings.HasPrefix(s, "usbpath:"):
		ids, loc, ok := strings.Cut(s[len("usbpath:"):], "@")
		vid, pid, ok2 := strings.Cut(ids, ":")
		if !ok || !ok2 || normHex(vid) == "" || normHex(pid) == "" || !isUSBInterface(loc) {
			return Identity{}, fmt.Errorf("identity %q: want usbpath:VID:PID@BUS-PORT:CFG.IF", s)
		}
		return Identity{VID: normHex(vid), PID: normHex(pid), Location: loc}, nil
	case s == "":
		return Identity{}, fmt.Errorf("empty identity")
	}
	return Identity{Path: s}, nil
}

// Matches reports whether p is the board id names.
func (id Identity) Matches(p PortInfo) bool {
	switch {
	case id.Serial != "":
		return p.VID == id.VID && p.PID == id.PID && p.Serial == id.Serial
	case id.Location != "":
		return p.VID == id.VID && p.PID == id.PID && p.Location == id.Location
	case id.Path != "":
		return p.Path == id.Path || p.ByID == id.Path || p.ByPath == id.Path
	}
	return false
}
