package certs

import (
	"errors"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The Blynk 0.4.x default fingerprint (reference 4.1), our running example.
const blynkFP = "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C"

var blynkHex = strings.ReplaceAll(blynkFP, " ", "")

const sha256FP = "DD:17:D3:27:13:8D:04:4D:95:14:2B:6D:9E:2E:35:B4:F9:CB:C9:88:AA:22:DA:1A:91:65:90:AB:16:95:77:EB"

func TestParseCleanForms(t *testing.T) {
	cases := []string{
		blynkFP,
		strings.ReplaceAll(blynkFP, " ", ":"),
		blynkHex,
		strings.ToLower(blynkHex),
		strings.ToLower(strings.ReplaceAll(blynkFP, " ", "-")),
		"  " + blynkFP + "\n",
		`"` + blynkFP + `"`,
		`'` + blynkFP + `'`,
		`"` + blynkFP + `";`,
		"SHA1 Fingerprint=" + strings.ReplaceAll(blynkFP, " ", ":"),
		"sha1 Fingerprint=" + strings.ReplaceAll(blynkFP, " ", ":"),
		"SHA-1: " + blynkFP,
		"Thumbprint: " + strings.ToLower(blynkHex),
		"{0xFD, 0xC0, 0x7D, 0x8D, 0x47, 0x97, 0xF7, 0xE3, 0x07, 0x05, 0xD3, 0x4E, 0xE3, 0xBB, 0x8E, 0x3D, 0xC0, 0xEA, 0xBE, 0x1C}",
		"{0xfd,0xc0,0x7d,0x8d,0x47,0x97,0xf7,0xe3,0x7,0x5,0xd3,0x4e,0xe3,0xbb,0x8e,0x3d,0xc0,0xea,0xbe,0x1c,}",
		"FDC0 7D8D 4797 F7E3 0705 D34E E3BB 8E3D C0EA BE1C",
		"FD C0 7D 8D 47 97 F7 E3 07 05\n\tD3 4E E3 BB 8E 3D C0 EA BE 1C",
	}
	for _, in := range cases {
		fp, err := ParseFingerprint(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if fp.Alg != SHA1 || fp.ESP8266() != blynkFP {
			t.Errorf("%q: got %v %s", in, fp.Alg, fp)
		}
	}
	fp, err := ParseFingerprint("sha256 Fingerprint=" + sha256FP)
	if err != nil || fp.Alg != SHA256 || fp.Colon() != sha256FP {
		t.Fatalf("sha256: %v %v", fp, err)
	}
}

func TestFormats(t *testing.T) {
	fp, err := ParseFingerprint(blynkFP)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		fp.ESP8266():   blynkFP,
		fp.Colon():     "FD:C0:7D:8D:47:97:F7:E3:07:05:D3:4E:E3:BB:8E:3D:C0:EA:BE:1C",
		fp.Hex():       "FDC07D8D4797F7E30705D34EE3BB8E3DC0EABE1C",
		fp.CArray():    "{0xFD, 0xC0, 0x7D, 0x8D, 0x47, 0x97, 0xF7, 0xE3, 0x07, 0x05, 0xD3, 0x4E, 0xE3, 0xBB, 0x8E, 0x3D, 0xC0, 0xEA, 0xBE, 0x1C}",
		fp.OpenSSL():   "SHA1 Fingerprint=FD:C0:7D:8D:47:97:F7:E3:07:05:D3:4E:E3:BB:8E:3D:C0:EA:BE:1C",
		fp.CDecl("fp"): `const char fp[] PROGMEM = "` + blynkFP + `";`,
	}
	for got, w := range want {
		if got != w {
			t.Errorf("got %q want %q", got, w)
		}
	}
	// Every output form parses back to the same bytes.
	for _, s := range []string{fp.ESP8266(), fp.Colon(), fp.Hex(), fp.CArray(), fp.OpenSSL(), fp.CDecl("x")[len("const char x[] PROGMEM = "):]} {
		g, err := ParseFingerprint(s)
		if err != nil || !g.Equal(fp) {
			t.Errorf("re-parse %q: %v %v", s, g, err)
		}
	}
	// And the ESP8266 forms are what the device parsers accept.
	for _, s := range []string{fp.ESP8266(), fp.Colon(), fp.Hex()} {
		if !AxTLSParse(s).OK || !BearSSLParse(s).OK {
			t.Errorf("device rejects %q", s)
		}
	}
}

// One row per character class in the issue, plus relatives: each must be
// found at the right rune index and byte offset, named, and the clean value
// offered (not returned as the result).
func TestUncleanClasses(t *testing.T) {
	cases := []struct {
		name  string
		r     rune
		class Class
		uname string
		where string // "start", "sep" (replaces the first space), "digit" (replaces the 'F' of FD / the '0' of C0)
	}{
		{"LRM", 0x200E, ClassBidi, "LEFT-TO-RIGHT MARK", "start"},
		{"RLM", 0x200F, ClassBidi, "RIGHT-TO-LEFT MARK", "start"},
		{"ZWSP", 0x200B, ClassInvisible, "ZERO WIDTH SPACE", "start"},
		{"ZWNJ", 0x200C, ClassInvisible, "ZERO WIDTH NON-JOINER", "start"},
		{"ZWJ", 0x200D, ClassInvisible, "ZERO WIDTH JOINER", "start"},
		{"WJ", 0x2060, ClassInvisible, "WORD JOINER", "start"},
		{"BOM", 0xFEFF, ClassInvisible, "ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)", "start"},
		{"soft hyphen", 0x00AD, ClassInvisible, "SOFT HYPHEN", "start"},
		{"LRE", 0x202A, ClassBidi, "LEFT-TO-RIGHT EMBEDDING", "start"},
		{"RLE", 0x202B, ClassBidi, "RIGHT-TO-LEFT EMBEDDING", "start"},
		{"PDF", 0x202C, ClassBidi, "POP DIRECTIONAL FORMATTING", "start"},
		{"LRO", 0x202D, ClassBidi, "LEFT-TO-RIGHT OVERRIDE", "start"},
		{"RLO", 0x202E, ClassBidi, "RIGHT-TO-LEFT OVERRIDE", "start"},
		{"LRI", 0x2066, ClassBidi, "LEFT-TO-RIGHT ISOLATE", "start"},
		{"RLI", 0x2067, ClassBidi, "RIGHT-TO-LEFT ISOLATE", "start"},
		{"FSI", 0x2068, ClassBidi, "FIRST STRONG ISOLATE", "start"},
		{"PDI", 0x2069, ClassBidi, "POP DIRECTIONAL ISOLATE", "start"},
		{"ALM", 0x061C, ClassBidi, "ARABIC LETTER MARK", "start"},
		{"MVS", 0x180E, ClassInvisible, "MONGOLIAN VOWEL SEPARATOR", "start"},
		{"NUL", 0x0000, ClassInvisible, "NULL", "start"},
		{"ESC", 0x001B, ClassInvisible, "ESCAPE", "start"},
		{"variation selector", 0xFE0F, ClassInvisible, "VARIATION SELECTOR", "start"},
		{"tag", 0xE0041, ClassInvisible, "TAG CHARACTER", "start"},
		{"NBSP", 0x00A0, ClassSpace, "NO-BREAK SPACE", "sep"},
		{"en quad", 0x2000, ClassSpace, "EN QUAD", "sep"},
		{"em space", 0x2003, ClassSpace, "EM SPACE", "sep"},
		{"thin space", 0x2009, ClassSpace, "THIN SPACE", "sep"},
		{"hair space", 0x200A, ClassSpace, "HAIR SPACE", "sep"},
		{"NNBSP", 0x202F, ClassSpace, "NARROW NO-BREAK SPACE", "sep"},
		{"MMSP", 0x205F, ClassSpace, "MEDIUM MATHEMATICAL SPACE", "sep"},
		{"ideographic space", 0x3000, ClassSpace, "IDEOGRAPHIC SPACE", "sep"},
		{"line separator", 0x2028, ClassSpace, "LINE SEPARATOR", "sep"},
		{"hyphen", 0x2010, ClassDash, "HYPHEN", "sep"},
		{"nb hyphen", 0x2011, ClassDash, "NON-BREAKING HYPHEN", "sep"},
		{"figure dash", 0x2012, ClassDash, "FIGURE DASH", "sep"},
		{"en dash", 0x2013, ClassDash, "EN DASH", "sep"},
		{"em dash", 0x2014, ClassDash, "EM DASH", "sep"},
		{"horizontal bar", 0x2015, ClassDash, "HORIZONTAL BAR", "sep"},
		{"minus", 0x2212, ClassDash, "MINUS SIGN", "sep"},
		{"fullwidth hyphen", 0xFF0D, ClassDash, "FULLWIDTH HYPHEN-MINUS", "sep"},
		{"fullwidth colon", 0xFF1A, ClassColon, "FULLWIDTH COLON", "sep"},
		{"ratio", 0x2236, ClassColon, "RATIO", "sep"},
		{"modifier colon", 0xA789, ClassColon, "MODIFIER LETTER COLON", "sep"},
		{"small colon", 0xFE55, ClassColon, "SMALL COLON", "sep"},
		{"triangular colon", 0x02D0, ClassColon, "MODIFIER LETTER TRIANGULAR COLON", "sep"},
		{"fullwidth F", 0xFF26, ClassFullWidth, "FULLWIDTH LATIN CAPITAL LETTER F", "digit"},
		{"fullwidth f", 0xFF46, ClassFullWidth, "FULLWIDTH LATIN SMALL LETTER F", "digit"},
		{"fullwidth 0", 0xFF10, ClassFullWidth, "FULLWIDTH DIGIT ZERO", "zero"},
		{"fullwidth 9", 0xFF19, ClassFullWidth, "FULLWIDTH DIGIT NINE", "nine"},
		{"fullwidth A", 0xFF21, ClassFullWidth, "FULLWIDTH LATIN CAPITAL LETTER A", "a"},
		{"fullwidth a", 0xFF41, ClassFullWidth, "FULLWIDTH LATIN SMALL LETTER A", "a"},
		{"cyrillic A", 0x0410, ClassHomoglyph, "CYRILLIC CAPITAL LETTER A", "a"},
		{"greek Alpha", 0x0391, ClassHomoglyph, "GREEK CAPITAL LETTER ALPHA", "a"},
		{"cyrillic es", 0x0421, ClassHomoglyph, "CYRILLIC CAPITAL LETTER ES", "c"},
		{"arabic-indic zero", 0x0660, ClassHomoglyph, "DIGIT ZERO (non-ASCII)", "zero"},
		{"left single quote", 0x2018, ClassQuote, "LEFT SINGLE QUOTATION MARK", "quote"},
		{"right single quote", 0x2019, ClassQuote, "RIGHT SINGLE QUOTATION MARK", "quote"},
		{"left double quote", 0x201C, ClassQuote, "LEFT DOUBLE QUOTATION MARK", "quote"},
		{"right double quote", 0x201D, ClassQuote, "RIGHT DOUBLE QUOTATION MARK", "quote"},
		{"fullwidth quote", 0xFF02, ClassQuote, "FULLWIDTH QUOTATION MARK", "quote"},
	}
	base := "FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1A"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := string(c.r)
			var in string
			var pos, off int
			switch c.where {
			case "start":
				in = ch + base
			case "sep":
				in = "FD" + ch + base[3:]
				pos, off = 2, 2
			case "digit":
				in = ch + base[1:]
			case "zero":
				in = base[:4] + ch + base[5:] // the 0 of C0
				pos, off = 4, 4
			case "nine":
				in = base[:9] + ch + base[10:] // the 8 of 8D -> 9D
				pos, off = 9, 9
			case "a":
				in = base[:len(base)-1] + ch // the final A of 1A
				pos, off = len(base)-1, len(base)-1
			case "c":
				in = base[:3] + ch + base[4:] // the C of C0
				pos, off = 3, 3
			case "quote":
				in = ch + base + ch
			}
			_, err := ParseFingerprint(in)
			var ue *UncleanError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: want *UncleanError, got %v", in, err)
			}
			f := ue.Findings[0]
			if f.Pos != pos || f.Byte != off || f.Rune != c.r || f.Class != c.class || f.Name != c.uname || f.Code != codePoint(c.r) {
				t.Errorf("finding %+v; want pos %d byte %d %s %q %s", f, pos, off, codePoint(c.r), c.uname, c.class)
			}
			if f.Looks == "" || f.UTF8 == "" {
				t.Errorf("finding lacks looks/utf8: %+v", f)
			}
			if ue.Clean.Alg != SHA1 || len(ue.Clean.Bytes) != 20 {
				t.Errorf("clean %v", ue.Clean)
			}
			if c.where == "nine" && !strings.HasPrefix(ue.Clean.ESP8266(), "FD C0 7D 9D") {
				t.Errorf("clean %s", ue.Clean)
			}
			if c.where == "start" || c.where == "sep" || c.where == "quote" {
				if ue.Clean.ESP8266() != base {
					t.Errorf("clean %s want %s", ue.Clean, base)
				}
			}
			// Never silently substituted: the return value is zero.
			fp, _ := ParseFingerprint(in)
			if !fp.IsZero() {
				t.Errorf("unclean input returned a value %v", fp)
			}
			if !strings.Contains(err.Error(), f.Code) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestSeedLRM(t *testing.T) {
	in := "\u200E" + blynkFP
	_, err := ParseFingerprint(in)
	var ue *UncleanError
	if !errors.As(err, &ue) || len(ue.Findings) != 1 {
		t.Fatalf("%v", err)
	}
	f := ue.Findings[0]
	if f.Pos != 0 || f.Byte != 0 || f.Code != "U+200E" || f.Name != "LEFT-TO-RIGHT MARK" || f.UTF8 != "E2 80 8E" || f.Looks != "nothing (invisible)" {
		t.Fatalf("%+v", f)
	}
	if ue.Clean.ESP8266() != blynkFP {
		t.Fatal(ue.Clean)
	}
	// Both device parsers reject the raw text at byte 0, as the reference
	// says (issue #2525: "pos:0 len:62 invalid hex sequence").
	ax := AxTLSParse(in)
	if ax.OK || ax.Pos != 0 || !strings.HasPrefix(ax.Log, "pos:0 len:62 invalid hex sequence: ") {
		t.Fatalf("axtls %+v", ax)
	}
	if b := BearSSLParse(in); b.OK || b.Log != "setFingerprint: Invalid char" {
		t.Fatalf("bearssl %+v", b)
	}
}

func TestFindingPositionsAfterMultibyte(t *testing.T) {
	// Rune index and byte offset differ once a multi-byte rune precedes.
	in := "\u200E" + "FD\u00A0C0" + blynkFP[5:]
	_, err := ParseFingerprint(in)
	var ue *UncleanError
	if !errors.As(err, &ue) || len(ue.Findings) != 2 {
		t.Fatalf("%v", err)
	}
	if f := ue.Findings[1]; f.Pos != 3 || f.Byte != 5 || f.Code != "U+00A0" {
		t.Fatalf("%+v", f)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in      string
		pos     int
		byteOff int
		msg     string
	}{
		{"", 0, 0, "no hex digits"},
		{"   ", 3, 3, "no hex digits"},
		{"FD C0 7D", 8, 8, "3 bytes: too short"},
		{"FD CG" + blynkFP[5:], 4, 4, "'G' is not a hex digit"},
		{"FD C0 7D 8D 47 97 F7 E3 07 05 D3 4E E3 BB 8E 3D C0 EA BE 1C 11", 60, 60, "21 bytes"},
		{"FD C 07D", 3, 3, "odd number of hex digits"},
		{blynkFP + strings.Repeat(" 00", 13), 96, 96, "33 bytes: too long"},
		{"SHA256 Fingerprint=" + strings.ReplaceAll(blynkFP, " ", ":"), 78, 78, "too short for SHA256"},
		{"SHA1 Fingerprint=" + sha256FP, 77, 77, "too long for SHA1"},
		{"\u200E" + "FD CÖ" + blynkFP[5:], 5, 7, "'Ö' (U+00D6) is not a hex digit"},
		{"FD\xE2C0" + blynkFP[5:], 2, 2, "byte 0xE2 is not UTF-8"},
		{"{0xFD, 0xGG}", 9, 9, "'G' is not a hex digit"},
		{"{0xFD,, 0x11}", 6, 6, "empty element"},
		{"{0x1FD}", 1, 1, "C array element must be 0xHH"},
	}
	for _, c := range cases {
		_, err := ParseFingerprint(c.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: want *ParseError, got %v", c.in, err)
			continue
		}
		if pe.Pos != c.pos || pe.Byte != c.byteOff || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%q: pos %d byte %d msg %q; want %d %d %q", c.in, pe.Pos, pe.Byte, pe.Msg, c.pos, c.byteOff, c.msg)
		}
	}
}

