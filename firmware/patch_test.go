package firmware

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const testToken = "abcdefghijklmnopqrstuvwxyz012345"

func TestCRCVectors(t *testing.T) {
	if got := CRC32MPEG2([]byte("123456789")); got != 0x0376E6E7 {
		t.Fatalf("CRC-32/MPEG-2(123456789) = 0x%08X, want 0x0376E6E7", got)
	}
	buf := make([]byte, 4099)
	for i := range buf {
		buf[i] = byte(i*31 + i>>8)
	}
	for _, n := range []int{0, 1, 7, 100, 4099} {
		if a, b := CRC32MPEG2(buf[:n]), refCRC(buf[:n]); a != b {
			t.Errorf("n=%d: table 0x%08X, bitwise 0x%08X", n, a, b)
		}
	}
}

func fixtureArduino(t *testing.T) []byte {
	b, err := FromELF(fixture(t, "sketch.elf"), BuildOptions{Eboot: fixture(t, "eboot.elf")})
	if err != nil {
		t.Fatal(err)
	}
	return b.Image
}

func TestFindConfigInFixture(t *testing.T) {
	img := fixtureArduino(t)
	c, err := FindConfig(img)
	if err != nil {
		t.Fatal(err)
	}
	// The ELF symbol is at 0x402011F4 (nm at build time): flash offset 0x11F4.
	if c.Host != "blynk.example.com" || c.Port != 9443 || c.TLS != TLSSHA1 || c.Version != 1 || c.Length != 272 ||
		c.Generation != 0 || c.Sealed() || !c.Token.IsZero() || c.SSID != "" {
		t.Fatalf("block as compiled: %+v", c)
	}
	if c.FingerprintHex() != "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C" {
		t.Errorf("fingerprint %s", c.FingerprintHex())
	}
	if c.Offset < 0x1010 || c.Offset%4 != 0 {
		t.Errorf("block at 0x%X: expected 4-aligned inside irom0", c.Offset)
	}
	// Same block found in the sketch-only image, 0x1000 earlier.
	only, _ := FromELF(fixture(t, "sketch.elf"), BuildOptions{})
	c2, err := FindConfig(only.Image)
	if err != nil || c2.Offset != c.Offset-0x1000 {
		t.Fatalf("sketch-only: %v at 0x%X", err, c2.Offset)
	}
}

