package flash

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
	"github.com/blynkbridge/blynkbridge/sim"
)

// logBuf collects log records so tests can check what the user is told.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func randImage(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// v1Image is a one-segment ESP8266 v1 image (reference 12.1) the sim's ROM
// accepts and boots: header, segment, zero padding, XOR checksum.
func v1Image(entry, addr uint32, data []byte) []byte {
	b := []byte{0xE9, 1, 0x02, 0x40}
	b = binary.LittleEndian.AppendUint32(b, entry)
	b = binary.LittleEndian.AppendUint32(b, addr)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	chk := byte(rom.ChecksumSeed)
	for _, v := range data {
		chk ^= v
	}
	for len(b)%16 != 15 {
		b = append(b, 0)
	}
	return append(b, chk)
}

func newBoard(t *testing.T, opts sim.Options) *sim.Board {
	t.Helper()
	b, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// fastOpts keeps failing paths short; nothing here asserts wall-clock time.
func fastOpts(lb *logBuf) Options {
	return Options{
		ConnectAttempts: 2,
		SyncTries:       3,
		BlockTimeout:    300 * time.Millisecond,
		BannerWait:      300 * time.Millisecond,
		Logger:          lb.logger(),
		// These tests are about the ROM loader; stub_test.go and
		// qemu_test.go cover the stub.
		NoStub: true,
	}
}

// hook wraps a connection to change packets on their way.
type hook struct {
	connection
	onSend func(req *rom.Request) (drop bool)
	onRecv func(r *rom.Response)
}

func (h *hook) send(req rom.Request) error {
	if h.onSend != nil {
		req.Data = append([]byte(nil), req.Data...)
		if h.onSend(&req) {
			return nil
		}
	}
	return h.connection.send(req)
}

func (h *hook) recv(ctx context.Context, d time.Duration) (rom.Response, error) {
	r, err := h.connection.recv(ctx, d)
	if err == nil && h.onRecv != nil {
		h.onRecv(&r)
	}
	return r, err
}

func connectedOn(t *testing.T, c connection, opts Options) *Flasher {
	t.Helper()
	f, err := newFlasher(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Connect(context.Background()); err != nil {
		t.Fatalf("connect: %v (hint: %s)", err, bberr.HintOf(err))
	}
	return f
}

func checkFlash(t *testing.T, got []byte, off int, img, before []byte) {
	t.Helper()
	if !bytes.Equal(got[off:off+len(img)], img) {
		for i := range img {
			if got[off+i] != img[i] {
				t.Fatalf("flash differs from the image at 0x%x", off+i)
			}
		}
	}
	for i := range got {
		if i >= off && i < off+len(img) {
			continue
		}
		// The partial last sector of an image is erased whole, as esptool.
		if i >= off+len(img) && i < (off+len(img)+rom.SectorSize-1)/rom.SectorSize*rom.SectorSize {
			continue
		}
		if got[i] != before[i] {
			t.Fatalf("flash outside the written range changed at 0x%x", i)
		}
	}
}

// End to end over a real pty: no modem lines, so the board starts in the
// loader (FLASH held), the flasher warns and syncs without a reset, writes
// 1 MiB, and the soft reset that replaces the hard reset boots it.
func TestFlashOverPTY(t *testing.T) {
	before := bytes.Repeat([]byte{0x5A}, sim.FlashSize)
	booted := make(chan []byte, 4)
	b := newBoard(t, sim.Options{Flash: before, Boot: sim.BootDownload, Firmware: func(fl []byte) sim.Firmware {
		return sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
			select {
			case booted <- append([]byte(nil), fl[:64]...):
			default:
			}
			<-ctx.Done()
			return nil
		})
	}})
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := serialio.Open(ctx, path, 460800)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var lb logBuf
	opts := fastOpts(&lb)
	var calls, last int
	opts.Progress = func(done, total int) { calls++; last = done }
	f, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Connect(ctx); err != nil {
		t.Fatalf("connect: %v (hint: %s)", err, bberr.HintOf(err))
	}
	img := randImage(1<<20, 1)
	copy(img, v1Image(0x40100004, 0x40100000, randImage(0x800, 9)))
	res, err := f.Write(ctx, img, WriteOptions{Offset: 0})
	if err != nil {
		t.Fatalf("write: %v (hint: %s)", err, bberr.HintOf(err))
	}
	if res.Planned != 1<<20 || res.Runs != 1 || res.SectorsWritten != 256 || last != 1<<20 || calls < 1024 {
		t.Fatalf("result %+v, progress calls %d last %d", res, calls, last)
	}
	checkFlash(t, b.FlashContents(), 0, img, before)
	if err := f.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lb.String(), "no DTR/RTS") {
		t.Errorf("no warning about the missing modem lines:\n%s", lb.String())
	}
	select {
	case head := <-booted:
		if !bytes.Equal(head, img[:64]) {
			t.Fatal("the board booted different flash content")
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the board did not boot the new image (state %v)", b.State())
	}
}

