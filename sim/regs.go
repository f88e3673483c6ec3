package sim

import (
	"sync"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

// The registers the host reaches with READ_REG/WRITE_REG are in flash/rom
// (shared with the flasher); the chip magic is rom.ChipMagicReg.
const (
	regChipMagic = rom.ChipMagicReg
	crystalHz    = 26_000_000
)

// efuse holds the four OTP words. They encode the MAC exactly the way
// esptool decodes them (reference 6.2): with MAC3 != 0 the OUI is in MAC3,
// the last three bytes in MAC1 and MAC0.
type efuse [4]uint32

// efuseFor builds OTP words for mac (an Espressif OUI) so that esptool's
// decoding gives mac back, the chip id is the last three MAC bytes, and the
// ESP8285 bits stay clear (it reads as an ESP8266EX).
func efuseFor(mac [6]byte) efuse {
	var e efuse
	e[0] = uint32(mac[5])<<24 | 0x00A00000 // low bits: calibration junk, bits 4/5 clear (not ESP8285)
	e[1] = 0x02000000 | uint32(mac[3])<<8 | uint32(mac[4])
	e[2] = 0x70000000 // bit 16 clear (not ESP8285)
	e[3] = uint32(mac[0])<<16 | uint32(mac[1])<<8 | uint32(mac[2])
	return e
}

// regFile is the chip's register space as the loader sees it. Unknown
// addresses read 0 and keep what is written to them, masked.
type regFile struct {
	mu    sync.Mutex
	efuse efuse
	baud  func() int // the rate the ROM's UART runs at (for UART_CLKDIV)
	mem   map[uint32]uint32
}

func newRegFile(e efuse, baud func() int) *regFile {
	return &regFile{efuse: e, baud: baud, mem: map[uint32]uint32{}}
}

func (r *regFile) read(addr uint32) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch addr {
	case regChipMagic:
		return 0xFFF0C101
	case rom.RegEfuse0, rom.RegEfuse1, rom.RegEfuse2, rom.RegEfuse3:
		return r.efuse[(addr-rom.RegEfuse0)/4]
	case rom.RegUARTClkDiv:
		// The divider the ROM's autobaud computed: APB clock (2 x crystal
		// on the ESP8266: esptool divides by XTAL_CLK_DIVIDER 2) over the
		// host's rate, rounded up as the measured 0x1C4 at 115200 shows.
		b := 115200
		if r.baud != nil {
			if v := r.baud(); v > 0 {
				b = v
			}
		}
		return uint32((2*crystalHz + b - 1) / b)
	}
	return r.mem[addr]
}

// write does the masked write (old &^ mask | val & mask) and runs the SPI
// user command when CMD gets the USR bit. It returns the register's new value.
func (r *regFile) write(addr, val, mask uint32) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch addr {
	case regChipMagic, rom.RegEfuse0, rom.RegEfuse1, rom.RegEfuse2, rom.RegEfuse3, rom.RegUARTClkDiv:
		return 0 // read-only
	}
	v := r.mem[addr]&^mask | val&mask
	r.mem[addr] = v
	if addr == rom.RegSPICmd && v&rom.SPICmdUsr != 0 {
		r.spiUserCommand()
		v = r.mem[addr]
	}
	return v
}

// spiUserCommand executes the 8-bit opcode in USR2 the way the flash chip
// answers it and clears the USR bit at once (reference 6.3 emulator note).
func (r *regFile) spiUserCommand() {
	opcode := r.mem[rom.RegSPIUser2] & 0xFF
	var w0 uint32
	switch opcode {
	case 0x9F: // RDID
		w0 = FlashJEDEC
	case 0x5A: // read SFDP at the address given: the header starts with "SFDP"
		if r.mem[rom.RegSPIUser]&(1<<30) != 0 && r.mem[rom.RegSPIAddr]>>8 == 0 {
			w0 = sfdpMagicW0
		} else {
			w0 = 0xFFFFFFFF
		}
	case 0x05, 0x35, 0x15: // status registers: idle, no protection, QE clear
		w0 = 0
	case 0x4B: // unique id (64 bits): low word
		w0 = 0x31A2B3C4
	default: // reset-enable, reset, write-enable...: no data
		w0 = r.mem[rom.RegSPIW0]
	}
	// Only the MISO bits the host asked for come back.
	if r.mem[rom.RegSPIUser]&(1<<28) != 0 {
		bits := (r.mem[rom.RegSPIUser1]>>8)&0x1FF + 1
		if bits < 32 {
			w0 &= 1<<bits - 1
		}
		r.mem[rom.RegSPIW0] = w0
	}
	r.mem[rom.RegSPICmd] &^= rom.SPICmdUsr
}
