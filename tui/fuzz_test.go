package tui

import (
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/blynkbridge/blynkbridge/decode"
)

// FuzzLogView feeds whatever a board (or line noise) may send through the
// decoder into the log view and renders it: never a panic, always exactly
// the rows asked for, none wider than the terminal.
func FuzzLogView(f *testing.F) {
	if b, err := os.ReadFile("testdata/forum.log"); err == nil {
		f.Add(b, uint8(80), uint8(24), "cert")
	}
	f.Add([]byte("\x00\xff\x1b[31mred\r\n\tTab\u200e\r"), uint8(20), uint8(5), "")
	f.Add([]byte(strings.Repeat("x", 5000)), uint8(3), uint8(2), "x")
	f.Fuzz(func(t *testing.T, data []byte, w, h uint8, q string) {
		width, height := int(w%200)+1, int(h%60)+1
		d := decode.New(decode.Options{})
		l := newLogView(50)
		l.query = q
		l.addRaw(data)
		for _, e := range append(d.Feed(data), d.Flush()...) {
			l.addEvent(e)
			l.addNote(e.HostTime, e.Summary)
		}
		for _, mode := range []func(){func() {}, l.pause, func() { l.move(-3) }, l.toggleExpand, func() { l.hex = true }} {
			mode()
			rows := l.view(width, height)
			if len(rows) != height {
				t.Fatalf("%d rows, want %d", len(rows), height)
			}
			for _, r := range rows {
				if ansi.StringWidth(r) > width && width >= 10 {
					t.Fatalf("row %q wider than %d", r, width)
				}
			}
		}
	})
}
