package monitor

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testTok = "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU"

// maskStream runs in through a masker cut into chunks at the given sizes
// (cycled), with a forced release every forceEvery chunks (0: never), and
// returns what it let out.
func maskStream(in []byte, sizes []int, forceEvery int) []byte {
	var m loginMasker
	var out []byte
	t0 := time.Unix(0, 0)
	for i, k := 0, 0; len(in) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(in))
		out = append(out, m.write(t0, append([]byte(nil), in[:n]...))...)
		in = in[n:]
		if forceEvery > 0 && i%forceEvery == forceEvery-1 {
			out = append(out, m.force(false)...)
		}
		k++
	}
	return append(out, m.force(true)...)
}

func binLogin(cmd byte, tok string) []byte {
	return append([]byte{cmd, 0, 1, byte(len(tok) >> 8), byte(len(tok))}, tok...)
}

func TestLoginMaskerForms(t *testing.T) {
	cases := map[string]string{
		"dump one line":       "[20] <[1D|00|01|00|20]" + testTok + "\r\n[30] tick\r\n",
		"dump printable hdr":  "[3530] <[1D|00|01|00] " + testTok + "\r\n",
		"dump legacy login":   "[14] <[02|00|01|00] " + testTok + "\r\n",
		"dump header alone":   "[14] <[02|00|01|00|20]\r\n" + testTok + "\r\n[15] next\r\n",
		"binary among text":   "[1] hello\r\n" + string(binLogin(0x1D, testTok)) + "[2] after\r\n",
		"binary legacy":       string(binLogin(0x02, testTok)),
		"binary then newline": string(binLogin(0x02, testTok)) + "\n",
	}
	sizes := [][]int{{1 << 20}, {1}, {2}, {3}, {7}, {5, 1, 13}, {31, 2}}
	for name, in := range cases {
		for _, sz := range sizes {
			for _, force := range []int{0, 1, 3} {
				out := maskStream([]byte(in), sz, force)
				if len(out) != len(in) {
					t.Fatalf("%s %v/%d: %d bytes out of %d", name, sz, force, len(out), len(in))
				}
				if bytes.Contains(out, []byte(testTok[:8])) || bytes.Contains(out, []byte(testTok[len(testTok)-8:])) {
					t.Fatalf("%s %v/%d: token leaked: %q", name, sz, force, out)
				}
				if !bytes.Contains(out, []byte(strings.Repeat("*", 8))) {
					t.Fatalf("%s %v/%d: nothing masked: %q", name, sz, force, out)
				}
			}
		}
	}
}

// Ordinary output passes unchanged, however it is cut.
func TestLoginMaskerLeavesTextAlone(t *testing.T) {
	in := []byte("[0] tick 0\r\n[1000] <[14|00|02|00|05]vw\x001\x001\r\n[1] Connecting to blynk.lan:9443\r\nplain\r\n\x02\x00\x01\x00\x03abc\r\n")
	for _, sz := range [][]int{{1}, {4}, {1 << 20}} {
		if out := maskStream(in, sz, 2); !bytes.Equal(out, in) {
			t.Fatalf("%v: changed:\n%q\n%q", sz, in, out)
		}
	}
}

// Held bytes leave within maxHold.
func TestLoginMaskerTickReleases(t *testing.T) {
	var m loginMasker
	t0 := time.Unix(100, 0)
	if out := m.write(t0, []byte("[12] partial")); len(out) != 0 {
		t.Fatalf("partial '[' line not held: %q", out)
	}
	if out := m.tick(t0.Add(maxHold / 2)); out != nil {
		t.Fatalf("released early: %q", out)
	}
	if out := m.tick(t0.Add(maxHold)); string(out) != "[12] partial" {
		t.Fatalf("tick released %q", out)
	}
}

func TestRawLogMasksAndStamps(t *testing.T) {
	var b bytes.Buffer
	l := NewRawLog(&b)
	t0 := time.Date(2026, 11, 28, 10, 11, 12, 345e6, time.UTC)
	in := "[20] <[1D|00|01|00|20]" + testTok + "\r\n"
	for i := range len(in) {
		_ = l.Write(t0, []byte{in[i]})
	}
	_ = l.Flush()
	want := "[2026-11-28 10:11:12.345] [20] <[1D|00|01|00|20]" + strings.Repeat("*", len(testTok)) + "\r\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	u := NewRawLog(&b)
	u.Unredacted()
	_ = u.Write(t0, []byte(in))
	if !strings.Contains(b.String(), testTok) {
		t.Fatalf("--unredacted masked: %q", b.String())
	}
}

func TestLogFileModeAndRotation(t *testing.T) {
	p := filepath.Join(t.TempDir(), "board.log")
	f, err := OpenLogFile(p, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 39) + "\n")
	for range 7 {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{p, p + ".1", p + ".2"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
		if fi.Size() > 100 {
			t.Fatalf("%s is %d bytes, over the 100-byte limit", name, fi.Size())
		}
	}
	if _, err := os.Stat(p + ".3"); err == nil {
		t.Fatal("kept more than --log-keep files")
	}
}

func FuzzLoginMasker(f *testing.F) {
	f.Add([]byte("[20] <[1D|00|01|00|20]"+testTok+"\r\n"), uint8(3))
	f.Add(binLogin(0x02, testTok), uint8(1))
	f.Add([]byte("[14] <[02|00|01|00|20]\r\n"+testTok+"\r\n"), uint8(5))
	f.Add([]byte("\x1d\x00\x01\x00"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		r := rand.New(rand.NewSource(int64(cut)))
		sizes := []int{1 + r.Intn(16), 1 + r.Intn(64), 1 + int(cut)}
		out := maskStream(in, sizes, int(cut%4))
		if len(out) != len(in) {
			t.Fatalf("%d bytes out of %d", len(out), len(in))
		}
		for i := range out {
			if out[i] != in[i] && out[i] != '*' {
				t.Fatalf("byte %d changed to %q, not masked", i, out[i])
			}
		}
	})
}

// The w key's saved scrollback masks tokens too, and is private.
func TestSaveLogMasksTokens(t *testing.T) {
	in := []byte("[1] hello\r\n[20] <[1D|00|01|00|20]" + testTok + "\r\n" + string(binLogin(0x02, testTok)) + "\r\n")
	out := MaskLogins(in)
	if len(out) != len(in) || bytes.Contains(out, []byte(testTok[:8])) {
		t.Fatalf("masked %q", out)
	}
	path, err := SaveBytes(t.TempDir(), time.Unix(0, 0), out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved log mode %v %v", fi.Mode().Perm(), err)
	}
}
