package certs

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// item is one ASCII character of the input after look-alikes were mapped,
// with where it came from, so errors point into what the user typed.
type item struct {
	c   byte // ASCII; 0 for a non-ASCII rune we do not know (r holds it)
	r   rune
	pos int // rune index in the input
	off int // byte offset in the input
}

// ParseFingerprint reads a fingerprint as people paste it: "AA BB ..",
// "AA:BB:..", "AABB..", "aa-bb-..", any case, optionally in quotes, after an
// openssl-style "SHA1 Fingerprint=" prefix, or as a C array "{0xAA, ...}".
// SHA-1 (20 bytes) and SHA-256 (32 bytes) are accepted.
//
// If the input is a fingerprint only after removing or replacing invisible
// or look-alike characters, the result is the zero Fingerprint and a
// *UncleanError listing each one, with the clean value in its Clean field:
// a sketch compiled with the raw text fails, so the caller must see it.
// Anything else is a *ParseError pointing at the offending position.
func ParseFingerprint(s string) (Fingerprint, error) {
	var items []item
	var findings []Finding
	ri := 0
	for off := 0; off < len(s); ri++ {
		r, size := utf8.DecodeRuneInString(s[off:])
		if r == utf8.RuneError && size == 1 {
			return Fingerprint{}, &ParseError{Input: s, Pos: ri, Byte: off, Findings: findings,
				Msg: fmt.Sprintf("byte 0x%02X is not UTF-8 text (was the file saved in another encoding?)", s[off])}
		}
		if l, ok := classify(r); ok {
			findings = append(findings, Finding{Pos: ri, Byte: off, Rune: r, Code: codePoint(r),
				Name: l.name, Class: l.class, Looks: looksLike(l), UTF8: spacedHex(s[off : off+size])})
			for i := 0; i < len(l.repl); i++ {
				items = append(items, item{c: l.repl[i], pos: ri, off: off})
			}
		} else if r < utf8.RuneSelf {
			items = append(items, item{c: byte(r), pos: ri, off: off})
		} else {
			items = append(items, item{r: r, pos: ri, off: off})
		}
		off += size
	}
	end := item{pos: ri, off: len(s)}
	fp, perr := parseItems(items, end)
	if perr != nil {
		perr.Input, perr.Findings = s, findings
		return Fingerprint{}, perr
	}
	if len(findings) > 0 {
		return Fingerprint{}, &UncleanError{Input: s, Findings: findings, Clean: fp}
	}
	return fp, nil
}

