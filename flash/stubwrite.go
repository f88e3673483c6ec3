package flash

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"time"

	"github.com/blynkbridge/blynkbridge/flash/rom"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// flushEvery is the input interval at which the compressor flushes: the
// stream up to each flush decodes on its own, so an acknowledged block
// tells how much of the image the stub has surely written (the resume
// state and the report of an interrupted write use it). It costs a few
// bytes per 64 KiB.
const flushEvery = 64 << 10

// deflated is one run compressed as a single zlib stream (what the stub
// inflates), with marks: input [0, u) decodes from z[:c].
type deflated struct {
	z     []byte
	marks []struct{ u, c uint32 }
}

func deflate(data []byte) deflated {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression) // a valid level: no error
	var d deflated
	for u := 0; u < len(data); u += flushEvery {
		e := min(u+flushEvery, len(data))
		_, _ = zw.Write(data[u:e]) // bytes.Buffer does not fail
		_ = zw.Flush()
		d.marks = append(d.marks, struct{ u, c uint32 }{uint32(e), uint32(buf.Len())})
	}
	_ = zw.Close()
	d.z = buf.Bytes()
	return d
}

// decoded is how much input the stub has surely inflated and handed to
// flash once it processed z[:c], rounded down to a 256-byte page (the
// stub programs whole pages).
func (d deflated) decoded(c uint32) uint32 {
	var u uint32
	for _, m := range d.marks {
		if m.c <= c {
			u = m.u
		}
	}
	return u &^ 0xFF
}

// span bounds the input bytes that z[lo:hi] can produce, from the marks
// around it: used to size the wait for a block's acknowledgement.
func (d deflated) span(lo, hi uint32) uint32 {
	var from, to uint32
	to = d.marks[len(d.marks)-1].u
	for _, m := range d.marks {
		if m.c <= lo {
			from = m.u
		}
	}
	for i := len(d.marks) - 1; i >= 0; i-- {
		if d.marks[i].c >= hi {
			to = d.marks[i].u
		}
	}
	return to - from
}

// stubWorkTime bounds the stub's time to erase and program n bytes: 40 s
// per MB, esptool's allowance for erasing.
func stubWorkTime(n uint32) time.Duration {
	return time.Duration(float64(eraseTimeoutPerMB) * float64(n) / 1e6)
}

// writeStub is Write through the stub: skip sectors the flash already
// holds (MD5), send each remaining run as one deflate stream in 16 KiB
// blocks, then verify the whole target by MD5.
func (f *Flasher) writeStub(ctx context.Context, j *writeJob, wo WriteOptions) (*Result, error) {
	res := j.res
	res.Stub = true
	runs := j.runs
	// Compress the whole image while the MD5 comparison runs on the
	// board: on a fresh or different board the whole image is the run to
	// write, and the compressor's time is hidden.
	var whole chan deflated
	if len(runs) == 1 && runs[0].Len() == uint32(len(j.data)) {
		whole = make(chan deflated, 1)
		go func() { whole <- deflate(j.data) }()
	}
	compared := j.base == nil && !wo.NoSkip
	if compared && len(runs) > 0 {
		var err error
		if runs, err = f.md5Skip(ctx, j.off, j.data, runs); err != nil {
			return nil, f.ioError(err, "compare the flash with the image (MD5)")
		}
	}
	planned := j.plan(runs)
	f.opts.Progress(0, planned)
	done := 0
	full := -1 // compressed size of the whole image, when one run is all of it
	for _, r := range runs {
		j.confirmed = j.off + r.Start
		var d deflated
		if r.Len() == uint32(len(j.data)) && whole != nil {
			d = <-whole
			whole = nil
		} else {
			d = deflate(j.data[r.Start:r.End])
		}
		if r.Len() == uint32(len(j.data)) {
			full = len(d.z)
		}
		sent, retries, err := f.writeDeflated(ctx, d, r, j, done, planned)
		res.Bytes += sent
		res.Retries += retries
		res.Runs++
		if err != nil {
			return nil, j.fail(err)
		}
		done += int(r.Len())
		j.confirm(j.off + r.End)
	}
	j.confirmed = j.target.End
	f.opts.Progress(planned, planned)
	if !wo.NoVerify {
		// After an MD5 comparison the skipped sectors were just found
		// equal: checking what was written covers the whole image. With
		// --base they were assumed: check everything.
		check := []Range{{0, uint32(len(j.data))}}
		if compared {
			check = runs
		}
		if err := f.verifyMD5(ctx, j.off, j.data, check); err != nil {
			return nil, err
		}
		res.Verified = true
	}
	res = j.finish()
	if full < 0 && whole != nil {
		full = len((<-whole).z)
	} else if full < 0 {
		full = len(deflate(j.data).z)
	}
	res.FullBytes = full
	return res, nil
}

