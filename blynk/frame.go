package blynk

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HeaderLen is the size of every frame header.
const HeaderLen = 5

// Body limits (reference §1.7). The ESP8266/ESP32 ports raise both buffers to
// 1024; every other board keeps 256 to read and 128 to send.
const (
	MaxBodyESP8266 = 1024
	MaxReadBytes   = 256
	MaxSendBytes   = 128
)

// Frame is one hardware-protocol message. For RESPONSE (Cmd 0) Len holds the
// status code and Body is empty; otherwise Len is the body length.
type Frame struct {
	Cmd  Cmd
	ID   uint16
	Len  uint16
	Body []byte
}

// NewFrame builds a non-RESPONSE frame with Len set from body.
func NewFrame(cmd Cmd, id uint16, body []byte) Frame {
	return Frame{Cmd: cmd, ID: id, Len: uint16(len(body)), Body: body}
}

// Response builds the 5-byte RESPONSE frame answering message id.
func Response(id uint16, s Status) Frame { return Frame{Cmd: CmdResponse, ID: id, Len: uint16(s)} }

// Ping builds a PING frame.
func Ping(id uint16) Frame { return Frame{Cmd: CmdPing, ID: id} }

// Login builds a login frame (cmd CmdLogin for library ≤0.5.4, CmdHWLogin
// after) with msg id 1, as every library version sends it.
func Login(cmd Cmd, t Token) Frame { return NewFrame(cmd, 1, []byte(t.Reveal())) }

// Hardware builds a HARDWARE frame from body parts (see Body).
func Hardware(id uint16, parts ...string) Frame { return NewFrame(CmdHardware, id, Body(parts...)) }

// Status is the status of a RESPONSE frame (meaningless for other commands).
func (f Frame) Status() Status { return Status(f.Len) }

// IsResponse reports whether f is a RESPONSE.
func (f Frame) IsResponse() bool { return f.Cmd == CmdResponse }

// Size is the number of bytes f occupies on the wire.
func (f Frame) Size() int {
	if f.Cmd == CmdResponse {
		return HeaderLen
	}
	return HeaderLen + len(f.Body)
}

// Marshal encodes f. For RESPONSE it writes Len as the status and no body;
// otherwise the length field is len(Body) (Len is ignored, so a frame built
// by hand cannot go out with a lying length). Bodies over 65535 bytes are
// truncated to fit the field; Validate rejects them first.
func (f Frame) Marshal() []byte {
	return f.AppendTo(make([]byte, 0, f.Size()))
}

// AppendTo appends f's wire bytes to b.
func (f Frame) AppendTo(b []byte) []byte {
	if f.Cmd == CmdResponse {
		return append(b, byte(f.Cmd), byte(f.ID>>8), byte(f.ID), byte(f.Len>>8), byte(f.Len))
	}
	body := f.Body
	if len(body) > 0xFFFF {
		body = body[:0xFFFF]
	}
	n := len(body)
	b = append(b, byte(f.Cmd), byte(f.ID>>8), byte(f.ID), byte(n>>8), byte(n))
	return append(b, body...)
}

// Header is the decoded 5-byte header.
type Header struct {
	Cmd Cmd
	ID  uint16
	Len uint16 // status for RESPONSE
}

// ParseHeader decodes the first 5 bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrShort
	}
	return Header{Cmd: Cmd(b[0]), ID: binary.BigEndian.Uint16(b[1:3]), Len: binary.BigEndian.Uint16(b[3:5])}, nil
}

// BodyLen is the number of body bytes that follow this header.
func (h Header) BodyLen() int {
	if h.Cmd == CmdResponse {
		return 0
	}
	return int(h.Len)
}

// Errors returned by the codec. They describe the frame, never its body.
var (
	ErrShort    = errors.New("blynk: incomplete frame")
	ErrZeroID   = errors.New("blynk: message id 0 is never valid on the wire")
	ErrTooBig   = errors.New("blynk: body longer than the buffer limit")
	ErrBodyLen  = errors.New("blynk: length field does not match the body")
	ErrRespBody = errors.New("blynk: RESPONSE frame carries a body")
)

