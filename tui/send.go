package tui

import (
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// keyBytes is what a key sends to the board after Ctrl-T: its characters
// (UTF-8), a control key's byte (Ctrl-C 0x03, Enter 0x0D, Esc 0x1B...).
func keyBytes(k tea.KeyMsg) []byte {
	switch {
	case k.Type == tea.KeyRunes:
		return []byte(string(k.Runes))
	case k.Type == tea.KeySpace:
		return []byte{' '}
	case k.Type >= 0 && k.Type < 32, k.Type == 127:
		// bubbletea's control key types are their ASCII codes.
		return []byte{byte(k.Type)}
	}
	return nil
}

// parseHexBytes reads "1d 00 01", "1d0001", "0x1d,0x00" into bytes.
func parseHexBytes(s string) ([]byte, error) {
	r := strings.NewReplacer(" ", "", ",", "", ":", "", "0x", "", "0X", "", "\t", "")
	t := r.Replace(s)
	if t == "" {
		return nil, bberr.New(bberr.Usage, "give bytes as hex pairs, e.g. 1d 00 01", "no bytes")
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		return nil, bberr.New(bberr.Usage, "give bytes as hex pairs, e.g. 1d 00 01", "not hex: %q", s)
	}
	return b, nil
}

// maxSendFile bounds a file sent with the U key: a serial line at 115200
// takes 90 s for 1 MiB, and a mistyped path should not read a disk image.
const maxSendFile = 1 << 20

func readSendFile(path string) ([]byte, error) {
	f, err := os.Open(strings.TrimSpace(path))
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "give the path of a file to send", "opening %s", path)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSendFile+1))
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "give the path of a regular file", "reading %s", path)
	}
	if len(b) > maxSendFile {
		return nil, bberr.New(bberr.BadInput, "send at most 1 MiB at once", "%s is larger than 1 MiB", path)
	}
	return b, nil
}

// osc52Copy asks the terminal to put s on the clipboard (OSC 52: works over
// SSH and in tmux with set-clipboard on).
func osc52Copy(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("the line holds bytes that are not text")
	}
	termenv.NewOutput(os.Stdout).Copy(s)
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
