package decode

import (
	"regexp"
	"strings"
)

// Secrets never leave this package unmasked (unless Options.Unredacted):
// an auth token or a Wi-Fi password in a pasted log would otherwise be
// printed by `decode`, saved in its JSON and shown by the monitor. Masking
// replaces each secret character with '*', so Raw keeps its length.
//
// Three layers: login frames of BLYNK_DEBUG dumps are masked where they are
// parsed (frames.go: the token's place is known, even split over two dump
// lines); binary LOGIN frames on a USB board's UART (redactBinaryLogin);
// and maskSecrets over every event's text, for what people paste:
//   - a word of exactly 32 characters from the token alphabet
//     [A-Za-z0-9_-] with at least one letter and one digit (every Blynk auth
//     token, legacy and IoT, and also a 32-digit MD5 sum, masked too),
//   - the value after "Pass:" (Edgent's "WiFi SSID: x Pass: y", to the end of the line),
//   - the value after "Blynk cloud: " (Edgent's "TOKEN @ host:port"),
//   - the value after "Token:" / "token=" / "auth=" / "/token/".

// maskEvent masks secrets in everything an event carries. Summary, Detail
// and Fields are made from the event's own bytes, so they can hold a secret
// only when Raw does: they are scanned only then (the common case costs one
// pass over Raw).
func maskEvent(e *Event) {
	m := maskSecrets(e.Raw)
	if m == e.Raw {
		return
	}
	e.Raw = m
	e.Summary = maskSecrets(e.Summary)
	e.Detail = maskSecrets(e.Detail)
	for k, v := range e.Fields {
		if m := maskSecrets(v); m != v {
			e.set(k, m) // copies a shared map before writing
		}
	}
}

// valueKeys start a secret value that runs to the end of the word (or line).
var valueKeys = []struct {
	key    string
	toEOL  bool   // the value may contain spaces (a Wi-Fi password)
	before string // only when this text precedes the key on the line
}{
	{key: "Pass: ", toEOL: true},
	{key: "pass: ", toEOL: true},
	{key: "Blynk cloud: "},
	{key: "Token: "},
	{key: "Token:  "},
	{key: "token="},
	{key: "auth="},
	{key: "/token/"},
}

// maskSecrets returns s with secret values replaced by '*'. It allocates
// only when it finds one.
func maskSecrets(s string) string {
	if len(s) < 8 {
		return s
	}
	var b []byte // copy of s, made on the first change
	mask := func(from, to int) {
		if b == nil {
			b = []byte(s)
		}
		for i := from; i < to && i < len(b); i++ {
			if b[i] != '\r' && b[i] != '\n' {
				b[i] = '*'
			}
		}
	}
	// Every key holds one of these: skip the key search when none occurs.
	if strings.Contains(s, "ass: ") || strings.Contains(s, "loud: ") || strings.Contains(s, "oken") || strings.Contains(s, "uth=") {
		maskValues(s, mask)
	}
	if strings.Contains(s, "ass") || strings.Contains(s, "ASS") || strings.Contains(s, "psk") || strings.Contains(s, "PSK") || strings.Contains(s, "CWJAP") {
		maskPasswords(s, mask)
	}
	// Token-shaped words: a run of exactly 32 token characters contains one
	// of every 32nd position, so only those are looked at first.
	for i := 31; i < len(s); {
		if !isTokenChar(s[i]) {
			i += 32
			continue
		}
		a, z := i, i+1
		for a > 0 && isTokenChar(s[a-1]) {
			a--
		}
		for z < len(s) && isTokenChar(s[z]) {
			z++
		}
		if z-a == 32 {
			letters, nums := 0, 0
			for _, c := range []byte(s[a:z]) {
				switch {
				case isDigit(c):
					nums++
				case c != '-' && c != '_':
					letters++
				}
			}
			if letters > 0 && nums > 0 {
				mask(a, z)
			}
		}
		i = z + 32
	}
	if b == nil {
		return s
	}
	return string(b)
}

// maskValues masks the values after valueKeys.
func maskValues(s string, mask func(from, to int)) {
	for _, vk := range valueKeys {
		off := 0
		for {
			i := strings.Index(s[off:], vk.key)
			if i < 0 {
				break
			}
			start := off + i + len(vk.key)
			end := start
			for end < len(s) && s[end] != '\n' && s[end] != '\r' && (vk.toEOL || (s[end] != ' ' && s[end] != '&' && s[end] != '"' && s[end] != '\'')) {
				end++
			}
			if vk.toEOL {
				for end > start && s[end-1] == ' ' {
					end--
				}
			}
			if end-start >= 1 && !allMasked(s[start:end]) {
				mask(start, end)
			}
			off = end
			if off >= len(s) {
				break
			}
		}
	}
}

// rePassword finds a password-like key and its separator: "Passwd0:x",
// "\"passwd0\":\"x\"", "password = x", "PSK: x", AT+CWJAP's second field.
var rePassword = regexp.MustCompile(`(?i)(?:^|[^a-z])(?:(?:wifi_?)?pass(?:word|wd|phrase)?\d*|psk)("\s*:\s*"|\s*[:=]\s*)|AT\+CWJAP(?:_CUR|_DEF)?="[^"]*","`)

// maskPasswords masks the values of password-like keys: quoted values to
// the closing quote, others to the end of the line.
func maskPasswords(s string, mask func(from, to int)) {
	for _, m := range rePassword.FindAllStringSubmatchIndex(s, -1) {
		start := m[1]
		quoted := m[2] >= 0 && strings.Contains(s[m[2]:m[3]], "\"") || strings.HasPrefix(s[m[0]:], "AT+CWJAP")
		end := start
		for end < len(s) && s[end] != '\n' && s[end] != '\r' && !(quoted && s[end] == '"') {
			end++
		}
		if !quoted {
			for end > start && s[end-1] == ' ' {
				end--
			}
		}
		if end > start {
			mask(start, end)
		}
	}
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func allMasked(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '*' && s[i] != 'x' && s[i] != 'X' {
			return false
		}
	}
	return true
}

// maskWords masks, in raw[from:to], every run of token characters at least
// min long: a frame echoed by the AT firmware holds the token without
// anything to say where it starts.
func maskWords(raw string, from, to, min int) string {
	if from < 0 || to > len(raw) || from >= to {
		return raw
	}
	b := []byte(raw)
	run := 0
	for i := from; i <= to; i++ {
		if i < to && isTokenChar(b[i]) {
			run++
			continue
		}
		if run >= min {
			for j := i - run; j < i; j++ {
				b[j] = '*'
			}
		}
		run = 0
	}
	return string(b)
}
