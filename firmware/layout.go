package firmware

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Layout says how a file is organised. Values are stable (--json).
type Layout string

// Layouts.
const (
	LayoutArduino Layout = "arduino"    // eboot at 0x0 + sketch at 0x1000 + CRC words
	LayoutV1      Layout = "esp8266-v1" // one ESP8266 v1 image
	LayoutV2      Layout = "esp8266-v2" // one ESP8266 v2 (0xEA) image
	LayoutESP32   Layout = "esp32"      // one ESP32-family image
)

// File is a parsed firmware file: either the Arduino layout or one image.
type File struct {
	Layout  Layout
	Arduino *Arduino // set for LayoutArduino
	Images  []*Image // eboot and sketch, or the one image
}

// Parse parses a firmware file: the Arduino layout when there is one,
// otherwise a single image of any known format.
func Parse(data []byte) (*File, error) {
	if a, err := ParseArduino(data); err == nil {
		return &File{Layout: LayoutArduino, Arduino: a, Images: []*Image{a.Eboot, a.Sketch}}, nil
	} else if !errors.Is(err, ErrNotArduino) {
		return nil, err
	}
	im, err := ParseImage(data)
	if err != nil {
		return nil, err
	}
	f := &File{Images: []*Image{im}}
	switch im.Format {
	case FormatESP8266V2:
		f.Layout = LayoutV2
	case FormatESP32:
		f.Layout = LayoutESP32
	default:
		f.Layout = LayoutV1
	}
	return f, nil
}

// Main is the image holding the application: the sketch in the Arduino
// layout, else the only image.
func (f *File) Main() *Image { return f.Images[len(f.Images)-1] }

// Problems lists every seal that does not verify, one line each ("" none).
func (f *File) Problems() []string {
	var p []string
	for _, im := range f.Images {
		name := imageName(f, im)
		if !im.ChecksumValid() {
			p = append(p, fmt.Sprintf("%s XOR checksum wrong: stored 0x%02X, computed 0x%02X", name, im.ChecksumStored, im.ChecksumComputed))
		}
		if !im.SHA256Valid() {
			p = append(p, fmt.Sprintf("%s appended SHA-256 does not match", name))
		}
		if !im.V2CRCValid() {
			p = append(p, fmt.Sprintf("%s CRC wrong: stored 0x%08X, computed 0x%08X", name, im.V2.CRCStored, im.V2.CRCComputed))
		}
	}
	if f.Arduino != nil && f.Arduino.CRC == CRCInvalid {
		p = append(p, fmt.Sprintf("Arduino CRC wrong: stored 0x%08X, computed 0x%08X over %d bytes", f.Arduino.CRCStored, f.Arduino.CRCCalc, f.Arduino.CRCLen))
	}
	return p
}

func imageName(f *File, im *Image) string {
	if f.Arduino != nil {
		if im == f.Arduino.Eboot {
			return "eboot image"
		}
		return "sketch image"
	}
	return "image"
}

// Verify parses data and checks every seal it carries: XOR checksums, the
// Arduino CRC words, an appended SHA-256, a v2 CRC, and the config block's
// CRC when a single block is present. It returns nil when all verify, else
// an error wrapping ErrSealsBroken (exit code CheckFailed) naming each.
func Verify(data []byte) error {
	f, err := Parse(data)
	if err != nil {
		return err
	}
	p := f.Problems()
	if c, err := FindConfig(data); err == nil && !c.CRCValid() {
		p = append(p, fmt.Sprintf("config block CRC wrong: stored 0x%08X, computed 0x%08X", c.CRCStored, c.CRCComputed))
	}
	if len(p) == 0 {
		return nil
	}
	msg := p[0]
	if len(p) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", p[0], len(p)-1)
	}
	return &bberr.Error{Code: bberr.CheckFailed, Msg: msg,
		Hint: "the file is corrupt or was edited by hand: rebuild it (or patch it with blynkbridge, which re-seals)",
		Err:  ErrSealsBroken}
}

// inData reports whether [off, off+n) lies inside one segment's data of
// one image and not on the Arduino CRC words, i.e. whether bytes there may
// be rewritten and re-sealed.
func (f *File) inData(off, n int) bool {
	if f.Arduino != nil && f.Arduino.CRC != CRCUnknown && off < CRCValOffset+4 && off+n > CRCLenOffset {
		return false
	}
	for _, im := range f.Images {
		for _, s := range im.Segments {
			a := im.Base + s.DataOff
			if off >= a && off+n <= a+s.Length {
				return true
			}
		}
	}
	return false
}

// reseal recomputes, in place and in dependency order, every seal of the
// file as parsed in f: each image's XOR checksum (then its SHA-256 or v2
// CRC), then the Arduino CRC words, which cover everything. The layout
// (segment table) must be unchanged since f was parsed.
func reseal(data []byte, f *File) {
	for _, im := range f.Images {
		d := data[im.Base:]
		sum := byte(checksumSeed)
		for _, s := range im.Segments {
			if s.IROMSkipped {
				continue
			}
			sum = xorChecksum(sum, d[s.DataOff:s.DataOff+s.Length])
		}
		if im.ChecksumRule == "crc-words-zero" || (f.Arduino != nil && im == f.Arduino.Sketch && f.Arduino.CRC != CRCUnknown) {
			// elf2bin's order: checksum with the CRC words still zero.
			first := im.Segments[0]
			sum = xorChecksum(sum, d[first.DataOff:first.DataOff+crcWordsBytes])
		}
		d[im.ChecksumOff] = sum
		if im.ESP32 != nil && im.ESP32.HashAppended {
			h := sha256.Sum256(d[:im.SHA256Off])
			copy(d[im.SHA256Off:], h[:])
		}
		if im.V2 != nil {
			binary.LittleEndian.PutUint32(d[im.V2.CRCOffset:], v2CRC(d[:im.V2.CRCOffset]))
		}
	}
	if a := f.Arduino; a != nil && (a.CRC == CRCValid || a.CRC == CRCInvalid) {
		binary.LittleEndian.PutUint32(data[CRCValOffset:], arduinoCRCOver(data[:a.CRCLen]))
	}
}

// Reseal returns a copy of data with every seal recomputed (for a file
// edited by other means). It refuses a file it cannot parse.
func Reseal(data []byte) ([]byte, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), data...)
	reseal(out, f)
	return out, nil
}

// DiffSectors lists the 4 KiB sectors (index = offset/0x1000 from the
// start of the buffers) whose bytes differ between a and b. A sector
// present in only one of them counts as different. The flasher uses it for
// --base and --config-only: flash offset of sector i = write offset + i*0x1000.
func DiffSectors(a, b []byte) []int {
	n := max(len(a), len(b))
	var out []int
	for s := 0; s < n; s += SectorSize {
		ea, eb := min(s+SectorSize, len(a)), min(s+SectorSize, len(b))
		var sa, sb []byte
		if s < len(a) {
			sa = a[s:ea]
		}
		if s < len(b) {
			sb = b[s:eb]
		}
		if string(sa) != string(sb) {
			out = append(out, s/SectorSize)
		}
	}
	return out
}
