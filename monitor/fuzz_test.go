package monitor

import (
	"testing"

	"github.com/blynkbridge/blynkbridge/decode"
)

// FuzzImageProblems: the --image file is outside input; checking it never
// panics, whatever it holds.
func FuzzImageProblems(f *testing.F) {
	f.Add(testFlash())
	f.Add([]byte("\xE9\x01\x02\x40BLYNKBRIDGE-CFG\xB5\x01\x00\x10\x01"))
	f.Add([]byte("\xE2\x80\x8EAA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD\x00"))
	f.Fuzz(func(t *testing.T, img []byte) {
		for _, p := range ImageProblems(img) {
			if p.Fix == "" || p.Title == "" {
				t.Fatalf("problem without title or fix: %+v", p)
			}
		}
	})
}

// FuzzTracker: any byte stream, decoded, folds into a state without panic.
func FuzzTracker(f *testing.F) {
	f.Add([]byte(" ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n[10] Connecting to 1.2.3.4\r\n[20] Certificate doesn't match\r\n[30] Login timeout\r\n"))
	f.Add([]byte("\r\nException (28):\r\nepc1=0x4020101f\r\n[1] Ready (ping: 3ms).\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decode.New(decode.Options{})
		tr := NewTracker()
		for _, e := range append(d.Feed(data), d.Flush()...) {
			tr.Observe(Item{Kind: ItemEvent, Event: e}, Status{Connected: true, Port: "x"})
		}
		_ = tr.Problems()
		_ = tr.State()
	})
}
