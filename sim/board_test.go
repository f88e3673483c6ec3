package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

func TestPowerOnDownloadSyncAndChip(t *testing.T) {
	b := newBoard(t, Options{Boot: BootDownload})
	p := b.HostPort()
	waitState(t, b, Download)
	h := &host{t: t, p: p}
	h.sync()
	if v := h.readReg(rom.ChipMagicReg); v != rom.ESP8266Magic {
		t.Fatalf("magic 0x%08x", v)
	}
	mac0, mac1, mac3 := h.readReg(rom.RegEfuse0), h.readReg(rom.RegEfuse1), h.readReg(rom.RegEfuse3)
	mac := esptoolMAC(t, mac0, mac1, mac3)
	if mac != b.MAC() {
		t.Fatalf("MAC %x, want %x", mac, b.MAC())
	}
	if id := mac0>>24 | (mac1&0xFFFFFF)<<8; id != b.ChipID() {
		t.Fatalf("chip id %06x, want %06x", id, b.ChipID())
	}
	// 26 MHz crystal at 115200: esptool computes baud*div/1e6/2.
	div := h.readReg(rom.RegUARTClkDiv) & 0xFFFFF
	if div != 0x1C4 {
		t.Fatalf("UART_CLKDIV 0x%x, want 0x1C4", div)
	}
}

// esptoolMAC decodes the eFuse words the way esptool's ESP8266 read_mac does.
func esptoolMAC(t *testing.T, mac0, mac1, mac3 uint32) [6]byte {
	t.Helper()
	var oui [3]byte
	switch {
	case mac3 != 0:
		oui = [3]byte{byte(mac3 >> 16), byte(mac3 >> 8), byte(mac3)}
	case (mac1>>16)&0xFF == 0:
		oui = [3]byte{0x18, 0xFE, 0x34}
	case (mac1>>16)&0xFF == 1:
		oui = [3]byte{0xAC, 0xD0, 0x74}
	default:
		t.Fatal("unknown OUI")
	}
	return [6]byte{oui[0], oui[1], oui[2], byte(mac1 >> 8), byte(mac1), byte(mac0 >> 24)}
}

func TestPowerOnRunBlankFlash(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun})
	p := b.HostPort()
	p.SetBaud(ROMBaud)
	cleanReset(b, p)
	got := readUntil(t, p, "ets_main.c", time.Second)
	if !bytes.Contains(got, []byte(Banner(2, false))) {
		t.Fatalf("no banner in %q", got)
	}
	if b.State() != ROMBoot {
		t.Fatalf("state %v", b.State())
	}
}

func TestResetCircuit(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	p := b.HostPort()
	waitState(t, b, Running)
	p.SetBaud(ROMBaud)
	// esptool classic: (dtr F, rts T) = EN low; (T, F) = EN high, IO0 low;
	// then (F, F).
	p.SetLines(false, true)
	waitState(t, b, Off)
	time.Sleep(5 * time.Millisecond)
	p.SetLines(true, false)
	time.Sleep(5 * time.Millisecond)
	p.SetLines(false, false)
	waitState(t, b, Download)
	readUntil(t, p, "rst cause:2, boot mode:(1,7)", time.Second)
	p.SetBaud(115200)
	(&host{t: t, p: p}).sync()

	// Equal levels never reset.
	p.SetLines(true, true)
	p.SetLines(false, false)
	time.Sleep(10 * time.Millisecond)
	if b.State() != Download {
		t.Fatalf("equal levels reset the board: %v", b.State())
	}

	// Hard reset (RTS pulse, DTR de-asserted): GPIO0 high, flash boot.
	p.SetBaud(ROMBaud)
	p.SetLines(false, true)
	p.ResetInput() // with EN low: no tick of the old boot lands after it
	time.Sleep(5 * time.Millisecond)
	p.SetLines(false, false)
	got := readUntil(t, p, "~ld\r\n", time.Second)
	want := Banner(2, false) + "load 0x4010f000, len 3424, room 16 \r\ntail 0\r\n"
	if !bytes.HasPrefix(got, []byte(want)) {
		t.Fatalf("boot output\n%q\nwant prefix\n%q", got, want)
	}
	if !strings.Contains(string(got), "rst cause:2, boot mode:(3,6)") {
		t.Fatal("no run-mode banner")
	}
	waitState(t, b, Running)
}

func TestFactoryImageBoots(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: FactoryImage()})
	p := b.HostPort()
	p.SetBaud(ROMBaud)
	cleanReset(b, p)
	got := string(readUntil(t, p, "~ld\r\n", time.Second))
	for _, want := range []string{"load 0x4010f000, len 3424, room 16 \r\ntail 0\r\n", "load 0x3fff20b8, len 40, room 8 \r\ntail 0\r\n", "csum 0x", "\r\nv000"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in %q", want, got)
		}
	}
	waitState(t, b, Running)
}

// esptool's portable Classic reset sets DTR and RTS in separate calls, so
// the circuit passes through (T,T) - EN already high - before GPIO0 goes
// low. The RC delay on EN makes the ROM sample the strap a little later,
// which is why it still enters the loader.
func TestClassicResetSeparateCalls(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	waitState(t, b, Running)
	dtr, rts := false, false
	setDTR := func(v bool) { dtr = v; b.SetLines(dtr, rts) }
	setRTS := func(v bool) { rts = v; b.SetLines(dtr, rts) }
	setDTR(false)
	setRTS(true) // EN low
	waitState(t, b, Off)
	setDTR(true) // (T,T): EN rises, GPIO0 still high
	setRTS(false)
	time.Sleep(10 * time.Millisecond)
	setDTR(false)
	waitState(t, b, Download)
}

// The timing model in both directions: host->board bytes are booked at
// Write and reach the loader after their wire time, its replies come back
// the same way, and a burst of board output arrives whole and in order.
func TestTimedLoaderAndOutput(t *testing.T) {
	b := newBoard(t, Options{Boot: BootDownload, Timing: true})
	p := b.HostPort()
	waitState(t, b, Download)
	h := &host{t: t, p: p}
	h.sync()
	if v := h.readReg(rom.ChipMagicReg); v != rom.ESP8266Magic {
		t.Fatalf("magic 0x%08x", v)
	}
	if err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	p.ResetInput()
	want := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB: many pieces
	if err := b.send(t.Context(), want, b.UARTBaud()); err != nil {
		t.Fatal(err)
	}
	var got []byte
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < len(want) && time.Now().Before(deadline) {
		got = append(got, readFor(p, 20*time.Millisecond)...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes %q", len(got), got)
	}
}
