package daemon

import "github.com/blynkbridge/blynkbridge/blynk"

// loginRedactor hides auth tokens in a board's raw byte stream before it
// reaches the raw log. A BlynkSimpleStream board (USB) speaks the Blynk
// protocol on its UART, so its LOGIN / HW_LOGIN frame - cmd, 2-byte id,
// 2-byte length, token - crosses the serial line in clear. The token's
// bytes become '*' (same length, so offsets stay true). A frame split
// across two chunks is found too: a tail that could be the start of a
// login is held back until the next chunk (at most maxHold bytes).
//
// The rule is decode's (redactBinaryLogin): id not 0, length 8..128, every
// token byte printable ASCII. Tokens the daemon knows from profiles are
// masked separately (secret.MaskWriter) wherever they appear.
type loginRedactor struct {
	pending []byte
}

const (
	loginMinLen = 8
	loginMaxLen = 128
	maxHold     = 5 + loginMaxLen
)

func isLoginCmd(c byte) bool { return c == byte(blynk.CmdLogin) || c == byte(blynk.CmdHWLogin) }

// Feed returns the bytes that are safe to write now (redacted).
func (r *loginRedactor) Feed(p []byte) []byte {
	buf := append(r.pending, p...)
	r.pending = nil
	hold := len(buf)
	for i := 0; i < len(buf); i++ {
		if !isLoginCmd(buf[i]) {
			continue
		}
		switch n, ok := loginAt(buf[i:]); {
		case ok:
			for j := i + 5; j < i+5+n; j++ {
				buf[j] = '*'
			}
			i += 4 + n
		case n < 0 && hold == len(buf):
			// Could be a login whose end has not arrived yet.
			hold = i
		}
	}
	if len(buf)-hold > maxHold {
		hold = len(buf) // cannot happen (loginAt bounds it); never hold more
	}
	r.pending = append([]byte(nil), buf[hold:]...)
	return buf[:hold]
}

// Flush returns what is held back (the stream ends, or went quiet). A held
// tail begins with what may be a login header; whatever follows the header
// may be the start of a token, so it is masked.
func (r *loginRedactor) Flush() []byte {
	out := r.pending
	r.pending = nil
	for i := 5; i < len(out); i++ {
		out[i] = '*'
	}
	return out
}

// loginAt looks for a login frame at the start of b: (token length, true)
// when one is complete there; (-1, false) when b is too short to tell;
// (0, false) when it is not one.
func loginAt(b []byte) (int, bool) {
	if len(b) < 5 {
		if len(b) >= 3 && b[1] == 0 && b[2] == 0 {
			return 0, false
		}
		return -1, false
	}
	if b[1] == 0 && b[2] == 0 {
		return 0, false // id 0 is never sent
	}
	n := int(b[3])<<8 | int(b[4])
	if n < loginMinLen || n > loginMaxLen {
		return 0, false
	}
	avail := min(len(b)-5, n)
	for _, c := range b[5 : 5+avail] {
		if c <= 0x20 || c >= 0x7f {
			return 0, false
		}
	}
	if avail < n {
		return -1, false
	}
	return n, true
}
