package certs

import (
	"fmt"
	"unicode"
)

// Class says why a character in a pasted fingerprint is suspicious.
type Class string

// The classes of suspicious characters. The values are stable: they appear in
// --json output.
const (
	ClassInvisible Class = "invisible"  // zero-width, format, control: shows as nothing
	ClassBidi      Class = "bidi"       // bidirectional control: invisible, may reorder text
	ClassSpace     Class = "space"      // a non-ASCII space: looks like ' '
	ClassDash      Class = "dash"       // looks like '-'
	ClassColon     Class = "colon"      // looks like ':'
	ClassFullWidth Class = "full-width" // full-width digit or letter: looks like ASCII
	ClassHomoglyph Class = "homoglyph"  // Greek/Cyrillic letter that looks like A-F
	ClassQuote     Class = "quote"      // typographic quote: looks like '"' or '\''
)

// lookalike describes one known suspicious rune: its Unicode name, its class
// and the ASCII text it stands for in the cleaned value ("" = drop it).
type lookalike struct {
	name  string
	class Class
	repl  string
}

// lookalikes is the table of characters we name. It is deliberately small
// (no Unicode database dependency): every rune people are known to paste
// into fingerprints, plus relatives of each. Runes not in the table are still
// caught by category in classify (Cf, Zs, Pd) with a generic name.
var lookalikes = map[rune]lookalike{
	// Invisible: zero width and format characters.
	0x00AD: {"SOFT HYPHEN", ClassInvisible, ""},
	0x034F: {"COMBINING GRAPHEME JOINER", ClassInvisible, ""},
	0x061C: {"ARABIC LETTER MARK", ClassBidi, ""},
	0x115F: {"HANGUL CHOSEONG FILLER", ClassInvisible, ""},
	0x1160: {"HANGUL JUNGSEONG FILLER", ClassInvisible, ""},
	0x180E: {"MONGOLIAN VOWEL SEPARATOR", ClassInvisible, ""},
	0x200B: {"ZERO WIDTH SPACE", ClassInvisible, ""},
	0x200C: {"ZERO WIDTH NON-JOINER", ClassInvisible, ""},
	0x200D: {"ZERO WIDTH JOINER", ClassInvisible, ""},
	0x200E: {"LEFT-TO-RIGHT MARK", ClassBidi, ""},
	0x200F: {"RIGHT-TO-LEFT MARK", ClassBidi, ""},
	0x202A: {"LEFT-TO-RIGHT EMBEDDING", ClassBidi, ""},
	0x202B: {"RIGHT-TO-LEFT EMBEDDING", ClassBidi, ""},
	0x202C: {"POP DIRECTIONAL FORMATTING", ClassBidi, ""},
	0x202D: {"LEFT-TO-RIGHT OVERRIDE", ClassBidi, ""},
	0x202E: {"RIGHT-TO-LEFT OVERRIDE", ClassBidi, ""},
	0x2060: {"WORD JOINER", ClassInvisible, ""},
	0x2061: {"FUNCTION APPLICATION", ClassInvisible, ""},
	0x2062: {"INVISIBLE TIMES", ClassInvisible, ""},
	0x2063: {"INVISIBLE SEPARATOR", ClassInvisible, ""},
	0x2064: {"INVISIBLE PLUS", ClassInvisible, ""},
	0x2066: {"LEFT-TO-RIGHT ISOLATE", ClassBidi, ""},
	0x2067: {"RIGHT-TO-LEFT ISOLATE", ClassBidi, ""},
	0x2068: {"FIRST STRONG ISOLATE", ClassBidi, ""},
	0x2069: {"POP DIRECTIONAL ISOLATE", ClassBidi, ""},
	0x206A: {"INHIBIT SYMMETRIC SWAPPING", ClassInvisible, ""},
	0x206B: {"ACTIVATE SYMMETRIC SWAPPING", ClassInvisible, ""},
	0x206C: {"INHIBIT ARABIC FORM SHAPING", ClassInvisible, ""},
	0x206D: {"ACTIVATE ARABIC FORM SHAPING", ClassInvisible, ""},
	0x206E: {"NATIONAL DIGIT SHAPES", ClassInvisible, ""},
	0x206F: {"NOMINAL DIGIT SHAPES", ClassInvisible, ""},
	0x3164: {"HANGUL FILLER", ClassInvisible, ""},
	0xFEFF: {"ZERO WIDTH NO-BREAK SPACE (BYTE ORDER MARK)", ClassInvisible, ""},
	0xFFA0: {"HALFWIDTH HANGUL FILLER", ClassInvisible, ""},

	// Spaces that are not U+0020. They separate like a space; the clean
	// value uses a plain space.
	0x0085: {"NEXT LINE (NEL)", ClassSpace, " "},
	0x00A0: {"NO-BREAK SPACE", ClassSpace, " "},
	0x1680: {"OGHAM SPACE MARK", ClassSpace, " "},
	0x2000: {"EN QUAD", ClassSpace, " "},
	0x2001: {"EM QUAD", ClassSpace, " "},
	0x2002: {"EN SPACE", ClassSpace, " "},
	0x2003: {"EM SPACE", ClassSpace, " "},
	0x2004: {"THREE-PER-EM SPACE", ClassSpace, " "},
	0x2005: {"FOUR-PER-EM SPACE", ClassSpace, " "},
	0x2006: {"SIX-PER-EM SPACE", ClassSpace, " "},
	0x2007: {"FIGURE SPACE", ClassSpace, " "},
	0x2008: {"PUNCTUATION SPACE", ClassSpace, " "},
	0x2009: {"THIN SPACE", ClassSpace, " "},
	0x200A: {"HAIR SPACE", ClassSpace, " "},
	0x2028: {"LINE SEPARATOR", ClassSpace, " "},
	0x2029: {"PARAGRAPH SEPARATOR", ClassSpace, " "},
	0x202F: {"NARROW NO-BREAK SPACE", ClassSpace, " "},
	0x205F: {"MEDIUM MATHEMATICAL SPACE", ClassSpace, " "},
	0x3000: {"IDEOGRAPHIC SPACE", ClassSpace, " "},

	// Dashes and minus signs: word processors turn '-' into these.
	0x2010: {"HYPHEN", ClassDash, "-"},
	0x2011: {"NON-BREAKING HYPHEN", ClassDash, "-"},
	0x2012: {"FIGURE DASH", ClassDash, "-"},
	0x2013: {"EN DASH", ClassDash, "-"},
	0x2014: {"EM DASH", ClassDash, "-"},
	0x2015: {"HORIZONTAL BAR", ClassDash, "-"},
	0x2043: {"HYPHEN BULLET", ClassDash, "-"},
	0x2212: {"MINUS SIGN", ClassDash, "-"},
	0xFE58: {"SMALL EM DASH", ClassDash, "-"},
	0xFE63: {"SMALL HYPHEN-MINUS", ClassDash, "-"},
	0xFF0D: {"FULLWIDTH HYPHEN-MINUS", ClassDash, "-"},

	// Colons.
	0x02D0: {"MODIFIER LETTER TRIANGULAR COLON", ClassColon, ":"},
	0x02F8: {"MODIFIER LETTER RAISED COLON", ClassColon, ":"},
	0x0589: {"ARMENIAN FULL STOP", ClassColon, ":"},
	0x05C3: {"HEBREW PUNCTUATION SOF PASUQ", ClassColon, ":"},
	0x2236: {"RATIO", ClassColon, ":"},
	0xA789: {"MODIFIER LETTER COLON", ClassColon, ":"},
	0xFE13: {"PRESENTATION FORM FOR VERTICAL COLON", ClassColon, ":"},
	0xFE55: {"SMALL COLON", ClassColon, ":"},
	0xFF1A: {"FULLWIDTH COLON", ClassColon, ":"},

	// Typographic quotes (around a pasted fingerprint; a C compiler rejects them).
	0x00AB: {"LEFT-POINTING DOUBLE ANGLE QUOTATION MARK", ClassQuote, "\""},
	0x00BB: {"RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK", ClassQuote, "\""},
	0x2018: {"LEFT SINGLE QUOTATION MARK", ClassQuote, "'"},
	0x2019: {"RIGHT SINGLE QUOTATION MARK", ClassQuote, "'"},
	0x201A: {"SINGLE LOW-9 QUOTATION MARK", ClassQuote, "'"},
	0x201B: {"SINGLE HIGH-REVERSED-9 QUOTATION MARK", ClassQuote, "'"},
	0x201C: {"LEFT DOUBLE QUOTATION MARK", ClassQuote, "\""},
	0x201D: {"RIGHT DOUBLE QUOTATION MARK", ClassQuote, "\""},
	0x201E: {"DOUBLE LOW-9 QUOTATION MARK", ClassQuote, "\""},
	0x201F: {"DOUBLE HIGH-REVERSED-9 QUOTATION MARK", ClassQuote, "\""},
	0x2032: {"PRIME", ClassQuote, "'"},
	0x2033: {"DOUBLE PRIME", ClassQuote, "\""},
	0xFF02: {"FULLWIDTH QUOTATION MARK", ClassQuote, "\""},
	0xFF07: {"FULLWIDTH APOSTROPHE", ClassQuote, "'"},

	// Greek and Cyrillic capitals/smalls that render like A B C E (and a c e).
	0x0391: {"GREEK CAPITAL LETTER ALPHA", ClassHomoglyph, "A"},
	0x0392: {"GREEK CAPITAL LETTER BETA", ClassHomoglyph, "B"},
	0x0395: {"GREEK CAPITAL LETTER EPSILON", ClassHomoglyph, "E"},
	0x03F9: {"GREEK CAPITAL LUNATE SIGMA SYMBOL", ClassHomoglyph, "C"},
	0x03F2: {"GREEK LUNATE SIGMA SYMBOL", ClassHomoglyph, "c"},
	0x0410: {"CYRILLIC CAPITAL LETTER A", ClassHomoglyph, "A"},
	0x0412: {"CYRILLIC CAPITAL LETTER VE", ClassHomoglyph, "B"},
	0x0415: {"CYRILLIC CAPITAL LETTER IE", ClassHomoglyph, "E"},
	0x0421: {"CYRILLIC CAPITAL LETTER ES", ClassHomoglyph, "C"},
	0x0430: {"CYRILLIC SMALL LETTER A", ClassHomoglyph, "a"},
	0x0435: {"CYRILLIC SMALL LETTER IE", ClassHomoglyph, "e"},
	0x0441: {"CYRILLIC SMALL LETTER ES", ClassHomoglyph, "c"},
	0x0417: {"CYRILLIC CAPITAL LETTER ZE", ClassHomoglyph, "3"},
	0x0431: {"CYRILLIC SMALL LETTER BE", ClassHomoglyph, "6"},
	0x041E: {"CYRILLIC CAPITAL LETTER O", ClassHomoglyph, "0"},
	0x039F: {"GREEK CAPITAL LETTER OMICRON", ClassHomoglyph, "0"},
}

