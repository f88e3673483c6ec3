package serialio

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func TestIdentifyChipTable(t *testing.T) {
	cases := []struct {
		vid, pid, product string
		chip, board       string
		likely            bool
	}{
		{"1a86", "7523", "USB2.0-Serial", "CH340", "WeMos D1 mini (CH340)", true},
		{"1a86", "5523", "", "CH341", "ESP8266 board (CH341)", true},
		{"1a86", "55d4", "USB Single Serial", "CH9102", "ESP board (CH9102)", true},
		{"1a86", "55d3", "", "CH343", "ESP32-S3 board (CH343)", true},
		{"10c4", "ea60", "CP2102 USB to UART Bridge Controller", "CP2102", "NodeMCU (CP2102)", true},
		{"10c4", "ea60", "CP2104 USB to UART Bridge Controller", "CP2104", "WeMos D1 mini Pro (CP2104)", true},
		{"10c4", "ea60", "CP2102N USB to UART Bridge Controller", "CP2102N", "ESP32 DevKitC (CP2102N)", true},
		{"10c4", "ea60", "", "CP210x", "NodeMCU (CP2102)", true},
		{"0403", "6001", "FT232R USB UART", "FT232R", "USB-serial adapter (FT232R)", true},
		{"0403", "6010", "", "FT2232", "JTAG/serial adapter, e.g. ESP-Prog (FT2232)", false},
		{"0403", "6014", "", "FT232H", "USB-serial/JTAG adapter (FT232H)", false},
		{"0403", "6015", "", "FT231X", "USB-serial adapter (FT231X)", true},
		{"2341", "0043", "", "ATmega16U2", "Arduino Uno", true},
		{"2341", "beef", "", "Arduino", "Arduino board", true},
		{"303a", "1001", "USB JTAG/serial debug unit", "ESP USB-JTAG", "ESP32-C3/C6/S3 (built-in USB-JTAG/serial)", true},
		{"303a", "4001", "", "Espressif USB", "Espressif board (native USB)", true},
		{"067b", "2303", "", "PL2303", "USB-serial cable (PL2303)", false},
		{"1546", "01a7", "u-blox 7", "", "", false}, // a GPS: not a board
		{"", "", "", "", "", false},
	}
	for _, c := range cases {
		got := identifyChip(c.vid, c.pid, c.product)
		if got.Chip != c.chip || got.Board != c.board || got.Likely != c.likely {
			t.Errorf("%s:%s %q = %+v, want %s / %s / %v", c.vid, c.pid, c.product, got, c.chip, c.board, c.likely)
		}
	}
	// Every table entry is well formed: normalised keys, a board, a chip.
	for k, v := range chips {
		vid, pid, _ := strings.Cut(k, ":")
		if normHex(vid) != vid || normHex(pid) != pid || v.Chip == "" || v.Board == "" {
			t.Errorf("bad chips entry %q: %+v", k, v)
		}
	}
}

