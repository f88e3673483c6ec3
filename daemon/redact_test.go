package daemon

import (
	"bytes"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
)

const testTok = "Zq7xK2pLm9Tn4Rb8Vw1Yc6Hd3Gf5Js0A"

func loginFrame(tok string) []byte {
	f := []byte{byte(blynk.CmdHWLogin), 0, 1, byte(len(tok) >> 8), byte(len(tok))}
	return append(f, tok...)
}

// A login split anywhere across chunks never lets the token through, and
// every other byte passes unchanged (same length).
func TestLoginRedactorSplit(t *testing.T) {
	stream := append([]byte("boot text\r\n\x02 not a frame "), loginFrame(testTok)...)
	stream = append(stream, "[123] after\r\n"...)
	for cut := 0; cut <= len(stream); cut++ {
		var r loginRedactor
		out := append(r.Feed(append([]byte(nil), stream[:cut]...)), r.Feed(append([]byte(nil), stream[cut:]...))...)
		out = append(out, r.Flush()...)
		if len(out) != len(stream) {
			t.Fatalf("cut %d: %d bytes out of %d", cut, len(out), len(stream))
		}
		for i := 0; i+6 <= len(testTok); i++ {
			if bytes.Contains(out, []byte(testTok[i:i+6])) {
				t.Fatalf("cut %d: token piece %q leaked: %q", cut, testTok[i:i+6], out)
			}
		}
		if !bytes.HasPrefix(out, []byte("boot text\r\n\x02 not a frame ")) || !bytes.HasSuffix(out, []byte("[123] after\r\n")) {
			t.Fatalf("cut %d: text changed: %q", cut, out)
		}
	}
}

// A stream cut inside a token: Flush masks the partial token.
func TestLoginRedactorFlushPartial(t *testing.T) {
	var r loginRedactor
	f := loginFrame(testTok)
	out := append(r.Feed(f[:20]), r.Flush()...)
	if bytes.Contains(out, []byte(testTok[:6])) {
		t.Fatalf("partial token leaked: %q", out)
	}
}

func FuzzLoginRedactor(f *testing.F) {
	f.Add([]byte("hello\r\n"), 3)
	f.Add(loginFrame(testTok), 10)
	f.Add(append([]byte{2, 0, 0, 0, 9}, loginFrame("abcdefgh")...), 7)
	f.Fuzz(func(t *testing.T, s []byte, cut int) {
		if cut < 0 {
			cut = -cut
		}
		cut %= len(s) + 1
		var r loginRedactor
		out := append(r.Feed(append([]byte(nil), s[:cut]...)), r.Feed(append([]byte(nil), s[cut:]...))...)
		out = append(out, r.Flush()...)
		if len(out) != len(s) {
			t.Fatalf("%d bytes out of %d", len(out), len(s))
		}
		for i := range out {
			if out[i] != s[i] && out[i] != '*' {
				t.Fatalf("byte %d changed to %q", i, out[i])
			}
		}
	})
}