// C0 control names, for the ones that are not ASCII whitespace.
var controlNames = [...]string{
	"NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
	"ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED",
	"LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN",
	"DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
	"DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
	"END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
	"INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE",
	"INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
}

// classify reports whether r is suspicious, and if so how to name it and
// what it stands for. ASCII printable characters and ASCII whitespace are
// never suspicious: they are handled by the strict parser.
func classify(r rune) (lookalike, bool) {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r < 0x7F):
		return lookalike{}, false
	case r < 0x20:
		return lookalike{controlNames[r], ClassInvisible, ""}, true
	case r == 0x7F:
		return lookalike{"DELETE", ClassInvisible, ""}, true
	case r >= 0x80 && r < 0xA0 && r != 0x85:
		return lookalike{"C1 CONTROL", ClassInvisible, ""}, true
	}
	if l, ok := lookalikes[r]; ok {
		return l, true
	}
	// Full-width ASCII (U+FF01..U+FF5E) maps to ASCII by a fixed offset.
	if r >= 0xFF01 && r <= 0xFF5E {
		a := r - 0xFF01 + '!'
		return lookalike{fullWidthName(a), ClassFullWidth, string(a)}, true
	}
	// Anything else in these categories is caught generically, so the table
	// above need not be complete for the check to be.
	switch {
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return lookalike{"VARIATION SELECTOR", ClassInvisible, ""}, true
	case r >= 0xE0000 && r <= 0xE007F:
		return lookalike{"TAG CHARACTER", ClassInvisible, ""}, true
	case unicode.Is(unicode.Cf, r):
		return lookalike{"FORMAT CHARACTER", ClassInvisible, ""}, true
	case unicode.Is(unicode.Zs, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return lookalike{"SPACE CHARACTER", ClassSpace, " "}, true
	case unicode.Is(unicode.Pd, r):
		return lookalike{"DASH PUNCTUATION", ClassDash, "-"}, true
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		// A combining mark renders on top of the previous character.
		return lookalike{"COMBINING MARK", ClassInvisible, ""}, true
	case unicode.Is(unicode.Nd, r):
		// Another script's digit (Arabic-Indic, Devanagari...): show it, but
		// its value maps cleanly.
		if d, ok := digitValue(r); ok {
			return lookalike{"DIGIT " + digitNames[d] + " (non-ASCII)", ClassHomoglyph, string(rune('0' + d))}, true
		}
	}
	return lookalike{}, false
}

