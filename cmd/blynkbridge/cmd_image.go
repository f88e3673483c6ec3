package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/certs"
	"github.com/blynkbridge/blynkbridge/firmware"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The --json schema version of every image subcommand.
const imageJSONVersion = 1

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
					&cli.StringFlag{Name: "token", Usage: "auth `TOKEN` (32 characters; prefer --token-file or $BLYNKBRIDGE_TOKEN)", EnvVars: []string{"BLYNKBRIDGE_TOKEN"}},
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

func imageRead(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		code := bberr.BadInput
		if os.IsPermission(err) {
			code = bberr.Permission
		}
		return nil, bberr.Wrap(err, code, "check the file name", "cannot read %s", path)
	}
	return b, nil
}

// imageReadBin reads a flash image, refusing an ELF (a common mix-up: the
// build leaves both side by side) with the command that converts it; why
// ends the message.
func imageReadBin(path, why string) ([]byte, error) {
	data, err := imageRead(path)
	if err != nil {
		return nil, err
	}
	if firmware.IsELF(data) {
		return nil, bberr.New(bberr.BadInput, "convert it first: blynkbridge image build "+path+" -o fw.bin", "%s is an ELF file%s", path, why)
	}
	return data, nil
}

// imageInOut returns the one positional input file and --output, refusing
// an existing output up front so that no work is done for a file that will
// not be written (imageWrite checks again, for one that appears meanwhile).
func imageInOut(c *cli.Context, what string) (in, out string, err error) {
	if in, err = imageArg(c, what); err != nil {
		return "", "", err
	}
	out = c.String("output")
	if err := refuseOverwrite(out, c.Bool("force")); err != nil {
		return "", "", err
	}
	return in, out, nil
}

func refuseOverwrite(path string, force bool) error {
	if _, err := os.Lstat(path); err == nil && !force {
		return bberr.New(bberr.Usage, "choose another name or add --force", "%s exists; not overwriting it", path)
	}
	return nil
}

// imageWriteVerified writes an image made by patch or build to --output.
// It verifies every seal right before writing, even though Patch and
// FromELF verify their results, because a file whose seals do not verify
// must never be written.
func imageWriteVerified(c *cli.Context, out string, image []byte) error {
	if err := firmware.Verify(image); err != nil {
		return err
	}
	return imageWrite(out, image, c.Bool("force"))
}

// imageWrite writes data atomically (temp file + rename in the same
// directory), refusing to replace an existing file without force.
func imageWrite(path string, data []byte, force bool) error {
	if err := refuseOverwrite(path, force); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return bberr.Wrap(err, bberr.Permission, "check the directory exists and is writable", "cannot write next to %s", path)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(name, 0o644)
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		_ = os.Remove(name)
		return bberr.Wrap(werr, bberr.Permission, "check the disk and the permissions", "cannot write %s", path)
	}
	return nil
}

func imageInfo(c *cli.Context) error {
	path, err := imageArg(c, "image file")
	if err != nil {
		return err
	}
	data, err := imageReadBin(path, ", not a flash image")
	if err != nil {
		return err
	}
	in, err := firmware.Inspect(data)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, in); err != nil {
			return err
		}
	} else {
		printImageInfo(w, path, in)
	}
	if !in.Valid {
		return &bberr.Error{Code: bberr.CheckFailed, Msg: fmt.Sprintf("%s: %s", path, in.Problems[0]),
			Hint: "the file is corrupt or was edited by hand: rebuild or re-download it (blynkbridge patches only images that verify)", Err: firmware.ErrSealsBroken}
	}
	return nil
}

func validWord(ok bool) string {
	if ok {
		return "valid"
	}
	return "INVALID"
}

