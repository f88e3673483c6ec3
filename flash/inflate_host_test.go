package flash

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/blynkbridge/blynkbridge/sim"
)

// The stub's inflater (stub/src/inflate.c), compiled for the host with
// AddressSanitizer and UBSan, against Go's compress/zlib: streams of every
// compression level and block type, cut into blocks of many sizes as the
// host's 16 KiB blocks cut them, decode to the same bytes; damaged streams
// end in an error, never in a crash or an out-of-bounds access. QEMU runs
// the same code for the lx106; this runs thousands of cases quickly.
func TestStubInflaterMatchesGoZlib(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("SKIP: no host C compiler (cc): the stub's inflater is not tested natively (QEMU tests still run it)")
	}
	bin := filepath.Join(t.TempDir(), "inflate_host")
	out, err := exec.Command(cc, "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
		"-Wall", "-Werror", "-o", bin, "stub/hosttest/inflate_host.c", "stub/src/inflate.c").CombinedOutput()
	if err != nil {
		t.Skipf("SKIP: cannot build the host harness with %s (-fsanitize=address,undefined): %v\n%s", cc, err, out)
	}
	run := func(stream []byte, block uint32) ([]byte, int) {
		in := binary.LittleEndian.AppendUint32(nil, block)
		cmd := exec.Command(bin)
		cmd.Stdin = bytes.NewReader(append(in, stream...))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if stderr.Len() > 0 {
			t.Fatalf("sanitizer or crash (block %d):\n%s", block, stderr.String())
		}
		return stdout.Bytes(), code
	}
	r := rand.New(rand.NewPCG(7, 7))
	inputs := [][]byte{
		{},
		[]byte("a"),
		bytes.Repeat([]byte{0xFF}, 300000), // long matches, the 0xFF padding of images
		randImage(70000, 3),                // incompressible: stored blocks
		sim.SketchImage(200000, 9),         // dynamic Huffman blocks
		append(sim.SketchImage(50000, 4), make([]byte, 40000)...),
	}
	levels := []int{zlib.NoCompression, zlib.BestSpeed, 5, zlib.BestCompression, zlib.HuffmanOnly}
	blocks := []uint32{1, 2, 3, 7, 100, 1000, 4096, 0x4000}
	for i, data := range inputs {
		for _, lvl := range levels {
			if len(data) > 100000 && (lvl == 5 || lvl == zlib.HuffmanOnly) {
				continue // the same block types as the other levels, at length
			}
			var buf bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&buf, lvl)
			zw.Write(data)
			zw.Close()
			stream := buf.Bytes()
			for _, bs := range blocks {
				if bs < 100 && len(stream) > 50000 {
					continue // byte-by-byte feeding of big streams: slow, covered by the small ones
				}
				got, code := run(stream, bs)
				if code != 0 || !bytes.Equal(got, data) {
					t.Fatalf("input %d level %d block %d: exit %d, %d bytes out of %d, equal %v", i, lvl, bs, code, len(got), len(data), bytes.Equal(got, data))
				}
			}
		}
	}
	// Fixed-Huffman blocks (what Go writes for tiny inputs) and an empty
	// final stored block from Flush, as the host's compressor emits.
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, flate.BestCompression)
	zw.Write([]byte("hello hello hello"))
	zw.Flush()
	zw.Write([]byte(" world"))
	zw.Close()
	if got, code := run(buf.Bytes(), 5); code != 0 || string(got) != "hello hello hello world" {
		t.Fatalf("flushed stream: exit %d %q", code, got)
	}
	// Damage: flipped bytes, cut streams, a wrong Adler-32.
	good := zlibOf(sim.SketchImage(30000, 2))
	for k := 0; k < 150; k++ {
		bad := append([]byte(nil), good...)
		switch k % 3 {
		case 0:
			for j := 0; j < 1+r.IntN(4); j++ {
				bad[r.IntN(len(bad))] ^= byte(1 + r.IntN(255))
			}
		case 1:
			bad = bad[:r.IntN(len(bad))]
		case 2:
			bad[len(bad)-1-r.IntN(4)] ^= 0x10
		}
		_, code := run(bad, uint32(1+r.IntN(0x4000)))
		if code == 0 && !bytes.Equal(bad, good) {
			// A flip inside a stored byte or a distance code can still
			// decode; then the Adler-32 must have matched by chance: rare.
			t.Logf("damaged stream %d decoded cleanly", k)
		}
		if code != 0 && code != 2 && code != 3 && code != 4 {
			t.Fatalf("damaged stream %d: exit %d", k, code)
		}
	}
}
