package firmware

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The config block a sketch carries (firmware/arduino/blynkbridge_config.h
// declares it; firmware/arduino/README.md has the table). Little-endian,
// fixed size per version, sealed by a CRC-32/MPEG-2 over every byte before
// the CRC. A stored CRC of 0 means "as compiled, never sealed": a C compiler
// cannot compute a CRC in an initializer, so the sketch accepts 0 and
// blynkbridge seals the block on its first patch.
const (
	// ConfigMagic is 15 ASCII characters and one non-ASCII byte: a text
	// mention of the name (a README, a log line) cannot match, and a C string
	// literal would need an escape to contain it.
	ConfigMagic = "BLYNKBRIDGE-CFG\xB5"

	ConfigVersion    = 1 // the version this package writes
	ConfigMinVersion = 1 // the oldest version it reads (0 was a prototype)
	ConfigLenV1      = 0x110

	MaxHostLen     = 63 // 64-byte field, NUL-terminated
	TokenLen       = 32 // 33-byte field, NUL-terminated
	MaxSSIDLen     = 32 // 33-byte field
	MaxPasswordLen = 64 // 65-byte field
)

// Field offsets of version 1.
const (
	cfgOffVersion    = 0x10
	cfgOffLength     = 0x12
	cfgOffGeneration = 0x14
	cfgOffHost       = 0x18
	cfgOffPort       = 0x58
	cfgOffTLS        = 0x5A
	cfgOffFPLen      = 0x5B
	cfgOffFlags      = 0x5C
	cfgOffToken      = 0x60
	cfgOffFP         = 0x84
	cfgOffSSID       = 0xA4
	cfgOffPassword   = 0xC5
	cfgOffCRC        = 0x10C

	cfgHostField = 64
	cfgTokField  = 33
	cfgFPField   = 32
	cfgSSIDField = 33
	cfgPassField = 65
)

// TLSMode is how the sketch checks the server. Values are the byte stored.
type TLSMode byte

// TLS modes.
const (
	TLSNone   TLSMode = 0 // plain TCP (port 80/8080/8442)
	TLSSHA1   TLSMode = 1 // pin the leaf certificate's SHA-1 (axTLS verify, BearSSL setFingerprint)
	TLSSHA256 TLSMode = 2 // pin the leaf certificate's SHA-256 (sketch compares it itself)
	TLSCA     TLSMode = 3 // trust anchors compiled into the sketch
)

func (m TLSMode) String() string {
	switch m {
	case TLSNone:
		return "none"
	case TLSSHA1:
		return "sha1"
	case TLSSHA256:
		return "sha256"
	case TLSCA:
		return "ca"
	}
	return fmt.Sprintf("unknown(%d)", byte(m))
}

// MarshalText writes the name (stable in --json).
func (m TLSMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ParseTLSMode reads "none", "sha1", "sha256" or "ca".
func ParseTLSMode(s string) (TLSMode, error) {
	for m := TLSNone; m <= TLSCA; m++ {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, newErr(ErrBadValue, bberr.Usage, "use none, sha1, sha256 or ca", "TLS mode %q is not known", s)
}

// Config is a decoded config block.
type Config struct {
	Offset      int         `json:"offset"` // file offset of the magic
	Version     int         `json:"version"`
	Length      int         `json:"length"`
	Generation  uint32      `json:"generation"` // 0 as compiled; each patch adds 1
	Host        string      `json:"host"`
	Port        int         `json:"port"`
	TLS         TLSMode     `json:"tls"`
	Fingerprint []byte      `json:"-"` // 0, 20 or 32 bytes
	Token       blynk.Token `json:"token"`
	SSID        string      `json:"wifi_ssid"`
	Password    Secret      `json:"wifi_password"` // redacted in every printed form
	Flags       uint32      `json:"flags"`
	CRCStored   uint32      `json:"crc_stored"`
	CRCComputed uint32      `json:"crc_computed"`
}

// Sealed reports whether the block carries a CRC (0 = as compiled).
func (c *Config) Sealed() bool { return c.CRCStored != 0 }

// CRCValid reports whether the block is intact (unsealed counts as intact).
func (c *Config) CRCValid() bool { return !c.Sealed() || c.CRCStored == c.CRCComputed }

// FingerprintHex is the fingerprint as "AA BB ..." ("" when none).
func (c *Config) FingerprintHex() string {
	var b strings.Builder
	for i, x := range c.Fingerprint {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// FindConfig finds the one config block in a file (Arduino layout, plain
// v1 image, or any bytes) and decodes it. No block, two blocks, or an
// unsupported version give errors wrapping ErrNoConfig, ErrTwoConfigs,
// ErrConfigTooOld / ErrConfigTooNew; a block whose fields are malformed
// gives ErrConfigCorrupt. A wrong CRC is not an error here (see CRCValid):
// `image info` must still show the block.
func FindConfig(data []byte) (*Config, error) {
	hits := findMagic(data)
	switch len(hits) {
	case 0:
		return nil, newErr(ErrNoConfig, bberr.BadInput,
			"include firmware/arduino/blynkbridge_config.h in the sketch and rebuild, or patch a string literal with --replace OLD=NEW",
			"no blynkbridge config block in this image")
	case 1:
	default:
		offs := make([]string, len(hits))
		for i, h := range hits {
			offs[i] = fmt.Sprintf("0x%X", h)
		}
		return nil, newErr(ErrTwoConfigs, bberr.BadInput,
			"include blynkbridge_config.h in one source file only (others: #define BLYNKBRIDGE_CONFIG_DECLARE_ONLY first) and rebuild",
			"%d config blocks in this image (at %s): refusing to guess which one the sketch reads", len(hits), strings.Join(offs, ", "))
	}
	return decodeConfig(data, hits[0])
}

func findMagic(data []byte) []int {
	var hits []int
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(ConfigMagic))
		if j < 0 {
			return hits
		}
		hits = append(hits, i+j)
		i += j + 1
	}
}

func decodeConfig(data []byte, off int) (*Config, error) {
	if off+cfgOffGeneration > len(data) {
		return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "the image is cut short: rebuild it", "config block at 0x%X is cut off by the end of the file", off)
	}
	b := data[off:]
	ver := int(binary.LittleEndian.Uint16(b[cfgOffVersion:]))
	ln := int(binary.LittleEndian.Uint16(b[cfgOffLength:]))
	if ver < ConfigMinVersion {
		return nil, newErr(ErrConfigTooOld, bberr.BadInput,
			"rebuild the sketch with the current firmware/arduino/blynkbridge_config.h",
			"config block at 0x%X has version %d; this blynkbridge reads versions %d to %d", off, ver, ConfigMinVersion, ConfigVersion)
	}
	if ver > ConfigVersion {
		return nil, newErr(ErrConfigTooNew, bberr.BadInput,
			"update blynkbridge to one that knows this block version",
			"config block at 0x%X has version %d; this blynkbridge reads versions %d to %d", off, ver, ConfigMinVersion, ConfigVersion)
	}
	if ln != ConfigLenV1 {
		return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "rebuild the sketch with the shipped blynkbridge_config.h",
			"config block at 0x%X: version %d must be %d bytes long, header says %d", off, ver, ConfigLenV1, ln)
	}
	if off+ln > len(data) {
		return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "the image is cut short: rebuild it", "config block at 0x%X (%d bytes) runs past the end of the file", off, ln)
	}
	b = b[:ln]
	c := &Config{
		Offset:      off,
		Version:     ver,
		Length:      ln,
		Generation:  binary.LittleEndian.Uint32(b[cfgOffGeneration:]),
		Port:        int(binary.LittleEndian.Uint16(b[cfgOffPort:])),
		TLS:         TLSMode(b[cfgOffTLS]),
		Flags:       binary.LittleEndian.Uint32(b[cfgOffFlags:]),
		CRCStored:   binary.LittleEndian.Uint32(b[cfgOffCRC:]),
		CRCComputed: CRC32MPEG2(b[:cfgOffCRC]),
	}
	var err error
	field := func(name string, o, n int) string {
		s, e := cString(b[o : o+n])
		if e != "" && err == nil {
			err = newErr(ErrConfigCorrupt, bberr.BadInput, "rebuild the sketch, or re-patch every field", "config block at 0x%X: %s field %s", off, name, e)
		}
		return s
	}
	c.Host = field("host", cfgOffHost, cfgHostField)
	c.Token = blynk.NewToken(field("token", cfgOffToken, cfgTokField))
	c.SSID = field("wifi_ssid", cfgOffSSID, cfgSSIDField)
	c.Password = NewSecret(field("wifi_password", cfgOffPassword, cfgPassField))
	if err != nil {
		return nil, err
	}
	if c.TLS > TLSCA {
		return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "re-patch with --fingerprint or set the TLS mode", "config block at 0x%X: TLS mode %d is not known", off, b[cfgOffTLS])
	}
	switch fl := int(b[cfgOffFPLen]); fl {
	case 0, 20, 32:
		c.Fingerprint = append([]byte{}, b[cfgOffFP:cfgOffFP+fl]...)
	default:
		return nil, newErr(ErrConfigCorrupt, bberr.BadInput, "re-patch with --fingerprint", "config block at 0x%X: fingerprint length %d (must be 0, 20 or 32)", off, fl)
	}
	return c, nil
}

