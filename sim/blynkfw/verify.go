package blynkfw

import (
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"strings"
)

// axtlsParse is WiFiClientSecure::verify()'s fingerprint parser on cores
// 2.1–2.4 (reference blynk.md §4.2): before each of the 20 bytes skip any
// run of ' ' or ':', then require two hex digits; what follows the 20th byte
// is ignored. debug is the line the core prints with its debug port on.
func axtlsParse(fp string) (sum [20]byte, debug string, ok bool) {
	pos := 0
	for i := 0; i < 20; i++ {
		for pos < len(fp) && (fp[pos] == ' ' || fp[pos] == ':') {
			pos++
		}
		if pos+1 >= len(fp) {
			return sum, "fingerprint too short", false
		}
		h, ok1 := hexVal(fp[pos])
		l, ok2 := hexVal(fp[pos+1])
		if !ok1 || !ok2 {
			return sum, fmt.Sprintf("pos:%d len:%d invalid hex sequence: %c%c", pos, len(fp), fp[pos], fp[pos+1]), false
		}
		sum[i] = h<<4 | l
		pos += 2
	}
	return sum, "", true
}

// bearsslParse is BearSSL WiFiClientSecure::setFingerprint(const char*)
// (reference §4.3): a hex pair from the very first character, then any run
// of ' '/':' after each pair; exactly 20 bytes and nothing after.
func bearsslParse(fp string) (sum [20]byte, debug string, ok bool) {
	pos := 0
	for i := 0; i < 20; i++ {
		if pos+1 >= len(fp) {
			return sum, "setFingerprint: FP too short", false
		}
		h, ok1 := hexVal(fp[pos])
		l, ok2 := hexVal(fp[pos+1])
		if !ok1 || !ok2 {
			return sum, "setFingerprint: Invalid char", false
		}
		sum[i] = h<<4 | l
		pos += 2
		for pos < len(fp) && (fp[pos] == ' ' || fp[pos] == ':') {
			pos++
		}
	}
	if pos != len(fp) {
		return sum, "setFingerprint: Garbage at end of fp", false
	}
	return sum, "", true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// axtlsVerify is verify(fp, domain): the leaf's SHA-1 must equal the parsed
// fingerprint, then the lower-cased domain must match a dNSName SAN or the
// subject CN. An empty domain (the library passes none for IPAddress) never
// matches. IP SANs are never consulted.
func axtlsVerify(leaf *x509.Certificate, fp, domain string) (bool, string) {
	want, dbg, ok := axtlsParse(fp)
	if !ok {
		return false, dbg
	}
	if sha1.Sum(leaf.Raw) != want {
		return false, "fingerprint doesn't match"
	}
	if !axtlsNameMatch(leaf, domain) {
		return false, "domain doesn't match"
	}
	return true, ""
}

func axtlsNameMatch(leaf *x509.Certificate, domain string) bool {
	d := strings.ToLower(domain)
	if d == "" {
		return false
	}
	for _, n := range leaf.DNSNames {
		if nameMatch(strings.ToLower(n), d) {
			return true
		}
	}
	return nameMatch(strings.ToLower(leaf.Subject.CommonName), d)
}

// nameMatch: exact, or "*." covering exactly the left-most label.
func nameMatch(pattern, name string) bool {
	if pattern == name {
		return true
	}
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		if i := strings.IndexByte(name, '.'); i > 0 && name[i+1:] == rest {
			return true
		}
	}
	return false
}

// BearSSL error codes that this firmware reports as `SSL error: N`.
const (
	brErrX509NotTrusted = 62
	brErrIO             = 31
)
