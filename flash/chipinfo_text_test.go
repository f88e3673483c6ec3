package flash

import (
	"bytes"
	"strings"
	"testing"
)

func TestChipInfoWriteText(t *testing.T) {
	i := &ChipInfo{Chip: "ESP8266EX", Features: []string{"Wi-Fi", "160MHz"}, MAC: "5c:cf:7f:c3:a1:5e", ChipID: 0xc3a15e,
		CrystalMHz: 26, FlashID: 0x1640ef, FlashMfr: 0xef, FlashDev: 0x4016, FlashSize: 4 << 20}
	var b bytes.Buffer
	i.WriteText(&b, "/dev/ttyUSB0", 115200)
	for _, want := range []string{"Port:       /dev/ttyUSB0 (115200 baud)", "Chip:       ESP8266EX (Wi-Fi, 160MHz)", "Chip ID:    0xc3a15e",
		"Flash ID:   0x1640ef (manufacturer 0xef, device 0x4016)", "Flash size: 4 MiB"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	i.FlashSize = 512 << 10
	i.WriteText(&b, "p", 1)
	if !strings.Contains(b.String(), "Flash size: 512 KiB") {
		t.Error(b.String())
	}
	b.Reset()
	i.FlashSize = 0
	i.WriteText(&b, "p", 1)
	if !strings.Contains(b.String(), "Flash size: unknown") {
		t.Error(b.String())
	}
}
