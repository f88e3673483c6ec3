package firmware

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// StringHit is a string literal found in an image.
type StringHit struct {
	Offset int    `json:"offset"` // file offset of the first byte
	Length int    `json:"length"` // bytes
	Text   string `json:"text"`   // the text, with anything not printable ASCII spelled <U+XXXX> / <0xNN>
	Raw    string `json:"-"`      // the bytes as they are
}

// Invisible is an invisible or non-ASCII character inside a literal.
type Invisible struct {
	Offset int    `json:"offset"` // file offset
	Code   string `json:"code"`   // "U+200E"
	Name   string `json:"name"`   // "U+200E LEFT-TO-RIGHT MARK"
	UTF8   string `json:"utf8"`   // "E2 80 8E"
}

// FingerprintHit is a fingerprint-looking literal: 20 or 32 hex pairs,
// with ' ' or ':' separators or none.
type FingerprintHit struct {
	StringHit
	Alg       string      `json:"alg"`       // "sha1" or "sha256"
	Hex       string      `json:"hex"`       // the clean "AA BB ..." form
	Separator string      `json:"separator"` // " ", ":" or ""
	Invisible []Invisible `json:"invisible,omitempty"`
	// Clean: the literal is exactly the fingerprint (apart from surrounding
	// spaces); false when invisible characters, stray text or wrong
	// separators would make axTLS/BearSSL reject it.
	Clean bool `json:"clean"`
}

// literalRuns yields runs of bytes that could be C string literals: printable
// ASCII, tab, and valid multi-byte UTF-8, at least minLen bytes.
func literalRuns(data []byte, minLen int, fn func(off int, b []byte)) {
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= minLen {
			fn(start, data[start:end])
		}
		start = -1
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c >= 0x20 && c < 0x7F || c == '\t' {
			if start < 0 {
				start = i
			}
			i++
			continue
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRune(data[i:])
			if r != utf8.RuneError && n > 1 {
				if start < 0 {
					start = i
				}
				i += n
				continue
			}
		}
		flush(i)
		i++
	}
	flush(len(data))
}

// Strings lists printable runs of at least minLen bytes, like strings(1)
// but UTF-8 aware, so a literal with an invisible character stays whole.
func Strings(data []byte, minLen int) []StringHit {
	if minLen < 1 {
		minLen = 1
	}
	var out []StringHit
	literalRuns(data, minLen, func(off int, b []byte) {
		out = append(out, StringHit{Offset: off, Length: len(b), Text: spell(b), Raw: string(b)})
	})
	return out
}

// spell renders b with everything outside printable ASCII as <U+XXXX>.
func spell(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&sb, "<0x%02X>", b[i])
		case r >= 0x20 && r < 0x7F:
			sb.WriteRune(r)
		default:
			fmt.Fprintf(&sb, "<U+%04X>", r)
		}
		i += max(n, 1)
	}
	return sb.String()
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Fingerprints lists every literal that contains 20 or 32 hex pairs in a
// row (separated by ' ' or ':', or not at all), with its offsets, and flags
// invisible or other non-ASCII characters in it: the U+200E that Windows'
// certificate dialog adds (UTF-8 E2 80 8E) makes axTLS and BearSSL reject
// the string at position 0.
func Fingerprints(data []byte) []FingerprintHit {
	var out []FingerprintHit
	literalRuns(data, 40, func(off int, b []byte) {
		// Invisible characters may sit between the pairs: scan on the
		// literal with them removed (they are reported per literal).
		var vis []byte
		var inv []Invisible
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if n > 1 {
				inv = append(inv, Invisible{Offset: off + i, Code: fmt.Sprintf("U+%04X", r), Name: runeName(r), UTF8: spacedBytes(b[i : i+n])})
				i += n
				continue
			}
			vis = append(vis, b[i])
			i++
		}
		for i := 0; i < len(vis); {
			if !isHexDigit(vis[i]) || (i > 0 && isHexDigit(vis[i-1])) {
				i++
				continue
			}
			pairs, sep, end := hexPairs(vis, i)
			if pairs != 20 && pairs != 32 {
				i = max(end, i+1)
				continue
			}
			h := FingerprintHit{Separator: sep, Alg: "sha1"}
			if pairs == 32 {
				h.Alg = "sha256"
			}
			var hx []string
			for k, j := 0, i; k < pairs; k++ {
				hx = append(hx, strings.ToUpper(string(vis[j:j+2])))
				j += 2 + len(sep)
			}
			h.Hex = strings.Join(hx, " ")
			h.StringHit = StringHit{Offset: off, Length: len(b), Text: spell(b), Raw: string(b)}
			h.Invisible = inv
			h.Clean = len(inv) == 0 && strings.TrimSpace(string(vis)) == string(vis[i:end])
			out = append(out, h)
			i = end
		}
	})
	return out
}

