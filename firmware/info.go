package firmware

import (
	"encoding/hex"
	"errors"

	"github.com/blynkbridge/blynkbridge/blynk"
)

// InfoVersion is the schema version of Info's JSON ("v").
const InfoVersion = 1

// Info is everything `image info` reports, JSON-ready with stable names
// (README "image info --json"). Secrets are redacted by their types.
type Info struct {
	V              int         `json:"v"`
	Size           int         `json:"size"`
	Layout         Layout      `json:"layout"`
	Images         []ImageInfo `json:"images"`
	EbootPaddingOK *bool       `json:"eboot_padding_ok,omitempty"`
	ArduinoCRC     *CRCInfo    `json:"arduino_crc,omitempty"`
	TrailingBytes  int         `json:"trailing_bytes"`
	Config         *ConfigInfo `json:"config"`
	ConfigError    string      `json:"config_error,omitempty"`
	Problems       []string    `json:"problems"`
	Valid          bool        `json:"valid"`
}

// ImageInfo describes one image of the file.
type ImageInfo struct {
	Role      string       `json:"role"` // "eboot", "sketch" or "image"
	Offset    int          `json:"offset"`
	Format    Format       `json:"format"`
	FlashMode string       `json:"flash_mode"`
	FlashSize string       `json:"flash_size"`
	FlashFreq string       `json:"flash_freq"`
	Entry     uint32       `json:"entry"`
	Segments  []Segment    `json:"segments"`
	Checksum  ChecksumInfo `json:"checksum"`
	Length    int          `json:"length"`
	ESP32     *ESP32Ext    `json:"esp32,omitempty"`
	SHA256    *SHAInfo     `json:"sha256,omitempty"`
	V2CRC     *CRCInfo     `json:"v2_crc,omitempty"`
}

// ChecksumInfo is the XOR checksum byte.
type ChecksumInfo struct {
	Offset   int    `json:"offset"` // file offset
	Stored   byte   `json:"stored"`
	Computed byte   `json:"computed"`
	Valid    bool   `json:"valid"`
	Rule     string `json:"rule,omitempty"` // "plain" or "crc-words-zero"
}

// SHAInfo is an appended SHA-256.
type SHAInfo struct {
	Offset   int    `json:"offset"`
	Stored   string `json:"stored"`
	Computed string `json:"computed"`
	Valid    bool   `json:"valid"`
}

// CRCInfo is the Arduino CRC words (or a v2 image CRC).
type CRCInfo struct {
	State    CRCState `json:"state"`
	Length   uint32   `json:"length,omitempty"`
	Stored   uint32   `json:"stored"`
	Computed uint32   `json:"computed"`
}

// ConfigInfo is the config block as shown (token and password redacted).
type ConfigInfo struct {
	Offset      int         `json:"offset"`
	Version     int         `json:"version"`
	Length      int         `json:"length"`
	Generation  uint32      `json:"generation"`
	Host        string      `json:"host"`
	Port        int         `json:"port"`
	TLS         TLSMode     `json:"tls"`
	Fingerprint string      `json:"fingerprint"` // "AA BB ..." or ""
	Token       blynk.Token `json:"token"`       // redacted
	TokenSet    bool        `json:"token_set"`
	SSID        string      `json:"wifi_ssid"`
	PasswordSet bool        `json:"wifi_password_set"`
	Sealed      bool        `json:"sealed"`
	CRCValid    bool        `json:"crc_valid"`
	CRCStored   uint32      `json:"crc_stored"`
	CRCComputed uint32      `json:"crc_computed"`
}

// Inspect parses a firmware file for `image info`. Structural errors (not
// an image at all) are returned; broken seals are listed in Problems.
func Inspect(data []byte) (*Info, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	in := &Info{V: InfoVersion, Size: len(data), Layout: f.Layout, Problems: f.Problems()}
	for _, im := range f.Images {
		role := "image"
		if f.Arduino != nil {
			role = "sketch"
			if im == f.Arduino.Eboot {
				role = "eboot"
			}
		}
		ii := ImageInfo{Role: role, Offset: im.Base, Format: im.Format, FlashMode: im.FlashMode.String(),
			FlashSize: im.FlashSize.String(), FlashFreq: im.FlashFreq.String(), Entry: im.Entry,
			Segments: im.Segments, Length: im.Length, ESP32: im.ESP32,
			Checksum: ChecksumInfo{Offset: im.Base + im.ChecksumOff, Stored: im.ChecksumStored, Computed: im.ChecksumComputed,
				Valid: im.ChecksumValid(), Rule: im.ChecksumRule}}
		if im.ChecksumRule == "crc-words-zero" {
			ii.Checksum.Computed = im.ChecksumStored
		}
		if im.ESP32 != nil && im.ESP32.HashAppended {
			ii.SHA256 = &SHAInfo{Offset: im.Base + im.SHA256Off, Stored: hex.EncodeToString(im.SHA256Stored),
				Computed: hex.EncodeToString(im.SHA256Calc), Valid: im.SHA256Valid()}
		}
		if im.V2 != nil {
			st := CRCValid
			if !im.V2CRCValid() {
				st = CRCInvalid
			}
			ii.V2CRC = &CRCInfo{State: st, Stored: im.V2.CRCStored, Computed: im.V2.CRCComputed}
		}
		in.Images = append(in.Images, ii)
	}
	end := f.Main().Base + f.Main().Length
	in.TrailingBytes = len(data) - end
	if a := f.Arduino; a != nil {
		ok := a.PaddingOK
		in.EbootPaddingOK = &ok
		in.ArduinoCRC = &CRCInfo{State: a.CRC, Length: a.CRCLen, Stored: a.CRCStored, Computed: a.CRCCalc}
	}
	c, err := FindConfig(data)
	switch {
	case err == nil:
		in.Config = &ConfigInfo{Offset: c.Offset, Version: c.Version, Length: c.Length, Generation: c.Generation,
			Host: c.Host, Port: c.Port, TLS: c.TLS, Fingerprint: c.FingerprintHex(), Token: c.Token,
			TokenSet: !c.Token.IsZero(), SSID: c.SSID, PasswordSet: !c.Password.IsZero(), Sealed: c.Sealed(),
			CRCValid: c.CRCValid(), CRCStored: c.CRCStored, CRCComputed: c.CRCComputed}
		if !c.CRCValid() {
			in.Problems = append(in.Problems, "config block CRC wrong")
		}
	case errors.Is(err, ErrNoConfig):
		// Not a problem: most sketches have none.
	default:
		in.ConfigError = err.Error()
	}
	if in.Problems == nil {
		in.Problems = []string{}
	}
	in.Valid = len(in.Problems) == 0
	return in, nil
}