func TestPatchFixture(t *testing.T) {
	img := fixtureArduino(t)
	orig := append([]byte(nil), img...)
	fp := "A2:10:3C:79:7D:19:FB:B2:50:0D:02:C6:39:8B:94:D0:02:B8:88:88"
	p, err := PatchDetail(img, Settings{
		Host: ptr("192.168.1.10"), Port: ptr(9443), Token: ptr(blynk.NewToken(testToken)), Fingerprint: &fp,
		SSID: ptr("home"), Password: ptr("secret-pass"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img, orig) {
		t.Fatal("Patch modified its input")
	}
	out := p.Image
	c, err := FindConfig(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "192.168.1.10" || c.Port != 9443 || c.Token.Reveal() != testToken || c.TLS != TLSSHA1 ||
		c.FingerprintHex() != "A2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88" ||
		c.SSID != "home" || c.Password.Reveal() != "secret-pass" || c.Generation != 1 || !c.Sealed() || !c.CRCValid() {
		t.Fatalf("patched block: %+v", c)
	}
	// Block CRC against the bitwise reference.
	blk := out[c.Offset : c.Offset+272]
	if refCRC(blk[:0x10C]) != binary.LittleEndian.Uint32(blk[0x10C:]) {
		t.Error("block CRC does not match the bitwise reference")
	}
	// Raw field bytes as the C struct reads them.
	if string(blk[0x18:0x18+13]) != "192.168.1.10\x00" || binary.LittleEndian.Uint16(blk[0x58:]) != 9443 || blk[0x5A] != 1 || blk[0x5B] != 20 {
		t.Error("raw block fields wrong")
	}
	// XOR checksum of the sketch image, independently, with the CRC words zero.
	a, err := ParseArduino(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := byte(0xEF)
	for _, s := range a.Sketch.Segments {
		d := append([]byte(nil), out[0x1000+s.DataOff:0x1000+s.DataOff+s.Length]...)
		if s.Index == 0 {
			copy(d[:8], make([]byte, 8))
		}
		for _, x := range d {
			sum ^= x
		}
	}
	if sum != out[0x1000+a.Sketch.ChecksumOff] {
		t.Errorf("sketch checksum 0x%02X, independent 0x%02X", out[0x1000+a.Sketch.ChecksumOff], sum)
	}
	if binary.LittleEndian.Uint32(out[0x1010:]) != uint32(len(out)) || binary.LittleEndian.Uint32(out[0x1014:]) != refArduinoCRC(out) {
		t.Error("Arduino CRC words wrong after patch")
	}
	if err := Verify(out); err != nil {
		t.Fatal(err)
	}
	if want := DiffSectors(orig, out); !reflect.DeepEqual(p.Sectors, want) || len(want) == 0 {
		t.Errorf("sectors %v, diff says %v", p.Sectors, want)
	}
	// Patching again: generation 2, and an unchanged value changes only the generation.
	p2, err := PatchDetail(out, Settings{Port: ptr(9443)})
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := FindConfig(p2.Image); c2.Generation != 2 || c2.Host != "192.168.1.10" {
		t.Errorf("second patch: %+v", c2)
	}
}

// Patch must report exactly the sectors that changed: block, CRC words and
// checksum each in a different sector here.
func TestPatchChangedSectorsExactly(t *testing.T) {
	sk := sketchWithBlock(0x4000, 0x6000, sampleBlock())
	img := arduinoWith(sk)
	if err := Verify(img); err != nil {
		t.Fatal(err)
	}
	c, _ := FindConfig(img)
	p, err := PatchDetail(img, Settings{Token: ptr(blynk.NewToken(testToken))})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for s := 0; s < len(img); s += 0x1000 {
		if !bytes.Equal(img[s:min(s+0x1000, len(img))], p.Image[s:min(s+0x1000, len(img))]) {
			want = append(want, s/0x1000)
		}
	}
	blockSector, lastSector := c.Offset/0x1000, (len(img)-1)/0x1000
	if !reflect.DeepEqual(p.Sectors, want) {
		t.Fatalf("Patch says %v, bytes differ in %v", p.Sectors, want)
	}
	if !reflect.DeepEqual(want, []int{1, blockSector, lastSector}) || blockSector == 1 || blockSector == lastSector {
		t.Fatalf("expected sectors [1 %d %d], got %v", blockSector, lastSector, want)
	}
}

func TestPatchRefusals(t *testing.T) {
	img := arduinoWith(sketchWithBlock(0x100, 0x800, sampleBlock()))
	cases := []struct {
		name string
		s    Settings
		want string
		kind error
	}{
		{"invisible char", Settings{Fingerprint: ptr("\u200eA2 10 3C 79 7D 19 FB B2 50 0D 02 C6 39 8B 94 D0 02 B8 88 88")}, "U+200E", nil},
		{"short token", Settings{Token: ptr(blynk.NewToken("abc123"))}, "32 characters", ErrBadValue},
		{"long token", Settings{Token: ptr(blynk.NewToken(testToken + "x"))}, "32 characters", ErrBadValue},
		{"host too long", Settings{Host: ptr(strings.Repeat("a", 64))}, "at most 63", ErrBadValue},
		{"host invisible", Settings{Host: ptr("\u200eblynk.example.com")}, "U+200E LEFT-TO-RIGHT MARK", ErrBadValue},
		{"port 0", Settings{Port: ptr(0)}, "out of range", ErrBadValue},
		{"port 70000", Settings{Port: ptr(70000)}, "out of range", ErrBadValue},
		{"short fingerprint", Settings{Fingerprint: ptr("A2 10 3C")}, "not a fingerprint", nil},
		{"sha1 mode without fp", Settings{TLS: ptr(TLSSHA1)}, "20-byte fingerprint", ErrBadValue},
		{"ssid too long", Settings{SSID: ptr(strings.Repeat("s", 33))}, "at most 32", ErrBadValue},
		{"password short", Settings{Password: ptr("short")}, "WiFi password is 5 bytes", ErrBadValue},
	}
	for _, tc := range cases {
		_, _, err := Patch(img, tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (want %q)", tc.name, err, tc.want)
			continue
		}
		if tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Errorf("%s: not %v", tc.name, tc.kind)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error shows the token", tc.name)
		}
	}
	var ue *certs.UncleanError
	_, _, err := Patch(img, cases[0].s)
	if !errors.As(err, &ue) || bberr.CodeOf(err) != bberr.CheckFailed || !strings.Contains(bberr.HintOf(err), "A2 10 3C") {
		t.Errorf("invisible: %v / %q", err, bberr.HintOf(err))
	}
}

func TestFindConfigRefusals(t *testing.T) {
	// No block.
	noBlock := sketchWithBlock(0x100, 0x800)
	if _, err := FindConfig(noBlock); !errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), "no blynkbridge config block") {
		t.Errorf("no block: %v", err)
	}
	if _, _, err := Patch(noBlock, Settings{Port: ptr(80)}); !errors.Is(err, ErrNoConfig) {
		t.Errorf("patch without block: %v", err)
	}
	// Two blocks.
	two := sketchWithBlock(0x100, 0x800, sampleBlock(), sampleBlock())
	_, err := FindConfig(two)
	if !errors.Is(err, ErrTwoConfigs) || !strings.Contains(err.Error(), "2 config blocks") || !strings.Contains(err.Error(), "0x") {
		t.Errorf("two blocks: %v", err)
	}
	// Too old: version 0.
	old := sampleBlock()
	binary.LittleEndian.PutUint16(old[0x10:], 0)
	if _, err := FindConfig(sketchWithBlock(0x100, 0x800, old)); !errors.Is(err, ErrConfigTooOld) || !strings.Contains(err.Error(), "version 0") {
		t.Errorf("too old: %v", err)
	}
	// Too new.
	nw := sampleBlock()
	binary.LittleEndian.PutUint16(nw[0x10:], 7)
	if _, err := FindConfig(sketchWithBlock(0x100, 0x800, nw)); !errors.Is(err, ErrConfigTooNew) {
		t.Errorf("too new: %v", err)
	}
	// Bad CRC: found (info must show it) but Patch and Verify refuse.
	bad := sampleBlock()
	bad[0x20] ^= 1
	img := sketchWithBlock(0x100, 0x800, bad)
	c, err := FindConfig(img)
	if err != nil || c.CRCValid() {
		t.Fatalf("bad crc: %v %+v", err, c)
	}
	if err := Verify(img); !errors.Is(err, ErrSealsBroken) || bberr.CodeOf(err) != bberr.CheckFailed {
		t.Errorf("verify bad block crc: %v", err)
	}
	if _, _, err := Patch(img, Settings{Port: ptr(80)}); !errors.Is(err, ErrConfigCorrupt) {
		t.Errorf("patch bad block crc: %v", err)
	}
	// Missing NUL in a string field.
	nonul := sampleBlock()
	copy(nonul[0x18:0x58], bytes.Repeat([]byte("h"), 64))
	binary.LittleEndian.PutUint32(nonul[0x10C:], CRC32MPEG2(nonul[:0x10C]))
	if _, err := FindConfig(sketchWithBlock(0x100, 0x800, nonul)); !errors.Is(err, ErrConfigCorrupt) {
		t.Errorf("unterminated host: %v", err)
	}
}

func TestPatchRefusesBrokenInput(t *testing.T) {
	img := arduinoWith(sketchWithBlock(0x100, 0x800, sampleBlock()))
	img[len(img)-1] ^= 0xFF // sketch checksum
	err := Verify(img)
	if bberr.CodeOf(err) != bberr.CheckFailed || !strings.Contains(err.Error(), "XOR checksum wrong") {
		t.Errorf("verify: %v", err)
	}
	if _, _, err := Patch(img, Settings{Port: ptr(80)}); !errors.Is(err, ErrSealsBroken) {
		t.Errorf("patch: %v", err)
	}
	img = arduinoWith(sketchWithBlock(0x100, 0x800, sampleBlock()))
	img[0x1014] ^= 1 // Arduino CRC
	if err := Verify(img); err == nil || !strings.Contains(err.Error(), "Arduino CRC wrong") {
		t.Errorf("verify crc: %v", err)
	}
}

func TestPatchPlainV1(t *testing.T) {
	img := sketchWithBlock(0x100, 0x800, sampleBlock())
	p, err := PatchDetail(img, Settings{Host: ptr("h.example"), Port: ptr(8442), TLS: ptr(TLSNone)})
	if err != nil {
		t.Fatal(err)
	}
	im, _ := ParseImage(p.Image)
	if im.ChecksumRule != "plain" || Verify(p.Image) != nil {
		t.Errorf("rule %q", im.ChecksumRule)
	}
}

// makeESP32 builds an ESP32 image with the extended header and an appended
// SHA-256, independently of the package.
func makeESP32(payload []byte) []byte {
	out := []byte{0xE9, 1, 2, 0x20, 0x00, 0x00, 0x08, 0x40}
	ext := make([]byte, 16)
	ext[0] = 0xEE
	ext[15] = 1 // hash appended
	out = append(out, ext...)
	var h [8]byte
	binary.LittleEndian.PutUint32(h[:], 0x3F400020)
	binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
	out = append(out, h[:]...)
	out = append(out, payload...)
	sum := byte(0xEF)
	for _, b := range payload {
		sum ^= b
	}
	for len(out)%16 != 15 {
		out = append(out, 0)
	}
	out = append(out, sum)
	d := sha256.Sum256(out)
	return append(out, d[:]...)
}

func TestPatchESP32ResealsSHA256(t *testing.T) {
	payload := make([]byte, 0x400)
	copy(payload[0x40:], sampleBlock())
	img := makeESP32(payload)
	f, err := Parse(img)
	if err != nil || f.Layout != LayoutESP32 || f.Images[0].ESP32.ChipName != "ESP32" || !f.Images[0].Valid() {
		t.Fatalf("parse esp32: %v %+v", err, f)
	}
	p, err := PatchDetail(img, Settings{Token: ptr(blynk.NewToken(testToken))})
	if err != nil {
		t.Fatal(err)
	}
	out := p.Image
	n := len(out) - 32
	if d := sha256.Sum256(out[:n]); !bytes.Equal(d[:], out[n:]) {
		t.Error("SHA-256 not re-sealed")
	}
	if bytes.Equal(out[n:], img[n:]) {
		t.Error("SHA-256 unchanged although the content changed")
	}
	// A broken digest is reported.
	img[len(img)-1] ^= 1
	if err := Verify(img); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("broken sha: %v", err)
	}
}

