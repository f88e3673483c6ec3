package blynk

import (
	"unicode/utf8"
)

// DecoderOptions tune the streaming Decoder. The zero value is right for a
// byte stream from an ESP8266 or from a server.
type DecoderOptions struct {
	// MaxBody is the largest body accepted (default MaxBodyESP8266). A header
	// announcing more is treated as garbage, which bounds the memory held.
	MaxBody int
	// Accept, if set, is an extra plausibility check run on every candidate
	// frame (e.g. a relay waiting for a login: cmd 2 or 29, id 1, len 32).
	Accept func(f Frame) bool
}

// Item is one unit of decoder output, in stream order: either a whole frame
// or a run of bytes discarded as garbage (Skipped non-empty, Frame zero).
type Item struct {
	Frame   Frame
	Skipped []byte
}

// IsSkip reports whether the item is skipped garbage rather than a frame.
func (it Item) IsSkip() bool { return len(it.Skipped) > 0 }

// DecoderStats account for every byte fed: Fed == FrameBytes + Skipped +
// Buffered at all times.
type DecoderStats struct {
	Fed, FrameBytes, Skipped, Buffered int64
	Frames, Resyncs                    int64
}

// Decoder turns a byte stream cut into arbitrary chunks into whole frames.
//
// Resynchronisation heuristic: a position starts a frame only if its header
// is plausible — a known command code, id ≠ 0, RESPONSE with a known status,
// any other command with length ≤ MaxBody (so two bytes of text can never be
// a length: printable ASCII makes it ≥ 0x2020) and PING with length 0. While
// in sync (the previous bytes were a frame) a plausible header is accepted at
// once. After garbage, or at the start, the candidate must also have a
// plausible body for its command (login: a printable token; HARDWARE: a
// two-letter op; text bodies: valid UTF-8), because a garbage header with a
// large length would otherwise swallow the real frames behind it. A byte that
// fails is skipped and the search moves on by one byte.
//
// Memory is bounded by MaxBody+5 bytes of buffer; a frame is returned only
// when all of it has arrived.
type Decoder struct {
	opts   DecoderOptions
	buf    []byte
	skip   []byte
	synced bool
	stats  DecoderStats
}

// NewDecoder returns a Decoder that starts unsynchronised.
func NewDecoder(opts DecoderOptions) *Decoder {
	if opts.MaxBody <= 0 {
		opts.MaxBody = MaxBodyESP8266
	}
	if opts.MaxBody > 0xFFFF {
		opts.MaxBody = 0xFFFF
	}
	return &Decoder{opts: opts, buf: make([]byte, 0, HeaderLen+opts.MaxBody)}
}

// Stats returns the byte accounting so far.
func (d *Decoder) Stats() DecoderStats {
	s := d.stats
	s.Buffered = int64(len(d.buf) + len(d.skip))
	return s
}

// Synced reports whether the last thing decoded was a frame.
func (d *Decoder) Synced() bool { return d.synced }

// Feed consumes p and returns the frames and skipped runs it completes.
// Frame bodies are fresh copies; p is not retained.
func (d *Decoder) Feed(p []byte) []Item {
	var out []Item
	d.stats.Fed += int64(len(p))
	for len(p) > 0 {
		room := cap(d.buf) - len(d.buf)
		n := min(room, len(p))
		d.buf = append(d.buf, p[:n]...)
		p = p[n:]
		out = d.scan(out)
	}
	// Garbage already decided on is reported at once (a monitor shows it
	// promptly); bytes that may still start a frame stay buffered.
	return d.flushSkip(out)
}

// Flush reports everything still held (a partial frame and pending garbage)
// as skipped, e.g. at end of stream. The decoder is unsynchronised after.
func (d *Decoder) Flush() []Item {
	d.skip = append(d.skip, d.buf...)
	d.buf = d.buf[:0]
	d.synced = false
	return d.flushSkip(nil)
}

func (d *Decoder) flushSkip(out []Item) []Item {
	if len(d.skip) == 0 {
		return out
	}
	s := append([]byte(nil), d.skip...)
	d.skip = d.skip[:0]
	d.stats.Skipped += int64(len(s))
	d.stats.Resyncs++
	return append(out, Item{Skipped: s})
}

