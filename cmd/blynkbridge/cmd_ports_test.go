package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// `ports --json` is always a JSON array (`[]` on a machine without USB
// serial), with the documented lowercase field names.
func TestPortsJSON(t *testing.T) {
	for _, args := range [][]string{{"ports", "--json"}, {"ports", "--json", "--all"}} {
		out, errOut, code := runCLI(t, args...)
		if code != bberr.OK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.HasPrefix(strings.TrimSpace(out), "[") {
			t.Fatalf("%v: not an array: %q", args, out)
		}
		var ports []map[string]any
		if err := json.Unmarshal([]byte(out), &ports); err != nil {
			t.Fatalf("%v: %v in %q", args, err, out)
		}
		for _, p := range ports {
			for _, k := range []string{"path", "by_id", "vid", "pid", "serial", "product", "chip", "board", "likely", "identity", "usb", "details"} {
				if _, ok := p[k]; !ok {
					t.Errorf("%v: entry lacks %q: %v", args, k, p)
				}
			}
			if len(args) == 2 && p["usb"] != true {
				t.Errorf("non-USB port listed without --all: %v", p)
			}
		}
	}
}

func TestPortsJSONEmptyIsArray(t *testing.T) {
	var out bytes.Buffer
	if err := printPortsJSON(&out, nil); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("empty list printed %q, want []", out.String())
	}
}

func TestPortsTable(t *testing.T) {
	ports := []serialio.PortInfo{
		{Path: "/dev/ttyUSB0", USB: true, VID: "1a86", PID: "7523", Chip: "CH340", Board: "WeMos D1 mini (CH340)", Likely: true,
			ByID:     "/dev/serial/by-id/usb-1a86_USB2.0-Serial-if00-port0",
			Identity: serialio.Identity{VID: "1a86", PID: "7523", Location: "1-1.2:1.0"}},
	}
	var out bytes.Buffer
	printPortsTable(&out, ports, 1)
	assertContains(t, "table", out.String(), "PORT", "/dev/ttyUSB0", "WeMos D1 mini (CH340)", "1a86:7523", "usbpath:1a86:7523@1-1.2:1.0",
		"usb-1a86_USB2.0-Serial-if00-port0", "--port auto (the default) will use it", "1 non-USB port(s) not shown")
	out.Reset()
	printPortsTable(&out, nil, 0)
	if !strings.Contains(out.String(), "no USB serial ports found") {
		t.Errorf("empty table: %q", out.String())
	}
}

func TestPortsRejectsArguments(t *testing.T) {
	if _, _, code := runCLI(t, "ports", "/dev/ttyUSB0"); code != bberr.Usage {
		t.Fatalf("exit %d", code)
	}
}
