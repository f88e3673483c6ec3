package flash

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// WriteOptions say what to write where.
type WriteOptions struct {
	// Offset is the flash address of the image. A non-sector-aligned offset
	// is lowered to the sector start and the gap filled with 0xFF (esptool).
	Offset uint32
	// Base is the image known to be on the flash at Offset (--base): only
	// the 4 KiB sectors where the new image differs are written.
	Base []byte
	// Resume continues an interrupted write of the same image at the same
	// offset from its last confirmed sector (needs Options.StateDir).
	Resume bool
}

// Result describes a finished write. Field names are the --json schema.
type Result struct {
	Target         Range         `json:"target"`          // after back-alignment
	Bytes          int           `json:"bytes"`           // payload bytes sent in FLASH_DATA (incl. padding and re-sends)
	Planned        int           `json:"planned"`         // bytes of the image this run had to write
	SectorsWritten int           `json:"sectors_written"` // 4 KiB sectors erased and written
	SectorsSkipped int           `json:"sectors_skipped"` // unchanged against Base, or done before a resume
	Runs           int           `json:"runs"`            // FLASH_BEGINs issued
	Retries        int           `json:"retries"`         // block re-sends
	Fallbacks      []int         `json:"fallbacks,omitempty"`
	ResumedFrom    *uint32       `json:"resumed_from,omitempty"`
	Baud           int           `json:"baud"` // rate at the end
	Duration       time.Duration `json:"duration_ns"`
}

// PartialError is a write that stopped part-way: [Target.Start, Confirmed)
// is on the flash (written and acknowledged, or unchanged against Base),
// [Confirmed, Target.End) is not.
type PartialError struct {
	Target    Range
	Confirmed uint32
	Cause     error
}

// Written is the confirmed range.
func (e *PartialError) Written() Range { return Range{e.Target.Start, e.Confirmed} }

// NotWritten is the range still to write.
func (e *PartialError) NotWritten() Range { return Range{e.Confirmed, e.Target.End} }

func (e *PartialError) Error() string {
	w := e.Written()
	head := "flash write stopped"
	switch {
	case errors.Is(e.Cause, context.Canceled):
		head = "flash write interrupted"
	case errors.Is(e.Cause, serialio.ErrUnplugged):
		head = "board unplugged during the flash write"
	}
	var done string
	if w.Len() == 0 {
		done = "nothing written of " + e.Target.String()
	} else {
		done = fmt.Sprintf("wrote %s (%s) of %s", w, sizeText(w.Len()), e.Target)
	}
	return fmt.Sprintf("%s: %s; not written: %s: %v", head, done, e.NotWritten(), e.Cause)
}

func (e *PartialError) Unwrap() error { return e.Cause }

// retryable failures of a block: the reply was lost or the data arrived
// damaged. Anything else (unplugged, flash write error) ends the write.
func retryable(err error) bool {
	var se *StatusError
	return errors.Is(err, errTimeout) || (errors.As(err, &se) && se.Reason == rom.ReasonChecksum)
}

// blockFailed is a block that failed every attempt with retryable errors:
// a lower baud may help.
type blockFailed struct {
	addr     uint32
	attempts int
	last     error
}

func (e *blockFailed) Error() string {
	return fmt.Sprintf("block at 0x%x failed %d times, last: %v", e.addr, e.attempts, e.last)
}

func (e *blockFailed) Unwrap() error { return e.last }

// saveEvery is how often (in bytes) the resume state is refreshed while
// writing, so even a killed process leaves a useful state file.
const saveEvery = 64 << 10

