package profiles

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// ReadTokenFile reads a token from a file (first line, surrounding space
// trimmed). It returns a warning when other users can read the file. Errors
// never contain the file's content. The file must be a regular file of at
// most 1 KiB (safeio.Token), so a FIFO or /dev/zero is refused at once.
func ReadTokenFile(path string) (blynk.Token, []string, error) {
	// A 1 KiB regular file never blocks: no context needed to stop it.
	data, err := safeio.ReadFile(context.Background(), path, safeio.Token)
	if err != nil {
		return blynk.Token{}, nil, err
	}
	// Saved by Notepad or PowerShell (UTF-16, a BOM): read as meant.
	data, _ = safeio.DecodeText(data)
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
