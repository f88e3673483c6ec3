package flash

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"fmt"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/sim"
)

func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// stubScenario runs requests with known outcomes against a stub, through
// the raw protocol, and returns one line per reply: the same lines must
// come from the stub's machine code under QEMU and from the sim's model.
func stubScenario(t *testing.T, c connection) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	do := func(name string, op rom.Op, data []byte) {
		r, err := command(ctx, c, op, data, 0, defaultTimeout)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		flag, reason := r.Status(0)
		if op == rom.OpSPIFlashMD5 {
			flag, reason = r.Status(16)
		}
		out = append(out, fmt.Sprintf("%-28s %02X %02X", name, flag, reason))
	}
	data := func(name string, op rom.Op, seq uint32, p []byte, good bool) {
		chk := rom.Checksum(p)
		if !good {
			chk ^= 0x5A
		}
		r, err := command(ctx, c, op, rom.DataBlock(seq, p), chk, defaultTimeout)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		flag, reason := r.Status(0)
		out = append(out, fmt.Sprintf("%-28s %02X %02X", name, flag, reason))
	}
	md5Is := func(name string, addr uint32, want []byte) {
		sum, err := stubMD5(ctx, c, addr, uint32(len(want)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, fmt.Sprintf("%-28s match=%v", name, sum == md5.Sum(want)))
	}
	img := sketchLike(8192, 5)
	z := zlibOf(img)
	w := func(v ...uint32) []byte { return rom.Words(v...) }

	do("set params 512K", rom.OpSPISetParams, w(0, qemuFlashSize, 0x10000, 0x1000, 0x100, 0xFFFF))
	do("read chip magic", rom.OpReadReg, w(rom.ChipMagicReg))
	data("data before begin", rom.OpFlashDeflData, 0, z, true)
	do("defl begin", rom.OpFlashDeflBegin, w(8192, 1, StubBlockSize, 0x1000))
	data("defl data bad checksum", rom.OpFlashDeflData, 0, z, false)
	data("defl data out of sequence", rom.OpFlashDeflData, 1, z, true)
	data("defl data", rom.OpFlashDeflData, 0, z, true)
	data("defl data again (lost ack)", rom.OpFlashDeflData, 0, z, true)
	do("defl end", rom.OpFlashDeflEnd, w(1))
	md5Is("md5 after write", 0x1000, img)

	do("defl begin (bad stream)", rom.OpFlashDeflBegin, w(4096, 1, StubBlockSize, 0x4000))
	data("defl data not zlib", rom.OpFlashDeflData, 0, []byte("this is not a zlib stream at all"), true)
	do("defl end after bad stream", rom.OpFlashDeflEnd, w(1))

	do("defl begin (short size)", rom.OpFlashDeflBegin, w(100, 1, StubBlockSize, 0x4000))
	data("defl data too long", rom.OpFlashDeflData, 0, z, true)
	data("defl data after error", rom.OpFlashDeflData, 1, z, true)
	do("defl end too much", rom.OpFlashDeflEnd, w(1))

	do("defl begin (long size)", rom.OpFlashDeflBegin, w(16384, 1, StubBlockSize, 0x8000))
	data("defl data half", rom.OpFlashDeflData, 0, z, true)
	do("defl end not enough", rom.OpFlashDeflEnd, w(1))

	do("defl begin past the end", rom.OpFlashDeflBegin, w(8192, 1, StubBlockSize, qemuFlashSize-4096))
	do("defl begin block too big", rom.OpFlashDeflBegin, w(8192, 1, 0x8000, 0x1000))

	plain := bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 1024)
	do("flash begin", rom.OpFlashBegin, w(4096, 1, StubBlockSize, 0x20000))
	data("flash data", rom.OpFlashData, 0, plain, true)
	do("flash end", rom.OpFlashEnd, w(1))
	md5Is("md5 after plain write", 0x20000, plain)

	do("erase region unaligned addr", rom.OpEraseRegion, w(0x1001, 0x1000))
	do("erase region unaligned size", rom.OpEraseRegion, w(0x1000, 0x800))
	do("erase region past the end", rom.OpEraseRegion, w(qemuFlashSize-0x1000, 0x2000))
	do("erase region", rom.OpEraseRegion, w(0x1000, 0x1000))
	md5Is("md5 after erase", 0x1000, append(bytes.Repeat([]byte{0xFF}, 4096), img[4096:]...))
	do("md5 past the end", rom.OpSPIFlashMD5, w(qemuFlashSize-16, 32, 0, 0))
	do("md5 wrong length", rom.OpSPIFlashMD5, w(0, 16))
	do("unknown command 0x55", rom.Op(0x55), nil)
	do("write reg bad length", rom.OpWriteReg, w(1, 2, 3))

	back, err := readFlash(ctx, c, Range{0x1000, 0x3000}, func(int, int) {})
	if err != nil {
		t.Fatalf("read flash: %v", err)
	}
	out = append(out, fmt.Sprintf("%-28s match=%v", "read flash", bytes.Equal(back, append(bytes.Repeat([]byte{0xFF}, 4096), img[4096:]...))))
	return out
}

// The stub's machine code (QEMU) and the sim's model of it answer the
// same requests the same way, and the way flash/stub/src/stub.c says.
func TestStubScenarioQemuMatchesSim(t *testing.T) {
	q := qemuFlasher(t, Options{})
	got := stubScenario(t, q.c)

	b := newBoard(t, sim.Options{Boot: sim.BootDownload})
	var lb logBuf
	opts := fastOpts(&lb)
	opts.NoStub = false
	opts.FlashSize = qemuFlashSize
	f := hostFlasher(t, b, opts, nil)
	if !f.Stub() {
		t.Fatalf("the sim's stub did not start:\n%s", lb.String())
	}
	want := stubScenario(t, f.c)

	expect := map[string]string{
		"data before begin":           "C6 00",
		"defl data bad checksum":      "C1 00",
		"defl data out of sequence":   "C2 00",
		"defl data again (lost ack)":  "00 00",
		"defl end after bad stream":   "C7 00",
		"defl data after error":       "C9 00",
		"defl end too much":           "C9 00",
		"defl end not enough":         "C8 00",
		"defl begin past the end":     "C9 00",
		"defl begin block too big":    "C2 00",
		"erase region unaligned addr": "32 00",
		"erase region unaligned size": "33 00",
		"erase region past the end":   "C9 00",
		"md5 past the end":            "C9 00",
		"md5 wrong length":            "C0 00",
		"unknown command 0x55":        "FF 00",
		"write reg bad length":        "C0 00",
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		t.Logf("qemu: %-40s sim: %s", g, w)
		if g != w {
			t.Errorf("reply %d differs: qemu %q, sim %q", i, g, w)
		}
	}
	for _, line := range got {
		name := line[:28]
		for k, v := range expect {
			if fmt.Sprintf("%-28s", k) == name && line[29:] != v {
				t.Errorf("%s: got %s, want %s", k, line[29:], v)
			}
		}
		if bytes.Contains([]byte(line), []byte("match=false")) {
			t.Errorf("%s", line)
		}
	}
}
