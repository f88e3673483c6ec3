package flash

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the chip report of `blynkbridge info` (esptool's
// chip_id + flash_id) for the board on port at baud.
func (i *ChipInfo) WriteText(w io.Writer, port string, baud int) {
	size := "unknown"
	if i.FlashSize > 0 {
		size = fmt.Sprintf("%d MiB", i.FlashSize>>20)
		if i.FlashSize < 1<<20 {
			size = fmt.Sprintf("%d KiB", i.FlashSize>>10)
		}
	}
	fmt.Fprintf(w, "Port:       %s (%d baud)\n", port, baud)
	fmt.Fprintf(w, "Chip:       %s (%s)\n", i.Chip, strings.Join(i.Features, ", "))
	fmt.Fprintf(w, "Chip ID:    0x%06x\n", i.ChipID)
	fmt.Fprintf(w, "MAC:        %s\n", i.MAC)
	fmt.Fprintf(w, "Crystal:    %d MHz\n", i.CrystalMHz)
	fmt.Fprintf(w, "Flash ID:   0x%06x (manufacturer 0x%02x, device 0x%04x)\n", i.FlashID, i.FlashMfr, i.FlashDev)
	fmt.Fprintf(w, "Flash size: %s\n", size)
}