func printImageInfo(w io.Writer, path string, in *firmware.Info) {
	fmt.Fprintf(w, "File: %s (%d bytes)\n", path, in.Size)
	switch in.Layout {
	case firmware.LayoutArduino:
		fmt.Fprintln(w, "Layout: Arduino ESP8266 (eboot at 0x0, sketch at 0x1000, CRC words at 0x1010)")
	default:
		fmt.Fprintf(w, "Layout: single %s image\n", in.Layout)
	}
	for _, im := range in.Images {
		fmt.Fprintf(w, "\n%s image at 0x%X (%s)\n", strings.ToUpper(im.Role[:1])+im.Role[1:], im.Offset, im.Format)
		fmt.Fprintf(w, "  Entry point: 0x%08X\n", im.Entry)
		fmt.Fprintf(w, "  Flash: mode %s, size %s, freq %s\n", im.FlashMode, im.FlashSize, im.FlashFreq)
		if im.ESP32 != nil {
			fmt.Fprintf(w, "  Chip: %s (id %d), WP pin 0x%02X, hash appended: %v\n", im.ESP32.ChipName, im.ESP32.ChipID, im.ESP32.WPPin, im.ESP32.HashAppended)
		}
		fmt.Fprintf(w, "  %d segments\n", len(im.Segments))
		for _, s := range im.Segments {
			fmt.Fprintf(w, "    Segment %d: len 0x%05X load 0x%08X file_offs 0x%08X [%s]\n", s.Index+1, s.Length, s.LoadAddr, im.Offset+s.DataOff, s.Region)
		}
		ck := im.Checksum
		note := ""
		if ck.Rule == "crc-words-zero" {
			note = " (computed with the CRC words as zero, as elf2bin does)"
		}
		if ck.Valid {
			fmt.Fprintf(w, "  Checksum: 0x%02X (valid)%s\n", ck.Stored, note)
		} else {
			fmt.Fprintf(w, "  Checksum: 0x%02X (INVALID: calculated 0x%02X)\n", ck.Stored, ck.Computed)
		}
		if im.SHA256 != nil {
			fmt.Fprintf(w, "  Validation hash: %s (%s)\n", im.SHA256.Stored, validWord(im.SHA256.Valid))
		}
		if im.V2CRC != nil {
			fmt.Fprintf(w, "  CRC: 0x%08X (%s, calculated 0x%08X)\n", im.V2CRC.Stored, validWord(im.V2CRC.State == firmware.CRCValid), im.V2CRC.Computed)
		}
	}
	if in.EbootPaddingOK != nil && !*in.EbootPaddingOK {
		fmt.Fprintln(w, "\nNote: the gap between eboot and 0x1000 is not all 0xAA (not made by elf2bin?)")
	}
	if a := in.ArduinoCRC; a != nil {
		fmt.Fprintln(w)
		switch a.State {
		case firmware.CRCValid:
			fmt.Fprintf(w, "Arduino CRC: length %d, CRC 0x%08X (valid)\n", a.Length, a.Stored)
		case firmware.CRCInvalid:
			fmt.Fprintf(w, "Arduino CRC: length %d, CRC 0x%08X (INVALID: calculated 0x%08X)\n", a.Length, a.Stored, a.Computed)
		case firmware.CRCAbsent:
			fmt.Fprintln(w, "Arduino CRC: not filled in (both words zero)")
		default:
			fmt.Fprintln(w, "Arduino CRC: not present (the bytes at 0x1010 are code: a core without CRC words?)")
		}
	}
	if in.TrailingBytes > 0 {
		fmt.Fprintf(w, "%d bytes after the image (a flash dump or padding)\n", in.TrailingBytes)
	}
	fmt.Fprintln(w)
	switch {
	case in.Config != nil:
		cf := in.Config
		seal := "not sealed yet (as compiled)"
		if cf.Sealed {
			seal = "CRC " + validWord(cf.CRCValid)
		}
		fmt.Fprintf(w, "Config block at 0x%X: version %d, %d bytes, generation %d, %s\n", cf.Offset, cf.Version, cf.Length, cf.Generation, seal)
		fmt.Fprintf(w, "  Server: %s:%d\n", cf.Host, cf.Port)
		fmt.Fprintf(w, "  Token: %s\n", cf.Token)
		fp := ""
		if cf.Fingerprint != "" {
			fp = " " + cf.Fingerprint
		}
		fmt.Fprintf(w, "  TLS: %s%s\n", cf.TLS, fp)
		if cf.SSID != "" {
			pw := "no password"
			if cf.PasswordSet {
				pw = "password set (not shown)"
			}
			fmt.Fprintf(w, "  WiFi: %q, %s\n", cf.SSID, pw)
		}
	case in.ConfigError != "":
		fmt.Fprintf(w, "Config block: %s\n", in.ConfigError)
	default:
		fmt.Fprintln(w, "Config block: none (patch string literals with: blynkbridge image patch --replace OLD=NEW)")
	}
	if in.Valid {
		fmt.Fprintln(w, "All seals valid.")
	} else {
		for _, p := range in.Problems {
			fmt.Fprintf(w, "PROBLEM: %s\n", p)
		}
	}
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
	if c.IsSet("token") && c.IsSet("token-file") {
		return s, bberr.New(bberr.Usage, "give one of them", "--token and --token-file both given")
	}
	if v := c.String("token"); v != "" {
		t := blynk.NewToken(strings.TrimSpace(v))
		s.Token = &t
	}
	if f := c.String("token-file"); f != "" {
		b, err := imageRead(f)
		if err != nil {
			return s, err
		}
		t := blynk.NewToken(strings.TrimSpace(string(b)))
		s.Token = &t
	}
	if c.IsSet("fingerprint") && c.IsSet("fingerprint-from") {
		return s, bberr.New(bberr.Usage, "give one of them", "--fingerprint and --fingerprint-from both given")
	}
	if v := c.String("fingerprint"); v != "" {
		s.Fingerprint = &v
	}
	if addr := c.String("fingerprint-from"); addr != "" {
		info, err := certs.Fetch(c.Context, addr, certs.FetchOptions{Timeout: 10 * time.Second})
		if err != nil {
			return s, err
		}
		fp := info.Leaf().SHA1.ESP8266()
		fmt.Fprintf(c.App.ErrWriter, "%s presents %q (expires %s); pinning its SHA-1 %s\n", addr, info.Leaf().CommonName,
			info.Leaf().NotAfter.Format("2006-01-02"), fp)
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
		b, err := imageRead(f)
		if err != nil {
			return s, err
		}
		p := strings.TrimRight(string(b), "\r\n")
		s.Password = &p
	}
	for _, r := range c.StringSlice("replace") {
		old, nw, ok := strings.Cut(r, "=")
		if !ok {
			return s, bberr.New(bberr.Usage, "write --replace 'OLD=NEW'", "--replace %q has no '='", r)
		}
		s.Replace = append(s.Replace, firmware.Replacement{Old: old, New: nw})
	}
	return s, nil
}

