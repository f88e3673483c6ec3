package flash

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/sim"
)

func stubOpts(lb *logBuf) Options {
	o := fastOpts(lb)
	o.NoStub = false
	return o
}

// Interrupting a stub write and rerunning with --resume ends with the
// image on the flash: the state file says how far it got, and the MD5
// skip and verify check the rest.
func TestStubInterruptThenResume(t *testing.T) {
	before := bytes.Repeat([]byte{0x3C}, sim.FlashSize)
	b := newBoard(t, sim.Options{Flash: before, Boot: sim.BootDownload})
	var lb logBuf
	opts := stubOpts(&lb)
	opts.StateDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	opts.Progress = func(done, total int) {
		if calls++; calls == 8 {
			cancel()
		}
	}
	f := hostFlasher(t, b, opts, nil)
	img := sketchLike(1<<20, 21)
	_, err := f.Write(ctx, img, WriteOptions{Offset: 0x100000})
	var pe *PartialError
	if !errors.As(err, &pe) || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted write: %v", err)
	}
	if pe.Confirmed <= 0x100000 || pe.Confirmed >= 0x200000 {
		t.Fatalf("confirmed 0x%x: want part of the image", pe.Confirmed)
	}
	got := b.FlashContents()
	if !bytes.Equal(got[0x100000:pe.Confirmed], img[:pe.Confirmed-0x100000]) {
		t.Fatal("the confirmed range is not on the flash")
	}

	opts.Progress = nil
	f2 := hostFlasher(t, b, opts, nil)
	res, err := f2.Write(context.Background(), img, WriteOptions{Offset: 0x100000, Resume: true})
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, lb.String())
	}
	if res.ResumedFrom == nil || !res.Verified || res.SectorsWritten >= 256 {
		t.Fatalf("resume result %+v", res)
	}
	checkFlash(t, b.FlashContents(), 0x100000, img, before)
}

// Issue 18 item 5 in ROM mode: --base with a changed last sector of a
// 1 MiB image rewrites the sector before it instead of letting the ROM
// erase 0x100000.
func TestROMBaseLastSectorKeepsTheNextSector(t *testing.T) {
	before := bytes.Repeat([]byte{0x77}, sim.FlashSize)
	b := newBoard(t, sim.Options{Flash: before, Boot: sim.BootDownload})
	var lb logBuf
	f := hostFlasher(t, b, fastOpts(&lb), nil)
	img := randImage(1<<20, 4)
	if _, err := f.Write(context.Background(), img, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	img2 := append([]byte(nil), img...)
	img2[0xFF800] ^= 0xFF
	res, err := f.Write(context.Background(), img2, WriteOptions{Base: img})
	if err != nil {
		t.Fatal(err)
	}
	got := b.FlashContents()
	if !bytes.Equal(got[:1<<20], img2) || !bytes.Equal(got[1<<20:1<<20+0x1000], before[:0x1000]) {
		t.Fatal("0x100000 was erased, or the image is wrong")
	}
	if res.SectorsWritten != 2 || bytes.Contains([]byte(lb.String()), []byte("cannot erase this odd number")) {
		t.Fatalf("%+v\n%s", res, lb.String())
	}
}

// A flash that does not read back what was written fails the write with
// exit code 7 and names the sectors (MD5 replies damaged after the write).
func TestStubVerifyFailureNamesSectors(t *testing.T) {
	b := newBoard(t, sim.Options{Boot: sim.BootDownload})
	var lb logBuf
	ended := false
	h := &hook{
		onSend: func(req *rom.Request) bool {
			if req.Op == rom.OpFlashDeflEnd {
				ended = true
			}
			return false
		},
		onRecv: func(r *rom.Response) {
			if ended && r.Op == rom.OpSPIFlashMD5 && len(r.Data) >= 16 {
				r.Data[0] ^= 0xFF
			}
		},
	}
	f := hostFlasher(t, b, stubOpts(&lb), h)
	_, err := f.Write(context.Background(), sketchLike(20<<10, 2), WriteOptions{Offset: 0x10000})
	if !errors.Is(err, ErrVerify) || bberr.CodeOf(err) != bberr.DeviceError || !strings.Contains(err.Error(), "5 sector(s) at [0x10000 0x11000") {
		t.Fatalf("%v", err)
	}
}
