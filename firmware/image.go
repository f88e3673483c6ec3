package firmware

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Magic bytes of the image formats this package knows.
const (
	MagicV1 = 0xE9 // ESP8266 v1 (ROM-loadable) image; also ESP32-family images
	MagicV2 = 0xEA // ESP8266 v2 image (SDK bootloader / rboot OTA)

	// MaxSegments is esptool's limit; more is certainly not an image.
	MaxSegments = 16

	checksumSeed = 0xEF
	esp32ExtLen  = 16 // extended header of ESP32-family images
)

// Format says which image format a parse found.
type Format string

// The image formats. The values are stable: they appear in --json output.
const (
	FormatESP8266V1 Format = "esp8266-v1"
	FormatESP8266V2 Format = "esp8266-v2"
	FormatESP32     Format = "esp32"
)

// Segment is one loadable piece of an image.
type Segment struct {
	Index       int    `json:"index"`
	LoadAddr    uint32 `json:"load_addr"`
	Length      int    `json:"length"`
	HeaderOff   int    `json:"header_offset"` // offset of the 8-byte segment header, from the image start
	DataOff     int    `json:"data_offset"`   // offset of the data, from the image start
	Region      string `json:"region"`        // IROM, IRAM, DRAM, ... (ESP8266 memory map), "?" if unknown
	IROMSkipped bool   `json:"-"`             // v2: the irom0 pseudo-segment, excluded from the XOR
}

// ESP32Ext is the 16-byte extended header of ESP32-family images.
type ESP32Ext struct {
	WPPin        byte   `json:"wp_pin"`
	ChipID       uint16 `json:"chip_id"`
	ChipName     string `json:"chip_name"`
	MinRevFull   uint16 `json:"min_rev_full"`
	MaxRevFull   uint16 `json:"max_rev_full"`
	HashAppended bool   `json:"hash_appended"`
}

// V2Info is what an ESP8266 v2 (0xEA) image carries besides its segments.
type V2Info struct {
	IROMOffset  int    `json:"irom_offset"` // offset of the irom0 bytes, from the image start
	IROMLength  int    `json:"irom_length"`
	InnerOffset int    `json:"inner_offset"` // offset of the inner v1 header
	CRCOffset   int    `json:"crc_offset"`
	CRCStored   uint32 `json:"crc_stored"`
	CRCComputed uint32 `json:"crc_computed"`
}

// Image is a parsed image. Offsets are relative to the image start, which
// is Base bytes into the buffer it was parsed from.
type Image struct {
	Format    Format    `json:"format"`
	Base      int       `json:"offset"` // where the image starts in the file
	FlashMode FlashMode `json:"flash_mode"`
	FlashSize FlashSize `json:"flash_size"`
	FlashFreq FlashFreq `json:"flash_freq"`
	Entry     uint32    `json:"entry"`
	Segments  []Segment `json:"segments"`

	// ChecksumOff is where the XOR checksum byte is; Length is the image
	// length (checksum byte included, plus the SHA-256 when appended).
	ChecksumOff      int  `json:"checksum_offset"`
	ChecksumStored   byte `json:"checksum_stored"`
	ChecksumComputed byte `json:"checksum_computed"`
	// ChecksumRule says how the checksum validates: "plain" (every data
	// byte) or "crc-words-zero" (an Arduino sketch: elf2bin computes it
	// before filling the CRC words at data offset 0..7 of irom0, so those
	// eight bytes count as zero). "" when it does not validate either way.
	ChecksumRule string `json:"checksum_rule"`
	Length       int    `json:"length"`

	ESP32        *ESP32Ext `json:"esp32,omitempty"`
	SHA256Off    int       `json:"sha256_offset,omitempty"`
	SHA256Stored []byte    `json:"-"`
	SHA256Calc   []byte    `json:"-"`

	V2 *V2Info `json:"v2,omitempty"`

	// crcZeroComputed is the checksum with the irom0 CRC words as zero (only
	// for sketch images whose first segment is irom0 at 0x40201010).
	crcZeroComputed int
}

