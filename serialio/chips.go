package serialio

import (
	"strconv"
	"strings"
	"unicode"
)

// chipInfo is what a VID:PID tells: the USB bridge (or native USB MCU), the
// board it most often sits on, and whether a port with it is likely a
// microcontroller board rather than a modem, GPS or console cable.
type chipInfo struct {
	Chip   string
	Board  string // "" = derive from Chip: "USB-serial adapter (Chip)"
	Likely bool
}

// chips maps "vid:pid" (lowercase, 4 hex digits each). The board guesses
// are the boards each bridge is most commonly soldered to in the ESP8266 /
// Arduino world; they are guesses and the UI says so.
var chips = map[string]chipInfo{
	// WCH
	"1a86:7523": {"CH340", "WeMos D1 mini (CH340)", true},
	"1a86:7522": {"CH340K", "WeMos D1 mini (CH340K)", true},
	"1a86:5523": {"CH341", "ESP8266 board (CH341)", true},
	"1a86:55d4": {"CH9102", "ESP board (CH9102)", true},
	"1a86:55d3": {"CH343", "ESP32-S3 board (CH343)", true},
	"1a86:55d2": {"CH342", "dual serial adapter (CH342)", false},
	// Silicon Labs
	"10c4:ea60": {"CP210x", "NodeMCU (CP2102)", true},
	"10c4:ea70": {"CP2105", "dual serial adapter (CP2105)", false},
	"10c4:ea71": {"CP2108", "quad serial adapter (CP2108)", false},
	// FTDI
	"0403:6001": {"FT232R", "USB-serial adapter (FT232R)", true},
	"0403:6010": {"FT2232", "JTAG/serial adapter, e.g. ESP-Prog (FT2232)", false},
	"0403:6011": {"FT4232", "quad serial adapter (FT4232)", false},
	"0403:6014": {"FT232H", "USB-serial/JTAG adapter (FT232H)", false},
	"0403:6015": {"FT231X", "USB-serial adapter (FT231X)", true},
	// Prolific: mostly console cables for routers and switches.
	"067b:2303": {"PL2303", "USB-serial cable (PL2303)", false},
	"067b:23a3": {"PL2303GC", "USB-serial cable (PL2303GC)", false},
	// Espressif native USB
	"303a:1001": {"ESP USB-JTAG", "ESP32-C3/C6/S3 (built-in USB-JTAG/serial)", true},
	"303a:0002": {"ESP32-S2 USB", "ESP32-S2 (native USB)", true},
	// Arduino boards with a known PID
	"2341:0043": {"ATmega16U2", "Arduino Uno", true},
	"2341:0001": {"ATmega8U2", "Arduino Uno", true},
	"2341:0243": {"ATmega16U2", "Arduino Uno", true},
	"2341:0042": {"ATmega16U2", "Arduino Mega 2560", true},
	"2341:0010": {"ATmega16U2", "Arduino Mega 2560", true},
	"2341:8036": {"ATmega32U4", "Arduino Leonardo", true},
	"2341:0036": {"ATmega32U4", "Arduino Leonardo (bootloader)", true},
	"2341:8037": {"ATmega32U4", "Arduino Micro", true},
	"2341:0058": {"ATmega4809", "Arduino Nano Every", true},
	"2341:0069": {"RA4M1", "Arduino Uno R4 Minima", true},
	"2341:1002": {"ESP32-S3", "Arduino Uno R4 WiFi", true},
	"2341:804d": {"SAMD21", "Arduino Zero", true},
	"2341:8057": {"SAMD21", "Arduino Nano 33 IoT", true},
}

// vendors covers makers whose every USB serial device is a board.
var vendors = map[string]chipInfo{
	"2341": {"Arduino", "Arduino board", true},
	"2a03": {"Arduino", "Arduino board (arduino.org)", true},
	"303a": {"Espressif USB", "Espressif board (native USB)", true},
	"2e8a": {"RP2040", "Raspberry Pi Pico", true},
	"239a": {"Adafruit", "Adafruit board", true},
	"1b4f": {"SparkFun", "SparkFun board", true},
	"16c0": {"Teensy", "Teensy", true},
}