// cString reads a NUL-terminated, NUL-padded field. It reports a missing
// terminator (the sketch would read past the field).
func cString(f []byte) (string, string) {
	i := bytes.IndexByte(f, 0)
	if i < 0 {
		return "", "is not NUL-terminated"
	}
	return string(f[:i]), ""
}

// encodeConfig writes c into a fresh block of version 1 and seals it.
func encodeConfig(c *Config) []byte {
	b := make([]byte, ConfigLenV1)
	copy(b, ConfigMagic)
	binary.LittleEndian.PutUint16(b[cfgOffVersion:], ConfigVersion)
	binary.LittleEndian.PutUint16(b[cfgOffLength:], ConfigLenV1)
	binary.LittleEndian.PutUint32(b[cfgOffGeneration:], c.Generation)
	copy(b[cfgOffHost:cfgOffHost+cfgHostField-1], c.Host)
	binary.LittleEndian.PutUint16(b[cfgOffPort:], uint16(c.Port))
	b[cfgOffTLS] = byte(c.TLS)
	b[cfgOffFPLen] = byte(len(c.Fingerprint))
	binary.LittleEndian.PutUint32(b[cfgOffFlags:], c.Flags)
	copy(b[cfgOffToken:cfgOffToken+cfgTokField-1], c.Token.Reveal())
	copy(b[cfgOffFP:cfgOffFP+cfgFPField], c.Fingerprint)
	copy(b[cfgOffSSID:cfgOffSSID+cfgSSIDField-1], c.SSID)
	copy(b[cfgOffPassword:cfgOffPassword+cfgPassField-1], c.Password.Reveal())
	binary.LittleEndian.PutUint32(b[cfgOffCRC:], sealCRC(b[:cfgOffCRC]))
	return b
}

// sealCRC is the block CRC. A CRC that happens to be 0 would read as
// "unsealed"; Patch then bumps the generation and encodes again.
func sealCRC(b []byte) uint32 { return CRC32MPEG2(b) }

// EncodeConfig builds a sealed version-1 block from c (Offset, Version,
// Length and the CRC fields are ignored). The sim and tests use it to make
// flash contents that carry a block without a cross compiler. It does not
// validate: Patch does.
func EncodeConfig(c *Config) []byte { return encodeConfig(c) }
