package safeio

import (
	"bytes"
	"unicode/utf16"
)

// DecodeText returns the text of a small file a user saved by hand (a
// token file, a profiles.toml) as UTF-8, and the encoding it was in: ""
// for UTF-8/ASCII, "UTF-8 with BOM", "UTF-16LE" or "UTF-16BE". Notepad
// and PowerShell's `>` write UTF-16 with a byte-order mark; without one,
// UTF-16 is recognised by its NUL in every other byte of ASCII text.
// (decode streams logs through its own transcoder, for files of any size.)
func DecodeText(b []byte) (text []byte, enc string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], "UTF-8 with BOM"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return utf16Text(b[2:], false), "UTF-16LE"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return utf16Text(b[2:], true), "UTF-16BE"
	}
	if len(b) >= 4 && len(b)%2 == 0 {
		even, odd := 0, 0
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 {
				even++
			}
			if b[i+1] == 0 {
				odd++
			}
		}
		half := len(b) / 2
		switch {
		case odd == half && even == 0:
			return utf16Text(b, false), "UTF-16LE"
		case even == half && odd == 0:
			return utf16Text(b, true), "UTF-16BE"
		}
	}
	return b, ""
}

func utf16Text(b []byte, bigEndian bool) []byte {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u)))
}
