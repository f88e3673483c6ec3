package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// USBPort is a serial device behind a USB bridge, as sysfs describes it.
type USBPort struct {
	Name         string // ttyUSB0
	Dev          string // /dev/ttyUSB0
	VID, PID     uint16
	Serial       string // "" when the chip has none (most CH340s)
	Manufacturer string
	Product      string
	Driver       string // ch341-uart, cp210x, ftdi_sio, cdc_acm
}

// ListUSB lists USB serial ports; tests replace it. On Linux it reads sysfs;
// elsewhere it returns an error saying to use a port path.
var ListUSB = func() ([]USBPort, error) {
	if runtime.GOOS != "linux" {
		return nil, bberr.New(bberr.PortNotFound, "set port = \"COM3\" (or /dev/cu.*) in the profile instead",
			"matching a board by USB serial or VID:PID is supported on Linux only")
	}
	return ScanSysfs("/")
}

// ScanSysfs lists the USB serial ports under root (root "/" is the real
// system; tests pass a fake tree): every /sys/class/tty entry whose device
// has a USB ancestor (a directory with idVendor).
func ScanSysfs(root string) ([]USBPort, error) {
	classDir := filepath.Join(root, "sys", "class", "tty")
	ents, err := os.ReadDir(classDir)
	if err != nil {
		return nil, err
	}
	var out []USBPort
	for _, e := range ents {
		dev, err := filepath.EvalSymlinks(filepath.Join(classDir, e.Name(), "device"))
		if err != nil {
			continue // virtual terminals have no device
		}
		p := USBPort{Name: e.Name(), Dev: "/dev/" + e.Name()}
		if drv, err := filepath.EvalSymlinks(filepath.Join(dev, "driver")); err == nil {
			p.Driver = filepath.Base(drv)
		}
		found := false
		sysRoot := filepath.Join(root, "sys")
		for d := dev; strings.HasPrefix(d, sysRoot) && d != sysRoot; d = filepath.Dir(d) {
			vid, err := readHex(filepath.Join(d, "idVendor"))
			if err != nil {
				continue
			}
			p.VID = vid
			p.PID, _ = readHex(filepath.Join(d, "idProduct"))
			p.Serial = readLine(filepath.Join(d, "serial"))
			p.Manufacturer = readLine(filepath.Join(d, "manufacturer"))
			p.Product = readLine(filepath.Join(d, "product"))
			found = true
			break
		}
		if found {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readHex(path string) (uint16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 16, 16)
	return uint16(v), err
}

// portValue turns the profile's board identity into a device path.
func portValue(p *Profile, _ Env, _ func(string) bool) (string, error) {
	switch {
	case p.Port != "":
		return p.Port, nil
	case p.ByID != "":
		if filepath.IsAbs(p.ByID) {
			return p.ByID, nil
		}
		return "/dev/serial/by-id/" + p.ByID, nil
	case p.USBSerial == "" && p.VIDPID == "":
		return "", nil
	}
	return ResolvePort(p)
}

// ResolvePort finds the one connected port matching the profile's
// usb_serial or vid_pid.
func ResolvePort(p *Profile) (string, error) {
	ports, err := ListUSB()
	if err != nil {
		return "", err
	}
	var what string
	var match []USBPort
	for _, u := range ports {
		switch {
		case p.USBSerial != "":
			what = "USB serial " + strconv.Quote(p.USBSerial)
			if u.Serial == p.USBSerial {
				match = append(match, u)
			}
		case p.VIDPID != "":
			vid, pid, err := ParseVIDPID(p.VIDPID)
			if err != nil {
				return "", err
			}
			what = "VID:PID " + p.VIDPID
			if u.VID == vid && u.PID == pid {
				match = append(match, u)
			}
		}
	}
	if what == "" {
		what = "USB serial " + strconv.Quote(p.USBSerial)
		if p.VIDPID != "" {
			what = "VID:PID " + p.VIDPID
		}
	}
	switch len(match) {
	case 1:
		return match[0].Dev, nil
	case 0:
		return "", bberr.New(bberr.PortNotFound, "plug the board in (with a data cable), or run: blynkbridge ports",
			"profile %q: no connected port with %s", p.Name, what)
	}
	var devs []string
	for _, m := range match {
		devs = append(devs, m.Dev)
	}
	return "", &bberr.Error{Code: bberr.PortNotFound, Msg: fmt.Sprintf("profile %q: %d ports match %s (%s)", p.Name, len(match), what, strings.Join(devs, ", ")),
		Hint: "use usb_serial or port in the profile to pick one board"}
}
