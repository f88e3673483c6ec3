package firmware

import (
	"errors"
	"fmt"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Sentinel kinds for errors.Is. Every error this package returns is an
// *bberr.Error (or wraps one) whose Err chain ends in one of these, so the
// CLI gets an exit code and a hint and callers can still test the kind.
var (
	ErrTruncated        = errors.New("truncated image")
	ErrBadMagic         = errors.New("bad magic")
	ErrNoSegments       = errors.New("no segments")
	ErrTooManySegments  = errors.New("too many segments")
	ErrSegmentBeyondEnd = errors.New("segment beyond end of file")
	ErrNotELF           = errors.New("not an ELF file")
	ErrBadELF           = errors.New("unusable ELF file")
	ErrNotArduino       = errors.New("not an Arduino layout")

	ErrNoConfig      = errors.New("no config block")
	ErrTwoConfigs    = errors.New("more than one config block")
	ErrConfigTooOld  = errors.New("config block version too old")
	ErrConfigTooNew  = errors.New("config block version too new")
	ErrConfigCorrupt = errors.New("config block corrupt")

	ErrBadValue    = errors.New("invalid value")
	ErrSealsBroken = errors.New("image seals do not verify")
	ErrNotFound    = errors.New("string not found")
	ErrAmbiguous   = errors.New("string found more than once")
)

// ImageError is a structural problem in an image, at a file offset.
type ImageError struct {
	Kind   error // one of the sentinels above
	Offset int   // file offset where the problem is
	Msg    string
}

func (e *ImageError) Error() string { return fmt.Sprintf("at 0x%X: %s", e.Offset, e.Msg) }

// Is lets errors.Is(err, ErrTruncated) and friends work.
func (e *ImageError) Is(target error) bool { return target == e.Kind }

// Unwrap gives the CLI an exit code (BadInput) and a hint.
func (e *ImageError) Unwrap() error {
	return &bberr.Error{Code: bberr.BadInput, Msg: e.Error(), Hint: imageHint(e.Kind), Err: e.Kind}
}

func imageHint(kind error) string {
	switch kind {
	case ErrTruncated, ErrSegmentBeyondEnd:
		return "the file is cut short: rebuild it or download it again"
	case ErrBadMagic:
		return "give a .bin made by the Arduino IDE, PlatformIO or esptool elf2image (or an .elf)"
	}
	return "this does not look like an ESP8266 firmware image"
}

func imgErr(kind error, off int, format string, args ...any) error {
	return &ImageError{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// newErr makes a *bberr.Error whose cause is kind, so errors.Is works.
func newErr(kind error, code bberr.Code, hint, format string, args ...any) error {
	return &bberr.Error{Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint, Err: kind}
}
