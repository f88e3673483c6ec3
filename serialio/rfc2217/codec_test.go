package rfc2217

import (
	"bytes"
	"testing"
)

// collect feeds stream in pieces of size step and joins what comes out.
func collect(stream []byte, step int) (data []byte, other []Item) {
	var ps Parser
	for i := 0; i < len(stream); i += step {
		end := min(i+step, len(stream))
		for _, it := range ps.Feed(stream[i:end]) {
			if it.Kind == KindData {
				data = append(data, it.Data...)
				continue
			}
			it.Data = append([]byte(nil), it.Data...)
			other = append(other, it)
		}
	}
	return data, other
}

func TestParserRoundTrip(t *testing.T) {
	payload := []byte{0xC0, 0x00, IAC, 0x08, IAC, IAC, 'x'}
	var s []byte
	s = AppendNeg(s, WILL, OptBinary)
	s = AppendData(s, payload[:3])
	s = AppendComPort(s, SetBaudRate+ServerOffset, Baud(0xFF00FF)...) // IAC bytes inside SB
	s = AppendData(s, payload[3:])
	s = append(s, IAC, NOP)
	for step := 1; step <= len(s); step++ {
		data, other := collect(s, step)
		if !bytes.Equal(data, payload) {
			t.Fatalf("step %d: data %x, want %x", step, data, payload)
		}
		if len(other) != 3 {
			t.Fatalf("step %d: %d commands, want 3: %+v", step, len(other), other)
		}
		if other[0].Kind != KindNeg || other[0].Verb != WILL || other[0].Opt != OptBinary {
			t.Errorf("step %d: first %+v", step, other[0])
		}
		sub := other[1]
		if sub.Kind != KindSub || sub.Opt != OptComPort || sub.Data[0] != SetBaudRate+ServerOffset {
			t.Fatalf("step %d: sub %+v", step, sub)
		}
		if n, ok := ParseBaud(sub.Data[1:]); !ok || n != 0xFF00FF {
			t.Errorf("step %d: baud %d %v", step, n, ok)
		}
		if other[2].Kind != KindCmd || other[2].Verb != NOP {
			t.Errorf("step %d: last %+v", step, other[2])
		}
	}
}

// TestParserBounded: an endless subnegotiation is cut at MaxSub, not kept.
func TestParserBounded(t *testing.T) {
	var ps Parser
	ps.Feed([]byte{IAC, SB, OptComPort})
	big := bytes.Repeat([]byte{7}, 1<<20)
	ps.Feed(big)
	if cap(ps.sub) > 2*MaxSub {
		t.Fatalf("subnegotiation buffer grew to %d", cap(ps.sub))
	}
	items := ps.Feed([]byte{IAC, SE, 'a'})
	if len(items) != 2 || !items[0].Cut || len(items[0].Data) != MaxSub || string(items[1].Data) != "a" {
		t.Fatalf("items %+v", items)
	}
}

// TestParserBrokenSB: IAC followed by a verb inside SB ends the SB (cut)
// and is parsed as the command it is.
func TestParserBrokenSB(t *testing.T) {
	_, other := collect([]byte{IAC, SB, OptComPort, 1, 2, IAC, DO, OptSGA, 'z'}, 100)
	if len(other) != 2 || !other[0].Cut || other[1].Kind != KindNeg || other[1].Verb != DO || other[1].Opt != OptSGA {
		t.Fatalf("%+v", other)
	}
}

func FuzzParser(f *testing.F) {
	f.Add([]byte{IAC, WILL, OptComPort, 'a', IAC, IAC, 'b'})
	f.Add(AppendComPort(nil, SetControl+ServerOffset, ControlDTROn))
	f.Add([]byte{IAC, SB, IAC, IAC, IAC, SE, IAC})
	f.Fuzz(func(t *testing.T, s []byte) {
		// Data out must equal what AppendData of it gives back when the
		// stream holds data only, and parsing must never panic or grow
		// without bound.
		var ps Parser
		total := 0
		for _, it := range ps.Feed(s) {
			if it.Kind == KindSub && len(it.Data) > MaxSub {
				t.Fatalf("sub of %d bytes", len(it.Data))
			}
			total += len(it.Data)
		}
		if total > len(s) {
			t.Fatalf("%d bytes out of %d in", total, len(s))
		}
		data, _ := collect(AppendData(nil, s), 3)
		if !bytes.Equal(data, s) {
			t.Fatalf("escape round trip: %x -> %x", s, data)
		}
	})
}
