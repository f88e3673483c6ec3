package cliargs

import (
	"errors"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The command line is outside input: Normalize must never panic, never
// lose or invent a positional argument after "--", and fail only with a
// usage error.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"flash fw.bin --offset 0x10000",
		"-p /dev/ttyUSB0 -b 460800 write_flash 0x0 fw.bin",
		"-p/dev/ttyUSB0 -b115200 --chip esp8266 chip_id",
		"monitor /dev/ttyUSB0 -b 74880",
		"flash --before usb_reset --after no_reset_stay --flash_mode keep fw.bin -v",
		"image build --flash_size=4MB a.elf",
		"flash -- --offset -x",
		"moniter",
		"--chip esp32 flash",
		"flash -- " + CompletionFlag,
		"- -- --- -=x --=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := append([]string{"bb"}, strings.Fields(line)...)
		out, err := Normalize(testApp(), args)
		if err != nil {
			var be *bberr.Error
			if !errors.Is(err, ErrNothingToComplete) && (!errors.As(err, &be) || be.Code != bberr.Usage) {
				t.Fatalf("%q: %v is not a usage error", line, err)
			}
			return
		}
		if len(out) == 0 || out[0] != "bb" {
			t.Fatalf("%q: program name lost: %q", line, out)
		}
		// What followed a "--" the user typed stays, in order, at the end.
		for i, a := range args {
			if a == "--" {
				tail := args[i+1:]
				if len(out) < len(tail) || strings.Join(out[len(out)-len(tail):], "\x00") != strings.Join(tail, "\x00") {
					t.Fatalf("%q: arguments after -- changed: %q", line, out)
				}
				break
			}
		}
	})
}
