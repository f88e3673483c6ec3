package serialio

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// PortInfo describes one serial port. The JSON names are part of
// `blynkbridge ports --json` and do not change; empty strings mean unknown.
type PortInfo struct {
	Path         string   `json:"path"`         // device node: /dev/ttyUSB0, COM3
	ByID         string   `json:"by_id"`        // /dev/serial/by-id/... alias (udev), if any
	ByPath       string   `json:"by_path"`      // /dev/serial/by-path/... alias (udev), if any
	USB          bool     `json:"usb"`          // a USB device (guessed from the node name when Details says details are unavailable)
	VID          string   `json:"vid"`          // 4 lowercase hex digits
	PID          string   `json:"pid"`          // 4 lowercase hex digits
	Serial       string   `json:"serial"`       // USB serial number as the device reports it
	Manufacturer string   `json:"manufacturer"` // USB manufacturer string
	Product      string   `json:"product"`      // USB product string
	Location     string   `json:"location"`     // USB socket, e.g. "1-1.4:1.0" (Linux)
	Chip         string   `json:"chip"`         // bridge chip: CH340, CP2102, FT232R ...
	Board        string   `json:"board"`        // board guess: "WeMos D1 mini (CH340)"
	Likely       bool     `json:"likely"`       // probably a microcontroller board (--port auto picks these)
	Identity     Identity `json:"identity"`     // stable across unplug/replug; usable as --port
	Details      string   `json:"details"`      // why fields are missing, e.g. "USB details unavailable without cgo"
}

// rawPort is one enumerator result before normalisation.
type rawPort struct {
	Name, VID, PID, Serial, Manufacturer, Product string
	IsUSB                                         bool
	Details                                       string
}

// List enumerates serial ports with their USB details, sorted by path
// (ttyUSB2 before ttyUSB10). An enumeration failure still returns whatever
// could be listed, with the error.
func List() ([]PortInfo, error) {
	raw, err := enumerate()
	return buildList(raw, aliases("/dev/serial/by-id"), aliases("/dev/serial/by-path"), usbLocation), err
}

// buildList normalises raw enumerator output. byID and byPath map a device
// node to its udev alias; loc finds a node's USB socket.
func buildList(raw []rawPort, byID, byPath map[string]string, loc func(string) string) []PortInfo {
	out := make([]PortInfo, 0, len(raw))
	for _, r := range raw {
		if r.Name == "" {
			continue
		}
		p := PortInfo{
			Path:         r.Name,
			ByID:         byID[r.Name],
			ByPath:       byPath[r.Name],
			USB:          r.IsUSB,
			VID:          normHex(r.VID),
			PID:          normHex(r.PID),
			Serial:       cleanText(r.Serial),
			Manufacturer: cleanText(r.Manufacturer),
			Product:      cleanText(r.Product),
			Details:      r.Details,
		}
		if p.USB && loc != nil {
			p.Location = loc(r.Name)
		}
		c := identifyChip(p.VID, p.PID, p.Product)
		if p.VID == "" && r.Details != "" {
			// No USB details (macOS without cgo, enumeration error):
			// the node name is all there is.
			c = guessFromName(r.Name)
			p.USB = c.Chip != "" || usbNodeName(r.Name)
		}
		p.Chip, p.Board, p.Likely = c.Chip, c.Board, c.Likely
		if p.USB && c.Chip == "" && p.Product != "" {
			p.Board = p.Product
		}
		p.Identity = IdentityOf(p)
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].Path, out[j].Path) })
	return out
}

// usbNodeName: Linux names USB-serial and CDC-ACM nodes this way.
func usbNodeName(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, "ttyUSB") || strings.HasPrefix(base, "ttyACM")
}

// aliases maps each device node to the symlink in dir that points at it
// (/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0 -> /dev/ttyUSB0). udev
// makes these; containers and macOS have none, which is fine.
func aliases(dir string) map[string]string {
	m := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return m
	}
	for _, e := range ents {
		link := filepath.Join(dir, e.Name())
		target, err := filepath.EvalSymlinks(link)
		if err != nil {
			continue
		}
		if _, dup := m[target]; !dup {
			m[target] = link
		}
	}
	return m
}

// naturalLess orders digit runs numerically so ttyUSB2 < ttyUSB10.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
