package serialio

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Listing is what `blynkbridge ports` shows: the ports chosen by Select and
// how many were left out.
type Listing struct {
	Ports  []PortInfo
	Hidden int // non-USB ports left out (without --all)
}

// Select keeps the USB ports, or every port with all.
func Select(ports []PortInfo, all bool) Listing {
	if all {
		return Listing{Ports: ports}
	}
	var l Listing
	for _, p := range ports {
		if p.USB {
			l.Ports = append(l.Ports, p)
		}
	}
	l.Hidden = len(ports) - len(l.Ports)
	return l
}

// WriteJSON prints the listing in the envelope every blynkbridge JSON
// output has: {"v": 1, "ports": [...]}, with "ports": [] when there are
// none, so scripts need no special case (jq .ports[]).
func (l Listing) WriteJSON(w io.Writer) error {
	ports := l.Ports
	if ports == nil {
		ports = []PortInfo{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		V      int        `json:"v"`
		Ports  []PortInfo `json:"ports"`
		Hidden int        `json:"hidden"`
	}{1, ports, l.Hidden})
}

// WriteTable prints the listing for a person: one line per port, likely
// boards marked '*', what --port auto will do, and the notes.
func (l Listing) WriteTable(w io.Writer) {
	if l.Hidden > 0 {
		defer fmt.Fprintf(w, "(%d non-USB port(s) not shown: --all lists them)\n", l.Hidden)
	}
	if len(l.Ports) == 0 {
		fmt.Fprintln(w, "no USB serial ports found")
		fmt.Fprintln(w, "plug a board in with a data USB cable, or start a simulated one: blynkbridge sim --link /tmp/d1 (then --port /tmp/d1)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, " \tPORT\tBOARD\tVID:PID\tSERIAL\tIDENTITY\tBY-ID")
	likely, notes := 0, map[string]bool{}
	var order []string
	for _, p := range l.Ports {
		mark := " "
		if p.Likely {
			mark = "*"
			likely++
		}
		ids := "-"
		if p.VID != "" {
			ids = p.VID + ":" + p.PID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, p.Path, dash(p.Board), ids, dash(p.Serial), dash(p.Identity.String()), dash(p.ByID))
		if p.Details != "" && !notes[p.Details] {
			notes[p.Details] = true
			order = append(order, p.Details)
		}
	}
	tw.Flush()
	switch likely {
	case 0:
		fmt.Fprintln(w, "no likely board: pass --port PATH to choose one")
	case 1:
		fmt.Fprintln(w, "* likely board: --port auto (the default) will use it")
	default:
		fmt.Fprintf(w, "* likely boards: %d, so --port auto will ask you to choose with --port\n", likely)
	}
	for _, n := range order {
		fmt.Fprintln(w, "note:", n)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