// hexPairs counts hex pairs starting at i with one consistent separator
// (" ", ":" or none); returns the count, the separator and the end offset.
func hexPairs(v []byte, i int) (int, string, int) {
	sep := ""
	if i+2 < len(v) && (v[i+2] == ' ' || v[i+2] == ':') {
		sep = string(v[i+2])
	}
	n, j := 0, i
	for j+2 <= len(v) && isHexDigit(v[j]) && isHexDigit(v[j+1]) {
		n++
		j += 2
		if sep == "" {
			continue
		}
		if j < len(v) && string(v[j]) == sep && j+2 < len(v) && isHexDigit(v[j+1]) && isHexDigit(v[j+2]) {
			j++
			continue
		}
		break
	}
	if sep == "" && j < len(v) && isHexDigit(v[j]) {
		return 0, sep, j + 1 // an odd-length hex run is not a fingerprint
	}
	return n, sep, j
}

func spacedBytes(b []byte) string {
	var s []string
	for _, x := range b {
		s = append(s, fmt.Sprintf("%02X", x))
	}
	return strings.Join(s, " ")
}

// ReplaceString replaces the one occurrence of old with new in segment data
// and re-seals the image (see Patch). new may be shorter than old only when
// old ends a NUL-terminated literal: the rest is filled with NULs, so the C
// string is new and nothing after it moves. Longer is refused (the literal
// has no room). Zero or several occurrences are refused, listing offsets.
func ReplaceString(img []byte, old, new string) (patched []byte, changedSectors []int, err error) {
	return Patch(img, Settings{Replace: []Replacement{{Old: old, New: new}}})
}

// replaceIn applies one replacement to out (parsed as f).
func replaceIn(out []byte, f *File, r Replacement) (StringHit, error) {
	if r.Old == "" {
		return StringHit{}, newErr(ErrBadValue, bberr.Usage, "write --replace OLD=NEW", "the string to replace is empty")
	}
	if len(r.New) > len(r.Old) {
		return StringHit{}, newErr(ErrBadValue, bberr.Usage, "the new text must not be longer than the old: a literal in a built image cannot grow",
			"replacement is %d bytes, longer than the original %d", len(r.New), len(r.Old))
	}
	if fpLike(r.Old) || fpLike(r.New) {
		if _, err := ValidateFingerprint(r.New); err != nil {
			return StringHit{}, err
		}
	}
	var hits []int
	for i := 0; ; {
		j := bytes.Index(out[i:], []byte(r.Old))
		if j < 0 {
			break
		}
		hits = append(hits, i+j)
		i += j + 1
	}
	switch len(hits) {
	case 0:
		return StringHit{}, newErr(ErrNotFound, bberr.BadInput, "list the literals with: blynkbridge image strings FILE (--fingerprints)", "%q is not in the image", spellS(r.Old))
	case 1:
	default:
		var o []string
		for _, h := range hits {
			o = append(o, fmt.Sprintf("0x%X", h))
		}
		return StringHit{}, newErr(ErrAmbiguous, bberr.BadInput, "give a longer OLD text that occurs once", "%q occurs %d times (at %s)", spellS(r.Old), len(hits), strings.Join(o, ", "))
	}
	at := hits[0]
	if !f.inData(at, len(r.Old)) {
		return StringHit{}, newErr(ErrBadValue, bberr.BadInput, "only text inside a segment's data can be replaced",
			"%q at 0x%X overlaps an image header, checksum or the CRC words", spellS(r.Old), at)
	}
	if len(r.New) < len(r.Old) && (at+len(r.Old) >= len(out) || out[at+len(r.Old)] != 0) {
		return StringHit{}, newErr(ErrBadValue, bberr.Usage, "give the whole literal as OLD, or a NEW of the same length",
			"a shorter replacement needs OLD to end a NUL-terminated literal; the byte after %q at 0x%X is not NUL", spellS(r.Old), at)
	}
	copy(out[at:at+len(r.Old)], make([]byte, len(r.Old)))
	copy(out[at:], r.New)
	return StringHit{Offset: at, Length: len(r.Old), Text: spellS(r.New), Raw: r.New}, nil
}

func spellS(s string) string { return spell([]byte(s)) }

// fpLike: the text holds 20 or 32 hex pairs (so it is a fingerprint and
// must be validated as one).
func fpLike(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if isHexDigit(s[i]) {
			n++
		}
	}
	return (n == 40 || n == 64) && len(Fingerprints(append([]byte(s), 0))) > 0
}
