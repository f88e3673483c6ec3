package relay

import (
	"bytes"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// realisticStream interleaves frames with what a USB board really puts on
// the line: the ROM banner (as seen at the wrong baud, bytes ≥ 0x80), sketch
// prints ending in CRLF and BLYNK_PRINT lines.
func realisticStream() (stream []byte, frames []blynk.Frame) {
	tok := blynk.NewToken(testToken)
	frames = []blynk.Frame{
		blynk.Login(blynk.CmdLogin, tok),
		blynk.NewFrame(blynk.CmdInternal, 2, blynk.KVBody([]blynk.KV{{Key: "ver", Value: "0.4.10"}, {Key: "h-beat", Value: "10"}}, true)),
		blynk.Hardware(3, "vw", "5", "1"),
		blynk.Ping(4),
		blynk.Response(0x8A70, blynk.StatusSuccess),
		blynk.Hardware(5, "vw", "5", "2"),
		blynk.NewFrame(blynk.CmdHardwareSync, 6, blynk.Body("vr", "1")),
	}
	garbage := [][]byte{
		{0xE0, 0x80, 0xF8, 0x00, 0x8C, 0x9E, 0xFF, 0x0C},
		[]byte("[0] Connecting...\r\n"),
		[]byte("sensor: 21.5 C\r\n"),
		{},
		[]byte("[1234] Ready (ping: 12ms).\r\n"),
		{},
		[]byte("hello\r\n"),
	}
	for i, f := range frames {
		stream = append(stream, garbage[i]...)
		stream = append(stream, f.Marshal()...)
	}
	return stream, frames
}

func TestFramerRealisticGarbage(t *testing.T) {
	stream, frames := realisticStream()
	for _, chunk := range []int{1, 2, 3, 7, 64, len(stream)} {
		fr := newFramer(blynk.MaxBodyESP8266)
		var got []blynk.Frame
		for i := 0; i < len(stream); i += chunk {
			got = append(got, fr.feed(stream[i:min(i+chunk, len(stream))])...)
		}
		if len(got) != len(frames) {
			t.Fatalf("chunk %d: %d frames, want %d: %v", chunk, len(got), len(frames), got)
		}
		for i := range got {
			if !bytes.Equal(got[i].Marshal(), frames[i].Marshal()) {
				t.Errorf("chunk %d: frame %d = %v, want %v", chunk, i, got[i], frames[i])
			}
		}
		if fr.fed != fr.frameB+fr.skipped+fr.held() {
			t.Errorf("chunk %d: fed %d != frames %d + skipped %d + held %d", chunk, fr.fed, fr.frameB, fr.skipped, fr.held())
		}
	}
}

func TestLooksOversize(t *testing.T) {
	big := blynk.NewFrame(blynk.CmdHardware, 9, make([]byte, 300)).Marshal()
	if !looksOversize(big, 256) || looksOversize(big, 1024) {
		t.Error("oversize header misjudged")
	}
	if looksOversize([]byte("[123] text"), 256) || looksOversize(blynk.Ping(1).Marshal(), 0) {
		t.Error("text or ping taken for oversize")
	}
}

// FuzzBoardFraming feeds the relay's board-side framing garbage and frames
// cut into random chunks. Whatever the input: only whole frames that pass
// the library's receive rules come out, every byte is accounted for
// (forwarded + skipped + still held = fed), and with no garbage every frame
// comes out exactly, in order.
func FuzzBoardFraming(f *testing.F) {
	stream, _ := realisticStream()
	f.Add([]byte{0x14, 0x00, 0x02, 0x00, 0x08, 'v', 'w', 0, '1', 0, '1', '2', '3'}, []byte{}, uint8(3), uint16(1024))
	f.Add(stream, []byte("noise"), uint8(1), uint16(256))
	f.Add([]byte("[0] Connecting...\r\n"), []byte{0x1D, 0, 1, 0, 32}, uint8(7), uint16(64))
	f.Add([]byte{0x14, 0x00, 0x09, 0x04, 0x00}, []byte{0xFF, 0xFE}, uint8(2), uint16(16))
	f.Fuzz(func(t *testing.T, garbage, seed []byte, chunk uint8, maxBody uint16) {
		mb := int(maxBody)%2048 + 1
		// Frames built from seed: cmd, id, body length picked from it.
		var frames []blynk.Frame
		for i := 0; i+3 <= len(seed) && len(frames) < 16; i += 3 {
			cmds := []blynk.Cmd{blynk.CmdHardware, blynk.CmdPing, blynk.CmdResponse, blynk.CmdInternal, blynk.CmdHWLogin}
			cmd := cmds[int(seed[i])%len(cmds)]
			id := uint16(seed[i+1]) + 1
			n := int(seed[i+2]) % 40
			var fr blynk.Frame
			switch cmd {
			case blynk.CmdPing:
				fr = blynk.Ping(id)
			case blynk.CmdResponse:
				fr = blynk.Response(id, blynk.StatusSuccess)
			case blynk.CmdHWLogin:
				fr = blynk.Login(blynk.CmdHWLogin, blynk.NewToken(testToken))
			case blynk.CmdInternal:
				fr = blynk.NewFrame(cmd, id, append([]byte("ver\x00"), bytes.Repeat([]byte{'1'}, n)...))
			default:
				fr = blynk.Hardware(id, "vw", "1", string(bytes.Repeat([]byte{'7'}, n)))
			}
			if len(fr.Body) <= mb {
				frames = append(frames, fr)
			}
		}
		var in []byte
		for i, fr := range frames {
			if i < len(garbage) {
				in = append(in, garbage[i:min(len(garbage), i+1+int(chunk)%5)]...)
			}
			in = append(in, fr.Marshal()...)
		}
		in = append(in, garbage...)
		step := int(chunk)%17 + 1
		fr := newFramer(mb)
		var got []blynk.Frame
		for i := 0; i < len(in); i += step {
			got = append(got, fr.feed(in[i:min(i+step, len(in))])...)
		}
		var out int64
		for _, g := range got {
			if err := g.Validate(mb); err != nil {
				t.Fatalf("invalid frame out: %v: %v", g, err)
			}
			out += int64(g.Size())
		}
		if out != fr.frameB || fr.fed != int64(len(in)) || fr.fed != fr.frameB+fr.skipped+fr.held() {
			t.Fatalf("accounting: fed %d (in %d) out %d frames %d skipped %d held %d",
				fr.fed, len(in), out, fr.frameB, fr.skipped, fr.held())
		}
		if len(garbage) == 0 {
			if len(got) != len(frames) {
				t.Fatalf("clean stream: %d frames out, want %d", len(got), len(frames))
			}
			for i := range got {
				if !bytes.Equal(got[i].Marshal(), frames[i].Marshal()) {
					t.Fatalf("frame %d = %v, want %v", i, got[i], frames[i])
				}
			}
		}
	})
}
