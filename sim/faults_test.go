package sim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

func TestCrashDumpAndReboot(t *testing.T) {
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t)})
	p := b.HostPort()
	waitState(t, b, Running)
	for _, c := range []struct {
		kind RestartReason
		want []string
	}{
		{RestartException, []string{"\r\n" + cutHere + "\r\n\r\nException (28):\r\nepc1=0x4020", " excvaddr=0x00000000 depc=0x00000000\r\n\r\n>>>stack>>>\r\n\r\nctx: cont\r\nsp: 3ffffe50 end: 3fffffd0 offset: 0150\r\n", " <\r\n", "<<<stack<<<\r\n\r\n" + cutHere + "\r\n"}},
		{RestartSoftWDT, []string{cutHere + "\r\n\r\nSoft WDT reset\r\n\r\nException (4):\r\nepc1=0x4020", "offset: 0160"}},
		{RestartAbort, []string{"\r\nUser exception (panic/abort/assert)\r\n" + cutHere + "\r\n\r\nAbort called\r\n"}},
	} {
		waitState(t, b, Running)
		p.ResetInput()
		if err := b.Crash(c.kind); err != nil {
			t.Fatal(err)
		}
		got := string(readUntil(t, p, "<<<stack<<<\r\n\r\n"+cutHere+"\r\n", time.Second))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Fatalf("%v dump lacks %q:\n%s", c.kind, w, got)
			}
		}
		// Then the chip reboots: ROM output at 74880 (garbage here), with
		// the old rst cause, and the sketch again.
		readUntil(t, p, "tick 0", 2*time.Second)
	}
	// Hardware WDT: no dump, banner with cause 4 and "wdt reset".
	p.SetBaud(ROMBaud)
	p.ResetInput()
	b.Crash(RestartHardWDT)
	readUntil(t, p, "rst cause:4, boot mode:(3,6)\r\n\r\nwdt reset\r\n", time.Second)
	if b.ResetCause() != 4 {
		t.Fatal(b.ResetCause())
	}
	if err := (&Board{}).Crash(RestartException); err != ErrNotRunning {
		t.Fatal(err)
	}
}

func TestGarbage(t *testing.T) {
	b := newBoard(t, Options{Boot: BootDownload})
	p := b.HostPort()
	waitState(t, b, Download)
	p.SetBaud(b.UARTBaud()) // same rate: the bytes arrive as sent
	p.ResetInput()
	b.Garbage(100)
	if got := readFor(p, 50*time.Millisecond); len(got) != 100 {
		t.Fatalf("%d garbage bytes", len(got))
	}
}

func TestFirmwareDeviceRestart(t *testing.T) {
	runs := make(chan []byte, 4)
	fw := FirmwareFunc(func(ctx context.Context, dev Device) error {
		// The board reboots again and again after the test stopped
		// reading: never block the sketch on a channel nobody drains.
		select {
		case runs <- dev.Flash()[:4]:
		case <-ctx.Done():
			return nil
		}
		dev.Begin(9600)
		dev.Write([]byte("up\r\n"))
		if dev.Millis() > 1000 {
			t.Error("millis since boot")
		}
		dev.Sleep(ctx, 5*time.Millisecond)
		dev.Restart(RestartSoftware)
		<-ctx.Done()
		return nil
	})
	b := newBoard(t, Options{Boot: BootRun, Flash: arduinoFlash(t), Firmware: func(f []byte) Firmware {
		if f[0x1000] != 0xE9 {
			return nil
		}
		return fw
	}})
	for i := 0; i < 2; i++ {
		select {
		case f := <-runs:
			if f[0] != 0xE9 {
				t.Fatal("flash view")
			}
		case <-time.After(2 * time.Second):
			t.Fatal("sketch did not run again after ESP.restart")
		}
	}
	if b.UARTBaud() != 9600 && b.UARTBaud() != ROMBaud {
		t.Fatal(b.UARTBaud())
	}
}

func TestFlashFilePersists(t *testing.T) {
	file := filepath.Join(t.TempDir(), "d1.flash")
	b, err := New(Options{FlashFile: file, Boot: BootDownload, Flash: []byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() != FlashSize {
		t.Fatalf("new flash file: %v", err)
	}
	h := &host{t: t, p: b.HostPort()}
	waitState(t, b, Download)
	h.sync()
	data := pattern(rom.FlashBlockSize, 7)
	writeFlash(t, h, 0x3000, SectorSize, data)
	okStatus(t, h.cmd(rom.OpFlashEnd, rom.Words(1), 0))
	b.Close()
	got, _ := os.ReadFile(file)
	if !bytes.Equal(got[0x3000:0x3400], data) || got[0] != 1 || got[0x2FFF] != 0xFF {
		t.Fatal("flash file content")
	}
	// Loaded again: the file wins over opts.Flash.
	b2 := newBoard(t, Options{FlashFile: file, Boot: BootDownload, Flash: []byte{9}})
	if f := b2.FlashContents(); f[0] != 1 || !bytes.Equal(f[0x3000:0x3400], data) {
		t.Fatal("flash file not loaded")
	}
	// A file larger than the chip is refused with a hint.
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, make([]byte, FlashSize+1), 0o600)
	if _, err := New(Options{FlashFile: big}); err == nil {
		t.Fatal("oversized flash file accepted")
	}
}