// Write writes image at wo.Offset. On failure the error is a *bberr.Error
// wrapping *PartialError that names the written and unwritten ranges.
func (f *Flasher) Write(ctx context.Context, image []byte, wo WriteOptions) (*Result, error) {
	if err := f.mustBeConnected(); err != nil {
		return nil, err
	}
	if len(image) == 0 {
		return nil, bberr.New(bberr.BadInput, "give a non-empty image file", "image is empty")
	}
	start := time.Now()
	origOffset := wo.Offset
	off, data := backAlign(wo.Offset, image)
	base := wo.Base
	if off != wo.Offset {
		f.log.Warn("offset not sector-aligned: writing from the sector start, bytes before the offset in that sector become 0xFF",
			"offset", fmt.Sprintf("0x%x", wo.Offset), "aligned", fmt.Sprintf("0x%x", off))
		if base != nil {
			_, base = backAlign(wo.Offset, base)
		}
	}
	if uint64(off)+uint64(len(data)) > 1<<24 {
		return nil, bberr.New(bberr.BadInput, "check --offset and the file", "image of %d bytes at 0x%x goes past 16 MiB", len(data), off)
	}
	target := Range{off, off + uint32(len(data))}
	res := &Result{Target: target}

	runs := changedRuns(data, base)
	var statePath string
	if f.opts.StateDir != "" {
		statePath = ResumeFile(f.opts.StateDir, image, origOffset)
	}
	if wo.Resume {
		if statePath == "" {
			return nil, bberr.New(bberr.Usage, "this build has no state directory; rerun without --resume", "--resume needs a state directory")
		}
		st, ok, err := loadState(statePath, image, origOffset)
		switch {
		case err != nil:
			f.log.Warn("cannot read the resume state; writing the whole image", "file", statePath, "err", err)
		case !ok:
			f.log.Warn("no interrupted write of this image at this offset is recorded; writing the whole image")
		default:
			from := floorSector(st.Confirmed - off)
			r := off + from
			res.ResumedFrom = &r
			runs = trimRuns(runs, from)
			f.log.Info("resuming an interrupted write", "from", fmt.Sprintf("0x%x", r))
		}
	}
	runs = coverOverErase(runs, off, uint32(len(data)))
	if len(runs) > 0 {
		last := runs[len(runs)-1]
		if x := overErase(off+last.Start, last.Len()); x > 0 {
			end := off + floorSector(last.End+rom.SectorSize-1)
			f.log.Warn(fmt.Sprintf("the ESP8266 loader cannot erase this odd number of sectors exactly: %s after the image is erased too",
				Range{end, end + x*rom.SectorSize}))
		}
	}
	planned := 0
	for _, r := range runs {
		planned += int(r.Len())
	}
	res.Planned = planned
	res.SectorsSkipped = (len(data)+rom.SectorSize-1)/rom.SectorSize - sectorsIn(runs)

	var done int
	confirmed := off
	if len(runs) > 0 {
		confirmed = off + runs[0].Start
	}
	lastSaved := confirmed
	var hash string // computed once, at the first save
	save := func() {
		if statePath == "" {
			return
		}
		if hash == "" {
			hash = imageHash(image)
		}
		st := resumeState{Version: 1, ImageSHA256: hash, Offset: origOffset, Size: len(image),
			Confirmed: max(confirmed, origOffset), Port: f.c.name(), Time: time.Now().UTC()}
		if err := saveState(statePath, st); err != nil {
			f.log.Warn("cannot save the resume state", "file", statePath, "err", err)
		}
		lastSaved = confirmed
	}
	fail := func(cause error) error {
		// Confirmed never goes below what the user asked to write.
		save()
		pe := &PartialError{Target: target, Confirmed: confirmed, Cause: cause}
		code, hint := bberr.CodeOf(f.ioError(cause, "write")), "rerun the same command with --resume to continue"
		if errors.Is(cause, context.Canceled) {
			code = bberr.Interrupted
		}
		if statePath == "" {
			hint = "rerun the same command to write the image again"
		}
		return &bberr.Error{Code: code, Msg: pe.Error(), Hint: hint, Err: pe}
	}

	f.opts.Progress(0, planned)
	queue := runs
	remaining := func(pos, end uint32) int {
		n := int(end - pos)
		for _, q := range queue {
			n += int(q.Len())
		}
		return n
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		confirmed = off + r.Start
		pos := r.Start
		onBlock := func(n uint32) {
			confirmed = off + pos + n
			done = max(planned-remaining(pos+n, r.End), 0)
			f.opts.Progress(done, planned)
			if confirmed-lastSaved >= saveEvery {
				save()
			}
		}
		n, sent, retries, err := f.writeRun(ctx, data[r.Start:r.End], off+r.Start, onBlock)
		res.Bytes += sent
		res.Retries += retries
		res.Runs++
		pos += n
		confirmed = off + pos
		if err != nil {
			var bf *blockFailed
			next := f.nextBaud()
			if !errors.As(err, &bf) || next == 0 {
				return nil, fail(err)
			}
			// The new FLASH_BEGIN erases whole sectors: restart at the
			// sector holding the first unconfirmed block.
			pos = max(floorSector(pos), r.Start)
			confirmed = off + pos
			f.log.Warn(fmt.Sprintf("writing keeps failing at %d baud; re-syncing at %d baud and resuming at 0x%x", f.c.baud(), next, off+pos),
				"cause", bf.last.Error())
			if err := f.fallback(ctx, next); err != nil {
				return nil, fail(err)
			}
			res.Fallbacks = append(res.Fallbacks, next)
			queue = coverOverErase(append([]Range{{pos, r.End}}, queue...), off, uint32(len(data)))
			continue
		}
		if len(queue) > 0 {
			confirmed = off + queue[0].Start
		} else {
			confirmed = target.End
		}
	}
	f.opts.Progress(planned, planned)
	res.SectorsWritten = sectorsIn(runs)
	res.Baud = f.c.baud()
	res.Duration = time.Since(start)
	if statePath != "" {
		if err := os.Remove(statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
			f.log.Warn("cannot remove the resume state", "file", statePath, "err", err)
		}
	}
	return res, nil
}

