package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/flash"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Console is what the TUI drives: the engine plus the flash key's image and
// the save-log key's directory. It implements tui.Controller.
type Console struct {
	*Engine
	Image     []byte // what the flash key writes ("" label when nil)
	ImageName string
	Offset    uint32
	StateDir  string // resume state (flash.DefaultStateDir); "" = no resume
	LogDir    string // where the save key writes; "" = current directory
	Logger    *slog.Logger

	base []byte // the image written by the last successful flash (--base next time)

	checked  []byte // the image imgProbs was computed for
	imgProbs []decode.Problem
}

// FlashLabel says what the flash key writes, "" when no image is configured.
func (c *Console) FlashLabel() string {
	if c.Image == nil {
		return ""
	}
	return fmt.Sprintf("%s (%d bytes) at 0x%X", c.ImageName, len(c.Image), c.Offset)
}

// Flash writes the configured image through Engine.Flash. An interrupted
// write leaves a resume state, so pressing the key again continues from
// the last confirmed sector.
func (c *Console) Flash(ctx context.Context, progress func(done, total int)) (string, error) {
	if c.Image == nil {
		return "", bberr.New(bberr.Usage, "start the monitor with --image FW.bin", "no image configured for the flash key")
	}
	res, err := c.Engine.Flash(ctx, FlashRequest{
		Image:   c.Image,
		Offset:  c.Offset,
		Base:    c.base,
		Resume:  c.StateDir != "",
		Options: flash.Options{StateDir: c.StateDir, Progress: progress, Logger: c.Logger},
	})
	if err != nil {
		var pe *flash.PartialError
		if errors.As(err, &pe) && c.StateDir != "" {
			return "", bberr.Wrap(err, bberr.CodeOf(err), "press f again to resume from the last confirmed sector", "flash interrupted: %s written, %s not", pe.Written(), pe.NotWritten())
		}
		return "", err
	}
	c.base = c.Image
	return FlashSummary(res), nil
}

// FlashSummary is one line about a finished write.
func FlashSummary(r *flash.Result) string {
	s := fmt.Sprintf("flashed %s: %d sector(s) written, %d unchanged skipped, %d bytes in %s",
		r.Target, r.SectorsWritten, r.SectorsSkipped, r.Bytes, r.Duration.Round(time.Millisecond))
	if r.ResumedFrom != nil {
		s += fmt.Sprintf(", resumed from 0x%X", *r.ResumedFrom)
	}
	return s
}

// ImageProblems checks the configured image (see ImageProblems).
func (c *Console) ImageProblems() []decode.Problem {
	if c.Image == nil {
		return nil
	}
	if !sameSlice(c.checked, c.Image) {
		c.checked, c.imgProbs = c.Image, ImageProblems(c.Image)
	}
	return c.imgProbs
}

// sameSlice reports whether a and b are the same slice (not just equal
// bytes): the check is cached per image, and images are never modified.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// SaveLog writes the scrollback to a new file named after now and returns
// its path. It never overwrites: the name is created exclusively. Login
// tokens are masked, as in --log.
func (c *Console) SaveLog(now time.Time) (string, error) {
	return SaveBytes(c.LogDir, now, MaskLogins(c.Engine.Scrollback()))
}

// MaskLogins returns b with the auth token of every Blynk login frame in it
// (BLYNK_DEBUG dumps and binary frames) replaced by '*', same length.
func MaskLogins(b []byte) []byte {
	var m loginMasker
	out := m.write(time.Time{}, bytes.Clone(b))
	return append(out, m.force(true)...)
}

// SaveBytes writes data to DIR/blynkbridge-YYYYMMDD-HHMMSS.log, created
// exclusively (a second save in the same second gets a -2 suffix).
func SaveBytes(dir string, now time.Time, data []byte) (string, error) {
	base := "blynkbridge-" + now.Format("20060102-150405")
	for i := 1; i < 100; i++ {
		name := base + ".log"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.log", base, i)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", bberr.Wrap(err, bberr.Permission, "run the monitor from a writable directory", "saving the log")
		}
		_, werr := f.Write(data)
		cerr := f.Close()
		if werr != nil || cerr != nil {
			return "", bberr.Wrap(errors.Join(werr, cerr), bberr.Failure, "check the free space", "writing %s", path)
		}
		return path, nil
	}
	return "", bberr.New(bberr.Failure, "delete some saved logs", "too many logs saved this second")
}
