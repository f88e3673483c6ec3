package cliargs

import (
	"slices"
	"strings"
)

// ShellWord quotes a for a POSIX shell when it needs it (a printed
// command the user can paste back).
func ShellWord(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-=:,+@%", r))
	}) < 0 || strings.HasPrefix(a, "'") {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// NonEmpty trims a repeatable flag's values, dropping empty values and
// repeats (a profile fills a slice flag once per alias, so the same port
// can arrive twice).
func NonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
