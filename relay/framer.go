package relay

import (
	"github.com/blynkbridge/blynkbridge/blynk"
)

// framer is the board-side framing: the codec's resynchronising Decoder plus
// the relay's rules. Only whole frames that pass the library's receive rules
// come out; everything else (sketch prints, the ROM's 74880-baud boot text,
// line noise, a frame over the size limit) is counted and dropped. The bytes
// themselves are never kept or logged: a mangled login would carry a token.
type framer struct {
	dec     *blynk.Decoder
	maxBody int

	fed       int64 // bytes fed
	frames    int64 // frames passed
	frameB    int64 // their bytes
	skipped   int64 // bytes dropped as garbage (oversize frames included)
	oversize  int64 // runs that began with the header of a frame over the limit
	invalid   int64 // frames the decoder produced that fail Validate
	lastSkips []int // sizes of the runs skipped by the last Feed (for logs)
}

func newFramer(maxBody int) *framer {
	return &framer{dec: blynk.NewDecoder(blynk.DecoderOptions{MaxBody: maxBody}), maxBody: maxBody}
}

// feed consumes p and returns the whole, valid frames it completes.
func (fr *framer) feed(p []byte) []blynk.Frame {
	fr.fed += int64(len(p))
	fr.lastSkips = fr.lastSkips[:0]
	var out []blynk.Frame
	for _, it := range fr.dec.Feed(p) {
		if it.IsSkip() {
			fr.skip(it.Skipped)
			continue
		}
		f := it.Frame
		if err := f.Validate(fr.maxBody); err != nil {
			// The decoder's plausibility rules should make this
			// impossible; never forward a frame the library would reject.
			fr.invalid++
			fr.skipped += int64(f.Size())
			fr.lastSkips = append(fr.lastSkips, f.Size())
			continue
		}
		fr.frames++
		fr.frameB += int64(f.Size())
		out = append(out, f)
	}
	return out
}

func (fr *framer) skip(b []byte) {
	fr.skipped += int64(len(b))
	fr.lastSkips = append(fr.lastSkips, len(b))
	if looksOversize(b, fr.maxBody) {
		fr.oversize++
	}
}

// held is what the decoder still holds (a partial frame, or bytes that may
// yet start one).
func (fr *framer) held() int64 { return fr.dec.Stats().Buffered }

// reset forgets a partial frame (the port was reopened: what was in flight
// belongs to the old connection). Returns the bytes dropped.
func (fr *framer) reset() int64 {
	var n int64
	for _, it := range fr.dec.Flush() {
		n += int64(len(it.Skipped))
		fr.skip(it.Skipped)
	}
	return n
}

// looksOversize: a skipped run that starts with the header of a real
// command, a valid id and a length over the limit is taken to be a frame the
// board built too big (the decoder drops such headers as garbage, which
// bounds its memory). Only the start of a run is looked at: random garbage
// elsewhere would give false alarms.
func looksOversize(b []byte, maxBody int) bool {
	h, err := blynk.ParseHeader(b)
	if err != nil || h.ID == 0 || !h.Cmd.Known() {
		return false
	}
	switch h.Cmd {
	case blynk.CmdResponse, blynk.CmdPing:
		return false
	}
	return int(h.Len) > maxBody
}
