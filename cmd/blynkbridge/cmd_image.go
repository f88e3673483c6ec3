package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/jsonout"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
	"github.com/blynkbridge/blynkbridge/profiles"
)

func init() {
	register(&cli.Command{
		Name:  "image",
		Usage: "inspect, patch and build ESP8266 firmware images (.bin/.elf)",
		Subcommands: []*cli.Command{
			{
				Name:            "info",
				HideHelpCommand: true,
				Usage:           "show an image's header, segments, checksums, Arduino CRC and config block (like esptool image_info)",
				ArgsUsage:       "FILE",
				Flags:           []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print a JSON report"}},
				Action:          imageInfo,
			},
			{
				Name:            "patch",
				HideHelpCommand: true,
				Usage:           "write server, token, fingerprint (or a string literal) into a built image and re-seal it",
				ArgsUsage:       "IN",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the patched image to `OUT`", Required: true},
					&cli.StringFlag{Name: "server", Usage: "Blynk server `HOST:PORT`"},
					&cli.StringFlag{Name: "token", Usage: "auth `TOKEN` (visible in shell history and ps: prefer --token-file or $BLYNKBRIDGE_TOKEN)", EnvVars: []string{"BLYNKBRIDGE_TOKEN"}},
					&cli.StringFlag{Name: "token-file", Usage: "read the auth token from `FILE`"},
					&cli.StringFlag{Name: "fingerprint", Usage: "pin this SHA-1 or SHA-256 certificate `FINGERPRINT`"},
					&cli.StringFlag{Name: "fingerprint-from", Usage: "fetch the server at `HOST:PORT` and pin its certificate's SHA-1"},
					&cli.StringFlag{Name: "tls", Usage: "TLS `MODE`: none, sha1, sha256 or ca"},
					&cli.StringFlag{Name: "wifi-ssid", Usage: "WiFi `SSID` for sketches that read it from the block"},
					&cli.StringFlag{Name: "wifi-pass-file", Usage: "read the WiFi password from `FILE`"},
					&cli.StringSliceFlag{Name: "replace", Usage: "replace a string literal: `OLD=NEW` (NEW not longer; repeatable)"},
					&cli.BoolFlag{Name: "force", Usage: "overwrite OUT if it exists"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: imagePatch,
			},
			{
				Name:            "strings",
				HideHelpCommand: true,
				Usage:           "list string literals, or with --fingerprints the fingerprint-looking ones (flagging invisible characters)",
				ArgsUsage:       "FILE",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "fingerprints", Usage: "only fingerprint-looking literals (20 or 32 hex pairs)"},
					&cli.IntFlag{Name: "min", Value: 6, Usage: "minimum length of a listed string"},
					&cli.BoolFlag{Name: "unredacted", Usage: "show the image's auth token and WiFi password (masked by default)"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: imageStrings,
			},
			{
				Name:            "build",
				HideHelpCommand: true,
				Usage:           "convert a sketch ELF into a flashable .bin as Arduino's elf2bin does",
				ArgsUsage:       "FW.elf",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the image to `OUT`", Required: true},
					&cli.StringFlag{Name: "eboot", Usage: "bootloader (eboot.elf or its .bin) for a full image at 0x0; without it the sketch image for 0x1000"},
					&cli.StringFlag{Name: "flash-mode", Value: "dio", Usage: "qio, qout, dio or dout"},
					&cli.StringFlag{Name: "flash-size", Value: "4MB", Usage: "256KB, 512KB, 1MB, 2MB, 4MB, 8MB or 16MB"},
					&cli.StringFlag{Name: "flash-freq", Value: "40m", Usage: "20m, 26m, 40m or 80m"},
					&cli.BoolFlag{Name: "force", Usage: "overwrite OUT if it exists"},
					&cli.BoolFlag{Name: "json", Usage: "print a JSON report"},
				},
				Action: imageBuild,
			},
		},
	})
}

// imageArg returns the one positional argument.
func imageArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		return "", bberr.New(bberr.Usage, "run with --help to see the usage", "give exactly one %s (got %d arguments)", what, c.NArg())
	}
	return c.Args().First(), nil
}

// imageReadBin reads a flash image, refusing an ELF (a common mix-up: the
// build leaves both side by side) with the command that converts it; why
// ends the message.
func imageReadBin(c *cli.Context, path, why string) ([]byte, error) {
	data, err := safeio.ReadFile(c.Context, path, safeio.Image)
	if err != nil {
		return nil, err
	}
	return data, firmware.RefuseELF(path, data, why)
}

// imageInOut returns the one positional input file and --output, refusing
// an output that will not be written before any work is done (WriteFile
// checks again, for one that appears meanwhile).
func imageInOut(c *cli.Context, what string) (in, out string, err error) {
	if in, err = imageArg(c, what); err != nil {
		return "", "", err
	}
	out = c.String("output")
	return in, out, safeio.CheckWritable(out, c.Bool("force"))
}

// imageWrite writes an image made by patch or build to --output: 0600 if
// it carries a secret (token, WiFi password), else 0644.
func imageWrite(c *cli.Context, out string, image []byte) error {
	if err := firmware.Verify(image); err != nil {
		return err
	}
	return safeio.WriteFile(out, image, firmware.FileMode(image), c.Bool("force"))
}

