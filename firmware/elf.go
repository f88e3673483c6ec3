package firmware

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// IsELF reports whether data starts with the ELF magic.
func IsELF(data []byte) bool { return len(data) >= 4 && string(data[:4]) == "\x7fELF" }

// The section lists elf2bin.py (esp8266/Arduino tools/elf2bin.py) turns
// into segments, in this order.
var (
	sketchSections = []string{".irom0.text", ".text", ".text1", ".data", ".rodata"}
	ebootSections  = []string{".text", ".rodata"}
)

// BuildOptions say how to make an image from an ELF. The zero value gives
// what the Arduino IDE gives a WeMos D1 mini: DIO, 40 MHz, 4 MB.
type BuildOptions struct {
	FlashMode FlashMode // 0 (QIO) is replaced by DIO unless ModeSet
	FlashFreq FlashFreq // 0 = 40m
	FlashSize FlashSize // 0 (512KB) is replaced by 4MB unless SizeSet
	ModeSet   bool
	SizeSet   bool
	// Eboot, when set, makes the full Arduino layout for flash 0x0: this
	// bootloader (an eboot.elf, or its v1 image as a .bin, with or without
	// the 0xAA padding), 0xAA to 0x1000, the sketch, then the CRC words.
	// eboot is not part of a sketch ELF: it comes from the core
	// (bootloaders/eboot/eboot.elf).
	Eboot []byte
}

// Built is the result of FromELF.
type Built struct {
	Image []byte
	// FlashOffset is where Image must be written: 0x0 for the full Arduino
	// layout, 0x1000 for a sketch image (it goes after the eboot already on
	// the board; its irom0 at 0x40201010 maps flash 0x1010).
	FlashOffset int
	Layout      Layout
	Sections    []string // ELF sections used, in segment order
}

// FromELF builds a flashable image from an ESP8266 ELF the way Arduino's
// elf2bin.py does. Without opt.Eboot it returns the sketch v1 image alone
// (segments .irom0.text, .text, .text1, .data, .rodata, those present; CRC
// words left zero because the CRC covers eboot too), to be flashed at
// 0x1000. With opt.Eboot it returns the whole Arduino layout for 0x0 with
// the XOR checksum computed before the CRC words and the CRC words filled,
// byte for byte what elf2bin writes. An ELF without .irom0.text (eboot
// itself, a RAM-only program) becomes a v1 image of .text and .rodata.
// Garbage gives an error, never a panic.
func FromELF(elfData []byte, opt BuildOptions) (b *Built, err error) {
	defer func() {
		// debug/elf has had panics on hostile input; never pass one on.
		if r := recover(); r != nil {
			b, err = nil, newErr(ErrBadELF, bberr.BadInput, "rebuild the sketch; this ELF is damaged", "malformed ELF: %v", r)
		}
	}()
	img, secs, err := elfImage(elfData, opt)
	if err != nil {
		return nil, err
	}
	if opt.Eboot == nil {
		return &Built{Image: img, FlashOffset: SketchOffset, Layout: LayoutV1, Sections: secs}, nil
	}
	if secs[0] != ".irom0.text" {
		return nil, newErr(ErrBadELF, bberr.BadInput, "give the sketch ELF as the input and eboot with --eboot", "the ELF has no .irom0.text: it is not an Arduino sketch")
	}
	eb := opt.Eboot
	if IsELF(eb) {
		e := opt
		e.Eboot = nil
		eb, _, err = elfImage(eb, e)
		if err != nil {
			return nil, fmt.Errorf("eboot: %w", err)
		}
	} else {
		im, err := ParseImage(eb)
		if err != nil {
			return nil, fmt.Errorf("eboot: %w", err)
		}
		if im.Format != FormatESP8266V1 || !im.ChecksumValid() {
			return nil, newErr(ErrBadELF, bberr.BadInput, "give eboot.elf from the core (bootloaders/eboot/eboot.elf)", "eboot is not a valid ESP8266 v1 image")
		}
		// The ROM reads flash mode and size from the header at 0x0, so the
		// options apply to it as elf2bin applies them when it builds eboot.
		// Header bytes are outside the XOR checksum: it stays valid.
		eb = append([]byte(nil), eb[:im.Length]...)
		eb[2], eb[3] = img[2], img[3]
	}
	if len(eb) > SketchOffset {
		return nil, newErr(ErrBadELF, bberr.BadInput, "give eboot.elf from the core", "eboot image is %d bytes; it must fit below 0x1000", len(eb))
	}
	out := make([]byte, 0, SketchOffset+len(img))
	out = append(out, eb...)
	for len(out) < SketchOffset {
		out = append(out, EbootPadByte)
	}
	out = append(out, img...)
	// elf2bin: checksum computed with the CRC words zero (as linked), then
	// the CRC over the whole file with the words zeroed, then both stored.
	binary.LittleEndian.PutUint32(out[CRCLenOffset:], 0)
	binary.LittleEndian.PutUint32(out[CRCValOffset:], 0)
	crc := arduinoCRCOver(out)
	binary.LittleEndian.PutUint32(out[CRCLenOffset:], uint32(len(out)))
	binary.LittleEndian.PutUint32(out[CRCValOffset:], crc)
	return &Built{Image: out, FlashOffset: 0, Layout: LayoutArduino, Sections: secs}, nil
}

