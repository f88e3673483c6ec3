package sim

import (
	"fmt"
	"strings"
)

const cutHere = "--------------- CUT HERE FOR EXCEPTION DECODER ---------------"

// crashDump renders the Arduino core 3.1.x postmortem for reason (reference
// logs section 4), with addresses inside the sketch's irom0 segment when
// flash holds an Arduino image, so a decoder has plausible PCs. It is ""
// for a plain restart or a hardware watchdog (which prints nothing).
func crashDump(reason RestartReason, flash []byte, millis uint32) string {
	var header, offset string
	pc := irom0PC(flash, 0x1b4)
	switch reason {
	case RestartException:
		header = "Exception (28):\r\n" + fmt.Sprintf("epc1=0x%08x epc2=0x00000000 epc3=0x00000000 excvaddr=0x00000000 depc=0x00000000\r\n", pc)
		offset = "0150"
	case RestartSoftWDT:
		header = "Soft WDT reset\r\n\r\nException (4):\r\n" + fmt.Sprintf("epc1=0x%08x epc2=0x00000000 epc3=0x00000000 excvaddr=0x00000000 depc=0x00000000\r\n", pc)
		offset = "0160"
	case RestartAbort:
		header = "Abort called\r\n"
		offset = "0010"
	default:
		return ""
	}
	var sb strings.Builder
	if reason == RestartAbort {
		sb.WriteString("\r\nUser exception (panic/abort/assert)")
	}
	sb.WriteString("\r\n" + cutHere + "\r\n\r\n")
	sb.WriteString(header)
	sb.WriteString("\r\n>>>stack>>>\r\n\r\nctx: cont\r\n")
	sp := uint32(0x3ffffe50)
	end := uint32(0x3fffffd0)
	fmt.Fprintf(&sb, "sp: %08x end: %08x offset: %s\r\n", sp, end, offset)
	words := []uint32{
		0x3fffdad0, 0x00000000, 0x3ffee6f0, irom0PC(flash, 0x2a7),
		0x00000001, 0x3ffee6f0, 0x3ffffe70, 0x40100f2c, // frame marker: '<'
		0x3fffdad0, 0x00000000, 0x3ffee6f0, irom0PC(flash, 0x3c9),
		0xfeefeffe, 0xfeefeffe, 0x3ffee748, irom0PC(flash, 0x51d),
		millis, 0x00000000, 0x3ffee748, 0x40100b95,
	}
	for i := 0; i < len(words); i += 4 {
		addr := sp + uint32(i)*4
		flag := " "
		if words[i+2] == addr+0x10 {
			flag = "<"
		}
		fmt.Fprintf(&sb, "%08x:  %08x %08x %08x %08x %s\r\n", addr, words[i], words[i+1], words[i+2], words[i+3], flag)
	}
	sb.WriteString("<<<stack<<<\r\n\r\n" + cutHere + "\r\n")
	return sb.String()
}

// irom0PC returns an address off bytes into the sketch's flash-mapped code
// (0x40201010 + ...), clipped to the segment when an Arduino image is there.
func irom0PC(flash []byte, off uint32) uint32 {
	im := parseImage(flash, 0x1000)
	for _, s := range im.segs {
		if s.addr == 0x40201010 && s.length > 16 {
			return s.addr + (off%(s.length-4))&^3
		}
	}
	return 0x40201010 + off&^3
}