func sectorsIn(runs []Range) int {
	n := 0
	for _, r := range runs {
		n += int((r.Len() + rom.SectorSize - 1) / rom.SectorSize)
	}
	return n
}

// writeRun is one FLASH_BEGIN and its blocks. It returns the bytes of chunk
// confirmed by the chip, the payload bytes sent and the number of re-sends.
func (f *Flasher) writeRun(ctx context.Context, chunk []byte, addr uint32, onBlock func(n uint32)) (confirmed uint32, sent, retries int, err error) {
	size := uint32(len(chunk))
	f.log.Debug("FLASH_BEGIN", "addr", fmt.Sprintf("0x%x", addr), "size", size, "erase_size", EraseSize(addr, size))
	if err := flashBegin(ctx, f.c, size, addr); err != nil {
		return 0, 0, 0, err
	}
	var pad []byte
	blocks := (size + rom.FlashBlockSize - 1) / rom.FlashBlockSize
	for i := uint32(0); i < blocks; i++ {
		if err := ctx.Err(); err != nil {
			return confirmed, sent, retries, err
		}
		lo := i * rom.FlashBlockSize
		hi := min(lo+rom.FlashBlockSize, size)
		block := chunk[lo:hi]
		if len(block) < rom.FlashBlockSize {
			// Pad in our own buffer: block aliases the caller's image,
			// which must never be written to.
			block = padBlock(pad, block)
			pad = block[:0]
		}
		var last error
		for a := 0; a < f.opts.BlockAttempts; a++ {
			if a > 0 {
				retries++
				// Drop a late reply to the previous attempt so it cannot
				// be taken for this one's.
				_ = f.c.flushInput()
			}
			sent += len(block)
			last = flashData(ctx, f.c, i, block, f.opts.BlockTimeout)
			if last == nil || !retryable(last) {
				break
			}
			f.log.Warn(fmt.Sprintf("block %d at 0x%x: %v; sending it again", i, addr+lo, last),
				"attempt", a+1, "of", f.opts.BlockAttempts)
		}
		if last != nil {
			if retryable(last) {
				return confirmed, sent, retries, &blockFailed{addr: addr + lo, attempts: f.opts.BlockAttempts, last: last}
			}
			return confirmed, sent, retries, last
		}
		confirmed = hi
		onBlock(hi)
	}
	return confirmed, sent, retries, nil
}

// nextBaud is the first fallback rate below the current one, or 0.
func (f *Flasher) nextBaud() int {
	cur := f.c.baud()
	for _, b := range f.opts.FallbackBauds {
		if b < cur {
			return b
		}
	}
	return 0
}

// fallback switches the host to baud and syncs again (with a reset into
// the loader when the port allows). The ROM auto-detects the new rate from
// the SYNC's 0x55 run.
func (f *Flasher) fallback(ctx context.Context, baud int) error {
	if err := f.c.setBaud(baud); err != nil {
		return f.ioError(err, fmt.Sprintf("switch to %d baud", baud))
	}
	return f.sync(ctx)
}