// ChecksumValid reports whether the XOR checksum validates (by either rule).
func (im *Image) ChecksumValid() bool { return im.ChecksumRule != "" }

// SHA256Valid reports whether an appended SHA-256 matches (true when none).
func (im *Image) SHA256Valid() bool {
	if im.ESP32 == nil || !im.ESP32.HashAppended {
		return true
	}
	return string(im.SHA256Stored) == string(im.SHA256Calc)
}

// V2CRCValid reports whether a v2 image's CRC matches (true for others).
func (im *Image) V2CRCValid() bool { return im.V2 == nil || im.V2.CRCStored == im.V2.CRCComputed }

// Valid reports whether every seal of the image itself validates.
func (im *Image) Valid() bool { return im.ChecksumValid() && im.SHA256Valid() && im.V2CRCValid() }

// IsArduinoSketch reports whether the first segment is irom0 at 0x40201010,
// the shape elf2bin gives an Arduino sketch (CRC words in its first 8 bytes).
func (im *Image) IsArduinoSketch() bool {
	return im.Format == FormatESP8266V1 && len(im.Segments) > 0 &&
		im.Segments[0].LoadAddr == IROMSketchAddr && im.Segments[0].Length >= 8
}

// IROMSketchAddr is where the Arduino linker script puts .irom0.text: flash
// offset 0x1010 (the sketch image at 0x1000 plus its 8-byte header and the
// 8-byte segment header) mapped at 0x40200000.
const IROMSketchAddr = 0x40201010

// ParseImage parses the image at the start of data. It autodetects ESP8266
// v1, ESP8266 v2 and ESP32-family images. Structural problems give an
// *ImageError with the offset; a wrong checksum does not (see Valid).
// Bytes after the image are allowed and ignored.
func ParseImage(data []byte) (*Image, error) { return parseAt(data, 0) }

// parseAt parses the image starting at data[base:].
func parseAt(data []byte, base int) (*Image, error) {
	if base > len(data) {
		return nil, imgErr(ErrTruncated, base, "no image: offset beyond the end of the file")
	}
	d := data[base:]
	if len(d) < 8 {
		return nil, imgErr(ErrTruncated, base, "%d bytes: an image header needs 8", len(d))
	}
	switch d[0] {
	case MagicV1:
		if looksESP32(d) {
			if im, err := parseV1(d, base, true); err == nil {
				return im, nil
			}
		}
		return parseV1(d, base, false)
	case MagicV2:
		return parseV2(d, base)
	default:
		return nil, imgErr(ErrBadMagic, base, "magic byte 0x%02X: not an ESP image (expected 0xE9 or 0xEA)", d[0])
	}
}

// looksESP32 tells an ESP32-family header from an ESP8266 one. In an
// ESP8266 image bytes 8..11 are the first segment's load address, always in
// the 0x3FF00000-0x40300000 window; in an ESP32 image byte 8 is the WP pin
// (0xEE or a GPIO number) and 9..11 are drive-strength nibbles, so that word
// is tiny. Reserved bytes 19..22 are zero and byte 23 is 0 or 1.
func looksESP32(d []byte) bool {
	if len(d) < 8+esp32ExtLen+8 {
		return false
	}
	addr := binary.LittleEndian.Uint32(d[8:])
	if addr >= 0x3FF00000 && addr < 0x40300000 {
		return false
	}
	if d[8] != 0xEE && d[8] > 48 {
		return false
	}
	for _, b := range d[19:23] {
		if b != 0 {
			return false
		}
	}
	return d[23] <= 1
}

