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
	// NoSkip writes every sector even when the flash already holds it
	// (stub mode compares by MD5 first otherwise).
	NoSkip bool
	// NoVerify skips the MD5 check after a stub write.
	NoVerify bool
}

// Result describes a finished write. Field names are the --json schema.
type Result struct {
	Target         Range         `json:"target"`          // after back-alignment
	Bytes          int           `json:"bytes"`           // payload bytes sent in FLASH_DATA/FLASH_DEFL_DATA (incl. padding and re-sends; compressed with the stub)
	Planned        int           `json:"planned"`         // bytes of the image this run had to write
	SectorsWritten int           `json:"sectors_written"` // 4 KiB sectors erased and written
	SectorsSkipped int           `json:"sectors_skipped"` // unchanged against Base, or done before a resume
	Runs           int           `json:"runs"`            // FLASH_BEGINs issued
	Retries        int           `json:"retries"`         // block re-sends
	Fallbacks      []int         `json:"fallbacks,omitempty"`
	ResumedFrom    *uint32       `json:"resumed_from,omitempty"`
	Baud           int           `json:"baud"`       // rate at the end
	Stub           bool          `json:"stub"`       // written through the flasher stub (compressed)
	FullBytes      int           `json:"full_bytes"` // what writing all of the image sends in this mode (Bytes over it: the fraction a skip saved)
	Verified       bool          `json:"verified"`   // MD5 of the target range checked after writing
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
	return errors.Is(err, errTimeout) || (errors.As(err, &se) &&
		(se.StubCode == 0 && se.Reason == rom.ReasonChecksum || se.StubCode == StubBadChecksum))
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

// writeJob is one Write: what to write where, the runs still to write and
// the resume bookkeeping both modes share.
type writeJob struct {
	f          *Flasher
	image      []byte
	origOffset uint32
	off        uint32 // after back-alignment
	data, base []byte
	target     Range
	res        *Result
	runs       []Range // image-relative
	statePath  string
	confirmed  uint32 // absolute: [origOffset, confirmed) is on the flash
	lastSaved  uint32
	hash       string // computed once, at the first save
	start      time.Time
}

// newWriteJob checks the request, back-aligns it and plans the runs: the
// sectors that differ from Base (all without one), minus what an
// interrupted write already confirmed when resuming.
func (f *Flasher) newWriteJob(image []byte, wo WriteOptions) (*writeJob, error) {
	if len(image) == 0 {
		return nil, bberr.New(bberr.BadInput, "give a non-empty image file", "image is empty")
	}
	j := &writeJob{f: f, image: image, origOffset: wo.Offset, start: time.Now()}
	j.off, j.data = backAlign(wo.Offset, image)
	j.base = wo.Base
	if j.off != wo.Offset {
		f.log.Warn("offset not sector-aligned: writing from the sector start, bytes before the offset in that sector become 0xFF",
			"offset", fmt.Sprintf("0x%x", wo.Offset), "aligned", fmt.Sprintf("0x%x", j.off))
		if j.base != nil {
			_, j.base = backAlign(wo.Offset, j.base)
		}
	}
	limit := uint64(1 << 24)
	if f.stub && f.flashSize > 0 {
		limit = uint64(f.flashSize)
	}
	if uint64(j.off)+uint64(len(j.data)) > limit {
		return nil, bberr.New(bberr.BadInput, "check --offset and the file", "image of %d bytes at 0x%x goes past the end of the flash (%s)", len(j.data), j.off, sizeText(uint32(limit)))
	}
	j.target = Range{j.off, j.off + uint32(len(j.data))}
	j.res = &Result{Target: j.target}
	j.runs = changedRuns(j.data, j.base)
	if f.opts.StateDir != "" {
		j.statePath = ResumeFile(f.opts.StateDir, image, wo.Offset)
	}
	if wo.Resume {
		if j.statePath == "" {
			return nil, bberr.New(bberr.Usage, "this build has no state directory; rerun without --resume", "--resume needs a state directory")
		}
		st, ok, err := loadState(j.statePath, image, wo.Offset)
		switch {
		case err != nil:
			f.log.Warn("cannot read the resume state; writing the whole image", "file", j.statePath, "err", err)
		case !ok:
			f.log.Warn("no interrupted write of this image at this offset is recorded; writing the whole image")
		default:
			from := floorSector(st.Confirmed - j.off)
			r := j.off + from
			j.res.ResumedFrom = &r
			j.runs = trimRuns(j.runs, from)
			f.log.Info("resuming an interrupted write", "from", fmt.Sprintf("0x%x", r))
		}
	}
	return j, nil
}

// plan records the runs as final: the bytes to write and the sectors
// skipped.
func (j *writeJob) plan(runs []Range) int {
	j.runs = runs
	planned := 0
	for _, r := range runs {
		planned += int(r.Len())
	}
	j.res.Planned = planned
	j.res.SectorsSkipped = (len(j.data)+rom.SectorSize-1)/rom.SectorSize - sectorsIn(runs)
	j.confirmed = j.off
	if len(runs) > 0 {
		j.confirmed = j.off + runs[0].Start
	}
	j.lastSaved = j.confirmed
	return planned
}

// save refreshes the resume state file.
func (j *writeJob) save() {
	if j.statePath == "" {
		return
	}
	if j.hash == "" {
		j.hash = imageHash(j.image)
	}
	st := resumeState{Version: 1, ImageSHA256: j.hash, Offset: j.origOffset, Size: len(j.image),
		Confirmed: max(j.confirmed, j.origOffset), Port: j.f.c.name(), Time: time.Now().UTC()}
	if err := saveState(j.statePath, st); err != nil {
		j.f.log.Warn("cannot save the resume state", "file", j.statePath, "err", err)
	}
	j.lastSaved = j.confirmed
}

// confirm moves the confirmed mark and saves now and then, so even a
// killed process leaves a useful state file.
func (j *writeJob) confirm(abs uint32) {
	j.confirmed = abs
	if j.confirmed-j.lastSaved >= saveEvery {
		j.save()
	}
}

// fail ends the write with a *bberr.Error wrapping *PartialError.
func (j *writeJob) fail(cause error) error {
	// Confirmed never goes below what the user asked to write.
	j.save()
	pe := &PartialError{Target: j.target, Confirmed: j.confirmed, Cause: cause}
	code, hint := bberr.CodeOf(j.f.ioError(cause, "write")), "rerun the same command with --resume to continue"
	if errors.Is(cause, context.Canceled) {
		code = bberr.Interrupted
	}
	if j.statePath == "" {
		hint = "rerun the same command to write the image again"
	}
	return &bberr.Error{Code: code, Msg: pe.Error(), Hint: hint, Err: pe}
}

// finish fills the result and drops the resume state.
func (j *writeJob) finish() *Result {
	j.res.SectorsWritten = sectorsIn(j.runs)
	j.res.Baud = j.f.c.baud()
	j.res.Duration = time.Since(j.start)
	if j.statePath != "" {
		if err := os.Remove(j.statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
			j.f.log.Warn("cannot remove the resume state", "file", j.statePath, "err", err)
		}
	}
	return j.res
}

// Write writes image at wo.Offset. On failure the error is a *bberr.Error
// wrapping *PartialError that names the written and unwritten ranges.
// With the stub the data goes deflate-compressed, sectors already holding
// the image are skipped (found by MD5) and the result is verified by MD5.
func (f *Flasher) Write(ctx context.Context, image []byte, wo WriteOptions) (*Result, error) {
	if err := f.mustBeConnected(); err != nil {
		return nil, err
	}
	j, err := f.newWriteJob(image, wo)
	if err != nil {
		return nil, err
	}
	if f.stub {
		return f.writeStub(ctx, j, wo)
	}
	off, data := j.off, j.data
	res := j.res
	runs := coverOverErase(j.runs, off, uint32(len(data)))
	if len(runs) > 0 {
		last := runs[len(runs)-1]
		if x := overErase(off+last.Start, last.Len()); x > 0 {
			end := off + floorSector(last.End+rom.SectorSize-1)
			f.log.Warn(fmt.Sprintf("the ESP8266 loader cannot erase this odd number of sectors exactly: %s after the image is erased too",
				Range{end, end + x*rom.SectorSize}))
		}
	}
	planned := j.plan(runs)

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
		j.confirmed = off + r.Start
		pos := r.Start
		onBlock := func(n uint32) {
			f.opts.Progress(max(planned-remaining(pos+n, r.End), 0), planned)
			j.confirm(off + pos + n)
		}
		n, sent, retries, err := f.writeRun(ctx, data[r.Start:r.End], off+r.Start, onBlock)
		res.Bytes += sent
		res.Retries += retries
		res.Runs++
		pos += n
		j.confirmed = off + pos
		if err != nil {
			var bf *blockFailed
			next := f.nextBaud()
			if !errors.As(err, &bf) || next == 0 {
				return nil, j.fail(err)
			}
			// The new FLASH_BEGIN erases whole sectors: restart at the
			// sector holding the first unconfirmed block.
			pos = max(floorSector(pos), r.Start)
			j.confirmed = off + pos
			f.log.Warn(fmt.Sprintf("writing keeps failing at %d baud; re-syncing at %d baud and resuming at 0x%x", f.c.baud(), next, off+pos),
				"cause", bf.last.Error())
			if err := f.fallback(ctx, next); err != nil {
				return nil, j.fail(err)
			}
			res.Fallbacks = append(res.Fallbacks, next)
			queue = coverOverErase(append([]Range{{pos, r.End}}, queue...), off, uint32(len(data)))
			continue
		}
		if len(queue) > 0 {
			j.confirmed = off + queue[0].Start
		} else {
			j.confirmed = j.target.End
		}
	}
	f.opts.Progress(planned, planned)
	res = j.finish()
	res.FullBytes = FullWriteBytes(j.origOffset, len(j.image))
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
		s, r, err := f.sendBlock(fmt.Sprintf("block %d at 0x%x", i, addr+lo), addr+lo, len(block), func() error {
			return flashData(ctx, f.c, i, block, f.opts.BlockTimeout)
		})
		sent += s
		retries += r
		if err != nil {
			return confirmed, sent, retries, err
		}
		confirmed = hi
		onBlock(hi)
	}
	return confirmed, sent, retries, nil
}

// sendBlock sends one data block (send) up to BlockAttempts times while
// it fails retryably (lost reply, damaged data), dropping a late reply to
// the previous attempt before each re-send so it cannot be taken for this
// one's. It returns the payload bytes sent and the re-sends; a block that
// failed every attempt retryably is a *blockFailed (a lower baud may help).
func (f *Flasher) sendBlock(what string, addr uint32, n int, send func() error) (sent, retries int, err error) {
	var last error
	for a := 0; a < f.opts.BlockAttempts; a++ {
		if a > 0 {
			retries++
			_ = f.c.flushInput()
		}
		sent += n
		last = send()
		if last == nil || !retryable(last) {
			break
		}
		f.log.Warn(fmt.Sprintf("%s: %v; sending it again", what, last), "attempt", a+1, "of", f.opts.BlockAttempts)
	}
	if last != nil && retryable(last) {
		return sent, retries, &blockFailed{addr: addr, attempts: f.opts.BlockAttempts, last: last}
	}
	return sent, retries, last
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
