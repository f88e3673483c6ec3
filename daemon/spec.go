package daemon

import (
	"fmt"
	"strings"
)

// SplitNamed reads a --port or --rfc2217 value: "NAME=VALUE" (the name
// before the first '=', when it is a plain name) or just "VALUE".
func SplitNamed(s string) (name, value string) {
	if i := strings.IndexByte(s, '='); i > 0 && !strings.ContainsAny(s[:i], "/:?") {
		return s[:i], s[i+1:]
	}
	return "", s
}

// StartHint is the hint of commands that need a daemon and found none.
func StartHint() string {
	return fmt.Sprintf("start one: blynkbridge daemon (or systemctl start blynkbridge); its socket is %s", DefaultSocket())
}