func TestCaret(t *testing.T) {
	line, car := Caret("\u200EFD CG", 0, 4)
	if line != "<U+200E>FD CG" || car != "^~~~~~~~   ^" {
		t.Fatalf("%q %q", line, car)
	}
	line, car = Caret("FD", 2)
	if line != "FD" || car != "  ^" {
		t.Fatalf("%q %q", line, car)
	}
	line, _ = Caret("a\xE2b")
	if line != "a<0xE2>b" {
		t.Fatal(line)
	}
}

func TestDeviceParsers(t *testing.T) {
	cases := []struct {
		in        string
		axOK, bOK bool
	}{
		{blynkFP, true, true},
		{strings.ReplaceAll(blynkFP, " ", ":"), true, true},
		{blynkHex, true, true},
		{" " + blynkFP, true, false},                          // axTLS skips a leading space, BearSSL does not
		{blynkFP + " 11", true, false},                        // axTLS ignores extra bytes, BearSSL rejects garbage
		{strings.ReplaceAll(blynkFP, " ", "-"), false, false}, // dashes: neither
		{blynkFP[:57], false, false},
		{"SHA1 Fingerprint=" + blynkHex, false, false},
	}
	for _, c := range cases {
		if ax := AxTLSParse(c.in); ax.OK != c.axOK {
			t.Errorf("axTLS %q: %+v", c.in, ax)
		}
		if b := BearSSLParse(c.in); b.OK != c.bOK {
			t.Errorf("BearSSL %q: %+v", c.in, b)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	_, err := ParseFingerprint("\u200E" + blynkFP)
	if code := bberr.CodeOf(err); code != bberr.CheckFailed {
		t.Errorf("unclean code %d", code)
	}
	_, err = ParseFingerprint("zz")
	if code := bberr.CodeOf(err); code != bberr.BadInput {
		t.Errorf("parse code %d", code)
	}
}

// TestCheckExitsTenWhenADeviceRejectsTheText: a fingerprint that parses
// cleanly but that axTLS or BearSSL would reject as written (dashes, a tab,
// a trailing newline, SHA-256 for a SHA-1 pin) exits 10 with the clean value.
func TestCheckExitsTenWhenADeviceRejectsTheText(t *testing.T) {
	const clean = "AA BB CC DD EE FF 00 11 22 33 44 55 66 77 88 99 AA BB CC DD"
	for _, c := range []struct {
		name, in string
		code     bberr.Code
	}{
		{"clean", clean, bberr.OK},
		{"colons", strings.ReplaceAll(clean, " ", ":"), bberr.OK},
		{"dashes", strings.ReplaceAll(clean, " ", "-"), bberr.CheckFailed},
		{"tab", strings.Replace(clean, " ", "\t", 1), bberr.CheckFailed},
		{"newline", clean + "\n", bberr.CheckFailed},
		{"sha256", clean + " 01 02 03 04 05 06 07 08 09 0A 0B 0C", bberr.CheckFailed},
		{"garbage", "a b", bberr.BadInput},
		{"invisible", "\u200e" + clean, bberr.CheckFailed},
	} {
		rep := Check(c.in)
		err := rep.Err()
		if bberr.CodeOf(err) != c.code {
			t.Errorf("%s: exit %d (%v), want %d", c.name, bberr.CodeOf(err), err, c.code)
			continue
		}
		if c.code == bberr.CheckFailed && c.name != "sha256" && !strings.Contains(bberr.HintOf(err), clean) {
			t.Errorf("%s: hint %q lacks the clean value", c.name, bberr.HintOf(err))
		}
		if rep.OK != (c.code == bberr.OK) {
			t.Errorf("%s: OK=%v", c.name, rep.OK)
		}
	}
}