func imageInfo(c *cli.Context) error {
	path, err := imageArg(c, "image file")
	if err != nil {
		return err
	}
	data, err := imageReadBin(c, path, ", not a flash image")
	if err != nil {
		return err
	}
	in, err := firmware.Inspect(data)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := jsonout.Write(c.App.Writer, in); err != nil {
			return err
		}
	} else {
		in.WriteText(c.App.Writer, path)
	}
	return firmware.CheckInfo(path, in)
}

// imageSettings turns the patch flags into firmware.Settings.
func imageSettings(c *cli.Context) (firmware.Settings, error) {
	var s firmware.Settings
	if v := c.String("server"); v != "" {
		h, p, err := firmware.ParseServer(v)
		if err != nil {
			return s, err
		}
		s.Host, s.Port = &h, &p
	}
	tok, err := tokenFlags(c)
	if err != nil || !tok.IsZero() {
		s.Token = &tok
	}
	if err != nil {
		return s, err
	}
	if c.IsSet("fingerprint") && c.IsSet("fingerprint-from") {
		return s, bberr.New(bberr.Usage, "give one of them", "--fingerprint and --fingerprint-from both given")
	}
	if v := c.String("fingerprint"); v != "" {
		s.Fingerprint = &v
	}
	if addr := c.String("fingerprint-from"); addr != "" {
		fp, err := certs.PinSHA1(c.Context, addr, c.App.ErrWriter)
		if err != nil {
			return s, err
		}
		s.Fingerprint = &fp
	}
	if v := c.String("tls"); v != "" {
		m, err := firmware.ParseTLSMode(v)
		if err != nil {
			return s, err
		}
		s.TLS = &m
	}
	if c.IsSet("wifi-ssid") {
		v := c.String("wifi-ssid")
		s.SSID = &v
	}
	if f := c.String("wifi-pass-file"); f != "" {
		b, err := safeio.ReadFile(c.Context, f, safeio.Password)
		if err != nil {
			return s, err
		}
		b, _ = safeio.DecodeText(b) // saved by Notepad or PowerShell
		p := strings.TrimRight(string(b), "\r\n")
		s.Password = &p
	}
	s.Replace, err = firmware.ParseReplacements(c.StringSlice("replace"))
	return s, err
}

// tokenFlags reads --token / --token-file (either, not both), warning
// about a token on the command line as profile add does.
func tokenFlags(c *cli.Context) (tok blynk.Token, err error) {
	// Values, not IsSet: an exported but empty $BLYNKBRIDGE_TOKEN marks
	// --token as set in urfave/cli.
	if strings.TrimSpace(c.String("token")) != "" && c.String("token-file") != "" {
		return tok, bberr.New(bberr.Usage, "give one of them", "--token and --token-file both given")
	}
	if v := c.String("token"); v != "" {
		warnTokenFlag(c, "token")
		return blynk.NewToken(strings.TrimSpace(v)), nil
	}
	if f := c.String("token-file"); f != "" {
		t, warn, err := profiles.ReadTokenFile(f)
		for _, w := range warn {
			fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", w)
		}
		return t, err
	}
	return tok, nil
}

func imagePatch(c *cli.Context) error {
	in, out, err := imageInOut(c, "input image")
	if err != nil {
		return err
	}
	data, err := imageReadBin(c, in, "; patch the .bin")
	if err != nil {
		return err
	}
	s, err := imageSettings(c)
	if err == nil {
		err = s.Check()
	}
	if err != nil {
		return err
	}
	p, err := firmware.PatchDetail(data, s)
	if err != nil {
		return err
	}
	if err := imageWrite(c, out, p.Image); err != nil {
		return err
	}
	rep := firmware.NewPatchReport(in, out, s, p)
	if c.Bool("json") {
		return jsonout.Write(c.App.Writer, rep)
	}
	rep.WriteText(c.App.Writer)
	return nil
}

func imageStrings(c *cli.Context) error {
	path, err := imageArg(c, "image file")
	if err != nil {
		return err
	}
	data, err := safeio.ReadFile(c.Context, path, safeio.Image)
	if err != nil {
		return err
	}
	if c.Bool("unredacted") {
		fmt.Fprintln(c.App.ErrWriter, "warning: --unredacted prints the image's auth token and WiFi password; do not paste this output")
	}
	rep, err := firmware.ScanStrings(path, data, c.Int("min"), c.Bool("fingerprints"), c.Bool("unredacted"))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := jsonout.Write(c.App.Writer, rep); err != nil {
			return err
		}
	} else {
		rep.WriteText(c.App.Writer)
	}
	return rep.Check()
}

func imageBuild(c *cli.Context) error {
	in, out, err := imageInOut(c, "ELF file")
	if err != nil {
		return err
	}
	opt, err := firmware.BuildOptionsFrom(c.String("flash-mode"), c.String("flash-size"), c.String("flash-freq"))
	if err != nil {
		return err
	}
	data, err := safeio.ReadFile(c.Context, in, safeio.ELF)
	if err != nil {
		return err
	}
	if e := c.String("eboot"); e != "" {
		if opt.Eboot, err = safeio.ReadFile(c.Context, e, safeio.ELF); err != nil {
			return err
		}
	}
	b, err := firmware.FromELF(data, opt)
	if err != nil {
		return err
	}
	if err := imageWrite(c, out, b.Image); err != nil {
		return err
	}
	rep := firmware.NewBuildReport(in, out, b)
	if c.Bool("json") {
		return jsonout.Write(c.App.Writer, rep)
	}
	rep.WriteText(c.App.Writer)
	return nil
}