func spacedHex(b string) string {
	var parts []string
	for i := 0; i < len(b); i++ {
		parts = append(parts, fmt.Sprintf("%02X", b[i]))
	}
	return strings.Join(parts, " ")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func trim(it []item) []item {
	for len(it) > 0 && isSpace(it[0].c) {
		it = it[1:]
	}
	for len(it) > 0 && isSpace(it[len(it)-1].c) {
		it = it[:len(it)-1]
	}
	return it
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// unquote strips a leading and a trailing quote (each on its own: a
// half-copied "AA BB is still recognisable) and a trailing ';' as in a
// pasted C line.
func unquote(it []item) []item {
	it = trim(it)
	if len(it) > 0 && it[len(it)-1].c == ';' {
		it = trim(it[:len(it)-1])
	}
	if len(it) > 0 && isQuote(it[0].c) {
		it = it[1:]
	}
	if len(it) > 0 && isQuote(it[len(it)-1].c) {
		it = it[:len(it)-1]
	}
	return trim(it)
}

// prefixRE matches what tools print before the hex: openssl's
// "SHA1 Fingerprint=", "sha256 Fingerprint=", "SHA-256:", Windows'
// "Thumbprint:", "Fingerprint:".
var prefixRE = regexp.MustCompile(`^(?:sha-?(1|256)[ \t]*(?:fingerprint|thumbprint)?[ \t]*[=:]?|(?:fingerprint|thumbprint)[ \t]*[=:]?)[ \t]*`)

func lower(it []item) string {
	b := make([]byte, len(it))
	for i, x := range it {
		c := x.c
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == 0 {
			c = '?'
		}
		b[i] = c
	}
	return string(b)
}

func errAt(at item, format string, args ...any) *ParseError {
	return &ParseError{Pos: at.pos, Byte: at.off, Msg: fmt.Sprintf(format, args...)}
}

func describe(x item) string {
	if x.c == 0 {
		return fmt.Sprintf("%q (%s)", x.r, codePoint(x.r))
	}
	if x.c < 0x20 || x.c == 0x7F {
		return codePoint(rune(x.c))
	}
	return fmt.Sprintf("%q", rune(x.c))
}

func parseItems(it []item, end item) (Fingerprint, *ParseError) {
	it = unquote(it)
	want := Hash(0)
	if m := prefixRE.FindStringSubmatchIndex(lower(it)); m != nil && m[1] > 0 {
		switch {
		case m[2] < 0:
		case lower(it[m[2]:m[3]]) == "1":
			want = SHA1
		default:
			want = SHA256
		}
		it = unquote(it[m[1]:])
	}
	if len(it) == 0 {
		return Fingerprint{}, errAt(end, "no hex digits")
	}
	var out []byte
	var starts []item // where each byte began
	if it[0].c == '{' && it[len(it)-1].c == '}' {
		var err *ParseError
		out, starts, err = parseCArray(it[1:len(it)-1], it[len(it)-1])
		if err != nil {
			return Fingerprint{}, err
		}
	} else {
		// Free form: groups of hex digits between separators; each group
		// has an even number of digits ("AABB CC" is fine, "A BB" is not).
		for i := 0; i < len(it); {
			c := it[i].c
			if isSpace(c) || c == ':' || c == '-' || c == ',' {
				i++
				continue
			}
			j := i
			for j < len(it) && isHex(it[j].c) {
				j++
			}
			if j < len(it) && !(isSpace(it[j].c) || it[j].c == ':' || it[j].c == '-' || it[j].c == ',') {
				return Fingerprint{}, errAt(it[j], "%s is not a hex digit", describe(it[j]))
			}
			if (j-i)%2 == 1 {
				return Fingerprint{}, errAt(it[i], "odd number of hex digits (%d) in a group: each byte is two digits", j-i)
			}
			for k := i; k < j; k += 2 {
				out = append(out, hexVal(it[k].c)<<4|hexVal(it[k+1].c))
				starts = append(starts, it[k])
			}
			i = j
		}
	}
	n := len(out)
	switch {
	case want != 0 && n == want.Size(), want == 0 && (n == 20 || n == 32):
	case n == 0:
		return Fingerprint{}, errAt(end, "no hex digits")
	case want != 0 && n > want.Size():
		return Fingerprint{}, errAt(starts[want.Size()], "%d bytes: too long for %s (%d bytes)", n, want, want.Size())
	case want != 0:
		return Fingerprint{}, errAt(end, "%d bytes: too short for %s (%d bytes)", n, want, want.Size())
	case n < 20:
		return Fingerprint{}, errAt(end, "%s: too short (SHA-1 is 20 bytes, SHA-256 is 32)", nbytes(n))
	case n < 32:
		return Fingerprint{}, errAt(starts[20], "%d bytes: too long for SHA-1 (20 bytes), too short for SHA-256 (32)", n)
	default:
		return Fingerprint{}, errAt(starts[32], "%d bytes: too long (SHA-256 is 32 bytes)", n)
	}
	alg := SHA1
	if n == 32 {
		alg = SHA256
	}
	return Fingerprint{Alg: alg, Bytes: out}, nil
}

// parseCArray reads the inside of "{0xAA, 0xBB, ...}": comma-separated
// items, each one or two hex digits with an optional 0x.
func parseCArray(it []item, closing item) ([]byte, []item, *ParseError) {
	var out []byte
	var starts []item
	for len(it) > 0 {
		k := 0
		for k < len(it) && it[k].c != ',' {
			k++
		}
		el := trim(it[:k])
		sep := closing
		if k < len(it) {
			sep = it[k]
			it = it[k+1:]
		} else {
			it = nil
		}
		if len(el) == 0 {
			if len(it) == 0 && sep.c == ',' {
				break // trailing comma, as C allows
			}
			return nil, nil, errAt(sep, "empty element in C array")
		}
		start := el[0]
		if len(el) >= 2 && el[0].c == '0' && (el[1].c == 'x' || el[1].c == 'X') {
			el = el[2:]
		}
		if len(el) == 0 || len(el) > 2 {
			return nil, nil, errAt(start, "C array element must be 0xHH")
		}
		var v byte
		for _, x := range el {
			if !isHex(x.c) {
				return nil, nil, errAt(x, "%s is not a hex digit", describe(x))
			}
			v = v<<4 | hexVal(x.c)
		}
		out = append(out, v)
		starts = append(starts, start)
	}
	return out, starts, nil
}

func nbytes(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