func TestNormHex(t *testing.T) {
	for in, want := range map[string]string{
		"1A86": "1a86", "1a86": "1a86", "0x10C4": "10c4", "ea60": "ea60", "403": "0403",
		" 0403 ": "0403", "": "", "xyz": "", "12345": "", "-1": "", "0x": "",
	} {
		if got := normHex(in); got != want {
			t.Errorf("normHex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseUSBLocation(t *testing.T) {
	for in, want := range map[string]string{
		"/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0":           "1-2:1.0",
		"/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4/1-1.4.2/1-1.4.2:1.0": "1-1.4.2:1.0",
		"/sys/devices/platform/soc/3f980000.usb/usb1/1-1/1-1.3/1-1.3:1.0/ttyUSB0": "1-1.3:1.0",
		"/sys/devices/platform/serial8250/tty/ttyS0":                              "",
		"/sys/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1:1.1/tty/ttyACM0":       "3-1:1.1",
		"":        "",
		"1-2:1":   "",
		"a-2:1.0": "",
	} {
		if got := parseUSBLocation(in); got != want {
			t.Errorf("parseUSBLocation(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUsableSerial(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "0": false, "0001": false, "0000": false, "00000000": false,
		"A50285BI": true, "5A7B012345": true, "F4:12:FA:6C:1E:90": true, "1234567890": false,
	} {
		if got := usableSerial(in); got != want {
			t.Errorf("usableSerial(%q) = %v", in, got)
		}
	}
}

func TestNaturalLess(t *testing.T) {
	in := []string{"/dev/ttyUSB10", "/dev/ttyACM0", "/dev/ttyUSB2", "/dev/ttyS0", "/dev/ttyUSB1"}
	ps := make([]rawPort, len(in))
	for i, n := range in {
		ps[i] = rawPort{Name: n}
	}
	var got []string
	for _, p := range buildList(ps, nil, nil, nil) {
		got = append(got, p.Path)
	}
	want := "/dev/ttyACM0 /dev/ttyS0 /dev/ttyUSB1 /dev/ttyUSB2 /dev/ttyUSB10"
	if strings.Join(got, " ") != want {
		t.Fatalf("order %v", got)
	}
}

// sample is a machine with a D1 mini (CH340, no serial), a CP2102 NodeMCU
// clone (shared dummy serial), an FT232R with a real serial, a GPS and a
// built-in UART.
func sample() []PortInfo {
	raw := []rawPort{
		{Name: "/dev/ttyUSB0", IsUSB: true, VID: "1A86", PID: "7523", Product: "USB2.0-Serial"},
		{Name: "/dev/ttyUSB1", IsUSB: true, VID: "10C4", PID: "EA60", Serial: "0001", Product: "CP2102 USB to UART Bridge Controller"},
		{Name: "/dev/ttyUSB2", IsUSB: true, VID: "0403", PID: "6001", Serial: "A50285BI", Product: "FT232R USB UART"},
		{Name: "/dev/ttyACM0", IsUSB: true, VID: "1546", PID: "01A7", Product: "u-blox 7 - GPS/GNSS Receiver"},
		{Name: "/dev/ttyS0"},
	}
	byID := map[string]string{
		"/dev/ttyUSB0": "/dev/serial/by-id/usb-1a86_USB2.0-Serial-if00-port0",
		"/dev/ttyUSB2": "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0",
	}
	loc := func(p string) string {
		return map[string]string{"/dev/ttyUSB0": "1-1.2:1.0", "/dev/ttyUSB1": "1-1.3:1.0", "/dev/ttyUSB2": "1-1.4:1.0", "/dev/ttyACM0": "1-2:1.0"}[p]
	}
	return buildList(raw, byID, nil, loc)
}

func TestBuildList(t *testing.T) {
	ps := sample()
	byPath := map[string]PortInfo{}
	for _, p := range ps {
		byPath[p.Path] = p
	}
	d1 := byPath["/dev/ttyUSB0"]
	if d1.VID != "1a86" || d1.PID != "7523" || d1.Chip != "CH340" || d1.Board != "WeMos D1 mini (CH340)" || !d1.Likely ||
		d1.ByID == "" || d1.Identity.String() != "usbpath:1a86:7523@1-1.2:1.0" {
		t.Errorf("D1 mini: %+v", d1)
	}
	if id := byPath["/dev/ttyUSB1"].Identity.String(); id != "usbpath:10c4:ea60@1-1.3:1.0" {
		t.Errorf("CP2102 with dummy serial 0001 must fall back to its USB path, got %s", id)
	}
	if id := byPath["/dev/ttyUSB2"].Identity.String(); id != "usb:0403:6001:A50285BI" {
		t.Errorf("FT232R identity %s", id)
	}
	gps := byPath["/dev/ttyACM0"]
	if gps.Likely || gps.Chip != "" || gps.Board != "u-blox 7 - GPS/GNSS Receiver" {
		t.Errorf("GPS: %+v", gps)
	}
	if s := byPath["/dev/ttyS0"]; s.USB || s.Likely || s.Identity.String() != "/dev/ttyS0" {
		t.Errorf("ttyS0: %+v", s)
	}
}

func TestBuildListNoDetails(t *testing.T) {
	raw := []rawPort{
		{Name: "/dev/cu.wchusbserial1410", Details: "USB details unavailable without cgo"},
		{Name: "/dev/cu.Bluetooth-Incoming-Port", Details: "USB details unavailable without cgo"},
		{Name: "/dev/ttyUSB3", Details: "USB details unavailable: boom"},
		{Name: ""}, // go.bug.st's nameless entry is dropped
	}
	ps := buildList(raw, nil, nil, nil)
	if len(ps) != 3 {
		t.Fatalf("%d ports", len(ps))
	}
	for _, p := range ps {
		switch p.Path {
		case "/dev/cu.wchusbserial1410":
			if !p.Likely || !p.USB || p.Chip != "CH340" || p.Details == "" {
				t.Errorf("%+v", p)
			}
		case "/dev/cu.Bluetooth-Incoming-Port":
			if p.Likely || p.USB {
				t.Errorf("%+v", p)
			}
		case "/dev/ttyUSB3":
			if !p.USB || p.Likely {
				t.Errorf("%+v", p)
			}
		}
	}
}

func TestPortInfoJSONFieldNames(t *testing.T) {
	b, err := json.Marshal(sample()[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	want := []string{"path", "by_id", "by_path", "usb", "vid", "pid", "serial", "manufacturer", "product", "location", "chip", "board", "likely", "identity", "details"}
	if len(m) != len(want) {
		t.Errorf("JSON has %d fields, want %d: %s", len(m), len(want), b)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if _, ok := m["identity"].(string); !ok {
		t.Errorf("identity is not a string: %s", b)
	}
	var back PortInfo
	if err := json.Unmarshal(b, &back); err != nil || back.Identity != sample()[0].Identity {
		t.Errorf("round trip: %+v %v", back.Identity, err)
	}
}

func exists(paths ...string) func(string) bool {
	return func(p string) bool {
		for _, q := range paths {
			if p == q {
				return true
			}
		}
		return false
	}
}

func TestResolve(t *testing.T) {
	all := sample()
	var d1, gps, serial PortInfo
	for _, p := range all {
		switch p.Path {
		case "/dev/ttyUSB0":
			d1 = p
		case "/dev/ttyACM0":
			gps = p
		case "/dev/ttyS0":
			serial = p
		}
	}
	onlyD1 := []PortInfo{gps, d1, serial}
	cases := []struct {
		spec  string
		ports []PortInfo
		fs    func(string) bool
		want  string // path, or "!" + sentinel name
	}{
		{"auto", onlyD1, exists(), "/dev/ttyUSB0"},
		{"", onlyD1, exists(), "/dev/ttyUSB0"},
		{"AUTO", onlyD1, exists(), "/dev/ttyUSB0"},
		{"auto", all, exists(), "!ambiguous"},
		{"auto", []PortInfo{gps, serial}, exists(), "!notfound"},
		{"auto", nil, exists(), "!notfound"},
		{"usb:1a86:7523", all, exists(), "/dev/ttyUSB0"},
		{"usb:1A86:7523", all, exists(), "/dev/ttyUSB0"},
		{"usb:0403:6001:a50285bi", all, exists(), "/dev/ttyUSB2"},
		{"usb:0403:6001:NOPE", all, exists(), "!notfound"},
		{"usb:1a86:*", all, exists(), "/dev/ttyUSB0"},
		{"usb:1a86", all, exists(), "!usage"},
		{"usb:zz:7523", all, exists(), "!usage"},
		{"serial:A50285BI", all, exists(), "/dev/ttyUSB2"},
		{"serial:", all, exists(), "!usage"},
		{"usbpath:1a86:7523@1-1.2:1.0", all, exists(), "/dev/ttyUSB0"},
		{"usbpath:1a86:7523@1-9:1.0", all, exists(), "!notfound"},
		{"usbpath:junk", all, exists(), "!usage"},
		{"/dev/ttyUSB2", all, exists(), "/dev/ttyUSB2"},
		{"ttyUSB2", all, exists(), "/dev/ttyUSB2"},
		{"/dev/serial/by-id/usb-1a86_USB2.0-Serial-if00-port0", all, exists(), "/dev/ttyUSB0"},
		{"usb-1a86_USB2.0-Serial-if00-port0", all, exists(), "/dev/ttyUSB0"},
		{"/tmp/d1", all, exists("/tmp/d1"), "/tmp/d1"},           // the sim's --link: not enumerated
		{"ttyAMA0", all, exists("/dev/ttyAMA0"), "/dev/ttyAMA0"}, // bare name under /dev
		{"/dev/ttyUSB9", all, exists(), "!notfound"},
	}
	for _, c := range cases {
		got, err := resolveIn(c.spec, c.ports, c.fs)
		switch c.want {
		case "!ambiguous":
			if !errors.Is(err, ErrAmbiguous) || bberr.CodeOf(err) != bberr.PortNotFound {
				t.Errorf("%q: %+v, %v; want ErrAmbiguous", c.spec, got, err)
			}
		case "!notfound":
			if !errors.Is(err, ErrNotFound) || bberr.CodeOf(err) != bberr.PortNotFound {
				t.Errorf("%q: %+v, %v; want ErrNotFound", c.spec, got, err)
			}
		case "!usage":
			if bberr.CodeOf(err) != bberr.Usage {
				t.Errorf("%q: %+v, %v; want a usage error", c.spec, got, err)
			}
		default:
			if err != nil || got.Path != c.want {
				t.Errorf("%q: %+v, %v; want %s", c.spec, got.Path, err, c.want)
			}
		}
		if err != nil && bberr.HintOf(err) == "" {
			t.Errorf("%q: no hint on %v", c.spec, err)
		}
	}
}

func TestResolveErrorsListPorts(t *testing.T) {
	all := sample()
	_, err := resolveIn("auto", all, exists())
	// Candidates are the likely boards only, each with its board guess.
	for _, want := range []string{"3 boards match", "/dev/ttyUSB0 (WeMos D1 mini (CH340))", "/dev/ttyUSB1 (NodeMCU (CP2102))", "/dev/ttyUSB2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ambiguous message %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "ttyACM0") {
		t.Errorf("GPS listed as a candidate: %v", err)
	}
	var le *PortListError
	if !errors.As(err, &le) || len(le.Ports) != 3 {
		t.Errorf("PortListError: %+v", le)
	}
	if !strings.Contains(bberr.HintOf(err), "--port /dev/ttyUSB0") {
		t.Errorf("hint %q", bberr.HintOf(err))
	}
	_, err = resolveIn("/dev/ttyUSB9", all, exists())
	if !strings.Contains(err.Error(), "present: /dev/ttyACM0 (u-blox 7 - GPS/GNSS Receiver), /dev/ttyS0, /dev/ttyUSB0") {
		t.Errorf("not-found message %q", err)
	}
	_, err = resolveIn("auto", nil, exists())
	if !strings.Contains(err.Error(), "no serial ports present") || !strings.Contains(bberr.HintOf(err), "data USB cable") {
		t.Errorf("no ports: %v / %s", err, bberr.HintOf(err))
	}
}

func TestIdentityRoundTrip(t *testing.T) {
	for _, s := range []string{"usb:0403:6001:A50285BI", "usbpath:1a86:7523@1-1.2:1.0", "/tmp/d1", "COM3", "usb:303a:1001:F4:12:FA:6C:1E:90"} {
		id, err := ParseIdentity(s)
		if err != nil || id.String() != s {
			t.Errorf("ParseIdentity(%q) = %+v (%q), %v", s, id, id.String(), err)
		}
	}
	for _, s := range []string{"", "usb:", "usb:1a86", "usb:1a86:7523", "usbpath:1a86:7523", "usbpath:1a86@1-2:1.0"} {
		if _, err := ParseIdentity(s); err == nil {
			t.Errorf("ParseIdentity(%q) accepted", s)
		}
	}
}

// WaitFor matches a replugged USB board by identity even when its node
// name changed, and a pty by path.
func TestWaitForUSB(t *testing.T) {
	d1 := sample()[2] // sorted: ttyACM0, ttyS0, ttyUSB0
	if d1.Path != "/dev/ttyUSB0" {
		t.Fatalf("sample order changed: %s", d1.Path)
	}
	var calls atomic.Int32
	list := func() ([]PortInfo, error) {
		// Gone for two polls, then back as ttyUSB1.
		if calls.Add(1) <= 2 {
			return nil, nil
		}
		back := d1
		back.Path = "/dev/ttyUSB1"
		return []PortInfo{back}, nil
	}
	got, err := waitFor(context.Background(), d1.Identity, time.Millisecond, list, exists())
	if err != nil || got.Path != "/dev/ttyUSB1" || calls.Load() != 3 {
		t.Fatalf("waitFor = %+v, %v after %d polls", got, err, calls.Load())
	}
}

func TestWaitForEnds(t *testing.T) {
	never := func() ([]PortInfo, error) { return nil, nil }
	id := Identity{VID: "1a86", PID: "7523", Location: "1-1:1.0"}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := waitFor(ctx, id, time.Millisecond, never, exists()); !errors.Is(err, context.Canceled) || bberr.CodeOf(err) != bberr.Interrupted {
		t.Fatalf("cancelled: %v", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	_, err := waitFor(ctx, id, time.Millisecond, never, exists())
	if !errors.Is(err, ErrUnplugged) || !errors.Is(err, context.DeadlineExceeded) || bberr.CodeOf(err) != bberr.Unplugged {
		t.Fatalf("deadline: %v", err)
	}
	if _, err := waitFor(context.Background(), Identity{}, 0, never, exists()); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("zero identity: %v", err)
	}
	// A path identity needs no enumeration.
	got, err := waitFor(context.Background(), Identity{Path: "/tmp/d1"}, time.Millisecond, nil, exists("/tmp/d1"))
	if err != nil || got.Path != "/tmp/d1" {
		t.Fatalf("path: %+v %v", got, err)
	}
}

func TestPermissionHint(t *testing.T) {
	cases := []struct {
		pi   permInfo
		want string
	}{
		{permInfo{}, "ls -l /dev/ttyUSB0"},
		{permInfo{Group: "dialout", Mode: 0o660}, "sudo usermod -aG dialout $USER"},
		{permInfo{Group: "uucp", Mode: 0o660}, "sudo usermod -aG uucp $USER"},
		{permInfo{Group: "dialout", Mode: 0o660, InGroupDB: true}, "log out and back in"},
		{permInfo{Group: "dialout", Mode: 0o600, InGroupDB: true, InProcess: true}, "MODE=\"0660\""},
		{permInfo{Group: "dialout", Mode: 0o660, InGroupDB: true, InProcess: true}, "sandbox"},
	}
	for _, c := range cases {
		if got := permissionHint("/dev/ttyUSB0", c.pi); !strings.Contains(got, c.want) {
			t.Errorf("%+v: hint %q lacks %q", c.pi, got, c.want)
		}
	}
	err := permissionError("/dev/ttyUSB0", fs.ErrPermission, permInfo{Group: "dialout", Mode: 0o660})
	if !errors.Is(err, ErrPermission) || !errors.Is(err, fs.ErrPermission) || err.Code != bberr.Permission ||
		err.Msg != "permission denied opening /dev/ttyUSB0 (owned by group dialout, mode 0660)" {
		t.Fatalf("%#v", err)
	}
}

func TestBusyHints(t *testing.T) {
	err := busyError("/dev/ttyUSB0", []Holder{{PID: 812, Name: "ModemManager"}}, nil)
	if !strings.Contains(err.Hint, "ID_MM_DEVICE_IGNORE") || !errors.Is(err, ErrBusy) {
		t.Errorf("ModemManager: %v / %s", err, err.Hint)
	}
	err = busyError("/dev/ttyUSB0", nil, nil)
	if !strings.Contains(err.Hint, "fuser -v /dev/ttyUSB0") || err.Msg != "serial port /dev/ttyUSB0 is busy" {
		t.Errorf("unknown holder: %v / %s", err, err.Hint)
	}
}
