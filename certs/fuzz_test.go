package certs

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseFingerprint: never panics; every result is one of the three
// outcomes; anything accepted (or offered as clean) re-formats in every
// output form and re-parses to the same bytes; positions stay in range.
func FuzzParseFingerprint(f *testing.F) {
	for _, s := range []string{
		blynkFP, "\u200E" + blynkFP, strings.ReplaceAll(blynkFP, " ", ":"), blynkHex,
		"SHA1 Fingerprint=" + strings.ReplaceAll(blynkFP, " ", ":"), "sha256 Fingerprint=" + sha256FP,
		"“" + blynkFP + "”", "{0xFD, 0xC0}", "{}", "{", "0x", "FD\u00A0C0", "ＦＤ", "FD CG", "",
		"\xE2\x80", "'\"`;", "sha-256:", "fingerprint=", "\u202E" + blynkHex, "FD-C0–7D",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		var ue *UncleanError
		var pe *ParseError
		switch {
		case err == nil:
		case errors.As(err, &ue):
			if len(ue.Findings) == 0 {
				t.Fatal("unclean without findings")
			}
			for _, f := range ue.Findings {
				if f.Byte < 0 || f.Byte >= len(s) || f.Pos < 0 || f.Pos > f.Byte {
					t.Fatalf("finding out of range: %+v", f)
				}
			}
			if !fp.IsZero() {
				t.Fatal("unclean input returned a value")
			}
			fp = ue.Clean
		case errors.As(err, &pe):
			if pe.Byte < 0 || pe.Byte > len(s) || pe.Pos < 0 || pe.Pos > pe.Byte {
				t.Fatalf("error position out of range: %+v in %q", pe, s)
			}
			Caret(s, pe.Pos)
			return
		default:
			t.Fatalf("unexpected error type %T", err)
		}
		if fp.Alg.Size() != len(fp.Bytes) {
			t.Fatalf("alg %v with %d bytes", fp.Alg, len(fp.Bytes))
		}
		for _, form := range []string{fp.ESP8266(), fp.Colon(), fp.Hex(), fp.CArray(), fp.OpenSSL()} {
			g, err := ParseFingerprint(form)
			if err != nil || !g.Equal(fp) {
				t.Fatalf("%q re-formatted as %q re-parses to %v, %v", s, form, g, err)
			}
		}
		if fp.Alg == SHA1 && (!AxTLSParse(fp.ESP8266()).OK || !BearSSLParse(fp.ESP8266()).OK) {
			t.Fatalf("device parsers reject our own output %q", fp.ESP8266())
		}
	})
}
