package firmware

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// LoadFlashFile reads what the flash and verify commands were given: a
// .bin as it is, or an ELF converted as Arduino's elf2bin does. For an ELF
// it also returns the flash offset the result belongs at (else -1).
// An ESP32 image is refused; a broken ESP8266 image only warns (esptool
// does not check at all, and data files such as a filesystem are not
// images).
func LoadFlashFile(ctx context.Context, path string) ([]byte, int64, error) {
	// Either a .bin or an .elf: the ELF's size limit (debug info makes them
	// large), named for what the user gave, so a missing .bin is not called
	// an "ELF file".
	b, err := safeio.ReadFile(ctx, path, safeio.Kind{Name: "firmware file", Max: safeio.ELF.Max})
	if err != nil {
		return nil, -1, err
	}
	if len(b) == 0 {
		return nil, -1, bberr.New(bberr.BadInput, "give a non-empty firmware image", "%s is empty", path)
	}
	if IsELF(b) {
		built, err := FromELF(b, BuildOptions{})
		if err != nil {
			return nil, -1, bberr.Wrap(err, bberr.BadInput, "give the sketch's .elf from the Arduino build folder, or a .bin", "cannot convert %s", filepath.Base(path))
		}
		return built.Image, int64(built.FlashOffset), nil
	}
	if len(b) > 16<<20 {
		return nil, -1, bberr.New(bberr.BadInput, "give an image of at most 16 MiB (the largest ESP8266 flash)", "%s is %d bytes", filepath.Base(path), len(b))
	}
	return b, -1, checkFlashImage(filepath.Base(path), b)
}

func checkFlashImage(name string, image []byte) error {
	if len(image) == 0 || (image[0] != MagicV1 && image[0] != 0xEA) {
		return nil
	}
	im, err := ParseImage(image)
	if err != nil {
		slog.Warn("the file starts like an ESP8266 image but does not parse; flashing it anyway", "file", name, "err", err)
		return nil
	}
	if im.ESP32 != nil {
		return bberr.New(bberr.BadInput, "build the sketch for an ESP8266 board (e.g. LOLIN(WeMos) D1 mini)", "%s is an ESP32-family image, not an ESP8266 image", name)
	}
	if err := Verify(image); err != nil {
		slog.Warn("image check failed; flashing it anyway (see blynkbridge image info)", "file", name, "err", err)
	}
	return nil
}