type patchReport struct {
	V        int                  `json:"v"`
	In       string               `json:"in"`
	Out      string               `json:"out"`
	Size     int                  `json:"size"`
	Layout   firmware.Layout      `json:"layout"`
	Sectors  []int                `json:"changed_sectors"`
	Config   *firmware.ConfigInfo `json:"config"`
	Replaced []firmware.StringHit `json:"replaced"`
	Resealed []string             `json:"resealed"`
}

func imagePatch(c *cli.Context) error {
	in, out, err := imageInOut(c, "input image")
	if err != nil {
		return err
	}
	data, err := imageReadBin(in, "; patch the .bin")
	if err != nil {
		return err
	}
	s, err := imageSettings(c)
	if err != nil {
		return err
	}
	if len(s.Replace) == 0 && s.Host == nil && s.Token == nil && s.Fingerprint == nil && s.TLS == nil && s.SSID == nil && s.Password == nil {
		return bberr.New(bberr.Usage, "give --server, --token, --fingerprint, --tls, --wifi-ssid or --replace", "nothing to patch")
	}
	p, err := firmware.PatchDetail(data, s)
	if err != nil {
		return err
	}
	if err := imageWriteVerified(c, out, p.Image); err != nil {
		return err
	}
	info, _ := firmware.Inspect(p.Image)
	rep := patchReport{V: imageJSONVersion, In: in, Out: out, Size: len(p.Image), Sectors: p.Sectors, Replaced: p.Replaced}
	if rep.Sectors == nil {
		rep.Sectors = []int{}
	}
	if rep.Replaced == nil {
		rep.Replaced = []firmware.StringHit{}
	}
	if info != nil {
		rep.Layout, rep.Config = info.Layout, info.Config
		if info.Config != nil && info.Config.Sealed {
			rep.Resealed = append(rep.Resealed, "config block CRC")
		}
		for _, im := range info.Images {
			rep.Resealed = append(rep.Resealed, im.Role+" XOR checksum")
			if im.SHA256 != nil {
				rep.Resealed = append(rep.Resealed, im.Role+" SHA-256")
			}
			if im.V2CRC != nil {
				rep.Resealed = append(rep.Resealed, im.Role+" CRC")
			}
		}
		if info.ArduinoCRC != nil && info.ArduinoCRC.State == firmware.CRCValid {
			rep.Resealed = append(rep.Resealed, "Arduino CRC words")
		}
	}
	w := c.App.Writer
	if c.Bool("json") {
		return writeJSON(w, rep)
	}
	fmt.Fprintf(w, "Patched %s -> %s (%s, %d bytes)\n", in, out, rep.Layout, rep.Size)
	if cf := rep.Config; cf != nil && (s.Host != nil || s.Token != nil || s.Fingerprint != nil || s.TLS != nil || s.SSID != nil || s.Password != nil) {
		fmt.Fprintf(w, "  Config block at 0x%X, generation %d\n", cf.Offset, cf.Generation)
		fmt.Fprintf(w, "  Server: %s:%d  Token: %s\n", cf.Host, cf.Port, cf.Token)
		fmt.Fprintf(w, "  TLS: %s %s\n", cf.TLS, cf.Fingerprint)
		if cf.SSID != "" {
			fmt.Fprintf(w, "  WiFi: %q (password %s)\n", cf.SSID, map[bool]string{true: "set", false: "empty"}[cf.PasswordSet])
		}
	}
	for _, r := range rep.Replaced {
		fmt.Fprintf(w, "  Replaced %d bytes at 0x%X with %q\n", r.Length, r.Offset, r.Text)
	}
	fmt.Fprintf(w, "  Re-sealed: %s (all verified)\n", strings.Join(rep.Resealed, ", "))
	secs := make([]string, len(rep.Sectors))
	for i, n := range rep.Sectors {
		secs[i] = fmt.Sprintf("0x%X", n*firmware.SectorSize)
	}
	fmt.Fprintf(w, "  Changed 4 KiB sectors: %d of %d (%s)\n", len(rep.Sectors), (rep.Size+firmware.SectorSize-1)/firmware.SectorSize, strings.Join(secs, " "))
	fmt.Fprintf(w, "Flash only those with: blynkbridge flash %s --base %s --config-only\n", out, in)
	return nil
}

