package main

import (
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// `ports --json` is the v1 envelope {"v": 1, "ports": [...]} with the
// documented lowercase field names in every entry.
func TestPortsJSON(t *testing.T) {
	for _, args := range [][]string{{"ports", "--json"}, {"ports", "--json", "--all"}} {
		out, _ := runOK(t, args...)
		var doc struct {
			V     int              `json:"v"`
			Ports []map[string]any `json:"ports"`
		}
		decodeJSON(t, out, &doc)
		if doc.V != 1 || doc.Ports == nil {
			t.Fatalf("%v: not the v1 envelope: %s", args, out)
		}
		for _, p := range doc.Ports {
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

func TestPortsRejectsArguments(t *testing.T) {
	if _, _, code := runCLI(t, "ports", "/dev/ttyUSB0"); code != bberr.Usage {
		t.Fatalf("exit %d", code)
	}
}
