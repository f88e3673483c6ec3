package flash

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// needStub is the error of a command only the stub has.
func (f *Flasher) needStub(what string) error {
	if f.opts.NoStub {
		return bberr.New(bberr.Usage, "drop --no-stub: the ESP8266 ROM loader has no command for this", "%s needs the flasher stub", what)
	}
	return bberr.New(bberr.DeviceError, "rerun; if the stub keeps failing to start, report it with --trace FILE", "%s needs the flasher stub, which did not start", what)
}

// FlashSize is the flash size the stub was told (0 in ROM mode).
func (f *Flasher) FlashSize() uint32 { return f.flashSize }

// checkRange refuses a range past the flash.
func (f *Flasher) checkRange(r Range) error {
	if r.End < r.Start || (f.flashSize > 0 && r.End > f.flashSize) {
		return bberr.New(bberr.BadInput, "give an address and size inside the flash", "range %s is outside the %s flash", r, sizeText(f.flashSize))
	}
	return nil
}

// Read returns flash [r.Start, r.End), streamed by the stub and checked
// against its MD5. progress may be nil.
func (f *Flasher) Read(ctx context.Context, r Range, progress func(done, total int)) ([]byte, error) {
	if err := f.mustBeConnected(); err != nil {
		return nil, err
	}
	if !f.stub {
		return nil, f.needStub("reading the flash")
	}
	if err := f.checkRange(r); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	b, err := readFlash(ctx, f.c, r, progress)
	if err != nil {
		return nil, f.ioError(err, "read the flash")
	}
	return b, nil
}

// Erase erases r (sector-aligned), or the whole chip when r is nil. The
// stub uses 64 KiB block erases where aligned. In ROM mode a region is
// erased with FLASH_BEGIN and the erase-size correction (no whole-chip
// command there: the whole size is given instead).
func (f *Flasher) Erase(ctx context.Context, r *Range) error {
	if err := f.mustBeConnected(); err != nil {
		return err
	}
	if r != nil {
		if err := CheckEraseRange(*r); err != nil {
			return err
		}
		if err := f.checkRange(*r); err != nil {
			return err
		}
	}
	var err error
	switch {
	case f.stub && r == nil:
		err = eraseFlash(ctx, f.c)
	case f.stub:
		err = eraseRegion(ctx, f.c, *r)
	case r == nil:
		return bberr.New(bberr.Usage, "drop --no-stub, or give the region to erase (erase --region 0x0 SIZE)", "erasing the whole chip needs the flasher stub")
	default:
		if overErase(r.Start, r.Len()) > 0 {
			return bberr.New(bberr.Usage, "erase one sector more or less, or drop --no-stub",
				"the ESP8266 ROM loader cannot erase exactly %s (an odd number of sectors inside one 64 KiB block): it would erase the next sector too", *r)
		}
		err = flashBegin(ctx, f.c, r.Len(), r.Start)
	}
	if err != nil {
		return f.ioError(err, "erase the flash")
	}
	return nil
}

// CheckEraseRange refuses a region that is not whole 4 KiB sectors.
func CheckEraseRange(r Range) error {
	if r.Start%rom.SectorSize != 0 || r.Len()%rom.SectorSize != 0 || r.End < r.Start {
		return bberr.New(bberr.BadInput, "give a sector-aligned address and a size that is a multiple of 4 KiB (0x1000)", "erase range %s is not whole 4 KiB sectors", r)
	}
	return nil
}

// Release leaves a stub that runs at another rate than the loader was
// reached at back at that rate (best effort, short), so that the next
// command, which syncs at its --baud without a reset on ports without
// modem lines, finds it. Finish does this on success; call Release after
// a failure.
func (f *Flasher) Release(ctx context.Context) {
	if !f.stub || f.connectBaud <= 0 || f.c.baud() == f.connectBaud {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := f.setStubBaud(ctx, f.connectBaud); err != nil {
		f.log.Debug("could not return the stub to the connect rate", "err", err)
	}
}

// VerifyResult says whether the flash holds an image.
type VerifyResult struct {
	Target     Range   `json:"target"`
	Match      bool    `json:"match"`
	BadSectors []Range `json:"bad_sectors"` // absolute, 4 KiB each
	MD5        string  `json:"md5"`         // of the image
}

// Verify compares the flash at offset with image by MD5 (stub only),
// naming the 4 KiB sectors that differ.
func (f *Flasher) Verify(ctx context.Context, image []byte, offset uint32) (*VerifyResult, error) {
	if err := f.mustBeConnected(); err != nil {
		return nil, err
	}
	if !f.stub {
		return nil, f.needStub("verifying by MD5")
	}
	t := Range{offset, offset + uint32(len(image))}
	if err := f.checkRange(t); err != nil {
		return nil, err
	}
	sum := md5.Sum(image)
	res := &VerifyResult{Target: t, BadSectors: []Range{}, MD5: hex.EncodeToString(sum[:])}
	got, err := stubMD5(ctx, f.c, offset, uint32(len(image)))
	if err != nil {
		return nil, f.ioError(err, "verify (MD5)")
	}
	if got == sum {
		res.Match = true
		return res, nil
	}
	var secs []Range
	for s := uint32(0); s < uint32(len(image)); s += rom.SectorSize {
		secs = append(secs, Range{s, min(s+rom.SectorSize, uint32(len(image)))})
	}
	bad, err := f.differing(ctx, offset, image, secs)
	if err != nil {
		return nil, f.ioError(err, "verify (MD5)")
	}
	for _, b := range bad {
		res.BadSectors = append(res.BadSectors, Range{offset + b.Start, offset + b.End})
	}
	return res, nil
}
