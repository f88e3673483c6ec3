package firmware

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FlashMode is header byte 2.
type FlashMode byte

// Flash modes.
const (
	ModeQIO  FlashMode = 0
	ModeQOUT FlashMode = 1
	ModeDIO  FlashMode = 2
	ModeDOUT FlashMode = 3
)

func (m FlashMode) String() string {
	switch m {
	case ModeQIO:
		return "qio"
	case ModeQOUT:
		return "qout"
	case ModeDIO:
		return "dio"
	case ModeDOUT:
		return "dout"
	}
	return fmt.Sprintf("unknown(%d)", byte(m))
}

// MarshalJSON writes the name.
func (m FlashMode) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// FlashSize is the high nibble of header byte 3 (ESP8266 codes).
type FlashSize byte

var sizeNames = map[FlashSize]string{0: "512KB", 1: "256KB", 2: "1MB", 3: "2MB", 4: "4MB", 5: "2MB-c1", 6: "4MB-c1", 8: "8MB", 9: "16MB"}

func (s FlashSize) String() string {
	if n, ok := sizeNames[s]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%d)", byte(s))
}

// MarshalJSON writes the name.
func (s FlashSize) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// FlashFreq is the low nibble of header byte 3.
type FlashFreq byte

var freqNames = map[FlashFreq]string{0: "40m", 1: "26m", 2: "20m", 0xF: "80m"}

func (f FlashFreq) String() string {
	if n, ok := freqNames[f]; ok {
		return n
	}
	return fmt.Sprintf("unknown(%d)", byte(f))
}

// MarshalJSON writes the name.
func (f FlashFreq) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// ParseFlashMode reads "qio", "qout", "dio" or "dout".
func ParseFlashMode(s string) (FlashMode, error) {
	for m := ModeQIO; m <= ModeDOUT; m++ {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("flash mode %q: use qio, qout, dio or dout", s)
}

// ParseFlashSize reads "512KB", "1MB", "4MB", ... (also "4M", "512K").
func ParseFlashSize(s string) (FlashSize, error) {
	u := strings.ToUpper(s)
	if !strings.HasSuffix(u, "B") {
		u += "B"
	}
	for k, n := range sizeNames {
		if strings.EqualFold(n, u) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("flash size %q: use 256KB, 512KB, 1MB, 2MB, 4MB, 8MB or 16MB", s)
}

// ParseFlashFreq reads "40m", "26m", "20m", "80m" (also "40").
func ParseFlashFreq(s string) (FlashFreq, error) {
	u := strings.ToLower(s)
	if !strings.HasSuffix(u, "m") {
		u += "m"
	}
	for k, n := range freqNames {
		if n == u {
			return k, nil
		}
	}
	return 0, fmt.Errorf("flash frequency %q: use 20m, 26m, 40m or 80m", s)
}
