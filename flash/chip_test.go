package flash

import "testing"

func TestMAC(t *testing.T) {
	// OUI from word 3.
	e := efuse{0x12000000, 0x00003456, 0, 0x005CCF7F}
	m, err := e.mac()
	if err != nil || formatMAC(m) != "5c:cf:7f:34:56:12" {
		t.Fatalf("%v %v", formatMAC(m), err)
	}
	if id := e.chipID(); id != 0x345612 {
		t.Fatalf("chip id 0x%X", id)
	}
	// Word 3 zero: OUI by word 1 bits 16-23.
	m, _ = efuse{0xAB000000, 0x00000102, 0, 0}.mac()
	if formatMAC(m) != "18:fe:34:01:02:ab" {
		t.Fatal(formatMAC(m))
	}
	m, _ = efuse{0xAB000000, 0x00010102, 0, 0}.mac()
	if formatMAC(m) != "ac:d0:74:01:02:ab" {
		t.Fatal(formatMAC(m))
	}
	if _, err := (efuse{0, 0x00020000, 0, 0}).mac(); err == nil {
		t.Fatal("unknown OUI accepted")
	}
	if name, _ := (efuse{}).description(); name != "ESP8266EX" {
		t.Fatal(name)
	}
	if name, f := (efuse{1 << 4, 0, 0, 1 << 25}).description(); name != "ESP8285N08" || len(f) != 3 {
		t.Fatal(name)
	}
}

func TestCrystal(t *testing.T) {
	// Real D1 mini at 115200: divider 0x1C4 -> 26.03 MHz (reference 6.2).
	if mhz, raw := crystalMHz(0x1C4, 115200); mhz != 26 || raw < 26 || raw > 26.1 {
		t.Fatal(mhz, raw)
	}
	if mhz, _ := crystalMHz(174, 460800); mhz != 40 {
		t.Fatal(mhz)
	}
}

func TestFlashSize(t *testing.T) {
	for id, want := range map[uint32]int{0x001640EF: 4 << 20, 0x001440C8: 1 << 20, 0x00184068: 16 << 20, 0x00324020: 256 << 10, 0x00FF00FF: 0} {
		if got := flashSizeFromID(id); got != want {
			t.Errorf("0x%06X: %d, want %d", id, got, want)
		}
	}
}

func TestChipName(t *testing.T) {
	if ChipName(0xFFF0C101) != "ESP8266" || ChipName(0x00F01D83) != "ESP32" || ChipName(0x1B31506F) != "ESP32-C3" || ChipName(1) != "" {
		t.Fatal("chip table")
	}
}