type stringsReport struct {
	V            int                       `json:"v"`
	File         string                    `json:"file"`
	Strings      []firmware.StringHit      `json:"strings,omitempty"`
	Fingerprints []firmware.FingerprintHit `json:"fingerprints,omitempty"`
}

func imageStrings(c *cli.Context) error {
	path, err := imageArg(c, "image file")
	if err != nil {
		return err
	}
	data, err := imageRead(path)
	if err != nil {
		return err
	}
	w := c.App.Writer
	rep := stringsReport{V: imageJSONVersion, File: path}
	if !c.Bool("fingerprints") {
		rep.Strings = firmware.Strings(data, c.Int("min"))
		if c.Bool("json") {
			if rep.Strings == nil {
				rep.Strings = []firmware.StringHit{}
			}
			return writeJSON(w, rep)
		}
		for _, s := range rep.Strings {
			fmt.Fprintf(w, "0x%08X %s\n", s.Offset, s.Text)
		}
		return nil
	}
	rep.Fingerprints = firmware.Fingerprints(data)
	unclean := 0
	for _, h := range rep.Fingerprints {
		if !h.Clean {
			unclean++
		}
	}
	if c.Bool("json") {
		if rep.Fingerprints == nil {
			rep.Fingerprints = []firmware.FingerprintHit{}
		}
		if err := writeJSON(w, rep); err != nil {
			return err
		}
	} else {
		if len(rep.Fingerprints) == 0 {
			fmt.Fprintln(w, "No fingerprint-looking literals.")
		}
		for _, h := range rep.Fingerprints {
			mark := "ok"
			if !h.Clean {
				mark = "UNCLEAN"
			}
			fmt.Fprintf(w, "0x%08X %-6s %-7s %s\n", h.Offset, h.Alg, mark, h.Text)
			for _, iv := range h.Invisible {
				fmt.Fprintf(w, "           %s (UTF-8 %s) at 0x%X: invisible on screen, the ESP8266 rejects the fingerprint\n", iv.Name, iv.UTF8, iv.Offset)
			}
			if !h.Clean {
				fmt.Fprintf(w, "           fix: blynkbridge image patch %s -o fixed.bin --replace '%s=%s'\n", path, h.Raw, h.Hex)
			}
		}
	}
	if unclean > 0 {
		return &bberr.Error{Code: bberr.CheckFailed, Msg: fmt.Sprintf("%d fingerprint literal(s) with invisible or stray characters", unclean),
			Hint: "replace each with its clean form (see the fix lines) or fix the sketch source", Err: errors.New("unclean fingerprint")}
	}
	return nil
}

