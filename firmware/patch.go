package firmware

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Settings are the config-block fields to change; nil leaves a field as it
// is. Replace lists string-literal replacements for sketches without a
// block (or in addition to it).
type Settings struct {
	Host  *string
	Port  *int
	Token *blynk.Token
	// Fingerprint is the text a user typed or pasted; it goes through
	// certs.ParseFingerprint, so invisible or look-alike characters are
	// refused with their code points. Setting it sets TLS to sha1 or sha256
	// by its length unless TLS is also given.
	Fingerprint *string
	TLS         *TLSMode
	SSID        *string
	Password    *string
	Replace     []Replacement
}

// Replacement is one --replace OLD=NEW.
type Replacement struct{ Old, New string }

// touchesConfig reports whether any config-block field is set.
func (s Settings) touchesConfig() bool {
	return s.Host != nil || s.Port != nil || s.Token != nil || s.Fingerprint != nil ||
		s.TLS != nil || s.SSID != nil || s.Password != nil
}

// ParseServer splits "HOST:PORT" (or "[v6]:PORT") and validates both parts.
func ParseServer(s string) (string, int, error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, newErr(ErrBadValue, bberr.Usage, "write the server as HOST:PORT, e.g. blynk.example.com:9443", "server %q: %v", s, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, newErr(ErrBadValue, bberr.Usage, "the port is a number from 1 to 65535", "server %q: port %q is not a number", s, p)
	}
	if err := ValidateHost(h); err != nil {
		return "", 0, err
	}
	if err := ValidatePort(port); err != nil {
		return "", 0, err
	}
	return h, port, nil
}

// ValidateHost checks a server host name or IP for the block's 64-byte field.
func ValidateHost(h string) error {
	if h == "" {
		return newErr(ErrBadValue, bberr.Usage, "give the server's name or IP address", "server host is empty")
	}
	if err := visibleASCII("server host", h); err != nil {
		return err
	}
	if len(h) > MaxHostLen {
		return newErr(ErrBadValue, bberr.Usage, "use a shorter name or the IP address",
			"server host is %d characters; the config block holds at most %d", len(h), MaxHostLen)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':'
		if !ok {
			return newErr(ErrBadValue, bberr.Usage, "a host is letters, digits, '.', '-' (or an IP address)",
				"server host has %q at position %d", c, i)
		}
	}
	return nil
}

// ValidatePort checks 1..65535.
func ValidatePort(p int) error {
	if p < 1 || p > 65535 {
		return newErr(ErrBadValue, bberr.Usage, "Blynk servers listen on 80, 443, 8080, 8441, 8442 or 9443", "port %d is out of range 1..65535", p)
	}
	return nil
}

// visibleASCII refuses any character outside printable ASCII, naming its
// code point: an invisible U+200E in a pasted host looks fine on screen and
// makes DNS fail on the board.
func visibleASCII(what, s string) error {
	for i, r := range s {
		if r >= 0x20 && r < 0x7F {
			continue
		}
		if r == utf8.RuneError {
			return newErr(ErrBadValue, bberr.BadInput, "retype the value", "%s has a byte that is not UTF-8 at byte %d", what, i)
		}
		return newErr(ErrBadValue, bberr.CheckFailed, "retype the value by hand instead of pasting it",
			"%s contains %s at byte %d", what, runeName(r), i)
	}
	return nil
}

var runeNames = map[rune]string{
	0x00A0: "NO-BREAK SPACE", 0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER",
	0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
	0x2060: "WORD JOINER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE (BOM)", 0x202A: "LEFT-TO-RIGHT EMBEDDING",
	0x202C: "POP DIRECTIONAL FORMATTING", 0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE",
	0x00AD: "SOFT HYPHEN",
}

