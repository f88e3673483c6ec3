package sim

import "sync"

// Register addresses the host can reach with READ_REG/WRITE_REG
// (reference 6.2, 6.3, 14).
const (
	regChipMagic = 0x40001000
	regEfuse0    = 0x3FF00050
	regEfuse1    = 0x3FF00054
	regEfuse2    = 0x3FF00058
	regEfuse3    = 0x3FF0005C
	regUARTDiv   = 0x60000014

	spiBase  = 0x60000200
	spiCmd   = spiBase + 0x00
	spiAddr  = spiBase + 0x04
	spiUser  = spiBase + 0x1C
	spiUser1 = spiBase + 0x20
	spiUser2 = spiBase + 0x24
	spiW0    = spiBase + 0x40

	spiCmdUsr = 1 << 18

	crystalHz = 26_000_000
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
	case regEfuse0, regEfuse1, regEfuse2, regEfuse3:
		return r.efuse[(addr-regEfuse0)/4]
	case regUARTDiv:
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
	case regChipMagic, regEfuse0, regEfuse1, regEfuse2, regEfuse3, regUARTDiv:
		return 0 // read-only
	}
	v := r.mem[addr]&^mask | val&mask
	r.mem[addr] = v
	if addr == spiCmd && v&spiCmdUsr != 0 {
		r.spiUserCommand()
		v = r.mem[addr]
	}
	return v
}

// spiUserCommand executes the 8-bit opcode in USR2 the way the flash chip
// answers it and clears the USR bit at once (reference 6.3 emulator note).
func (r *regFile) spiUserCommand() {
	opcode := r.mem[spiUser2] & 0xFF
	var w0 uint32
	switch opcode {
	case 0x9F: // RDID
		w0 = FlashJEDEC
	case 0x5A: // read SFDP at the address given: the header starts with "SFDP"
		if r.mem[spiUser]&(1<<30) != 0 && r.mem[spiAddr]>>8 == 0 {
			w0 = sfdpMagicW0
		} else {
			w0 = 0xFFFFFFFF
		}
	case 0x05, 0x35, 0x15: // status registers: idle, no protection, QE clear
		w0 = 0
	case 0x4B: // unique id (64 bits): low word
		w0 = 0x31A2B3C4
	default: // reset-enable, reset, write-enable...: no data
		w0 = r.mem[spiW0]
	}
	// Only the MISO bits the host asked for come back.
	if r.mem[spiUser]&(1<<28) != 0 {
		bits := (r.mem[spiUser1]>>8)&0x1FF + 1
		if bits < 32 {
			w0 &= 1<<bits - 1
		}
		r.mem[spiW0] = w0
	}
	r.mem[spiCmd] &^= spiCmdUsr
}