func hostFlasher(t *testing.T, b *sim.Board, opts Options, h *hook) *Flasher {
	t.Helper()
	p := b.HostPort()
	t.Cleanup(func() { p.Close() })
	if err := p.SetBaud(460800); err != nil {
		t.Fatal(err)
	}
	var c connection = newPortConn(p, newTracer(opts.Trace))
	if h != nil {
		h.connection = c
		c = h
	}
	return connectedOn(t, c, opts)
}

// A block whose data arrives damaged gets the ROM's checksum status; it is
// sent again and the retry is reported.
func TestCorruptedBlockRetried(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	flipped := false
	h := &hook{onSend: func(req *rom.Request) bool {
		if req.Op == rom.OpFlashData && !flipped && rom.Word(req.Data, 1) == 5 {
			flipped = true
			req.Data[rom.DataHeaderLen+100] ^= 0x40
		}
		return false
	}}
	f := hostFlasher(t, b, fastOpts(&lb), h)
	img := randImage(64<<10, 2)
	res, err := f.Write(context.Background(), img, WriteOptions{Offset: 0x10000})
	if err != nil {
		t.Fatal(err)
	}
	if !flipped || res.Retries != 1 {
		t.Fatalf("flipped %v, retries %d", flipped, res.Retries)
	}
	if !strings.Contains(lb.String(), "data checksum error") || !strings.Contains(lb.String(), "sending it again") {
		t.Fatalf("retry not reported:\n%s", lb.String())
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x10000:0x20000], img) {
		t.Fatal("flash differs after the retried block")
	}
}

// A reply that never comes is a timeout: the block is sent again.
func TestLostReplyRetried(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	dropped := false
	h := &hook{onSend: func(req *rom.Request) bool {
		if req.Op == rom.OpFlashData && !dropped && rom.Word(req.Data, 1) == 3 {
			dropped = true
			return true
		}
		return false
	}}
	f := hostFlasher(t, b, fastOpts(&lb), h)
	img := randImage(8<<10, 3)
	res, err := f.Write(context.Background(), img, WriteOptions{})
	if err != nil || res.Retries != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	if !bytes.Equal(b.FlashContents()[:len(img)], img) {
		t.Fatal("flash differs")
	}
}

// Unplugged part-way: the error names what was written and what was not,
// and --resume later writes only the rest.
func TestUnplugMidFlashThenResume(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	opts := fastOpts(&lb)
	opts.StateDir = t.TempDir()
	unplugged := false
	opts.Progress = func(done, total int) {
		if done >= 256<<10 && !unplugged {
			unplugged = true
			b.Unplug()
		}
	}
	f := hostFlasher(t, b, opts, nil)
	img := randImage(1<<20, 4)
	_, err := f.Write(context.Background(), img, WriteOptions{})
	var pe *PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *PartialError", err)
	}
	if bberr.CodeOf(err) != bberr.Unplugged {
		t.Errorf("exit code %v, want Unplugged", bberr.CodeOf(err))
	}
	want := "wrote 0x0-0x3ffff (256 KiB) of 0x0-0xfffff; not written: 0x40000-0xfffff"
	if !strings.Contains(err.Error(), want) || !strings.Contains(bberr.HintOf(err), "--resume") {
		t.Fatalf("error %q\nhint %q\nwant it to contain %q", err, bberr.HintOf(err), want)
	}
	if err := b.Replug(); err != nil {
		t.Fatal(err)
	}
	var sent []uint32
	opts.Progress = nil
	h := &hook{onSend: func(req *rom.Request) bool {
		if req.Op == rom.OpFlashBegin && rom.Word(req.Data, 1) > 0 {
			sent = append(sent, rom.Word(req.Data, 3))
		}
		return false
	}}
	f = hostFlasher(t, b, opts, h)
	res, err := f.Write(context.Background(), img, WriteOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResumedFrom == nil || *res.ResumedFrom != 0x40000 || len(sent) != 1 || sent[0] != 0x40000 || res.Planned != 0xC0000 {
		t.Fatalf("resume: %+v, FLASH_BEGIN at %x", res, sent)
	}
	if !bytes.Equal(b.FlashContents()[:len(img)], img) {
		t.Fatal("flash differs after resume")
	}
	if _, ok, _ := loadState(ResumeFile(opts.StateDir, img, 0), img, 0); ok {
		t.Fatal("resume state left behind after success")
	}
}