// elfImage converts one ELF to a v1 image with elf2bin's section list.
func elfImage(data []byte, opt BuildOptions) ([]byte, []string, error) {
	if !IsELF(data) {
		return nil, nil, newErr(ErrNotELF, bberr.BadInput, "give the .elf the build left (Arduino: Sketch > Export compiled binary; PlatformIO: .pio/build/*/firmware.elf)", "not an ELF file")
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, nil, newErr(ErrBadELF, bberr.BadInput, "rebuild the sketch; this ELF is damaged", "cannot read the ELF: %v", err)
	}
	if f.Machine != elf.EM_XTENSA || f.Class != elf.ELFCLASS32 || f.Data != elf.ELFDATA2LSB {
		return nil, nil, newErr(ErrBadELF, bberr.BadInput, "build for the ESP8266 (Tools > Board: LOLIN(WEMOS) D1 mini)", "the ELF is for %v (%v), not an ESP8266 (Xtensa, 32-bit little-endian)", f.Machine, f.Class)
	}
	names := ebootSections
	if f.Section(".irom0.text") != nil {
		names = sketchSections
	}
	mode, size, freq := ModeDIO, FlashSize(4), opt.FlashFreq
	if opt.ModeSet || opt.FlashMode != 0 {
		mode = opt.FlashMode
	}
	if opt.SizeSet || opt.FlashSize != 0 {
		size = opt.FlashSize
	}
	out := []byte{MagicV1, 0, byte(mode), byte(size)<<4 | byte(freq)&0x0F, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(out[4:], uint32(f.Entry))
	sum := byte(checksumSeed)
	var used []string
	for _, name := range names {
		s := f.Section(name)
		if s == nil {
			continue
		}
		if s.Type == elf.SHT_NOBITS {
			return nil, nil, newErr(ErrBadELF, bberr.BadInput, "check the linker script", "section %s has no file contents (NOBITS)", name)
		}
		if s.Size > 16<<20 {
			return nil, nil, newErr(ErrBadELF, bberr.BadInput, "check the linker script", "section %s is %d bytes: too big for an ESP8266", name, s.Size)
		}
		raw, err := s.Data()
		if err != nil || uint64(len(raw)) != s.Size {
			return nil, nil, newErr(ErrBadELF, bberr.BadInput, "rebuild the sketch; this ELF is damaged", "cannot read section %s: %v", name, err)
		}
		var hdr [8]byte
		binary.LittleEndian.PutUint32(hdr[0:], uint32(s.Addr))
		binary.LittleEndian.PutUint32(hdr[4:], uint32(len(raw)))
		out = append(out, hdr[:]...)
		out = append(out, raw...)
		sum = xorChecksum(sum, raw)
		used = append(used, name)
	}
	if len(used) == 0 {
		return nil, nil, newErr(ErrBadELF, bberr.BadInput, "give the sketch's .elf", "the ELF has none of the sections %v", names)
	}
	if used[0] == ".irom0.text" {
		if a := f.Section(".irom0.text").Addr; a != IROMSketchAddr {
			return nil, nil, newErr(ErrBadELF, bberr.BadInput, "link with the Arduino core's linker script (irom0 at 0x40201010)",
				".irom0.text is at 0x%08X; an Arduino sketch image at flash 0x1000 needs it at 0x%08X", a, IROMSketchAddr)
		}
	}
	out[1] = byte(len(used))
	for (len(out)+1)%16 != 0 {
		out = append(out, 0)
	}
	out = append(out, sum)
	return out, used, nil
}
