package blynk

import (
	"bytes"
	"testing"
)

func collect(items []Item) (frames []Frame, skipped []byte) {
	for _, it := range items {
		if it.IsSkip() {
			skipped = append(skipped, it.Skipped...)
		} else {
			frames = append(frames, it.Frame)
		}
	}
	return
}

func sessionBytes() ([]byte, []Frame) {
	fs := []Frame{
		Login(CmdLogin, NewToken(tok32)),
		Response(1, StatusSuccess),
		NewFrame(CmdInternal, 2, KVBody([]KV{{"ver", "0.4.10"}, {"h-beat", "10"}, {"buff-in", "1024"}, {"dev", "Arduino"}}, true)),
		NewFrame(CmdHardware, 3, VirtualWrite(1, "123")),
		Ping(4),
		NewFrame(CmdHardware, 0x8A70, VirtualRead(5)),
	}
	var b []byte
	for _, f := range fs {
		b = f.AppendTo(b)
	}
	return b, fs
}

func TestDecoderChunking(t *testing.T) {
	stream, want := sessionBytes()
	for size := 1; size <= len(stream); size++ {
		d := NewDecoder(DecoderOptions{})
		var items []Item
		for i := 0; i < len(stream); i += size {
			items = append(items, d.Feed(stream[i:min(i+size, len(stream))])...)
		}
		got, skipped := collect(items)
		if len(skipped) != 0 || len(got) != len(want) {
			t.Fatalf("chunk %d: %d frames, skipped %q", size, len(got), skipped)
		}
		for i := range got {
			if !bytes.Equal(got[i].Marshal(), want[i].Marshal()) {
				t.Fatalf("chunk %d frame %d: %v want %v", size, i, got[i], want[i])
			}
		}
	}
}

func TestDecoderResync(t *testing.T) {
	stream, want := sessionBytes()
	rom := []byte("\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x4010f000, len 3460, room 16 \r\n\xfe\xff\x00\x14[1234] Connecting...\r\n")
	tests := []struct {
		name string
		in   []byte
	}{
		{"rom text before", append(append([]byte{}, rom...), stream...)},
		{"garbage between", append(append(append([]byte{}, stream[:37]...), rom...), stream[37:]...)},
		// A header that looks valid but announces a long body must not swallow
		// the login behind it: its body fails the stricter check.
		{"lying header", append([]byte{0x14, 0x00, 0x09, 0x03, 0x00, 'x', 'y', 'z'}, stream...)},
		{"zero id", append([]byte{0x14, 0x00, 0x00, 0x00, 0x02, 'v', 'w'}, stream...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(DecoderOptions{})
			var items []Item
			for i := 0; i < len(tt.in); i += 7 {
				items = append(items, d.Feed(tt.in[i:min(i+7, len(tt.in))])...)
			}
			items = append(items, d.Flush()...)
			got, skipped := collect(items)
			if len(got) != len(want) {
				t.Fatalf("got %d frames %v, want %d; skipped %q", len(got), got, len(want), skipped)
			}
			for i := range got {
				if !bytes.Equal(got[i].Marshal(), want[i].Marshal()) {
					t.Fatalf("frame %d: %v want %v", i, got[i], want[i])
				}
			}
			st := d.Stats()
			if st.Fed != int64(len(tt.in)) || st.Fed != st.FrameBytes+st.Skipped+st.Buffered {
				t.Errorf("accounting: %+v", st)
			}
			if int(st.Skipped) != len(tt.in)-len(stream) || len(skipped) != int(st.Skipped) {
				t.Errorf("skipped %d bytes, want %d", st.Skipped, len(tt.in)-len(stream))
			}
		})
	}
}

