package flash

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// The stub's own machine code under QEMU: stub/build.sh --qemu builds the
// same protocol sources with the test HAL (semihosting UART, RAM flash of
// qemuFlashSize), qemu-system-xtensa runs it as the lx106 core, and the
// host side of this package talks to it over QEMU's stdin/stdout.

const qemuFlashSize = 0x80000

var (
	qemuOnce sync.Once
	qemuELF  string
	qemuSkip string
)

// qemuStubELF builds the test-HAL stub once per test binary, or says why
// it cannot.
func qemuStubELF(t *testing.T) string {
	t.Helper()
	qemuOnce.Do(func() {
		for _, tool := range []string{"qemu-system-xtensa", "xtensa-lx106-elf-gcc", "bash"} {
			if _, err := exec.LookPath(tool); err != nil {
				qemuSkip = tool + " not installed (Debian: apt-get install qemu-system-misc gcc-xtensa-lx106): the stub's machine code is not run"
				return
			}
		}
		dir, err := os.MkdirTemp("", "stubq")
		if err != nil {
			qemuSkip = err.Error()
			return
		}
		qemuELF = filepath.Join(dir, "stub-qemu.elf")
		if out, err := exec.Command("bash", "stub/build.sh", "--qemu", qemuELF).CombinedOutput(); err != nil {
			qemuSkip = "building the qemu stub failed: " + err.Error() + "\n" + string(out)
			qemuELF = ""
		}
	})
	if qemuELF == "" {
		if qemuSkip != "" && bytes.Contains([]byte(qemuSkip), []byte("failed")) {
			t.Fatal(qemuSkip)
		}
		t.Skip("SKIP: " + qemuSkip)
	}
	return qemuELF
}

// pipePort is a serialio.Port over QEMU's stdin and stdout pipes.
type pipePort struct {
	r, w    *os.File
	timeout time.Duration
	baud    int
}

func (p *pipePort) Read(b []byte) (int, error) {
	if p.timeout >= 0 {
		_ = p.r.SetReadDeadline(time.Now().Add(max(p.timeout, time.Millisecond)))
	} else {
		_ = p.r.SetReadDeadline(time.Time{})
	}
	n, err := p.r.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

func (p *pipePort) Write(b []byte) (int, error)          { return p.w.Write(b) }
func (p *pipePort) Close() error                         { p.w.Close(); return p.r.Close() }
func (p *pipePort) Name() string                         { return "qemu" }
func (p *pipePort) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }
func (p *pipePort) SetBaud(b int) error                  { p.baud = b; return nil }
func (p *pipePort) Baud() int                            { return p.baud }
func (p *pipePort) SetLines(bool, bool) error            { return serialio.ErrNoModemLines }
func (p *pipePort) Drain() error                         { return nil }
func (p *pipePort) ResetInput() error {
	buf := make([]byte, 4096)
	for {
		_ = p.r.SetReadDeadline(time.Now().Add(time.Millisecond))
		n, _ := p.r.Read(buf)
		if n == 0 {
			return nil
		}
	}
}

// qemuStub starts QEMU running the test-HAL stub and returns a port on it.
func qemuStub(t *testing.T) *pipePort {
	t.Helper()
	elf := qemuStubELF(t)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("qemu-system-xtensa", "-M", "sim", "-cpu", "lx106", "-semihosting", "-nographic",
		"-monitor", "none", "-serial", "none", "-device", "loader,file="+elf+",cpu-num=0")
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inR.Close()
	outW.Close()
	p := &pipePort{r: outR, w: inW, baud: 115200, timeout: serialio.NoTimeout}
	t.Cleanup(func() {
		p.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("qemu stderr: %s", stderr.String())
		}
	})
	return p
}

func qemuFlasher(t *testing.T, opts Options) *Flasher {
	t.Helper()
	p := qemuStub(t)
	opts.Before = NoReset
	opts.FlashSize = qemuFlashSize
	f, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Connect(context.Background()); err != nil {
		t.Fatalf("connect to the stub under qemu: %v", err)
	}
	if !f.Stub() {
		t.Fatal("the stub under qemu did not answer as a stub")
	}
	return f
}

func TestQemuStubWriteReadVerify(t *testing.T) {
	var lb logBuf
	opts := fastOpts(&lb)
	opts.NoStub = false
	f := qemuFlasher(t, opts)
	ctx := context.Background()
	img := sketchLike(200<<10, 3)
	res, err := f.Write(ctx, img, WriteOptions{Offset: 0x10000})
	if err != nil {
		t.Fatalf("write: %v\n%s", err, lb.String())
	}
	if !res.Verified || res.Bytes >= len(img) {
		t.Fatalf("result %+v: want verified and compressed", res)
	}
	back, err := f.Read(ctx, Range{0x10000, 0x10000 + uint32(len(img))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, img) {
		t.Fatal("read-back differs from the image")
	}
}

func sketchLike(n int, seed uint64) []byte { return sim.SketchImage(n, seed) }

// A token change re-flashes one sector: the MD5 comparison finds it, the
// rest is skipped; the verify reads the whole image back by MD5.
func TestQemuStubSkipsUnchangedSectors(t *testing.T) {
	f := qemuFlasher(t, Options{})
	ctx := context.Background()
	img := sketchLike(480<<10, 11)
	if _, err := f.Write(ctx, img, WriteOptions{Offset: 0x8000}); err != nil {
		t.Fatal(err)
	}
	img2 := append([]byte(nil), img...)
	copy(img2[0x23456:], "a new auth token 0123456789abcdef")
	res, err := f.Write(ctx, img2, WriteOptions{Offset: 0x8000})
	if err != nil {
		t.Fatal(err)
	}
	if res.SectorsWritten != 1 || res.SectorsSkipped != 119 || !res.Verified || res.Bytes > 4096 {
		t.Fatalf("token change: %+v, want 1 sector written, 119 skipped, verified", res)
	}
	res, err = f.Write(ctx, img2, WriteOptions{Offset: 0x8000})
	if err != nil || res.SectorsWritten != 0 || res.Bytes != 0 {
		t.Fatalf("same image again: %+v %v, want nothing written", res, err)
	}
	v, err := f.Verify(ctx, img, 0x8000)
	if err != nil || v.Match || len(v.BadSectors) != 1 || v.BadSectors[0].Start != 0x8000+0x23000 {
		t.Fatalf("verify against the old image: %+v %v, want sector 0x2B000 named", v, err)
	}
	if err := f.Erase(ctx, &Range{0x8000, 0x8000 + 0x10000}); err != nil {
		t.Fatal(err)
	}
	back, err := f.Read(ctx, Range{0, 0x20000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back[:0x18000], bytes.Repeat([]byte{0xFF}, 0x18000)) || !bytes.Equal(back[0x18000:], img2[0x10000:0x18000]) {
		t.Fatal("erase of 0x8000-0x17fff: flash is not what it should be")
	}
	if err := f.Erase(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if sum, err := stubMD5(ctx, f.c, 0, qemuFlashSize); err != nil || sum != md5Of(bytes.Repeat([]byte{0xFF}, qemuFlashSize)) {
		t.Fatalf("after erasing the chip: %v", err)
	}
}

func md5Of(b []byte) [16]byte { return md5.Sum(b) }