// identifyChip looks vid:pid up; both must already be normalised.
func identifyChip(vid, pid, product string) chipInfo {
	if vid == "" {
		return chipInfo{}
	}
	c, ok := chips[vid+":"+pid]
	if !ok {
		c, ok = vendors[vid]
	}
	if !ok {
		return chipInfo{}
	}
	// One Silicon Labs PID covers CP2102, CP2102N, CP2104: the product
	// string tells them apart, and the CP2104 is the D1 mini Pro's.
	if vid+":"+pid == "10c4:ea60" {
		switch model := firstWord(product); model {
		case "CP2102":
			c.Chip = model
		case "CP2102N":
			c.Chip, c.Board = model, "ESP32 DevKitC (CP2102N)"
		case "CP2104":
			c.Chip, c.Board = model, "WeMos D1 mini Pro (CP2104)"
		}
	}
	if c.Board == "" {
		c.Board = "USB-serial adapter (" + c.Chip + ")"
	}
	return c
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// normHex normalises a USB id as the enumerators report it ("1A86",
// "0x1a86", "ea60") to 4 lowercase hex digits; "" if it is not one.
func normHex(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 4 {
		return ""
	}
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return ""
	}
	const hex = "0123456789abcdef"
	return string([]byte{hex[v>>12&0xf], hex[v>>8&0xf], hex[v>>4&0xf], hex[v&0xf]})
}

// usableSerial rejects serial numbers that many boards share, so they do
// not make two boards look like one: CP2102 clones all say "0001", some
// firmwares "0" or all zeros.
func usableSerial(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return false
	}
	switch s {
	case "0001", "1234567890", "123456789", "0123456789", "123456":
		return false
	}
	return strings.Trim(s, "0") != ""
}

// cleanText keeps only printable characters: serial numbers and product
// strings come from the device and end up in terminals and JSON.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// cleanComm is /proc/PID/comm as one clean line.
func cleanComm(s string) string {
	s = cleanText(strings.TrimRight(s, "\n"))
	if s == "" {
		return "?"
	}
	return s
}

// parseUSBLocation finds the USB interface ("1-1.4:1.0") in a resolved
// sysfs device path: the last element shaped bus-port[.port...]:config.iface.
func parseUSBLocation(sysPath string) string {
	parts := strings.Split(sysPath, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if isUSBInterface(parts[i]) {
			return parts[i]
		}
	}
	return ""
}

func isUSBInterface(s string) bool {
	dev, iface, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	bus, ports, ok := strings.Cut(dev, "-")
	if !ok || !allDigits(bus) {
		return false
	}
	for _, p := range strings.Split(ports, ".") {
		if !allDigits(p) {
			return false
		}
	}
	cfg, ifn, ok := strings.Cut(iface, ".")
	return ok && allDigits(cfg) && allDigits(ifn)
}

func allDigits(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// guessFromName is the macOS fallback when the enumerator has no USB
// details (built without cgo): the driver names the device node.
func guessFromName(path string) chipInfo {
	base := path
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimPrefix(strings.TrimPrefix(base, "cu."), "tty.")
	switch {
	case strings.HasPrefix(base, "wchusbserial"):
		return chipInfo{"CH340", "WeMos D1 mini (CH340)", true}
	case strings.HasPrefix(base, "SLAB_USBtoUART"):
		return chipInfo{"CP210x", "NodeMCU (CP2102)", true}
	case strings.HasPrefix(base, "usbserial"):
		return chipInfo{"USB serial", "USB-serial board (CH340/FTDI; no cgo, no VID:PID)", true}
	case strings.HasPrefix(base, "usbmodem"):
		return chipInfo{"USB CDC", "native-USB board (Arduino/ESP32; no cgo, no VID:PID)", true}
	}
	return chipInfo{}
}
