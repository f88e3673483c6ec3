package decode

// excCause is one row of the Xtensa EXCCAUSE table as the Arduino core
// reports it in "Exception (N):".
type excCause struct {
	name    string
	meaning string
	vaddr   bool   // EXCVADDR is meaningful
	arduino string // what it usually means in a sketch
}

var excCauses = map[int]excCause{
	0:  {"IllegalInstruction", "the CPU met an invalid instruction", false, "corrupted code or a call through a bad function pointer (old cores: division by zero)"},
	1:  {"Syscall", "a SYSCALL instruction ran", false, "a GDB stub break"},
	2:  {"InstructionFetchError", "fetching an instruction failed", true, "a jump to an unmapped address (excvaddr is the target)"},
	3:  {"LoadStoreError", "a load or store failed on the bus", true, "an 8/16-bit access to IRAM or flash-mapped data: PROGMEM read without pgm_read_*"},
	4:  {"Level1Interrupt", "a level-1 interrupt was taken", false, "the software watchdog's report"},
	5:  {"Alloca", "MOVSP with caller registers spilled", false, "the core's stack overflow / stack smashing report"},
	6:  {"IntegerDivideByZero", "an integer division by zero", false, "a division or modulo by zero"},
	8:  {"Privileged", "a privileged instruction in user mode", false, ""},
	9:  {"LoadStoreAlignment", "an unaligned 32-bit load or store", true, "casting a byte buffer to uint32_t* (or a packed struct) and reading through it"},
	12: {"InstrPIFDataError", "PIF data error fetching an instruction", true, ""},
	13: {"LoadStorePIFDataError", "PIF data error on a load or store", true, ""},
	14: {"InstrPIFAddrError", "PIF address error fetching an instruction", true, ""},
	15: {"LoadStorePIFAddrError", "PIF address error on a load or store", true, ""},
	16: {"InstTLBMiss", "instruction TLB miss", true, ""},
	17: {"InstTLBMultiHit", "several instruction TLB entries match", true, ""},
	18: {"InstFetchPrivilege", "instruction fetch from a more privileged page", true, ""},
	20: {"InstFetchProhibited", "instruction fetch from a non-executable address", true, "a call through a NULL or garbage function pointer"},
	24: {"LoadStoreTLBMiss", "data TLB miss", true, ""},
	25: {"LoadStoreTLBMultiHit", "several data TLB entries match", true, ""},
	26: {"LoadStorePrivilege", "data access to a more privileged page", true, ""},
	28: {"LoadProhibited", "a read from an address that cannot be read", true, "reading through a NULL or dangling pointer"},
	29: {"StoreProhibited", "a write to an address that cannot be written", true, "writing through a NULL or dangling pointer, or writing to flash-mapped memory"},
}

func causeOf(n int) excCause {
	if c, ok := excCauses[n]; ok {
		return c
	}
	if n >= 32 && n <= 39 {
		return excCause{name: "Coprocessor" + string(rune('0'+n-32)) + "Disabled", meaning: "a disabled coprocessor was used"}
	}
	return excCause{name: "Reserved", meaning: "a reserved exception cause"}
}

// region classifies an address per the ESP8266 memory map.
func region(a uint32) string {
	switch {
	case a >= 0x40000000 && a < 0x40010000:
		return "rom"
	case a >= 0x40100000 && a < 0x4010C000:
		return "iram"
	case a >= 0x4010F000 && a < 0x40110000:
		return "eboot"
	case a >= 0x40200000 && a < 0x40300000:
		return "flash"
	}
	return ""
}

// isCodeAddr is the window every tool uses for candidate PCs.
func isCodeAddr(a uint32) bool { return a >= 0x40000000 && a < 0x40300000 }
