package firmware

import (
	"bytes"
	"testing"
)

// The fuzz targets: every function that reads outside bytes must return
// an error, never panic or hang, and what it returns must be consistent.

func FuzzParseImage(f *testing.F) {
	f.Add(sketchWithBlock(0x10, 0x200, sampleBlock()))
	f.Add(arduinoWith(sketchWithBlock(0x10, 0x200, sampleBlock())))
	f.Add(makeESP32(make([]byte, 64)))
	f.Add([]byte{0xEA, 4, 2, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 0xE9, 0})
	f.Add([]byte{0xE9, 16, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := ParseImage(data)
		if err == nil {
			if im.Length > len(data) || im.ChecksumOff >= im.Length {
				t.Fatalf("image length %d checksum at %d, file %d", im.Length, im.ChecksumOff, len(data))
			}
		}
		file, err := Parse(data)
		if err != nil {
			return
		}
		_ = Verify(data)
		out, err := Reseal(data)
		if err != nil {
			t.Fatalf("Reseal failed on a parsed file: %v", err)
		}
		if f2, err := Parse(out); err != nil || len(f2.Problems()) != 0 {
			// Resealing must make every image seal verify.
			t.Fatalf("after Reseal: %v %v (layout %s)", err, f2.Problems(), file.Layout)
		}
	})
}

func FuzzFromELF(f *testing.F) {
	// The stripped copies: small seeds keep the fuzzer's minimisation fast.
	f.Add(fixture(f, "sketch.stripped.elf"))
	f.Add(fixture(f, "eboot.stripped.elf"))
	f.Add(fixture(f, "sketch.stripped.elf")[:600])
	f.Add([]byte("\x7fELF\x01\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := FromELF(data, BuildOptions{})
		if err != nil {
			return
		}
		if _, err := ParseImage(b.Image); err != nil {
			t.Fatalf("FromELF output does not parse: %v", err)
		}
	})
}

func FuzzFindConfig(f *testing.F) {
	f.Add(sampleBlock())
	f.Add(append(sampleBlock(), sampleBlock()...))
	f.Add(sampleBlock()[:100])
	f.Add(sketchWithBlock(0x10, 0x200, sampleBlock()))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := FindConfig(data)
		if err != nil {
			return
		}
		if c.Offset+c.Length > len(data) || len(c.Host) > MaxHostLen {
			t.Fatalf("block out of bounds or host too long: %+v", c)
		}
		// Re-encoding a valid block and decoding it again is stable.
		blk := EncodeConfig(c)
		c2, err := FindConfig(blk)
		if err != nil || c2.Host != c.Host || c2.Port != c.Port || !bytes.Equal(c2.Fingerprint, c.Fingerprint) || !c2.Token.Equal(c.Token) {
			t.Fatalf("round trip: %v %+v", err, c2)
		}
		// Patch must never return an image that does not verify.
		if p, _, err := Patch(data, Settings{Port: ptr(9443)}); err == nil {
			if Verify(p) != nil {
				t.Fatal("Patch returned an image that does not verify")
			}
		}
	})
}

func FuzzFingerprints(f *testing.F) {
	f.Add([]byte("\xe2\x80\x8e" + cleanFP + "\x00" + pastedFP))
	f.Add([]byte(cleanFP))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, h := range Fingerprints(data) {
			if h.Offset < 0 || h.Offset+h.Length > len(data) || (h.Alg != "sha1" && h.Alg != "sha256") {
				t.Fatalf("bad hit %+v", h)
			}
		}
		_ = Strings(data, 4)
	})
}
