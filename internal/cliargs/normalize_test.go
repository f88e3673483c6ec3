package cliargs

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// testApp mirrors the shape of blynkbridge's commands: connection flags as
// flash and info define them, relay's -c, a parent with subcommands.
func testApp() *cli.App {
	conn := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}},
			&cli.IntFlag{Name: "baud", Aliases: []string{"b"}},
			&cli.StringFlag{Name: "before"},
			&cli.StringFlag{Name: "after"},
			&cli.StringFlag{Name: "connect-seq"},
			&cli.BoolFlag{Name: "json"},
		}
	}
	return &cli.App{
		Flags: []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}}, &cli.StringFlag{Name: "profile"}},
		Commands: []*cli.Command{
			{Name: "flash", Flags: append(conn(), &cli.StringFlag{Name: "offset"}, &cli.BoolFlag{Name: "plain"})},
			{Name: "info", Flags: conn()},
			{Name: "monitor", Flags: []cli.Flag{&cli.StringFlag{Name: "port", Aliases: []string{"p"}}, &cli.IntFlag{Name: "baud", Aliases: []string{"b"}}, &cli.BoolFlag{Name: "plain"}}},
			{Name: "relay", Flags: []cli.Flag{&cli.StringSliceFlag{Name: "comm", Aliases: []string{"c"}}, &cli.StringSliceFlag{Name: "port", Aliases: []string{"p"}}}},
			{Name: "image", Subcommands: []*cli.Command{
				{Name: "build", Flags: []cli.Flag{&cli.StringFlag{Name: "flash-mode"}, &cli.StringFlag{Name: "flash-size"}}},
			}},
			{Name: "cert", Subcommands: []*cli.Command{
				{Name: "check", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}},
			}},
		},
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		// flags after positionals
		{"bb flash fw.bin --offset 0x10000", "bb flash --offset 0x10000 fw.bin"},
		{"bb flash fw.bin --offset=0x10000", "bb flash --offset=0x10000 fw.bin"},
		{"bb -v flash fw.bin --json -p /dev/x", "bb -v flash --json -p /dev/x fw.bin"},
		{"bb flash fw.bin -- --offset", "bb flash -- fw.bin --offset"},
		{"bb flash - --json", "bb flash --json -"},
		{"bb cert check AA:BB --json", "bb cert check --json AA:BB"},
		{"bb flash a.bin --json=false", "bb flash --json=false a.bin"},
		// esptool: connection flags before the command
		{"bb -p /dev/ttyUSB0 -b 460800 flash fw.bin", "bb flash -p /dev/ttyUSB0 -b 460800 fw.bin"},
		{"bb --port /dev/ttyUSB0 --baud=460800 flash fw.bin", "bb flash --port /dev/ttyUSB0 --baud=460800 fw.bin"},
		{"bb -v -p X info", "bb -v info -p X"},
		// attached values
		{"bb flash -p/dev/ttyUSB0 -b115200 fw.bin", "bb flash -p /dev/ttyUSB0 -b 115200 fw.bin"},
		{"bb -p/dev/ttyUSB0 -b115200 flash fw.bin", "bb flash -p /dev/ttyUSB0 -b 115200 fw.bin"},
		// --chip, before the command (esptool's place) or after it
		{"bb --chip esp8266 -p X flash fw.bin", "bb flash -p X fw.bin"},
		{"bb -c esp8266 flash fw.bin", "bb flash fw.bin"},
		{"bb --chip=auto flash fw.bin", "bb flash fw.bin"},
		{"bb flash --chip ESP8266 fw.bin", "bb flash fw.bin"},
		// relay's own -c after the command is its own
		{"bb relay -c /dev/ttyACM0", "bb relay -c /dev/ttyACM0"},
		// underscore spellings; header flags on a command that writes the header as it is
		{"bb image build --flash_mode dio a.elf", "bb image build --flash-mode dio a.elf"},
		{"bb image build a.elf --flash_size=4MB", "bb image build --flash-size=4MB a.elf"},
		{"bb flash --flash_mode keep --flash_freq keep --flash_size detect fw.bin", "bb flash fw.bin"},
		{"bb flash fw.bin --flash-size=keep", "bb flash fw.bin"},
		// esptool reset names
		{"bb flash --after no_reset_stay fw.bin", "bb flash --after no-reset fw.bin"},
		{"bb flash --after=hard_reset fw.bin", "bb flash --after=hard_reset fw.bin"},
		{"bb flash --before usb_reset fw.bin", "bb flash --connect-seq " + usbResetSeq + " fw.bin"},
		{"bb info --before=usb_reset", "bb info --connect-seq " + usbResetSeq},
		{"bb flash --before no_reset_no_sync fw.bin", "bb flash --before no-reset fw.bin"},
		// -v after the command is the program's
		{"bb flash -p X -v fw.bin", "bb -v flash -p X fw.bin"},
		{"bb flash --verbose fw.bin", "bb --verbose flash fw.bin"},
		// esptool command names
		{"bb write_flash 0x0 fw.bin", "bb flash 0x0 fw.bin"},
		{"bb write-flash 0x0 fw.bin -p X", "bb flash -p X 0x0 fw.bin"},
		{"bb -p X chip_id", "bb info -p X"},
		{"bb flash_id -p X", "bb info -p X"},
		{"bb read_mac", "bb info"},
		// tio: the port as the argument
		{"bb monitor /dev/ttyUSB0", "bb monitor --port=/dev/ttyUSB0"},
		{"bb monitor /dev/ttyUSB0 -b 74880 --plain", "bb monitor -b 74880 --plain --port=/dev/ttyUSB0"},
		{"bb monitor -p /dev/a", "bb monitor -p /dev/a"},
		// help stays as typed
		{"bb help flash", "bb help flash"},
	}
	for _, c := range cases {
		got, err := Normalize(testApp(), strings.Fields(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, strings.Fields(c.want)) {
			t.Errorf("%s\n got  %q\n want %q", c.in, got, strings.Fields(c.want))
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	cases := []struct{ in, msg, hint string }{
		{"bb moniter", `unknown command "moniter"`, `did you mean "monitor"?`},
		{"bb flsh fw.bin", `unknown command "flsh"`, `did you mean "flash"?`},
		{"bb image biuld", `unknown command "biuld"`, `did you mean "build"?`},
		{"bb xyzzy", `unknown command "xyzzy"`, "blynkbridge --help lists the commands"},
		{"bb write_flsh", `unknown command "write_flsh"`, `did you mean "write_flash"?`},
		{"bb --chip esp32 flash fw.bin", `--chip "esp32" is not supported`, "ESP8266 only"},
		{"bb flash --chip=esp32c3 fw.bin", `--chip "esp32c3" is not supported`, "ESP8266 only"},
		{"bb read_flash 0 4096 out.bin", `"read_flash" is an esptool command blynkbridge does not have yet`, "esptool.py read_flash"},
		{"bb erase_flash", `"erase_flash" is an esptool command`, "esptool.py erase_flash"},
		{"bb flash --flash_mode dio fw.bin", "--flash_mode dio: flash does not rewrite the image header", "image build --flash-mode"},
	}
	for _, c := range cases {
		_, err := Normalize(testApp(), strings.Fields(c.in))
		var be *bberr.Error
		if !errors.As(err, &be) || be.Code != bberr.Usage {
			t.Errorf("%s: %v, want a usage error", c.in, err)
			continue
		}
		if !strings.Contains(be.Msg, c.msg) || !strings.Contains(be.Hint, c.hint) {
			t.Errorf("%s:\n msg  %q\n hint %q", c.in, be.Msg, be.Hint)
		}
	}
}

// The completion request must never run a command: after a bare "--"
// there is nothing to complete, and otherwise the words stay as typed.
func TestNormalizeCompletion(t *testing.T) {
	if _, err := Normalize(testApp(), strings.Fields("bb flash -- "+CompletionFlag)); !errors.Is(err, ErrNothingToComplete) {
		t.Fatalf("after --: %v", err)
	}
	in := strings.Fields("bb flash fw.bin --po " + CompletionFlag)
	got, err := Normalize(testApp(), in)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("%q %v", got, err)
	}
}

func TestUnknownFlagSuggestion(t *testing.T) {
	flags := testApp().Commands[0].Flags
	err := UnknownFlagError(errors.New("flag provided but not defined: -ofset"), flags)
	if bberr.CodeOf(err) != bberr.Usage || !strings.Contains(bberr.HintOf(err), "did you mean --offset?") {
		t.Fatalf("%v / %q", err, bberr.HintOf(err))
	}
	err = UnknownFlagError(errors.New("flag provided but not defined: -zzzzzz"), flags)
	if strings.Contains(bberr.HintOf(err), "did you mean") {
		t.Fatalf("suggested for nonsense: %q", bberr.HintOf(err))
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"monitor", "flash", "info", "relay", "ports", "profile", "cert"}
	for in, want := range map[string]string{"moniter": "monitor", "moniotr": "monitor", "flahs": "flash", "port": "ports", "mon": "monitor", "qqqqqq": "", "pro": "profile", "vers": ""} {
		if got := Suggest(in, names); got != want {
			t.Errorf("%s: got %q want %q", in, got, want)
		}
	}
}
