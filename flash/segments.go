package flash

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// ParseAddress reads a flash address or size as esptool users write them:
// hex with 0x (0x10000) or decimal; a leading zero does not mean octal, as
// it does not in esptool. K/M suffixes (4M, 64K) are binary units.
func ParseAddress(what, s string) (uint32, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := uint64(1)
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1<<10, strings.TrimSuffix(t, "k")
	case strings.HasSuffix(t, "m"):
		mult, t = 1<<20, strings.TrimSuffix(t, "m")
	}
	base := 10
	if h, ok := strings.CutPrefix(t, "0x"); ok {
		t, base = h, 16
	}
	v, err := strconv.ParseUint(t, base, 32)
	if err != nil || v*mult > 1<<32-1 {
		return 0, bberr.New(bberr.Usage, "write it as hex (0x10000) or decimal, e.g. 4M or 64K for sizes", "bad %s %q", what, s)
	}
	return uint32(v * mult), nil
}

// Segment is one file to write at an address: esptool's ADDRESS FILE pair.
type Segment struct {
	Offset uint32
	File   string
}

// ParseSegments reads the positional arguments of flash and verify: FILE
// alone (single: its address comes from --offset or the ELF), or ADDRESS
// FILE pairs as esptool's write_flash takes them, several at once.
func ParseSegments(cmd string, args []string) (segs []Segment, single bool, err error) {
	usage := fmt.Sprintf("usage: blynkbridge %s [flags] FILE, or %s ADDRESS FILE [ADDRESS FILE ...]", cmd, cmd)
	switch {
	case len(args) == 0:
		return nil, false, bberr.New(bberr.Usage, usage, "%s needs a FILE", cmd)
	case len(args) == 1:
		return []Segment{{File: args[0]}}, true, nil
	case len(args)%2 != 0:
		return nil, false, bberr.New(bberr.Usage, usage, "%s: %d arguments do not make ADDRESS FILE pairs", cmd, len(args))
	}
	for i := 0; i < len(args); i += 2 {
		off, err := ParseAddress("address", args[i])
		if err != nil {
			return nil, false, bberr.New(bberr.Usage, usage, "%s: %q is not an address (pairs are ADDRESS FILE)", cmd, args[i])
		}
		segs = append(segs, Segment{Offset: off, File: args[i+1]})
	}
	return segs, false, nil
}

// Image is one image to write.
type Image struct {
	Name   string // for messages
	Offset uint32
	Data   []byte
	Base   []byte // --base: what the flash holds at Offset (nil: unknown)
}

// CheckOverlap refuses images whose sector-aligned ranges overlap: one
// write would erase the other's sectors.
func CheckOverlap(ims []Image) error {
	type span struct {
		r    Range
		name string
	}
	var ss []span
	for _, im := range ims {
		start := floorSector(im.Offset)
		end := uint64(im.Offset) + uint64(len(im.Data))
		ss = append(ss, span{Range{start, uint32(min(end, 1<<32-1))}, im.Name})
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].r.Start < ss[j].r.Start })
	for i := 1; i < len(ss); i++ {
		prevEnd := floorSector(ss[i-1].r.End + sectorMask)
		if ss[i].r.Start < prevEnd {
			return bberr.New(bberr.Usage, "give addresses whose 4 KiB sectors do not overlap",
				"%s at %s and %s at %s share flash sectors", ss[i-1].name, ss[i-1].r, ss[i].name, ss[i].r)
		}
	}
	return nil
}

const sectorMask = 0xFFF

// WriteAll writes each image in turn (Write, with wo's Resume, NoSkip
// and NoVerify), after checking they do not overlap. It returns the
// results so far with the first error.
func (f *Flasher) WriteAll(ctx context.Context, ims []Image, wo WriteOptions) ([]*Result, error) {
	if err := CheckOverlap(ims); err != nil {
		return nil, err
	}
	var out []*Result
	for _, im := range ims {
		o := wo
		o.Offset, o.Base = im.Offset, im.Base
		res, err := f.Write(ctx, im.Data, o)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// VerifyAll runs Verify for each image.
func (f *Flasher) VerifyAll(ctx context.Context, ims []Image) ([]*VerifyResult, error) {
	var out []*VerifyResult
	for _, im := range ims {
		r, err := f.Verify(ctx, im.Data, im.Offset)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
