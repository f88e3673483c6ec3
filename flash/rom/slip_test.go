package rom

import (
	"bytes"
	"errors"
	"testing"
)

func TestSLIPRoundTrip(t *testing.T) {
	payload := []byte{0x01, 0xC0, 0x02, 0xDB, 0xC0, 0xDB, 0xDB}
	enc := Encode(payload)
	want := []byte{0xC0, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0xDB, 0xDC, 0xDB, 0xDD, 0xDB, 0xDD, 0xC0}
	if !bytes.Equal(enc, want) {
		t.Fatalf("encode = % X, want % X", enc, want)
	}
	var d Decoder
	// Feed byte by byte to exercise state across calls.
	var frames [][]byte
	for _, b := range enc {
		for _, ev := range d.Feed([]byte{b}) {
			if ev.Err != nil {
				t.Fatal(ev.Err)
			}
			frames = append(frames, ev.Frame)
		}
	}
	if len(frames) != 1 || !bytes.Equal(frames[0], payload) {
		t.Fatalf("frames = %X", frames)
	}
}

func TestSLIPBackToBackAndJunk(t *testing.T) {
	var d Decoder
	in := append([]byte("ets Jan  8 2013"), Encode([]byte{1})...)
	in = append(in, Encode([]byte{2})...)
	in = append(in, 0xC0, 0xC0) // empty frame
	in = append(in, Encode([]byte{3})...)
	evs := d.Feed(in)
	var junk *JunkError
	if len(evs) != 4 || !errors.As(evs[0].Err, &junk) || string(junk.Bytes) != "ets Jan  8 2013" {
		t.Fatalf("events = %+v", evs)
	}
	for i, want := range []byte{1, 2, 3} {
		if !bytes.Equal(evs[i+1].Frame, []byte{want}) {
			t.Fatalf("frame %d = %X", i, evs[i+1].Frame)
		}
	}
}

func TestSLIPInvalidEscapeResyncs(t *testing.T) {
	var d Decoder
	in := []byte{0xC0, 0x01, 0xDB, 0x00, 0x02, 0xC0}
	in = append(in, Encode([]byte{9})...)
	evs := d.Feed(in)
	if len(evs) < 2 || !errors.Is(evs[0].Err, ErrInvalidEscape) {
		t.Fatalf("events = %+v", evs)
	}
	last := evs[len(evs)-1]
	if !bytes.Equal(last.Frame, []byte{9}) {
		t.Fatalf("did not resync: %+v", evs)
	}
}

func TestSyncReplyBytes(t *testing.T) {
	// The ESP8266 ROM's SYNC reply as captured by esptool --trace (reference 5).
	r := Response{Op: OpSync, Value: SyncValue, Data: []byte{0, 0}}
	got := Encode(r.Marshal())
	want := []byte{0xC0, 0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00, 0xC0}
	if !bytes.Equal(got, want) {
		t.Fatalf("% X", got)
	}
	req := Request{Op: OpSync, Data: SyncPayload}
	wire := Encode(req.Marshal())
	if len(wire) != 46 {
		t.Fatalf("SYNC on the wire is %d bytes, want 46", len(wire))
	}
	p, err := ParseResponse(r.Marshal())
	if err != nil || p.Value != SyncValue {
		t.Fatal(p, err)
	}
	if f, _ := p.Status(0); f != 0 {
		t.Fatal("status")
	}
}

func FuzzSLIPDecoder(f *testing.F) {
	f.Add(Encode([]byte{1, 2, 3}))
	f.Add([]byte{0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0})
	f.Add([]byte{0xC0, 0xDB, 0x00, 0xC0})
	f.Add([]byte("garbage\xC0\xC0"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var d Decoder
		d.MaxFrame = 256
		for _, ev := range d.Feed(in) {
			if ev.Frame != nil {
				if len(ev.Frame) == 0 || len(ev.Frame) > 256 {
					t.Fatalf("bad frame length %d", len(ev.Frame))
				}
				// Any decoded frame re-encodes and decodes to itself.
				var d2 Decoder
				evs := d2.Feed(Encode(ev.Frame))
				if len(evs) != 1 || !bytes.Equal(evs[0].Frame, ev.Frame) {
					t.Fatalf("round trip failed for % X", ev.Frame)
				}
			}
		}
	})
}
