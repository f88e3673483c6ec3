package firmware

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// sectionsTxt reads testdata/sections.txt (objdump -h at build time):
// program -> section -> (size, vma).
func sectionsTxt(t *testing.T) map[string]map[string][2]uint64 {
	out := map[string]map[string][2]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(fixture(t, "sections.txt")))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] == "#" {
			continue
		}
		size, _ := strconv.ParseUint(f[2], 16, 64)
		vma, _ := strconv.ParseUint(f[3], 16, 64)
		if out[f[0]] == nil {
			out[f[0]] = map[string][2]uint64{}
		}
		out[f[0]][f[1]] = [2]uint64{size, vma}
	}
	return out
}

func TestFromELFSketchMatchesObjdump(t *testing.T) {
	elfData := fixture(t, "sketch.elf")
	if !IsELF(elfData) {
		t.Fatal("IsELF false on the fixture")
	}
	b, err := FromELF(elfData, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.FlashOffset != 0x1000 || b.Layout != LayoutV1 {
		t.Fatalf("sketch-only build: offset 0x%X layout %s", b.FlashOffset, b.Layout)
	}
	im, err := ParseImage(b.Image)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".irom0.text", ".text", ".text1", ".data", ".rodata"}
	if strings.Join(b.Sections, ",") != strings.Join(want, ",") || len(im.Segments) != 5 {
		t.Fatalf("sections %v, %d segments", b.Sections, len(im.Segments))
	}
	secs := sectionsTxt(t)["sketch"]
	ef, _ := elf.NewFile(bytes.NewReader(elfData))
	for i, name := range want {
		s := im.Segments[i]
		ref := secs[name]
		if uint64(s.Length) != ref[0] || uint64(s.LoadAddr) != ref[1] {
			t.Errorf("segment %d (%s): len 0x%X load 0x%X; objdump says len 0x%X vma 0x%X", i, name, s.Length, s.LoadAddr, ref[0], ref[1])
		}
		raw, _ := ef.Section(name).Data()
		if !bytes.Equal(b.Image[s.DataOff:s.DataOff+s.Length], raw) {
			t.Errorf("segment %d data differs from section %s", i, name)
		}
	}
	if im.Entry != uint32(ef.Entry) || im.Entry == 0 {
		t.Errorf("entry 0x%X, ELF 0x%X", im.Entry, ef.Entry)
	}
	if im.FlashMode != ModeDIO || im.FlashSize != 4 || im.FlashFreq != 0 {
		t.Errorf("header: %v %v %v", im.FlashMode, im.FlashSize, im.FlashFreq)
	}
	if len(b.Image)%16 != 0 || !im.ChecksumValid() || im.ChecksumRule != "plain" {
		t.Errorf("length %d, checksum rule %q", len(b.Image), im.ChecksumRule)
	}
	// Independent XOR over the segment data.
	sum := byte(0xEF)
	for _, s := range im.Segments {
		for _, x := range b.Image[s.DataOff : s.DataOff+s.Length] {
			sum ^= x
		}
	}
	if sum != b.Image[len(b.Image)-1] {
		t.Errorf("checksum byte 0x%02X, independent XOR 0x%02X", b.Image[len(b.Image)-1], sum)
	}
	if err := Verify(b.Image); err != nil {
		t.Fatal(err)
	}
}

