package blynk

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Body joins parts with single NUL separators and no trailing NUL, as the
// library's HARDWARE builder does (reference §1.2).
func Body(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// Split splits a body at every NUL. It is exact: a trailing NUL gives a final
// empty field, so Body(Split(b)...) == b for every b. An empty body gives nil.
func Split(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	parts := bytes.Split(body, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// Hardware sub-commands (the first field of a HARDWARE or BRIDGE body).
const (
	OpVirtualWrite = "vw"
	OpVirtualRead  = "vr"
	OpDigitalWrite = "dw"
	OpDigitalRead  = "dr"
	OpAnalogWrite  = "aw"
	OpAnalogRead   = "ar"
	OpPinMode      = "pm"
)

// PinOp is a parsed HARDWARE body: operation, pin (as on the wire) and values.
type PinOp struct {
	Op     string
	Pin    string
	Values []string
}

// ErrBadBody is returned for bodies that do not have the expected shape.
var ErrBadBody = errors.New("blynk: malformed body")

// ParsePinOp parses a pin operation body (`vw` NUL pin NUL values…). `pm`
// bodies parse too, with Pin = first pin and Values = the rest; use
// ParsePinModes for them.
func ParsePinOp(body []byte) (PinOp, error) {
	f := Split(body)
	if len(f) < 2 || len(f[0]) != 2 || f[1] == "" {
		return PinOp{}, fmt.Errorf("%w: want op NUL pin [NUL value…]", ErrBadBody)
	}
	return PinOp{Op: f[0], Pin: f[1], Values: f[2:]}, nil
}

// Body encodes the operation.
func (p PinOp) Body() []byte { return Body(append([]string{p.Op, p.Pin}, p.Values...)...) }

// PinNumber parses Pin as a decimal pin number. Analog pins written `A0`
// (as some apps send them) give their number after the A with analog=true.
func (p PinOp) PinNumber() (n int, analog bool, err error) {
	s := p.Pin
	if strings.HasPrefix(s, "A") || strings.HasPrefix(s, "a") {
		s, analog = s[1:], true
	}
	n, err = strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, false, fmt.Errorf("%w: pin %q", ErrBadBody, p.Pin)
	}
	return n, analog, nil
}

// VirtualWrite is the body of a `vw` to virtual pin V<pin>.
func VirtualWrite(pin int, values ...string) []byte {
	return PinOp{Op: OpVirtualWrite, Pin: strconv.Itoa(pin), Values: values}.Body()
}

// VirtualRead is the body of a `vr` request for V<pin>.
func VirtualRead(pin int) []byte { return Body(OpVirtualRead, strconv.Itoa(pin)) }

// DigitalWrite is the body of a `dw` setting pin to v.
func DigitalWrite(pin, v int) []byte { return Body(OpDigitalWrite, strconv.Itoa(pin), strconv.Itoa(v)) }

// DigitalRead is the body of a `dr` request.
func DigitalRead(pin int) []byte { return Body(OpDigitalRead, strconv.Itoa(pin)) }

// AnalogWrite is the body of an `aw` setting pin to v.
func AnalogWrite(pin, v int) []byte { return Body(OpAnalogWrite, strconv.Itoa(pin), strconv.Itoa(v)) }

// AnalogRead is the body of an `ar` request.
func AnalogRead(pin int) []byte { return Body(OpAnalogRead, strconv.Itoa(pin)) }

// FormatFloat prints v as the Arduino library does for a float/double
// argument: fixed point with two decimals (e.g. 21.50).
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// PinMode is one entry of a `pm` list.
type PinMode struct {
	Pin  string
	Mode string // in, out, pwm, pu, pd
}

// ParsePinModes parses a `pm` body: pm NUL pin NUL mode NUL pin NUL mode…
func ParsePinModes(body []byte) ([]PinMode, error) {
	f := Split(body)
	if len(f) == 0 || f[0] != OpPinMode || (len(f)-1)%2 != 0 {
		return nil, fmt.Errorf("%w: want pm NUL pin NUL mode…", ErrBadBody)
	}
	out := make([]PinMode, 0, (len(f)-1)/2)
	for i := 1; i+1 < len(f); i += 2 {
		out = append(out, PinMode{Pin: f[i], Mode: f[i+1]})
	}
	return out, nil
}

// PinModesBody builds a `pm` body.
func PinModesBody(modes []PinMode) []byte {
	parts := []string{OpPinMode}
	for _, m := range modes {
		parts = append(parts, m.Pin, m.Mode)
	}
	return Body(parts...)
}

// KV is one key/value pair of an info packet or INTERNAL body.
type KV struct{ Key, Value string }

// KVBody builds a key NUL value NUL … body. The 0.x info packet ends with a
// NUL; pass trailingNUL to reproduce it.
func KVBody(pairs []KV, trailingNUL bool) []byte {
	parts := make([]string, 0, 2*len(pairs)+1)
	for _, p := range pairs {
		parts = append(parts, p.Key, p.Value)
	}
	if trailingNUL {
		parts = append(parts, "")
	}
	return Body(parts...)
}

// ParseKV parses a key/value body. One trailing NUL is accepted; an odd
// number of fields otherwise is an error (the last key has no value).
func ParseKV(body []byte) ([]KV, error) {
	f := Split(body)
	if len(f)%2 == 1 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("%w: key without value", ErrBadBody)
	}
	out := make([]KV, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		out = append(out, KV{Key: f[i], Value: f[i+1]})
	}
	return out, nil
}

// Lookup returns the value of key in kvs.
func Lookup(kvs []KV, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ParseRedirect parses a REDIRECT body (host NUL port; port optional → 0).
func ParseRedirect(body []byte) (host string, port int, err error) {
	f := Split(body)
	if len(f) == 0 || f[0] == "" || len(f) > 2 {
		return "", 0, fmt.Errorf("%w: want host [NUL port]", ErrBadBody)
	}
	if len(f) == 2 && f[1] != "" {
		port, err = strconv.Atoi(f[1])
		if err != nil || port <= 0 || port > 65535 {
			return "", 0, fmt.Errorf("%w: port %q", ErrBadBody, f[1])
		}
	}
	return f[0], port, nil
}