func TestDecoderHalfFrameAndBounds(t *testing.T) {
	d := NewDecoder(DecoderOptions{MaxBody: 256})
	f := NewFrame(CmdHardware, 3, VirtualWrite(1, "123"))
	b := f.Marshal()
	if items := d.Feed(b[:len(b)-1]); len(items) != 0 {
		t.Fatalf("half frame returned: %v", items)
	}
	items := d.Flush()
	if len(items) != 1 || !items[0].IsSkip() || len(items[0].Skipped) != len(b)-1 {
		t.Fatalf("flush = %v", items)
	}
	// Over-limit length is garbage, not a wait for 300 bytes.
	big := NewFrame(CmdHardware, 3, append(Body("vw", "1", ""), make([]byte, 300)...)).Marshal()
	items = d.Feed(append(big, b...))
	got, _ := collect(items)
	if len(got) != 1 || got[0].ID != 3 || len(got[0].Body) != 8 {
		t.Fatalf("got %v", got)
	}
	if cap(d.buf) > HeaderLen+256 {
		t.Errorf("buffer grew to %d", cap(d.buf))
	}
	// Accept hook: a relay waiting for a login.
	d = NewDecoder(DecoderOptions{Accept: func(f Frame) bool { return f.Cmd.IsLogin() && f.ID == 1 }})
	stream, _ := sessionBytes()
	got, _ = collect(d.Feed(append(b, stream...)))
	if len(got) != 1 || !got[0].Cmd.IsLogin() {
		t.Fatalf("accept: %v", got)
	}
}

func FuzzDecoder(f *testing.F) {
	stream, _ := sessionBytes()
	f.Add(stream, uint8(3))
	f.Add([]byte("\x00\x00\x01\x00\xc8"), uint8(1))
	f.Add(append([]byte(" ets Jan  8 2013,rst cause:2\r\n\xff"), stream...), uint8(5))
	f.Add([]byte{0x14, 0, 9, 3, 0, 'v', 'w', 0}, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		size := int(chunk%64) + 1
		d := NewDecoder(DecoderOptions{MaxBody: 64})
		var items []Item
		for i := 0; i < len(in); i += size {
			items = append(items, d.Feed(in[i:min(i+size, len(in))])...)
			if len(d.buf) > HeaderLen+64 {
				t.Fatalf("buffer %d", len(d.buf))
			}
		}
		st := d.Stats()
		if st.Fed != st.FrameBytes+st.Skipped+st.Buffered {
			t.Fatalf("accounting %+v", st)
		}
		items = append(items, d.Flush()...)
		// Concatenating skipped bytes and re-encoded frames gives the input back.
		var out []byte
		for _, it := range items {
			if it.IsSkip() {
				out = append(out, it.Skipped...)
				continue
			}
			if err := it.Frame.Validate(64); err != nil {
				t.Fatalf("invalid frame returned: %v", err)
			}
			out = it.Frame.AppendTo(out)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding does not round-trip:\n% X\n% X", out, in)
		}
		st = d.Stats()
		if st.Buffered != 0 || st.FrameBytes+st.Skipped != int64(len(in)) {
			t.Fatalf("final accounting %+v", st)
		}
	})
}

func FuzzUnescapeDump(f *testing.F) {
	f.Add("[14|8A]p[00|05]")
	f.Add("[1234] >[00|00|01|00|C8]")
	f.Fuzz(func(t *testing.T, s string) {
		b := UnescapeDump(s)
		if len(b) > len(s) {
			t.Fatal("grew")
		}
		if got := UnescapeDump(EscapeDump(b, false)); !bytes.Equal(got, b) && !bytes.Contains(b, []byte("[")) {
			t.Fatalf("escape round trip % X -> % X", b, got)
		}
	})
}

func BenchmarkDecoder(b *testing.B) {
	stream, _ := sessionBytes()
	rom := []byte(" ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n")
	in := append(append([]byte{}, rom...), stream...)
	b.SetBytes(int64(len(in)))
	d := NewDecoder(DecoderOptions{})
	for i := 0; i < b.N; i++ {
		d.Feed(in)
	}
}