func parseV1(d []byte, base int, esp32 bool) (*Image, error) {
	im := &Image{Format: FormatESP8266V1, Base: base, crcZeroComputed: -1}
	n := int(d[1])
	im.FlashMode = FlashMode(d[2])
	im.FlashSize = FlashSize(d[3] >> 4)
	im.FlashFreq = FlashFreq(d[3] & 0x0F)
	im.Entry = binary.LittleEndian.Uint32(d[4:])
	off := 8
	if esp32 {
		im.Format = FormatESP32
		e := &ESP32Ext{
			WPPin:        d[8],
			ChipID:       binary.LittleEndian.Uint16(d[12:]),
			MinRevFull:   binary.LittleEndian.Uint16(d[15:]),
			MaxRevFull:   binary.LittleEndian.Uint16(d[17:]),
			HashAppended: d[23] == 1,
		}
		e.ChipName = esp32ChipName(e.ChipID)
		im.ESP32 = e
		off += esp32ExtLen
	}
	if n == 0 {
		return nil, imgErr(ErrNoSegments, base+1, "segment count is 0")
	}
	if n > MaxSegments {
		return nil, imgErr(ErrTooManySegments, base+1, "segment count %d (at most %d)", n, MaxSegments)
	}
	segs, sum, off, err := readSegments(d, base, off, n, 0)
	if err != nil {
		return nil, err
	}
	im.Segments = append(im.Segments, segs...)
	// Zero padding until the length is 15 mod 16, then the checksum byte.
	ck := off | 15
	if ck >= len(d) {
		return nil, imgErr(ErrTruncated, base+off, "image ends before its checksum byte (expected at 0x%X, file has 0x%X bytes)", base+ck, len(d)+base)
	}
	im.ChecksumOff = ck
	im.ChecksumStored = d[ck]
	im.ChecksumComputed = sum
	im.Length = ck + 1
	if im.IsArduinoSketch() {
		z := sum
		for _, b := range d[im.Segments[0].DataOff : im.Segments[0].DataOff+8] {
			z ^= b
		}
		im.crcZeroComputed = int(z)
	}
	im.ChecksumRule = im.checksumRule()
	if esp32 && im.ESP32.HashAppended {
		if im.Length+32 > len(d) {
			return nil, imgErr(ErrTruncated, base+im.Length, "image says a SHA-256 is appended but the file ends")
		}
		im.SHA256Off = im.Length
		im.SHA256Stored = append([]byte(nil), d[im.Length:im.Length+32]...)
		h := sha256.Sum256(d[:im.Length])
		im.SHA256Calc = h[:]
		im.Length += 32
	}
	return im, nil
}

func (im *Image) checksumRule() string {
	switch {
	case im.ChecksumStored == im.ChecksumComputed:
		return "plain"
	case im.crcZeroComputed >= 0 && im.ChecksumStored == byte(im.crcZeroComputed):
		return "crc-words-zero"
	}
	return ""
}

// readSegments reads n consecutive segments starting at off, numbered from
// first, and returns them with the XOR checksum of their data (the boot
// ROM's rule, seeded with checksumSeed) and the offset after the last. v1
// images and the RAM part of v2 images share this, so the two formats
// cannot drift apart in what the checksum covers.
func readSegments(d []byte, base, off, n, first int) ([]Segment, byte, int, error) {
	segs := make([]Segment, 0, n)
	sum := byte(checksumSeed)
	for i := 0; i < n; i++ {
		seg, next, err := readSegment(d, base, off, first+i)
		if err != nil {
			return nil, 0, 0, err
		}
		for _, b := range d[seg.DataOff : seg.DataOff+seg.Length] {
			sum ^= b
		}
		segs = append(segs, seg)
		off = next
	}
	return segs, sum, off, nil
}

// readSegment reads the segment header at off (relative to the image) and
// returns the segment and the offset after its data.
func readSegment(d []byte, base, off, i int) (Segment, int, error) {
	if off+8 > len(d) {
		return Segment{}, 0, imgErr(ErrTruncated, base+off, "segment %d header cut off by the end of the file", i)
	}
	addr := binary.LittleEndian.Uint32(d[off:])
	ln := binary.LittleEndian.Uint32(d[off+4:])
	if uint64(off)+8+uint64(ln) > uint64(len(d)) {
		return Segment{}, 0, imgErr(ErrSegmentBeyondEnd, base+off, "segment %d (load 0x%08X, length %d) runs past the end of the file (%d bytes)", i, addr, ln, len(d)+base)
	}
	seg := Segment{Index: i, LoadAddr: addr, Length: int(ln), HeaderOff: off, DataOff: off + 8, Region: Region(addr)}
	return seg, off + 8 + int(ln), nil
}