func (d *Decoder) scan(out []Item) []Item {
	i := 0
	for len(d.buf)-i >= HeaderLen {
		h, _ := ParseHeader(d.buf[i:])
		strict := !d.synced
		ok := d.plausibleHeader(h)
		n := HeaderLen + h.BodyLen()
		if ok && strict {
			// Check the part of the body that has arrived before waiting
			// for the rest, so a garbage header cannot hold real frames.
			avail := d.buf[i+HeaderLen : i+min(n, len(d.buf)-i)]
			ok = plausibleBody(h.Cmd, avail, len(avail) < h.BodyLen())
		}
		if ok && len(d.buf)-i < n {
			break // wait for the rest; n ≤ cap so it will fit once compacted
		}
		if ok && strict && h.BodyLen() < 3 && len(d.buf)-i-n >= HeaderLen {
			// A short candidate found after garbage (RESPONSE, PING: five
			// bytes, nothing to check) is confirmed by the header behind it
			// when that has arrived; longer ones were vouched for by their
			// body.
			next, _ := ParseHeader(d.buf[i+n:])
			ok = d.plausibleHeader(next)
		}
		var f Frame
		if ok {
			f, _, _ = Unmarshal(d.buf[i : i+n])
			ok = d.opts.Accept == nil || d.opts.Accept(f)
		}
		if !ok {
			d.dropByte(d.buf[i])
			i++
			continue
		}
		if f.Body != nil {
			f.Body = append([]byte(nil), f.Body...)
		}
		out = d.flushSkip(out)
		out = append(out, Item{Frame: f})
		d.stats.Frames++
		d.stats.FrameBytes += int64(n)
		d.synced = true
		i += n
	}
	d.buf = d.buf[:copy(d.buf, d.buf[i:])]
	return out
}

func (d *Decoder) dropByte(b byte) {
	d.synced = false
	d.skip = append(d.skip, b)
}

// hardwareCmds are the commands that occur on a hardware connection in
// either direction; app-only codes (1, 3–5, 7–11, 22–28, 30–32) never do,
// and several of them are ASCII control characters (\n = 10) that text
// garbage is full of.
var hardwareCmds = [256]bool{
	CmdResponse: true, CmdLogin: true, CmdHWLogin: true, CmdPing: true,
	CmdTweet: true, CmdEmail: true, CmdNotify: true, CmdBridge: true,
	CmdHardwareSync: true, CmdInternal: true, CmdSMS: true, CmdProperty: true,
	CmdHardware: true, CmdCreateDash: true, CmdRedirect: true, CmdDebugPrint: true,
	CmdEventLog: true, CmdEventClear: true,
}

// knownStatus is Status.Known as a table: the resync loop asks per byte.
var knownStatus = func() (t [256]bool) {
	for s := range statusNames {
		if s < 256 {
			t[s] = true
		}
	}
	return t
}()

func (d *Decoder) plausibleHeader(h Header) bool {
	if h.ID == 0 || !hardwareCmds[h.Cmd] {
		return false
	}
	switch h.Cmd {
	case CmdResponse:
		return h.Len < 256 && knownStatus[h.Len]
	case CmdPing:
		return h.Len == 0
	case CmdLogin, CmdHWLogin:
		return h.Len > 0 && h.Len <= 128 && int(h.Len) <= d.opts.MaxBody
	}
	return int(h.Len) <= d.opts.MaxBody
}

// plausibleBody is the stricter check used while hunting for a frame
// boundary. body may be a prefix of the real body (partial), in which case
// only what has arrived is judged.
func plausibleBody(cmd Cmd, body []byte, partial bool) bool {
	switch cmd {
	case CmdResponse, CmdPing:
		return true
	case CmdLogin, CmdHWLogin:
		for _, c := range body {
			if c <= 0x20 || c >= 0x7f {
				return false
			}
		}
		return true
	case CmdHardware, CmdBridge:
		if len(body) < 2 && !partial {
			return false
		}
		if len(body) > 2 && body[2] != 0 {
			return false
		}
		for _, c := range body[:min(2, len(body))] {
			if c < 'a' || c > 'z' {
				if cmd == CmdBridge && c >= '0' && c <= '9' {
					continue // bridge bodies start with the channel pin
				}
				return false
			}
		}
	case CmdHardwareSync:
		if len(body) > 0 && body[0] != 'v' && body[0] != 'd' && body[0] != 'a' {
			return false
		}
	default: // INTERNAL, text commands, REDIRECT, …: start with a printable
		if (len(body) == 0 && !partial) || (len(body) > 0 && (body[0] <= 0x20 || body[0] >= 0x7f)) {
			return false
		}
	}
	if partial {
		// The last rune may be cut; judge everything before it.
		for k := 0; k < utf8.UTFMax && len(body) > 0 && !utf8.Valid(body); k++ {
			body = body[:len(body)-1]
		}
	}
	return utf8.Valid(body)
}
