package profiles

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// ReadTokenFile reads a token from a file (first line, surrounding space
// trimmed). It returns a warning when other users can read the file. Errors
// never contain the file's content.
func ReadTokenFile(path string) (blynk.Token, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		code := bberr.BadInput
		if os.IsPermission(err) {
			code = bberr.Permission
		}
		return blynk.Token{}, nil, bberr.Wrap(err, code, "check the token_file path (a file holding only the 32-character token)", "cannot read token file")
	}
	line, _, _ := strings.Cut(string(data), "\n")
	t := blynk.NewToken(strings.TrimSpace(line))
	if t.IsZero() {
		return t, nil, bberr.New(bberr.BadInput, "put the auth token on the first line of "+path, "token file %s is empty", path)
	}
	var warn []string
	if st, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o044 != 0 {
		warn = append(warn, fmt.Sprintf("token file %s can be read by other users (mode %04o); fix: chmod 600 %s", path, st.Mode().Perm(), shellQuote(path)))
	}
	return t, warn, nil
}