var digitNames = [...]string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}

// digitValue returns the value of a decimal digit in any script: Unicode
// lays out every Nd block as ten consecutive code points from zero.
func digitValue(r rune) (int, bool) {
	for _, rng := range unicode.Nd.R16 {
		if r >= rune(rng.Lo) && r <= rune(rng.Hi) {
			return int(r-rune(rng.Lo)) % 10, true
		}
	}
	for _, rng := range unicode.Nd.R32 {
		if uint32(r) >= rng.Lo && uint32(r) <= rng.Hi {
			return int(uint32(r)-rng.Lo) % 10, true
		}
	}
	return 0, false
}

func fullWidthName(a rune) string {
	switch {
	case a >= '0' && a <= '9':
		return "FULLWIDTH DIGIT " + digitNames[a-'0']
	case a >= 'A' && a <= 'Z':
		return "FULLWIDTH LATIN CAPITAL LETTER " + string(a)
	case a >= 'a' && a <= 'z':
		return "FULLWIDTH LATIN SMALL LETTER " + string(a-'a'+'A')
	}
	return fmt.Sprintf("FULLWIDTH %q", a)
}

// looksLike says in words what a suspicious character looks like on screen.
func looksLike(l lookalike) string {
	switch l.class {
	case ClassInvisible, ClassBidi:
		return "nothing (invisible)"
	case ClassSpace:
		return "a space"
	}
	return "'" + l.repl + "'"
}

// codePoint formats r as "U+200E".
func codePoint(r rune) string { return fmt.Sprintf("U+%04X", r) }
