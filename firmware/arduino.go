package firmware

import (
	"encoding/binary"
)

// The Arduino ESP8266 layout (reference 12.2): one .bin written at flash
// 0x0 holding eboot, 0xAA padding, and the sketch image at 0x1000 whose
// irom0 segment starts with the CRC words.
const (
	SketchOffset  = 0x1000 // sketch image offset in the Arduino layout
	CRCLenOffset  = 0x1010 // __crc_len: the file length elf2bin covered
	CRCValOffset  = 0x1014 // __crc_val: CRC-32/MPEG-2 of the file with both words zero
	EbootPadByte  = 0xAA
	SectorSize    = 0x1000
	crcWordsBytes = 8
)

// CRCState says what the Arduino CRC words hold. Values are stable (--json).
type CRCState string

// CRC word states.
const (
	CRCValid   CRCState = "valid"
	CRCInvalid CRCState = "invalid"
	// CRCAbsent: both words are zero, as the linker leaves them before
	// elf2bin fills them in (or a tool skipped that step).
	CRCAbsent CRCState = "absent"
	// CRCUnknown: the length word is not a plausible file length, so these
	// bytes are probably code (cores before the CRC words existed).
	CRCUnknown CRCState = "not-present"
)

// Arduino is a parsed Arduino-layout file.
type Arduino struct {
	Eboot      *Image   `json:"eboot"`
	Sketch     *Image   `json:"sketch"`
	PaddingOK  bool     `json:"padding_ok"` // eboot followed by 0xAA up to 0x1000
	CRCLen     uint32   `json:"crc_length"`
	CRCStored  uint32   `json:"crc_stored"`
	CRCCalc    uint32   `json:"crc_computed"`
	CRC        CRCState `json:"crc_state"`
	TrailingFF int      `json:"trailing_bytes"` // bytes after the sketch image (e.g. a flash dump)
}

// Valid reports whether every seal of the layout validates: both XOR
// checksums and the CRC words (absent words are not an error: elf2bin of
// old cores and sketch-only builds leave them zero).
func (a *Arduino) Valid() bool {
	return a.Eboot.Valid() && a.Sketch.Valid() && a.CRC != CRCInvalid
}

// ParseArduino parses data as eboot at 0x0 and a sketch image at 0x1000.
// It returns an error wrapping ErrNotArduino if data is not that layout (a
// plain image, or the eboot image runs past 0x1000).
func ParseArduino(data []byte) (*Arduino, error) {
	if len(data) <= SketchOffset+8 || data[0] != MagicV1 || data[SketchOffset] != MagicV1 {
		return nil, imgErr(ErrNotArduino, 0, "not an Arduino layout (needs images at 0x0 and 0x1000)")
	}
	eb, err := parseAt(data[:SketchOffset], 0)
	if err != nil {
		return nil, imgErr(ErrNotArduino, 0, "no eboot image at 0x0 ending before 0x1000: %v", err)
	}
	if eb.Format != FormatESP8266V1 {
		return nil, imgErr(ErrNotArduino, 0, "image at 0x0 is %s, not an ESP8266 v1 eboot", eb.Format)
	}
	sk, err := parseAt(data, SketchOffset)
	if err != nil {
		return nil, err
	}
	a := &Arduino{Eboot: eb, Sketch: sk, PaddingOK: true}
	for _, b := range data[eb.Length:SketchOffset] {
		if b != EbootPadByte {
			a.PaddingOK = false
			break
		}
	}
	a.TrailingFF = len(data) - (SketchOffset + sk.Length)
	a.CRCLen, a.CRCStored, a.CRCCalc, a.CRC = arduinoCRC(data, sk)
	return a, nil
}

// arduinoCRC reads and checks the CRC words of a layout whose sketch is sk.
func arduinoCRC(data []byte, sk *Image) (ln, stored, calc uint32, st CRCState) {
	if !sk.IsArduinoSketch() || len(data) < CRCValOffset+4 {
		return 0, 0, 0, CRCUnknown
	}
	ln = binary.LittleEndian.Uint32(data[CRCLenOffset:])
	stored = binary.LittleEndian.Uint32(data[CRCValOffset:])
	if ln == 0 && stored == 0 {
		return ln, stored, 0, CRCAbsent
	}
	if ln < CRCValOffset+4 || uint64(ln) > uint64(len(data)) {
		return ln, stored, 0, CRCUnknown
	}
	calc = arduinoCRCOver(data[:ln])
	if calc == stored {
		return ln, stored, calc, CRCValid
	}
	return ln, stored, calc, CRCInvalid
}

// arduinoCRCOver computes the CRC of data with the 8 bytes at 0x1010
// counted as zero, as elf2bin.py and ESP.checkFlashCRC() do.
func arduinoCRCOver(data []byte) uint32 {
	var zero [crcWordsBytes]byte
	c := crcMPEG2Update(0xFFFFFFFF, data[:CRCLenOffset])
	c = crcMPEG2Update(c, zero[:])
	return crcMPEG2Update(c, data[CRCLenOffset+crcWordsBytes:])
}