func TestParseV2(t *testing.T) {
	irom := make([]byte, 0x100)
	copy(irom[0x10:], "irom bytes")
	inner := makeV1(0x40100004, seg{0x40100000, []byte{9, 9, 9, 9}})
	img := []byte{0xEA, 4, 2, 0x40, 4, 0, 0x10, 0x40, 0, 0, 0, 0, 0, 1, 0, 0}
	img = append(img, irom...)
	img = append(img, inner...)
	img = binary.LittleEndian.AppendUint32(img, v2CRC(img))
	f, err := Parse(img)
	if err != nil || f.Layout != LayoutV2 || !f.Images[0].Valid() {
		t.Fatalf("v2: %v %+v", err, f)
	}
	img[20] ^= 1 // irom byte: XOR unaffected, CRC broken
	if err := Verify(img); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Errorf("v2 crc: %v", err)
	}
	fixed, err := Reseal(img)
	if err != nil || Verify(fixed) != nil {
		t.Errorf("reseal v2: %v / %v", err, Verify(fixed))
	}
}

func TestParseImageErrors(t *testing.T) {
	good := sketchWithBlock(0x10, 0x40)
	tooMany := append([]byte(nil), good...)
	tooMany[1] = 17
	beyond := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(beyond[12:], 0x100000)
	cases := []struct {
		name string
		data []byte
		kind error
		off  int
	}{
		{"empty", nil, ErrTruncated, 0},
		{"short header", good[:5], ErrTruncated, 0},
		{"bad magic", append([]byte{0x7F}, good[1:]...), ErrBadMagic, 0},
		{"too many segments", tooMany, ErrTooManySegments, 1},
		{"segment beyond end", beyond, ErrSegmentBeyondEnd, 8},
		{"cut in segment header", good[:12], ErrTruncated, 8},
		{"no checksum byte", good[:len(good)-1], ErrTruncated, len(good) - 16},
	}
	for _, tc := range cases {
		_, err := ParseImage(tc.data)
		var ie *ImageError
		if !errors.Is(err, tc.kind) || !errors.As(err, &ie) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.name != "no checksum byte" && ie.Offset != tc.off {
			t.Errorf("%s: offset 0x%X, want 0x%X", tc.name, ie.Offset, tc.off)
		}
		if bberr.CodeOf(err) != bberr.BadInput || bberr.HintOf(err) == "" || !strings.Contains(err.Error(), "at 0x") {
			t.Errorf("%s: code %d hint %q msg %q", tc.name, bberr.CodeOf(err), bberr.HintOf(err), err)
		}
	}
}