type buildReport struct {
	V           int             `json:"v"`
	In          string          `json:"in"`
	Out         string          `json:"out"`
	Size        int             `json:"size"`
	Layout      firmware.Layout `json:"layout"`
	FlashOffset int             `json:"flash_offset"`
	Sections    []string        `json:"sections"`
}

func imageBuild(c *cli.Context) error {
	in, out, err := imageInOut(c, "ELF file")
	if err != nil {
		return err
	}
	var opt firmware.BuildOptions
	if opt.FlashMode, err = firmware.ParseFlashMode(c.String("flash-mode")); err != nil {
		return bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-mode")
	}
	if opt.FlashSize, err = firmware.ParseFlashSize(c.String("flash-size")); err != nil {
		return bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-size")
	}
	if opt.FlashFreq, err = firmware.ParseFlashFreq(c.String("flash-freq")); err != nil {
		return bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-freq")
	}
	opt.ModeSet, opt.SizeSet = true, true
	data, err := imageRead(in)
	if err != nil {
		return err
	}
	if e := c.String("eboot"); e != "" {
		if opt.Eboot, err = imageRead(e); err != nil {
			return err
		}
	}
	b, err := firmware.FromELF(data, opt)
	if err != nil {
		return err
	}
	if err := imageWriteVerified(c, out, b.Image); err != nil {
		return err
	}
	rep := buildReport{V: imageJSONVersion, In: in, Out: out, Size: len(b.Image), Layout: b.Layout, FlashOffset: b.FlashOffset, Sections: b.Sections}
	w := c.App.Writer
	if c.Bool("json") {
		return writeJSON(w, rep)
	}
	fmt.Fprintf(w, "Wrote %s: %d bytes, %s, segments %s\n", out, rep.Size, rep.Layout, strings.Join(rep.Sections, " "))
	if b.FlashOffset == 0 {
		fmt.Fprintf(w, "Flash it at 0x0: blynkbridge flash %s\n", out)
	} else {
		fmt.Fprintf(w, "This is the sketch image only (no eboot): flash it at 0x%X after the bootloader: blynkbridge flash --offset 0x%X %s\n", b.FlashOffset, b.FlashOffset, out)
	}
	return nil
}