func TestCancelBetweenBlocks(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	opts := fastOpts(&lb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.Progress = func(done, total int) {
		if done >= 16<<10 {
			cancel()
		}
	}
	f := hostFlasher(t, b, opts, nil)
	_, err := f.Write(ctx, randImage(64<<10, 5), WriteOptions{Offset: 0x20000})
	if bberr.CodeOf(err) != bberr.Interrupted || !strings.Contains(err.Error(), "wrote 0x20000-0x23fff (16 KiB) of 0x20000-0x2ffff") {
		t.Fatalf("%v (code %v)", err, bberr.CodeOf(err))
	}
}

func TestWrongChipMagic(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	p := b.HostPort()
	defer p.Close()
	h := &hook{connection: newPortConn(p, nil), onRecv: func(r *rom.Response) {
		if r.Op == rom.OpReadReg {
			r.Value = 0x00F01D83
		}
	}}
	var lb logBuf
	f, _ := newFlasher(h, fastOpts(&lb))
	err := f.Connect(context.Background())
	if bberr.CodeOf(err) != bberr.DeviceError || !strings.Contains(err.Error(), "this is an ESP32 (chip magic 0x00F01D83), not an ESP8266") {
		t.Fatalf("%v", err)
	}
}

// noGPIO0 is a USB bridge whose DTR wire is broken: resets happen but GPIO0
// is never pulled low, so the app boots every time.
type noGPIO0 struct{ serialio.Port }

func (p noGPIO0) SetLines(dtr, rts bool) error { return p.Port.SetLines(false, rts) }

func TestSyncFailureAppBooted(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	p := b.HostPort()
	defer p.Close()
	var lb logBuf
	opts := fastOpts(&lb)
	opts.ConnectAttempts = 1
	f, err := New(noGPIO0{p}, opts)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Connect(context.Background())
	if bberr.CodeOf(err) != bberr.NoResponse {
		t.Fatalf("code %v: %v", bberr.CodeOf(err), err)
	}
	if !strings.Contains(err.Error(), "boot mode:(3,") || !strings.Contains(bberr.HintOf(err), "GPIO0") {
		t.Fatalf("error %q\nhint %q", err, bberr.HintOf(err))
	}
}

// silent is a port where nothing answers at all (wrong port).
type silent struct{ serialio.Port }

func (silent) Write(p []byte) (int, error) { return len(p), nil }
func (s silent) Read(p []byte) (int, error) {
	_, err := s.Port.Read(p)
	return 0, err
}

func TestSyncFailureNoBanner(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	p := b.HostPort()
	defer p.Close()
	var lb logBuf
	opts := fastOpts(&lb)
	opts.ConnectAttempts = 1
	f, _ := New(silent{p}, opts)
	err := f.Connect(context.Background())
	if bberr.CodeOf(err) != bberr.NoResponse || !strings.Contains(err.Error(), "no reset happened or this is the wrong port") {
		t.Fatalf("%v", err)
	}
	if h := bberr.HintOf(err); !strings.Contains(h, "--port") || !strings.Contains(h, "monitor") {
		t.Fatalf("hint %q", h)
	}
}

// --base: only the sectors that differ are written (plus the neighbour the
// ROM would otherwise erase), everything else stays as it was.
func TestBaseWritesOnlyChangedSectors(t *testing.T) {
	old := randImage(1<<20, 6)
	before := bytes.Repeat([]byte{0xFF}, sim.FlashSize)
	copy(before, old)
	b := newBoard(t, sim.Options{Boot: sim.BootRun, Flash: before})
	var lb logBuf
	blocks := 0
	var begins [][2]uint32
	h := &hook{onSend: func(req *rom.Request) bool {
		switch req.Op {
		case rom.OpFlashData:
			blocks++
		case rom.OpFlashBegin:
			begins = append(begins, [2]uint32{rom.Word(req.Data, 3), rom.Word(req.Data, 1)})
		}
		return false
	}}
	f := hostFlasher(t, b, fastOpts(&lb), h)
	img := append([]byte(nil), old...)
	img[0x42345] ^= 0xFF // sector 0x42
	img[0x80010] ^= 0x01 // sector 0x80, first of its 64 KiB block
	img[0x81000] ^= 0x01 // sector 0x81: adjacent, same run
	res, err := f.Write(context.Background(), img, WriteOptions{Base: old})
	if err != nil {
		t.Fatal(err)
	}
	// Sector 0x42 alone would make the ROM erase 0x43 too: the run is
	// widened to rewrite it; 0x80-0x81 is an even run.
	if res.SectorsWritten != 4 || res.SectorsSkipped != 252 || res.Runs != 2 || blocks != 16 {
		t.Fatalf("result %+v, %d blocks, begins %x", res, blocks, begins)
	}
	if len(begins) != 2 || begins[0] != [2]uint32{0x42000, 8} || begins[1] != [2]uint32{0x80000, 8} {
		t.Fatalf("FLASH_BEGINs %x", begins)
	}
	checkFlash(t, b.FlashContents(), 0, img, before)
}

// Blocks that keep failing at 921600 make the flasher drop to 460800,
// re-sync and continue from the last confirmed sector.
func TestBaudFallback(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	p := b.HostPort()
	defer p.Close()
	if err := p.SetBaud(921600); err != nil {
		t.Fatal(err)
	}
	c := newPortConn(p, nil)
	h := &hook{connection: c, onSend: func(req *rom.Request) bool {
		if req.Op == rom.OpFlashData && c.baud() > 460800 && rom.Word(req.Data, 1) >= 6 {
			req.Data[rom.DataHeaderLen] ^= 1
		}
		return false
	}}
	f := connectedOn(t, h, fastOpts(&lb))
	img := randImage(32<<10, 7)
	res, err := f.Write(context.Background(), img, WriteOptions{Offset: 0x100000})
	if err != nil {
		t.Fatalf("%v\n%s", err, lb.String())
	}
	if len(res.Fallbacks) != 1 || res.Fallbacks[0] != 460800 || res.Baud != 460800 || res.Retries != 2 {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(lb.String(), "re-syncing at 460800 baud and resuming at 0x101000") {
		t.Fatalf("fallback not reported:\n%s", lb.String())
	}
	if !bytes.Equal(b.FlashContents()[0x100000:0x108000], img) {
		t.Fatal("flash differs after fallback")
	}
}

func TestInfoAndTrace(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	var tr bytes.Buffer
	opts := fastOpts(&lb)
	opts.Trace = &tr
	f := hostFlasher(t, b, opts, nil)
	info, err := f.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Chip != "ESP8266EX" || info.MAC != formatMAC(b.MAC()) || info.CrystalMHz != 26 ||
		info.FlashID != sim.FlashJEDEC || info.FlashSize != 4<<20 || info.FlashMfr != 0xEF || info.FlashDev != 0x4016 {
		t.Fatalf("%+v", info)
	}
	if info.ChipID != b.ChipID() {
		t.Fatalf("chip id 0x%x, board says 0x%x", info.ChipID, b.ChipID())
	}
	for _, want := range []string{"-> SYNC", "<- SYNC", "-> READ_REG", "01 C1 F0 FF"} {
		if !strings.Contains(tr.String(), want) {
			t.Fatalf("trace lacks %q:\n%s", want, tr.String())
		}
	}
}

// Both ways out of the loader boot what was written: the RTS pulse on a
// port with modem lines, FLASH_BEGIN(0,0)+FLASH_END(1) by protocol.
func TestFinishBootsTheApp(t *testing.T) {
	for _, after := range []After{HardReset, SoftReset} {
		t.Run(after.String(), func(t *testing.T) {
			b := newBoard(t, sim.Options{Boot: sim.BootRun})
			var lb logBuf
			opts := fastOpts(&lb)
			opts.After = after
			f := hostFlasher(t, b, opts, nil)
			img := v1Image(0x40100004, 0x40100000, randImage(0x400, 10))
			if _, err := f.Write(context.Background(), img, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := f.Finish(context.Background()); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for b.State() != sim.Running {
				if time.Now().After(deadline) {
					t.Fatalf("state %v after %v", b.State(), after)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if strings.Contains(lb.String(), "no DTR/RTS") {
				t.Fatalf("unexpected fallback warning:\n%s", lb.String())
			}
		})
	}
}

// A custom sequence replaces the built-in strategies: the classic one
// written out enters the loader; an RTS-only pulse boots the app instead,
// and the diagnosis says so.
func TestCustomResetSequence(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	opts := fastOpts(&lb)
	opts.ResetSequence = "D0|R1|W100|D1|R0|W50|D0"
	p := b.HostPort()
	defer p.Close()
	f, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Connect(context.Background()); err != nil {
		t.Fatalf("%v (%s)", err, bberr.HintOf(err))
	}
	opts.ResetSequence = "U01|W100|U00"
	opts.ConnectAttempts = 1
	f, _ = New(p, opts)
	err = f.Connect(context.Background())
	if !strings.Contains(err.Error(), "boot mode:(3,") {
		t.Fatalf("%v", err)
	}
	if _, err := New(p, Options{ResetSequence: "D0|X"}); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("bad sequence: %v", err)
	}
}

// Unplugging the board behind a real pty: serialio reports the vanished
// device and the flasher names the written range.
func TestUnplugOverPTY(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootDownload})
	path, err := b.AttachPTY("")
	if err != nil {
		t.Fatal(err)
	}
	p, err := serialio.Open(context.Background(), path, 460800)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var lb logBuf
	opts := fastOpts(&lb)
	unplugged := false
	opts.Progress = func(done, total int) {
		if done >= 64<<10 && !unplugged {
			unplugged = true
			b.Unplug()
		}
	}
	f, _ := New(p, opts)
	if err := f.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(context.Background(), randImage(256<<10, 11), WriteOptions{Offset: 0x100000})
	var pe *PartialError
	if !errors.As(err, &pe) || pe.Confirmed != 0x110000 {
		t.Fatalf("%v", err)
	}
	if bberr.CodeOf(err) != bberr.Unplugged {
		t.Fatalf("code %v: %v", bberr.CodeOf(err), err)
	}
	if !strings.Contains(err.Error(), "wrote 0x100000-0x10ffff (64 KiB) of 0x100000-0x13ffff; not written: 0x110000-0x13ffff") {
		t.Fatal(err)
	}
}

// A non-sector-aligned offset is lowered to the sector start with 0xFF
// filling the gap (esptool), and the user is warned.
func TestUnalignedOffset(t *testing.T) {
	before := bytes.Repeat([]byte{0x33}, sim.FlashSize)
	b := newBoard(t, sim.Options{Boot: sim.BootRun, Flash: before})
	var lb logBuf
	f := hostFlasher(t, b, fastOpts(&lb), nil)
	img := randImage(5000, 12)
	res, err := f.Write(context.Background(), img, WriteOptions{Offset: 0x20010})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != (Range{0x20000, 0x20010 + 5000}) {
		t.Fatalf("target %v", res.Target)
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x20000:0x20010], bytes.Repeat([]byte{0xFF}, 16)) || !bytes.Equal(got[0x20010:0x20010+5000], img) {
		t.Fatal("unaligned write wrong")
	}
	if !strings.Contains(lb.String(), "not sector-aligned") {
		t.Fatalf("no warning:\n%s", lb.String())
	}
	// 2 sectors written (even: exact erase); the flash after them is intact.
	if !bytes.Equal(got[0x22000:0x30000], before[0x22000:0x30000]) || !bytes.Equal(got[:0x20000], before[:0x20000]) {
		t.Fatal("flash outside the written sectors changed")
	}
}

// An image of an odd number of sectors inside one 64 KiB block cannot be
// erased exactly by the ROM: the sector after it goes too, and the user is
// told which one.
func TestOddSectorCountWarns(t *testing.T) {
	before := bytes.Repeat([]byte{0x33}, sim.FlashSize)
	b := newBoard(t, sim.Options{Boot: sim.BootRun, Flash: before})
	var lb logBuf
	f := hostFlasher(t, b, fastOpts(&lb), nil)
	img := randImage(3*rom.SectorSize, 13)
	if _, err := f.Write(context.Background(), img, WriteOptions{Offset: 0x40000}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lb.String(), "0x43000-0x43fff after the image is erased too") {
		t.Fatalf("no warning:\n%s", lb.String())
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x40000:0x43000], img) || !bytes.Equal(got[0x44000:0x50000], before[0x44000:0x50000]) {
		t.Fatal("flash wrong")
	}
}

// Write must never modify the caller's image: the last, short block is
// padded in the flasher's own buffer, not in the memory of the block before
// it (a bug the monitor engineer found when a flashed image changed under
// them).
func TestWriteLeavesCallerImageAlone(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootRun})
	var lb logBuf
	f := hostFlasher(t, b, fastOpts(&lb), nil)
	img := randImage(3*rom.FlashBlockSize+100, 9)
	want := append([]byte(nil), img...)
	if _, err := f.Write(context.Background(), img, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img, want) {
		t.Fatal("Write changed the caller's image")
	}
	checkFlash(t, b.FlashContents(), 0, want, bytes.Repeat([]byte{0xFF}, sim.FlashSize))
}
