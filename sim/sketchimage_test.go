package sim

import (
	"bytes"
	"compress/zlib"
	"testing"
)

// The bench's premise: a synthetic sketch compresses as real Arduino
// ESP8266 sketches do (zlib level 9: 0.55-0.70 of the input).
func TestSketchImageCompressesLikeASketch(t *testing.T) {
	for _, n := range []int{256 << 10, 1 << 20} {
		img := SketchImage(n, 1)
		if len(img) != n || img[0] != 0xE9 {
			t.Fatalf("size %d head %x", len(img), img[:4])
		}
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		zw.Write(img)
		zw.Close()
		ratio := float64(buf.Len()) / float64(n)
		t.Logf("%d bytes: zlib ratio %.3f", n, ratio)
		if ratio < 0.55 || ratio > 0.70 {
			t.Fatalf("zlib ratio %.3f, want 0.55-0.70", ratio)
		}
	}
	if !bytes.Equal(SketchImage(4096, 7), SketchImage(4096, 7)) {
		t.Fatal("not deterministic")
	}
}