// writeDeflated sends one run's stream. It returns the payload bytes sent
// and the re-sends.
func (f *Flasher) writeDeflated(ctx context.Context, d deflated, r Range, j *writeJob, done, planned int) (sent, retries int, err error) {
	addr := j.off + r.Start
	n := uint32(len(d.z))
	blocks := (n + StubBlockSize - 1) / StubBlockSize
	f.log.Debug("FLASH_DEFL_BEGIN", "addr", fmt.Sprintf("0x%x", addr), "size", r.Len(), "compressed", n, "blocks", blocks)
	if err := deflBegin(ctx, f.c, r.Len(), blocks, addr); err != nil {
		return 0, 0, err
	}
	for i := uint32(0); i < blocks; i++ {
		if err := ctx.Err(); err != nil {
			return sent, retries, err
		}
		lo := i * StubBlockSize
		hi := min(lo+StubBlockSize, n)
		block := d.z[lo:hi]
		// The reply to this block waits for the previous block's erase
		// and program: allow for them.
		wait := f.opts.BlockTimeout
		if i > 0 {
			wait += stubWorkTime(d.span(lo-StubBlockSize, lo))
		}
		// A re-sent block carries the same sequence number: the stub takes
		// it once, even when only its reply was lost.
		s, rt, err := f.sendBlock(fmt.Sprintf("compressed block %d of the write at 0x%x", i, addr), addr, len(block), func() error {
			return deflData(ctx, f.c, i, block, wait)
		})
		sent += s
		retries += rt
		if err != nil {
			return sent, retries, err
		}
		// This reply came after the stub finished every earlier block.
		j.confirm(addr + d.decoded(lo))
		f.opts.Progress(done+int(uint64(hi)*uint64(r.Len())/uint64(n)), planned)
	}
	// FLASH_DEFL_END reports what went wrong after an acknowledgement.
	if err := deflEnd(ctx, f.c, true, f.opts.BlockTimeout+stubWorkTime(d.span(n-min(n, StubBlockSize), n))); err != nil {
		return sent, retries, err
	}
	return sent, retries, nil
}

// md5Skip keeps, of runs (image-relative), the 4 KiB sectors whose MD5 on
// the flash differs from the image's: first per 64 KiB, then per sector
// inside the 64 KiB pieces that differ. A token change costs two rounds
// of pipelined MD5 requests and one sector of writing.
func (f *Flasher) md5Skip(ctx context.Context, off uint32, data []byte, runs []Range) ([]Range, error) {
	var chunks []Range
	for _, r := range runs {
		for s := r.Start; s < r.End; s += rom.EraseBlockSize {
			chunks = append(chunks, Range{s, min(s+rom.EraseBlockSize, r.End)})
		}
	}
	differ, err := f.differing(ctx, off, data, chunks)
	if err != nil {
		return nil, err
	}
	var secs []Range
	for _, c := range differ {
		for s := c.Start; s < c.End; s += rom.SectorSize {
			secs = append(secs, Range{s, min(s+rom.SectorSize, c.End)})
		}
	}
	if len(secs) > len(differ) {
		if secs, err = f.differing(ctx, off, data, secs); err != nil {
			return nil, err
		}
	} else {
		secs = differ
	}
	var out []Range
	for _, s := range secs {
		if len(out) > 0 && out[len(out)-1].End == s.Start {
			out[len(out)-1].End = s.End
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// differing returns the ranges (image-relative) whose flash MD5 differs.
func (f *Flasher) differing(ctx context.Context, off uint32, data []byte, rs []Range) ([]Range, error) {
	abs := make([]Range, len(rs))
	for i, r := range rs {
		abs[i] = Range{off + r.Start, off + r.End}
	}
	sums, err := stubMD5s(ctx, f.c, abs)
	if err != nil {
		return nil, err
	}
	var out []Range
	for i, r := range rs {
		if md5.Sum(data[r.Start:r.End]) != sums[i] {
			out = append(out, r)
		}
	}
	return out, nil
}

// ErrVerify is a flash that does not hold what was written.
var ErrVerify = errors.New("verify failed")

// verifyMD5 compares the flash at off with data by MD5 over the ranges
// (image-relative) and names the sectors that differ.
func (f *Flasher) verifyMD5(ctx context.Context, off uint32, data []byte, check []Range) error {
	bad, err := f.differing(ctx, off, data, check)
	if err != nil {
		return f.ioError(err, "verify (MD5)")
	}
	if len(bad) == 0 {
		return nil
	}
	var secs []Range
	for _, b := range bad {
		for s := b.Start; s < b.End; s += rom.SectorSize {
			secs = append(secs, Range{s, min(s+rom.SectorSize, b.End)})
		}
	}
	if bad, err = f.differing(ctx, off, data, secs); err != nil {
		return f.ioError(err, "verify (MD5)")
	}
	var list []string
	for i, b := range bad {
		if i == 8 {
			list = append(list, fmt.Sprintf("and %d more", len(bad)-i))
			break
		}
		list = append(list, fmt.Sprintf("0x%x", off+b.Start))
	}
	return &bberr.Error{Code: bberr.DeviceError, Err: ErrVerify,
		Msg:  fmt.Sprintf("verify failed: the flash differs from the image in %d sector(s) at %v", len(bad), list),
		Hint: "rerun; if it persists, the flash chip may be worn or the board's power supply weak"}
}