// parseV2 parses an ESP8266 v2 image (reference 12.3): EA 04 mode size|freq
// entry, one irom0 pseudo-segment (load address 0), then a full v1 header
// with the RAM segments and its checksum (irom excluded), then a CRC-32.
func parseV2(d []byte, base int) (*Image, error) {
	im := &Image{Format: FormatESP8266V2, Base: base, crcZeroComputed: -1}
	if d[1] != 4 {
		return nil, imgErr(ErrBadMagic, base+1, "v2 image second byte is 0x%02X, expected 0x04", d[1])
	}
	im.FlashMode = FlashMode(d[2])
	im.FlashSize = FlashSize(d[3] >> 4)
	im.FlashFreq = FlashFreq(d[3] & 0x0F)
	im.Entry = binary.LittleEndian.Uint32(d[4:])
	irom, next, err := readSegment(d, base, 8, 0)
	if err != nil {
		return nil, err
	}
	irom.Region = "IROM"
	irom.IROMSkipped = true
	im.Segments = append(im.Segments, irom)
	inner := next
	if inner+8 > len(d) {
		return nil, imgErr(ErrTruncated, base+inner, "v2 image: inner v1 header cut off")
	}
	if d[inner] != MagicV1 {
		return nil, imgErr(ErrBadMagic, base+inner, "v2 image: inner header magic 0x%02X, expected 0xE9", d[inner])
	}
	n := int(d[inner+1])
	if n > MaxSegments {
		return nil, imgErr(ErrTooManySegments, base+inner+1, "segment count %d (at most %d)", n, MaxSegments)
	}
	// The inner segments are numbered after the irom0 one (index 0).
	segs, sum, off, err := readSegments(d, base, inner+8, n, 1)
	if err != nil {
		return nil, err
	}
	im.Segments = append(im.Segments, segs...)
	ck := off | 15
	if ck+1+4 > len(d) {
		return nil, imgErr(ErrTruncated, base+off, "v2 image ends before its checksum and CRC")
	}
	im.ChecksumOff = ck
	im.ChecksumStored = d[ck]
	im.ChecksumComputed = sum
	im.ChecksumRule = im.checksumRule()
	crcOff := ck + 1
	im.V2 = &V2Info{
		IROMOffset: irom.DataOff, IROMLength: irom.Length, InnerOffset: inner,
		CRCOffset: crcOff, CRCStored: binary.LittleEndian.Uint32(d[crcOff:]),
		CRCComputed: v2CRC(d[:crcOff]),
	}
	im.Length = crcOff + 4
	return im, nil
}

func esp32ChipName(id uint16) string {
	switch id {
	case 0:
		return "ESP32"
	case 2:
		return "ESP32-S2"
	case 5:
		return "ESP32-C3"
	case 9:
		return "ESP32-S3"
	case 12:
		return "ESP32-C2"
	case 13:
		return "ESP32-C6"
	case 16:
		return "ESP32-H2"
	case 18:
		return "ESP32-P4"
	case 20:
		return "ESP32-C61"
	case 23:
		return "ESP32-C5"
	}
	return fmt.Sprintf("unknown chip id %d", id)
}

// Region names the ESP8266 memory region of a load address (esptool's map).
func Region(addr uint32) string {
	switch {
	case addr >= 0x3FF00000 && addr < 0x3FF00010:
		return "DPORT"
	case addr >= 0x3FFE8000 && addr < 0x40000000:
		return "DRAM"
	case addr >= 0x40100000 && addr < 0x40110000:
		return "IRAM"
	case addr >= 0x40200000 && addr < 0x40300000:
		return "IROM"
	}
	return "?"
}
