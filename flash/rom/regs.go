package rom

// ESP8266 registers the loader protocol reaches with READ_REG/WRITE_REG
// (reference sections 6.2 and 6.3). The flasher reads them and the sim
// answers them, so both take the addresses from here.
const (
	RegEfuse0     = 0x3FF00050 // OTP_MAC0
	RegEfuse1     = 0x3FF00054 // OTP_MAC1
	RegEfuse2     = 0x3FF00058
	RegEfuse3     = 0x3FF0005C // OTP_MAC3
	RegUARTClkDiv = 0x60000014 // UART0 divider: crystal = baud x div / 2

	// SPI0 "user command" registers, used to read the flash ID.
	RegSPIBase  = 0x60000200
	RegSPICmd   = RegSPIBase + 0x00
	RegSPIAddr  = RegSPIBase + 0x04
	RegSPIUser  = RegSPIBase + 0x1C
	RegSPIUser1 = RegSPIBase + 0x20
	RegSPIUser2 = RegSPIBase + 0x24
	RegSPIW0    = RegSPIBase + 0x40

	SPICmdUsr     = 1 << 18 // CMD: run the user command; cleared when done
	SPIUsrCommand = 1 << 31 // USR: send a command phase
	SPIUsrMISO    = 1 << 28 // USR: read data back
	SPIFlashRDID  = 0x9F    // JEDEC read-ID opcode
)