func TestFromELFArduinoLayout(t *testing.T) {
	b, err := FromELF(fixture(t, "sketch.elf"), BuildOptions{Eboot: fixture(t, "eboot.elf")})
	if err != nil {
		t.Fatal(err)
	}
	img := b.Image
	if b.FlashOffset != 0 || b.Layout != LayoutArduino {
		t.Fatalf("offset 0x%X layout %s", b.FlashOffset, b.Layout)
	}
	a, err := ParseArduino(img)
	if err != nil {
		t.Fatal(err)
	}
	eb := sectionsTxt(t)["eboot"]
	if len(a.Eboot.Segments) != 2 || uint64(a.Eboot.Segments[0].LoadAddr) != eb[".text"][1] || uint64(a.Eboot.Segments[1].Length) != eb[".rodata"][0] {
		t.Fatalf("eboot segments %+v", a.Eboot.Segments)
	}
	for i := a.Eboot.Length; i < 0x1000; i++ {
		if img[i] != 0xAA {
			t.Fatalf("padding byte at 0x%X is 0x%02X", i, img[i])
		}
	}
	if !a.PaddingOK || a.CRC != CRCValid || !a.Valid() {
		t.Fatalf("padding %v crc %s valid %v", a.PaddingOK, a.CRC, a.Valid())
	}
	if got := binary.LittleEndian.Uint32(img[0x1010:]); got != uint32(len(img)) {
		t.Errorf("length word %d, file %d", got, len(img))
	}
	if got, want := binary.LittleEndian.Uint32(img[0x1014:]), refArduinoCRC(img); got != want {
		t.Errorf("CRC word 0x%08X, bitwise reference 0x%08X", got, want)
	}
	if a.Sketch.ChecksumRule != "crc-words-zero" {
		t.Errorf("sketch checksum rule %q", a.Sketch.ChecksumRule)
	}
	// The sketch image equals the sketch-only build apart from the CRC words.
	only, _ := FromELF(fixture(t, "sketch.elf"), BuildOptions{})
	sk := append([]byte(nil), img[0x1000:]...)
	copy(sk[0x10:0x18], make([]byte, 8))
	if !bytes.Equal(sk, only.Image) {
		t.Error("sketch part differs from the sketch-only image")
	}
	// eboot given as a .bin (padded) gives the same file.
	b2, err := FromELF(fixture(t, "sketch.elf"), BuildOptions{Eboot: img[:0x1000]})
	if err != nil || !bytes.Equal(b2.Image, img) {
		t.Errorf("eboot as .bin: %v", err)
	}
	// Flash options reach both headers, eboot's too (the ROM reads that one).
	b3, err := FromELF(fixture(t, "sketch.elf"), BuildOptions{Eboot: img[:0x1000], FlashMode: ModeDOUT, FlashSize: 2, FlashFreq: 0xF})
	if err != nil || b3.Image[2] != 3 || b3.Image[3] != 0x2F || b3.Image[0x1002] != 3 || b3.Image[0x1003] != 0x2F || Verify(b3.Image) != nil {
		t.Errorf("flash options: %v % X % X", err, b3.Image[:4], b3.Image[0x1000:0x1004])
	}
	if err := Verify(img); err != nil {
		t.Fatal(err)
	}
}

func TestFromELFRefusals(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not elf":   []byte("hello world, not an elf"),
		"truncated": fixture(t, "sketch.elf")[:100],
	} {
		_, err := FromELF(data, BuildOptions{})
		if err == nil || bberr.CodeOf(err) != bberr.BadInput {
			t.Errorf("%s: %v (code %d)", name, err, bberr.CodeOf(err))
		}
	}
	// A non-Xtensa ELF: patch e_machine of the fixture to x86-64.
	x := append([]byte(nil), fixture(t, "sketch.elf")...)
	binary.LittleEndian.PutUint16(x[18:], uint16(elf.EM_X86_64))
	if _, err := FromELF(x, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "not an ESP8266") {
		t.Errorf("x86 ELF: %v", err)
	}
	// eboot ELF as the sketch with --eboot: refused (no .irom0.text).
	if _, err := FromELF(fixture(t, "eboot.elf"), BuildOptions{Eboot: fixture(t, "eboot.elf")}); !errors.Is(err, ErrBadELF) {
		t.Errorf("eboot as sketch: %v", err)
	}
}

// A stripped ELF (no debug info) converts to the same image.
func TestFromELFStripped(t *testing.T) {
	a, err1 := FromELF(fixture(t, "sketch.elf"), BuildOptions{})
	b, err2 := FromELF(fixture(t, "sketch.stripped.elf"), BuildOptions{})
	if err1 != nil || err2 != nil || !bytes.Equal(a.Image, b.Image) {
		t.Fatalf("stripped differs: %v %v", err1, err2)
	}
}
