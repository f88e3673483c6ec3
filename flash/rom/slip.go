package rom

import (
	"errors"
	"fmt"
)

// SLIP special bytes (RFC 1055 values, as the ROM uses them).
const (
	End    = 0xC0
	Esc    = 0xDB
	EscEnd = 0xDC
	EscEsc = 0xDD
)

// Encode returns payload framed as one SLIP packet: C0, escaped bytes, C0.
func Encode(payload []byte) []byte {
	out := make([]byte, 0, len(payload)+len(payload)/64+2)
	return AppendEncode(out, payload)
}

// AppendEncode appends the SLIP framing of payload to dst.
func AppendEncode(dst, payload []byte) []byte {
	dst = append(dst, End)
	for _, b := range payload {
		switch b {
		case End:
			dst = append(dst, Esc, EscEnd)
		case Esc:
			dst = append(dst, Esc, EscEsc)
		default:
			dst = append(dst, b)
		}
	}
	return append(dst, End)
}

// ErrInvalidEscape reports 0xDB followed by something other than DC/DD.
var ErrInvalidEscape = errors.New("invalid SLIP escape")

// JunkError reports bytes that arrived outside any frame. The host keeps them
// because they are often the board's own text (boot banner, a panic message).
type JunkError struct{ Bytes []byte }

func (e *JunkError) Error() string {
	return fmt.Sprintf("%d bytes outside a SLIP frame (first 0x%02X)", len(e.Bytes), e.Bytes[0])
}

// Decoder is a byte-wise SLIP state machine (idle -> in frame -> escape).
// Feed it whatever the port returned; it hands back complete frames. Empty
// frames (C0 C0 between back-to-back packets) are skipped.
type Decoder struct {
	inFrame bool
	escaped bool
	buf     []byte
	junk    []byte
	// MaxFrame bounds a frame's decoded size; a longer one is dropped and
	// reported, so garbage without a closing C0 cannot grow memory forever.
	MaxFrame int
}

// Event is one thing the decoder found in the input.
type Event struct {
	Frame []byte // a complete decoded frame, or nil
	Err   error  // *JunkError, ErrInvalidEscape or ErrFrameTooLong, or nil
}

// ErrFrameTooLong reports a frame longer than MaxFrame.
var ErrFrameTooLong = errors.New("SLIP frame too long")

const defaultMaxFrame = 0x4000 + 64

// Feed consumes p and returns the frames and problems found, in order. Junk
// outside frames is reported once per run of junk, when the next frame starts.
func (d *Decoder) Feed(p []byte) []Event {
	var evs []Event
	max := d.MaxFrame
	if max <= 0 {
		max = defaultMaxFrame
	}
	for _, b := range p {
		if !d.inFrame {
			if b == End {
				if len(d.junk) > 0 {
					evs = append(evs, Event{Err: &JunkError{Bytes: d.junk}})
					d.junk = nil
				}
				d.inFrame = true
				d.buf = d.buf[:0]
				continue
			}
			if len(d.junk) < 4096 {
				d.junk = append(d.junk, b)
			}
			continue
		}
		if d.escaped {
			d.escaped = false
			switch b {
			case EscEnd:
				d.buf = append(d.buf, End)
			case EscEsc:
				d.buf = append(d.buf, Esc)
			default:
				// The frame is unusable; resynchronise on the next C0.
				evs = append(evs, Event{Err: fmt.Errorf("%w: 0xDB 0x%02X", ErrInvalidEscape, b)})
				d.inFrame = false
				d.buf = d.buf[:0]
				if b == End {
					d.inFrame = true
				}
			}
			continue
		}
		switch b {
		case End:
			if len(d.buf) == 0 {
				// C0 C0: end of an empty frame, or the start of the next one.
				continue
			}
			frame := make([]byte, len(d.buf))
			copy(frame, d.buf)
			evs = append(evs, Event{Frame: frame})
			d.buf = d.buf[:0]
			d.inFrame = false
		case Esc:
			d.escaped = true
		default:
			if len(d.buf) >= max {
				evs = append(evs, Event{Err: ErrFrameTooLong})
				d.inFrame = false
				d.buf = d.buf[:0]
				continue
			}
			d.buf = append(d.buf, b)
		}
	}
	return evs
}

// Pending returns junk bytes seen outside frames and not yet reported, and
// forgets them. A host calls it after a timeout to look at what the board
// printed instead of answering.
func (d *Decoder) Pending() []byte {
	j := d.junk
	d.junk = nil
	return j
}

// Reset drops all state.
func (d *Decoder) Reset() { *d = Decoder{MaxFrame: d.MaxFrame} }
