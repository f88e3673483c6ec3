package certs

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Hash is the digest a fingerprint was made with.
type Hash uint8

// The two digests people pin: ESP8266 axTLS verify() and BearSSL
// setFingerprint() take SHA-1 only; browsers and curl show SHA-256 too.
const (
	SHA1   Hash = 1
	SHA256 Hash = 2
)

// Size is the digest length in bytes (0 for an unknown Hash).
func (h Hash) Size() int {
	switch h {
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

func (h Hash) String() string {
	switch h {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	}
	return fmt.Sprintf("Hash(%d)", uint8(h))
}

// Fingerprint is the digest of a certificate's DER bytes.
type Fingerprint struct {
	Alg   Hash
	Bytes []byte
}

// SHA1Of is the SHA-1 fingerprint of cert, what an ESP8266 compares.
func SHA1Of(cert *x509.Certificate) Fingerprint {
	s := sha1.Sum(cert.Raw)
	return Fingerprint{Alg: SHA1, Bytes: s[:]}
}

// SHA256Of is the SHA-256 fingerprint of cert.
func SHA256Of(cert *x509.Certificate) Fingerprint {
	s := sha256.Sum256(cert.Raw)
	return Fingerprint{Alg: SHA256, Bytes: s[:]}
}

// SPKIPin is base64(SHA-256(SubjectPublicKeyInfo)), the form HPKP used and
// curl's --pinnedpubkey takes after "sha256//". It survives renewals that
// keep the key (certbot --reuse-key), unlike the certificate fingerprint.
func SPKIPin(cert *x509.Certificate) string {
	s := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(s[:])
}

// Equal reports whether f and g are the same digest.
func (f Fingerprint) Equal(g Fingerprint) bool {
	return f.Alg == g.Alg && bytes.Equal(f.Bytes, g.Bytes)
}

// IsZero reports whether f holds no digest.
func (f Fingerprint) IsZero() bool { return len(f.Bytes) == 0 }

func (f Fingerprint) join(sep string) string {
	var b strings.Builder
	for i, c := range f.Bytes {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// ESP8266 is "AA BB CC ...": upper-case pairs separated by single spaces,
// the form the Blynk examples use and both axTLS verify() and BearSSL
// setFingerprint() parse.
func (f Fingerprint) ESP8266() string { return f.join(" ") }

// Colon is "AA:BB:CC:...", which axTLS and BearSSL also accept.
func (f Fingerprint) Colon() string { return f.join(":") }

// Hex is "AABBCC...", upper case, no separators.
func (f Fingerprint) Hex() string { return f.join("") }

// CArray is "{0xAA, 0xBB, ...}", for BearSSL's setFingerprint(const uint8_t[20]).
func (f Fingerprint) CArray() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range f.Bytes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "0x%02X", c)
	}
	b.WriteByte('}')
	return b.String()
}

// OpenSSL is openssl x509 -fingerprint's line: "SHA1 Fingerprint=AA:BB:...".
// (OpenSSL 3 prints "sha256 Fingerprint=" for -sha256; ParseFingerprint
// reads either case.)
func (f Fingerprint) OpenSSL() string { return f.Alg.String() + " Fingerprint=" + f.Colon() }

// CDecl is a sketch line declaring the fingerprint as a string in flash.
func (f Fingerprint) CDecl(name string) string {
	return fmt.Sprintf("const char %s[] PROGMEM = %q;", name, f.ESP8266())
}

// String is the ESP8266 form.
func (f Fingerprint) String() string { return f.ESP8266() }

// MarshalText gives the ESP8266 form, so JSON shows "AA BB ...".
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.ESP8266()), nil }

// UnmarshalText accepts only a clean fingerprint.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	g, err := ParseFingerprint(string(b))
	if err != nil {
		return err
	}
	*f = g
	return nil
}

// Finding is one invisible or look-alike character in a pasted fingerprint.
type Finding struct {
	Pos   int    `json:"pos"`   // rune index in the input, from 0
	Byte  int    `json:"byte"`  // byte offset in the input (UTF-8), from 0
	Rune  rune   `json:"-"`     // the character
	Code  string `json:"code"`  // "U+200E"
	Name  string `json:"name"`  // "LEFT-TO-RIGHT MARK"
	Class Class  `json:"class"` // why it is suspicious
	Looks string `json:"looks"` // what it looks like on screen: "nothing (invisible)", "\"-\""
	UTF8  string `json:"utf8"`  // its bytes as C sees them: "E2 80 8E"
}

func (f Finding) String() string {
	return fmt.Sprintf("position %d (byte %d): %s %s, looks like %s, bytes %s", f.Pos, f.Byte, f.Code, f.Name, f.Looks, f.UTF8)
}

// UncleanError: the input is a fingerprint only once invisible or look-alike
// characters are removed or replaced. The clean value is offered in Clean;
// the caller decides whether to use it (never silently substituted).
type UncleanError struct {
	Input    string
	Findings []Finding
	Clean    Fingerprint
}

func (e *UncleanError) Error() string {
	f := e.Findings[0]
	more := ""
	if n := len(e.Findings); n > 1 {
		more = fmt.Sprintf(" (and %d more)", n-1)
	}
	return fmt.Sprintf("fingerprint contains %s %s at position %d%s", f.Code, f.Name, f.Pos, more)
}

// Unwrap gives the exit code (CheckFailed) and the hint to the CLI.
func (e *UncleanError) Unwrap() error {
	return &bberr.Error{Code: bberr.CheckFailed, Msg: e.Error(),
		Hint: fmt.Sprintf("retype it or use the clean value %q", e.Clean.ESP8266())}
}

// ParseError: the input is not a fingerprint (wrong length, a non-hex
// character). Pos and Byte point at the offending character (len(input) for
// "too short"). Findings lists look-alikes seen before the error, if any.
type ParseError struct {
	Input    string
	Pos      int // rune index
	Byte     int // byte offset
	Msg      string
	Findings []Finding
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("not a fingerprint: %s (position %d)", e.Msg, e.Pos)
}

// Unwrap gives the exit code (BadInput) and a hint to the CLI.
func (e *ParseError) Unwrap() error {
	return &bberr.Error{Code: bberr.BadInput, Msg: e.Error(),
		Hint: "a fingerprint is 20 (SHA-1) or 32 (SHA-256) hex byte pairs, e.g. \"AA BB CC ...\"; get it with: blynkbridge cert fingerprint HOST:PORT"}
}

// Caret renders the input on one line with every character that is not
// printable ASCII spelled <U+XXXX> (a byte that is not UTF-8: <0xNN>), and a
// second line with '^' under the given rune positions (a position equal to
// the rune count points just past the end, for "too short").
func Caret(input string, positions ...int) (line, carets string) {
	mark := map[int]bool{}
	for _, p := range positions {
		mark[p] = true
	}
	var l, c strings.Builder
	i := 0
	for off := 0; off < len(input); i++ {
		r, size := utf8.DecodeRuneInString(input[off:])
		var s string
		switch {
		case r == utf8.RuneError && size == 1:
			s = fmt.Sprintf("<0x%02X>", input[off])
		case r >= 0x20 && r < 0x7F:
			s = string(r)
		default:
			s = "<" + codePoint(r) + ">"
		}
		off += size
		l.WriteString(s)
		if mark[i] {
			c.WriteString("^" + strings.Repeat("~", len(s)-1))
		} else {
			c.WriteString(strings.Repeat(" ", len(s)))
		}
	}
	if mark[i] {
		c.WriteString("^")
	}
	return l.String(), strings.TrimRight(c.String(), " ")
}