// Unmarshal decodes one whole frame at the start of b and returns it with the
// number of bytes used. It returns ErrShort when b holds less than a frame.
// The body aliases b. It does not validate; see Validate.
func Unmarshal(b []byte) (Frame, int, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return Frame{}, 0, err
	}
	n := HeaderLen + h.BodyLen()
	if len(b) < n {
		return Frame{}, 0, ErrShort
	}
	f := Frame{Cmd: h.Cmd, ID: h.ID, Len: h.Len}
	if h.Cmd != CmdResponse {
		f.Body = b[HeaderLen:n:n]
	}
	return f, n, nil
}

// Validate applies the library's receive rules (reference §1.6, §1.7): id 0
// is rejected (`Bad hdr len`), a body over maxBody is rejected (`Packet too
// big`; maxBody <= 0 means MaxBodyESP8266), and the length field must match
// the body.
func (f Frame) Validate(maxBody int) error {
	if maxBody <= 0 {
		maxBody = MaxBodyESP8266
	}
	if f.ID == 0 {
		return ErrZeroID
	}
	if f.Cmd == CmdResponse {
		if len(f.Body) != 0 {
			return ErrRespBody
		}
		return nil
	}
	if int(f.Len) > maxBody || len(f.Body) > maxBody {
		return fmt.Errorf("%w: %d > %d", ErrTooBig, max(int(f.Len), len(f.Body)), maxBody)
	}
	if int(f.Len) != len(f.Body) {
		return fmt.Errorf("%w: length %d, body %d", ErrBodyLen, f.Len, len(f.Body))
	}
	return nil
}

// redacted reports whether f's body is an auth token that must not print.
func (f Frame) redacted() bool {
	switch f.Cmd {
	case CmdLogin, CmdHWLogin, CmdShareLogin:
		return true
	}
	return false
}

// Fields is the body split at NULs for display, with a login token replaced
// by its redacted form.
func (f Frame) Fields() []string {
	if f.Cmd == CmdResponse || len(f.Body) == 0 {
		return nil
	}
	if f.redacted() {
		return []string{NewToken(string(f.Body)).Redacted()}
	}
	return Split(f.Body)
}

// String is a one-line human form, e.g.
// `HARDWARE id=2 len=8 [vw 1 123]` or `RESPONSE id=1 status=200 SUCCESS`.
// A login token always prints redacted.
func (f Frame) String() string {
	if f.Cmd == CmdResponse {
		return fmt.Sprintf("RESPONSE id=%d status=%d %s", f.ID, f.Len, Status(f.Len))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s id=%d len=%d", f.Cmd, f.ID, f.Len)
	if fs := f.Fields(); fs != nil {
		sb.WriteString(" [")
		for i, s := range fs {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(quoteField(s, f.redacted()))
		}
		sb.WriteByte(']')
	}
	return sb.String()
}

// GoString keeps %#v from printing a token through the Body bytes.
func (f Frame) GoString() string { return "blynk.Frame{" + f.String() + "}" }

// Format makes every fmt verb use String, so %v, %+v and %#v cannot leak the
// body of a login frame.
func (f Frame) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte(f.String())) }

func quoteField(s string, raw bool) string {
	if raw {
		return s
	}
	if s == "" || strings.ContainsAny(s, " []\"") || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

// frameJSON is the stable JSON shape of a frame (documented in the README).
type frameJSON struct {
	Cmd        string   `json:"cmd"`
	Code       uint8    `json:"code"`
	ID         uint16   `json:"id"`
	Len        *uint16  `json:"len,omitempty"`
	Status     *uint16  `json:"status,omitempty"`
	StatusName string   `json:"status_name,omitempty"`
	Body       []string `json:"body,omitempty"`
}

// MarshalJSON writes {"cmd","code","id","len"|"status","status_name","body"};
// body is the NUL-separated fields, a login token redacted.
func (f Frame) MarshalJSON() ([]byte, error) {
	j := frameJSON{Cmd: f.Cmd.String(), Code: uint8(f.Cmd), ID: f.ID}
	l := f.Len
	if f.Cmd == CmdResponse {
		j.Status, j.StatusName = &l, Status(l).String()
	} else {
		j.Len = &l
		j.Body = f.Fields()
	}
	return json.Marshal(j)
}
