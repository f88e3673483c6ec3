package serialio

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestListingJSONEnvelope(t *testing.T) {
	var out bytes.Buffer
	if err := (Listing{}).WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["v"] != 1.0 || m["ports"] == nil || len(m["ports"].([]any)) != 0 {
		t.Fatalf("empty listing printed %s, want {\"v\": 1, \"ports\": []}", out.String())
	}
}

func TestSelect(t *testing.T) {
	ports := []PortInfo{{Path: "/dev/ttyUSB0", USB: true}, {Path: "/dev/ttyS0"}}
	if l := Select(ports, false); len(l.Ports) != 1 || l.Hidden != 1 {
		t.Fatalf("%+v", l)
	}
	if l := Select(ports, true); len(l.Ports) != 2 || l.Hidden != 0 {
		t.Fatalf("%+v", l)
	}
}

func TestListingTable(t *testing.T) {
	l := Listing{Hidden: 1, Ports: []PortInfo{
		{Path: "/dev/ttyUSB0", USB: true, VID: "1a86", PID: "7523", Chip: "CH340", Board: "WeMos D1 mini (CH340)", Likely: true,
			ByID:     "/dev/serial/by-id/usb-1a86_USB2.0-Serial-if00-port0",
			Identity: Identity{VID: "1a86", PID: "7523", Location: "1-1.2:1.0"}},
	}}
	var out bytes.Buffer
	l.WriteTable(&out)
	for _, w := range []string{"PORT", "/dev/ttyUSB0", "WeMos D1 mini (CH340)", "1a86:7523", "usbpath:1a86:7523@1-1.2:1.0",
		"usb-1a86_USB2.0-Serial-if00-port0", "--port auto (the default) will use it", "1 non-USB port(s) not shown"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	(Listing{}).WriteTable(&out)
	if !strings.Contains(out.String(), "no USB serial ports found") {
		t.Errorf("empty table: %q", out.String())
	}
}
