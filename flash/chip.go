package flash

import (
	"context"
	"fmt"
	"math"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// otherChips maps the CHIP_DETECT_MAGIC register values of Espressif chips
// that are not an ESP8266 (esptool's targets), so a user who plugged in the
// wrong board is told which board it is.
var otherChips = map[uint32]string{
	0x00F01D83: "ESP32",
	0x000007C6: "ESP32-S2",
	0x00000009: "ESP32-S3",
	0x6921506F: "ESP32-C3", 0x1B31506F: "ESP32-C3", 0x4881606F: "ESP32-C3", 0x4361606F: "ESP32-C3",
	0x6F51306F: "ESP32-C2", 0x7C41A06F: "ESP32-C2",
	0x2CE0806F: "ESP32-C6",
	0xD7B73E80: "ESP32-H2",
}

// ChipName names the chip a magic value belongs to, or "".
func ChipName(magic uint32) string {
	if magic == rom.ESP8266Magic {
		return "ESP8266"
	}
	return otherChips[magic]
}

// ChipInfo is what `info` reports. Field names are the --json schema.
type ChipInfo struct {
	Chip       string   `json:"chip"` // "ESP8266EX" or "ESP8285..."
	Features   []string `json:"features"`
	MAC        string   `json:"mac"` // "5c:cf:7f:12:34:56"
	ChipID     uint32   `json:"chip_id"`
	CrystalMHz int      `json:"crystal_mhz"` // 26 or 40
	FlashID    uint32   `json:"flash_id"`    // RDID word: mfr | type<<8 | capacity<<16
	FlashMfr   uint8    `json:"flash_manufacturer"`
	FlashDev   uint16   `json:"flash_device"`
	FlashSize  int      `json:"flash_size"` // bytes, 0 if unknown
}

// efuse holds the four OTP words.
type efuse [4]uint32

func readEfuse(ctx context.Context, c connection) (efuse, error) {
	var e efuse
	for i, a := range []uint32{rom.RegEfuse0, rom.RegEfuse1, rom.RegEfuse2, rom.RegEfuse3} {
		v, err := readReg(ctx, c, a)
		if err != nil {
			return e, err
		}
		e[i] = v
	}
	return e, nil
}

// mac derives the station MAC as esptool does (reference 6.2).
func (e efuse) mac() ([6]byte, error) {
	var m [6]byte
	switch {
	case e[3] != 0:
		m[0], m[1], m[2] = byte(e[3]>>16), byte(e[3]>>8), byte(e[3])
	case (e[1]>>16)&0xFF == 0:
		m[0], m[1], m[2] = 0x18, 0xFE, 0x34
	case (e[1]>>16)&0xFF == 1:
		m[0], m[1], m[2] = 0xAC, 0xD0, 0x74
	default:
		return m, fmt.Errorf("unknown OUI in eFuse word 1 (0x%08X)", e[1])
	}
	m[3], m[4], m[5] = byte(e[1]>>8), byte(e[1]), byte(e[0]>>24)
	return m, nil
}

func (e efuse) chipID() uint32 { return e[0]>>24 | (e[1]&0xFFFFFF)<<8 }

func (e efuse) description() (string, []string) {
	if e[0]&(1<<4) != 0 || e[2]&(1<<16) != 0 {
		// Size and temperature grade as esptool names them: word 3 bits
		// 25-27 give the embedded flash size, word 0 bit 5 the high-temp part.
		grade := "N"
		if e[0]&(1<<5) != 0 {
			grade = "H"
		}
		name := "ESP8285"
		switch (e[3] >> 25) & 7 {
		case 1:
			name += grade + "08"
		case 2:
			name += grade + "16"
		}
		return name, []string{"Wi-Fi", "160MHz", "Embedded Flash"}
	}
	return "ESP8266EX", []string{"Wi-Fi", "160MHz"}
}

func formatMAC(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// crystalMHz turns UART_CLKDIV at the current baud into the crystal
// frequency: xtal = baud * div / 1e6 / 2, normalised to 26 or 40 MHz.
func crystalMHz(clkdiv uint32, baud int) (int, float64) {
	raw := float64(baud) * float64(clkdiv&0xFFFFF) / 1e6 / 2
	norm := 40
	if math.Abs(raw-26) < math.Abs(raw-40) {
		norm = 26
	}
	return norm, raw
}

// flashSizeFromID decodes the capacity byte of a JEDEC RDID word (reference
// 6.3): 0x12..0x18 and 0x32..0x38 are 256 KiB..16 MiB.
func flashSizeFromID(id uint32) int {
	capByte := (id >> 16) & 0xFF
	switch {
	case capByte >= 0x12 && capByte <= 0x18:
		return 256 << 10 << (capByte - 0x12)
	case capByte >= 0x32 && capByte <= 0x38:
		return 256 << 10 << (capByte - 0x32)
	}
	return 0
}

// spiCommand runs one SPI flash command through the SPI0 user-command
// registers with READ_REG/WRITE_REG (reference 6.3), reading misoBits.
func spiCommand(ctx context.Context, c connection, opcode uint8, misoBits uint32) (uint32, error) {
	usr, err := readReg(ctx, c, rom.RegSPIUser)
	if err != nil {
		return 0, err
	}
	usr2, err := readReg(ctx, c, rom.RegSPIUser2)
	if err != nil {
		return 0, err
	}
	usr1 := uint32(0)
	if misoBits > 0 {
		usr1 |= (misoBits - 1) << 8
	}
	steps := [][2]uint32{
		{rom.RegSPIUser1, usr1},
		{rom.RegSPIUser, rom.SPIUsrCommand | rom.SPIUsrMISO},
		{rom.RegSPIUser2, 7<<28 | uint32(opcode)},
		{rom.RegSPIW0, 0},
		{rom.RegSPICmd, rom.SPICmdUsr},
	}
	for _, s := range steps {
		if err := writeReg(ctx, c, s[0], s[1]); err != nil {
			return 0, err
		}
	}
	done := false
	for i := 0; i < 10; i++ {
		v, err := readReg(ctx, c, rom.RegSPICmd)
		if err != nil {
			return 0, err
		}
		if v&rom.SPICmdUsr == 0 {
			done = true
			break
		}
	}
	if !done {
		return 0, fmt.Errorf("SPI command 0x%02X did not complete in time", opcode)
	}
	v, err := readReg(ctx, c, rom.RegSPIW0)
	if err != nil {
		return 0, err
	}
	if err := writeReg(ctx, c, rom.RegSPIUser, usr); err != nil {
		return 0, err
	}
	if err := writeReg(ctx, c, rom.RegSPIUser2, usr2); err != nil {
		return 0, err
	}
	return v, nil
}

// attachFlash is the ROM's "SPI attach": FLASH_BEGIN(0, 0) (reference 8.7).
func attachFlash(ctx context.Context, c connection) error {
	_, err := checked(ctx, c, rom.OpFlashBegin, rom.Words(0, 0, rom.FlashBlockSize, 0), 0, defaultTimeout)
	return err
}