// runeName is "U+200E LEFT-TO-RIGHT MARK" (or just the code point).
func runeName(r rune) string {
	if n, ok := runeNames[r]; ok {
		return fmt.Sprintf("U+%04X %s", r, n)
	}
	if r < 0x20 || r == 0x7F {
		return fmt.Sprintf("U+%04X (control character)", r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// ValidateFingerprint parses a fingerprint through certs.ParseFingerprint.
// An unclean one (invisible or look-alike characters) is refused with the
// code point and the clean value in the hint; it is never substituted.
func ValidateFingerprint(s string) (certs.Fingerprint, error) {
	fp, err := certs.ParseFingerprint(s)
	if err != nil {
		return certs.Fingerprint{}, &bberr.Error{Code: bberr.CodeOf(err), Msg: "refusing the fingerprint: " + err.Error(),
			Hint: bberr.HintOf(err), Err: err}
	}
	return fp, nil
}

// applySettings validates s against c and writes the new values into c.
func applySettings(c *Config, s Settings) error {
	if s.Host != nil {
		if err := ValidateHost(*s.Host); err != nil {
			return err
		}
		c.Host = *s.Host
	}
	if s.Port != nil {
		if err := ValidatePort(*s.Port); err != nil {
			return err
		}
		c.Port = *s.Port
	}
	if s.Token != nil {
		if err := blynk.ValidateToken(*s.Token); err != nil {
			return &bberr.Error{Code: bberr.Usage, Msg: err.Error(), Err: ErrBadValue,
				Hint: "copy the 32-character token from the Blynk app (project settings) or the server's admin page"}
		}
		c.Token = *s.Token
	}
	if s.Fingerprint != nil {
		fp, err := ValidateFingerprint(*s.Fingerprint)
		if err != nil {
			return err
		}
		c.Fingerprint = append([]byte{}, fp.Bytes...)
		c.TLS = TLSSHA1
		if fp.Alg == certs.SHA256 {
			c.TLS = TLSSHA256
		}
	}
	if s.TLS != nil {
		if *s.TLS > TLSCA {
			return newErr(ErrBadValue, bberr.Usage, "use none, sha1, sha256 or ca", "TLS mode %d is not known", byte(*s.TLS))
		}
		c.TLS = *s.TLS
	}
	switch c.TLS {
	case TLSSHA1:
		if len(c.Fingerprint) != 20 {
			return newErr(ErrBadValue, bberr.Usage, "give a SHA-1 fingerprint (20 byte pairs) with --fingerprint", "TLS mode sha1 needs a 20-byte fingerprint, the block has %d bytes", len(c.Fingerprint))
		}
	case TLSSHA256:
		if len(c.Fingerprint) != 32 {
			return newErr(ErrBadValue, bberr.Usage, "give a SHA-256 fingerprint (32 byte pairs) with --fingerprint", "TLS mode sha256 needs a 32-byte fingerprint, the block has %d bytes", len(c.Fingerprint))
		}
	case TLSNone, TLSCA:
		c.Fingerprint = nil // nothing reads it; do not leave a stale pin behind
	}
	if s.SSID != nil {
		if err := visibleOrUTF8("WiFi SSID", *s.SSID); err != nil {
			return err
		}
		if len(*s.SSID) > MaxSSIDLen {
			return newErr(ErrBadValue, bberr.Usage, "an SSID is at most 32 bytes", "WiFi SSID is %d bytes; at most %d fit", len(*s.SSID), MaxSSIDLen)
		}
		c.SSID = *s.SSID
	}
	if s.Password != nil {
		p := *s.Password
		if strings.IndexByte(p, 0) >= 0 {
			return newErr(ErrBadValue, bberr.Usage, "retype the password", "WiFi password contains a NUL byte")
		}
		if len(p) != 0 && (len(p) < 8 || len(p) > MaxPasswordLen) {
			return newErr(ErrBadValue, bberr.Usage, "WPA2 passwords are 8 to 63 characters (or 64 hex digits); empty for an open network",
				"WiFi password is %d bytes", len(p))
		}
		c.Password = NewSecret(p)
	}
	if c.Host == "" && c.Port == 0 {
		return nil
	}
	if c.Port == 0 {
		return newErr(ErrBadValue, bberr.Usage, "give the port with --server HOST:PORT", "the block has a host but port 0")
	}
	return nil
}

// visibleOrUTF8: SSIDs may be any UTF-8, but not invisible characters.
func visibleOrUTF8(what, s string) error {
	if !utf8.ValidString(s) {
		return newErr(ErrBadValue, bberr.BadInput, "retype the value", "%s is not valid UTF-8", what)
	}
	for i, r := range s {
		if _, bad := runeNames[r]; bad || r < 0x20 || r == 0x7F {
			return newErr(ErrBadValue, bberr.CheckFailed, "retype the value by hand instead of pasting it", "%s contains %s at byte %d", what, runeName(r), i)
		}
	}
	return nil
}

// Patched is the result of Patch.
type Patched struct {
	Image    []byte  // the re-sealed image
	Sectors  []int   // 4 KiB sectors (from the start of Image) that differ from the input
	Config   *Config // the block as written (nil if the image has none and none was asked)
	Replaced []StringHit
}

// Patch writes s into a copy of img and re-seals everything the image
// carries: the block CRC, the XOR checksum of every image, the Arduino CRC
// words at 0x1010/0x1014, an appended ESP32 SHA-256, a v2 CRC. It refuses
// an input whose seals are already broken (it would hide the corruption),
// and it verifies the result before returning it: an image whose seals do
// not verify is never returned. The input is not modified.
//
// changedSectors lists the 4 KiB sectors (offset/0x1000 from the start of
// img) whose bytes differ, exactly: flash them at write offset + i*0x1000
// for --config-only. PatchDetail gives the same plus what was written.
func Patch(img []byte, s Settings) (patched []byte, changedSectors []int, err error) {
	p, err := PatchDetail(img, s)
	if err != nil {
		return nil, nil, err
	}
	return p.Image, p.Sectors, nil
}

// PatchDetail is Patch returning the decoded block as written and the
// replacements made as well.
func PatchDetail(img []byte, s Settings) (*Patched, error) {
	f, err := Parse(img)
	if err != nil {
		return nil, err
	}
	if p := f.Problems(); len(p) > 0 {
		return nil, newErr(ErrSealsBroken, bberr.CheckFailed, "the input is corrupt or was edited by hand: rebuild it; blynkbridge patches only images that verify",
			"input image does not verify: %s", p[0])
	}
	out := append([]byte(nil), img...)
	res := &Patched{}
	if s.touchesConfig() {
		c, err := FindConfig(img)
		if err != nil {
			return nil, err
		}
		if !c.CRCValid() {
			return nil, newErr(ErrConfigCorrupt, bberr.CheckFailed, "rebuild the sketch", "config block at 0x%X is corrupt: CRC stored 0x%08X, computed 0x%08X", c.Offset, c.CRCStored, c.CRCComputed)
		}
		if !f.inData(c.Offset, c.Length) {
			return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "rebuild the sketch with the shipped header",
				"config block at 0x%X is not inside one segment's data: patching it would break the image", c.Offset)
		}
		nc := *c
		if err := applySettings(&nc, s); err != nil {
			return nil, err
		}
		nc.Generation = c.Generation + 1
		blk := encodeConfig(&nc)
		for sealCRC(blk[:cfgOffCRC]) == 0 {
			nc.Generation++
			blk = encodeConfig(&nc)
		}
		copy(out[c.Offset:], blk)
		res.Config, _ = decodeConfig(out, c.Offset)
	} else if c, err := FindConfig(img); err == nil {
		res.Config = c
	}
	for _, r := range s.Replace {
		h, err := replaceIn(out, f, r)
		if err != nil {
			return nil, err
		}
		res.Replaced = append(res.Replaced, h)
	}
	reseal(out, f)
	if err := Verify(out); err != nil {
		return nil, &bberr.Error{Code: bberr.Failure, Msg: "internal error: the patched image does not verify (" + err.Error() + "); nothing written",
			Hint: "please report this with the input image", Err: errors.Join(ErrSealsBroken, err)}
	}
	if s.touchesConfig() {
		back, err := FindConfig(out)
		if err != nil || back.Offset != res.Config.Offset || !back.CRCValid() || !back.Sealed() {
			return nil, newErr(ErrSealsBroken, bberr.Failure, "please report this with the input image", "internal error: the patched config block does not read back")
		}
	}
	res.Image = out
	res.Sectors = DiffSectors(img, out)
	return res, nil
}