func TestDiffSectors(t *testing.T) {
	a := make([]byte, 0x3000)
	b := append([]byte(nil), a...)
	b[0x2FFF] = 1
	if got := DiffSectors(a, b); !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("%v", got)
	}
	if got := DiffSectors(a, append(b, 0)); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("longer: %v", got)
	}
	if got := DiffSectors(a, a); got != nil {
		t.Errorf("same: %v", got)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	in := &Config{Host: "a.b", Port: 80, TLS: TLSSHA256, Fingerprint: bytes.Repeat([]byte{0xAB}, 32),
		Token: blynk.NewToken(testToken), SSID: "x", Password: NewSecret("12345678"), Generation: 9}
	blk := EncodeConfig(in)
	c, err := FindConfig(append(make([]byte, 3), blk...))
	if err != nil {
		t.Fatal(err)
	}
	if c.Offset != 3 || c.Host != in.Host || c.Port != 80 || c.TLS != TLSSHA256 || len(c.Fingerprint) != 32 ||
		!c.Token.Equal(in.Token) || c.SSID != "x" || c.Password.Reveal() != "12345678" || c.Generation != 9 || !c.CRCValid() {
		t.Fatalf("%+v", c)
	}
	if s := fmt.Sprintf("%v %+v", c, c); strings.Contains(s, testToken) || strings.Contains(s, "12345678") {
		t.Errorf("secret printed: %s", s)
	}
}
