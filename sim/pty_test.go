package sim

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// bugPort adapts a go.bug.st/serial port to serialio.Port for the test
// host; only what the helpers use does something.
type bugPort struct {
	serial.Port
	name string
	baud int
}

func openBug(t *testing.T, path string, baud int) *bugPort {
	t.Helper()
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { p.Close() })
	return &bugPort{Port: p, name: path, baud: baud}
}

func (p *bugPort) Name() string                         { return p.name }
func (p *bugPort) SetReadTimeout(d time.Duration) error { return p.Port.SetReadTimeout(d) }
func (p *bugPort) SetBaud(b int) error {
	p.baud = b
	return p.Port.SetMode(&serial.Mode{BaudRate: b})
}
func (p *bugPort) Baud() int                    { return p.baud }
func (p *bugPort) SetLines(dtr, rts bool) error { return serialio.ErrNoModemLines }
func (p *bugPort) ResetInput() error            { return p.Port.ResetInputBuffer() }
func (p *bugPort) Drain() error                 { return p.Port.Drain() }

var _ serialio.Port = (*bugPort)(nil)

func TestPTYSyncChipMAC(t *testing.T) {
	b := newBoard(t, Options{Boot: BootDownload})
	link := filepath.Join(t.TempDir(), "d1")
	slave, err := b.AttachPTY(link)
	if err != nil {
		t.Fatal(err)
	}
	if target, _ := os.Readlink(link); target != slave {
		t.Fatalf("link -> %q, want %q", target, slave)
	}
	p := openBug(t, link, 115200)
	// The ROM drops what arrives before its loader listens (while it
	// prints the banner); on a loaded machine the boot goroutine can lag
	// the host's first SYNC, which h.sync sends only once.
	waitState(t, b, Download)
	h := &host{t: t, p: p}
	h.sync()
	if v := h.readReg(rom.ChipMagicReg); v != rom.ESP8266Magic {
		t.Fatalf("magic 0x%08x", v)
	}
	mac := esptoolMAC(t, h.readReg(rom.RegEfuse0), h.readReg(rom.RegEfuse1), h.readReg(rom.RegEfuse3))
	if mac != b.MAC() {
		t.Fatalf("MAC %x", mac)
	}
	// 74880 via BOTHER reaches the sim through termios: UART_CLKDIV follows.
	if err := p.SetBaud(ROMBaud); err != nil {
		t.Fatal(err)
	}
	h.q = nil
	h.sync()
	if div := h.readReg(rom.RegUARTClkDiv); div != (2*crystalHz+ROMBaud-1)/ROMBaud {
		t.Fatalf("UART_CLKDIV at 74880: %d", div)
	}
}

func TestPTYBootBannerAndWrongBaud(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	slave, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	p := openBug(t, slave, ROMBaud)
	cleanReset(b, p)
	got := readUntil(t, p, "~ld\r\n", 2*time.Second)
	if !bytes.HasPrefix(got, []byte(Banner(2, false))) {
		t.Fatalf("%q", got)
	}
	p.SetBaud(115200)
	cleanReset(b, p)
	got = readUntil(t, p, "tick 0", 2*time.Second)
	if bytes.Contains(got, []byte("rst cause")) {
		t.Fatalf("115200 read the ROM text: %q", got)
	}
}

func TestPTYUnplugReplug(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	link := filepath.Join(t.TempDir(), "d1")
	first, err := b.AttachPTY(link)
	if err != nil {
		t.Fatal(err)
	}
	opened := b.WaitHostOpen()
	p := openBug(t, link, 115200)
	// Deterministic under any load: the sim drops output while no host has
	// the pty open, and notices an open asynchronously (inotify); reset
	// only once it has, so the boot and "tick 0" are not dropped, and wait
	// for them with a deadline that only bounds a real failure.
	waitOpened(t, opened)
	cleanReset(b, p)
	readUntil(t, p, "tick", patience)
	b.Unplug()
	if b.State() != Unplugged {
		t.Fatal(b.State())
	}
	// The host sees the device go away: an error, not a silent timeout.
	p.SetReadTimeout(500 * time.Millisecond)
	buf := make([]byte, 64)
	var rerr error
	for i := 0; i < 20 && rerr == nil; i++ {
		_, rerr = p.Read(buf)
	}
	if rerr == nil {
		t.Fatal("read after unplug did not fail")
	}
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	// The link points at the new pty (Linux may reuse the number).
	second, _ := os.Readlink(link)
	if second != b.PTYPath() {
		t.Fatalf("link %q, pty %q (first %q)", second, b.PTYPath(), first)
	}
	opened = b.WaitHostOpen()
	p2 := openBug(t, link, 115200)
	waitOpened(t, opened)
	cleanReset(b, p2)
	readUntil(t, p2, "tick", patience)
}

// patience bounds waits for what must happen: long enough for -race under
// two CPU hogs, only reached when something is broken.
const patience = 30 * time.Second

// waitOpened waits until the sim has seen the host open its pty (nil: the
// sim cannot observe opens here, so there is nothing to wait for).
func waitOpened(t *testing.T, opened <-chan struct{}) {
	t.Helper()
	if opened == nil {
		return
	}
	select {
	case <-opened:
	case <-time.After(patience):
		t.Fatal("the sim never saw the host open the pty")
	}
}

func TestInProcessUnplug(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun})
	p := b.HostPort()
	b.Unplug()
	if _, err := p.Read(make([]byte, 4)); !errors.Is(err, serialio.ErrUnplugged) {
		t.Fatalf("read: %v", err)
	}
	if _, err := p.Write([]byte("x")); !errors.Is(err, serialio.ErrUnplugged) {
		t.Fatalf("write: %v", err)
	}
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	// Power-on reset; the banner went out before any host could open the
	// new port, as with a real USB plug-in.
	if c := b.ResetCause(); c != 1 {
		t.Fatalf("rst cause %d after replug", c)
	}
	p2 := b.HostPort()
	p2.SetBaud(ROMBaud)
	b.PressReset()
	readUntil(t, p2, "rst cause:2, boot mode:(3,6)", time.Second)
}
