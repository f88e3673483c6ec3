package firmware

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/secret"
)

// This file holds what the image commands report: the JSON-ready reports
// (schema "v": ReportVersion) and their text forms. The CLI parses flags,
// reads files, calls one function here and prints the result.

// ReportVersion is the "v" of every image report.
const ReportVersion = 1

// CheckInfo returns the error `image info` exits with for an image whose
// seals do not verify (exit 10), or nil.
func CheckInfo(path string, in *Info) error {
	if in.Valid {
		return nil
	}
	return &bberr.Error{Code: bberr.CheckFailed, Msg: fmt.Sprintf("%s: %s", path, in.Problems[0]),
		Hint: "the file is corrupt or was edited by hand: rebuild or re-download it (blynkbridge patches only images that verify)", Err: ErrSealsBroken}
}

func validWord(ok bool) string {
	if ok {
		return "valid"
	}
	return "INVALID"
}

// WriteText prints `image info` for humans (esptool image_info's order).
func (in *Info) WriteText(w io.Writer, path string) {
	fmt.Fprintf(w, "File: %s (%d bytes)\n", path, in.Size)
	switch in.Layout {
	case LayoutArduino:
		fmt.Fprintln(w, "Layout: Arduino ESP8266 (eboot at 0x0, sketch at 0x1000, CRC words at 0x1010)")
	default:
		fmt.Fprintf(w, "Layout: single %s image\n", in.Layout)
	}
	for _, im := range in.Images {
		im.writeText(w)
	}
	if in.EbootPaddingOK != nil && !*in.EbootPaddingOK {
		fmt.Fprintln(w, "\nNote: the gap between eboot and 0x1000 is not all 0xAA (not made by elf2bin?)")
	}
	if a := in.ArduinoCRC; a != nil {
		fmt.Fprintln(w)
		switch a.State {
		case CRCValid:
			fmt.Fprintf(w, "Arduino CRC: length %d, CRC 0x%08X (valid)\n", a.Length, a.Stored)
		case CRCInvalid:
			fmt.Fprintf(w, "Arduino CRC: length %d, CRC 0x%08X (INVALID: calculated 0x%08X)\n", a.Length, a.Stored, a.Computed)
		case CRCAbsent:
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
		in.Config.writeText(w)
	case in.ConfigError != "":
		fmt.Fprintf(w, "Config block: %s\n", Printable(in.ConfigError))
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

func (im ImageInfo) writeText(w io.Writer) {
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
		fmt.Fprintf(w, "  CRC: 0x%08X (%s, calculated 0x%08X)\n", im.V2CRC.Stored, validWord(im.V2CRC.State == CRCValid), im.V2CRC.Computed)
	}
}

func (cf *ConfigInfo) writeText(w io.Writer) {
	seal := "not sealed yet (as compiled)"
	if cf.Sealed {
		seal = "CRC " + validWord(cf.CRCValid)
	}
	fmt.Fprintf(w, "Config block at 0x%X: version %d, %d bytes, generation %d, %s\n", cf.Offset, cf.Version, cf.Length, cf.Generation, seal)
	// Host and SSID come from the file: %q keeps an escape sequence in
	// them from reaching the terminal.
	fmt.Fprintf(w, "  Server: %s:%d\n", Printable(cf.Host), cf.Port)
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
}

// Printable spells anything but printable ASCII in s as <U+XXXX> or
// <0xNN>, so text read from a file cannot move the cursor or change a
// terminal's title when printed.
func Printable(s string) string { return spell([]byte(s)) }

// PatchReport is what `image patch` reports.
type PatchReport struct {
	V        int         `json:"v"`
	In       string      `json:"in"`
	Out      string      `json:"out"`
	Size     int         `json:"size"`
	Layout   Layout      `json:"layout"`
	Sectors  []int       `json:"changed_sectors"`
	Config   *ConfigInfo `json:"config"`
	Replaced []StringHit `json:"replaced"`
	Resealed []string    `json:"resealed"`

	configTouched bool
}

// NewPatchReport describes p, the result of patching in (written to out)
// with s.
func NewPatchReport(in, out string, s Settings, p *Patched) *PatchReport {
	rep := &PatchReport{V: ReportVersion, In: in, Out: out, Size: len(p.Image), Sectors: p.Sectors, Replaced: p.Replaced,
		configTouched: s.touchesConfig()}
	if rep.Sectors == nil {
		rep.Sectors = []int{}
	}
	if rep.Replaced == nil {
		rep.Replaced = []StringHit{}
	}
	info, _ := Inspect(p.Image)
	if info == nil {
		return rep
	}
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
	if info.ArduinoCRC != nil && info.ArduinoCRC.State == CRCValid {
		rep.Resealed = append(rep.Resealed, "Arduino CRC words")
	}
	return rep
}

// WriteText prints the report for humans, ending with the flash command
// that writes only the changed sectors.
func (rep *PatchReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Patched %s -> %s (%s, %d bytes)\n", rep.In, rep.Out, rep.Layout, rep.Size)
	if cf := rep.Config; cf != nil && rep.configTouched {
		fmt.Fprintf(w, "  Config block at 0x%X, generation %d\n", cf.Offset, cf.Generation)
		fmt.Fprintf(w, "  Server: %s:%d  Token: %s\n", Printable(cf.Host), cf.Port, cf.Token)
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
		secs[i] = fmt.Sprintf("0x%X", n*SectorSize)
	}
	fmt.Fprintf(w, "  Changed 4 KiB sectors: %d of %d (%s)\n", len(rep.Sectors), (rep.Size+SectorSize-1)/SectorSize, strings.Join(secs, " "))
	fmt.Fprintf(w, "Flash only those with: blynkbridge flash %s --base %s --config-only\n", rep.Out, rep.In)
}

// StringsReport is what `image strings` reports.
type StringsReport struct {
	V            int              `json:"v"`
	File         string           `json:"file"`
	Redacted     int              `json:"redacted"` // secrets masked (0 with --unredacted)
	Strings      []StringHit      `json:"strings,omitempty"`
	Fingerprints []FingerprintHit `json:"fingerprints,omitempty"`

	onlyFingerprints bool
}

// tokenLike is a Blynk auth token's shape (32 characters of the base64url
// alphabet); Secrets masks a literal of that shape only if it mixes cases
// and digits, so hex digests (one case) stay visible.
var tokenLike = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{32})(?:$|[^A-Za-z0-9_-])`)

// Secrets returns the secrets an image carries, for masking: the config
// block's token and WiFi password, and string literals shaped like an auth
// token (a sketch's `char auth[] = "..."`).
func Secrets(data []byte) []string {
	var out []string
	if c, err := FindConfig(data); err == nil {
		out = append(out, c.Token.Reveal(), c.Password.Reveal())
	}
	literalRuns(data, 32, func(_ int, b []byte) {
		for _, m := range tokenLike.FindAllSubmatch(b, -1) {
			if t := m[1]; mixed(t) {
				out = append(out, string(t))
			}
		}
	})
	return out
}

func mixed(b []byte) bool {
	var lo, up, dig bool
	for _, c := range b {
		lo = lo || c >= 'a' && c <= 'z'
		up = up || c >= 'A' && c <= 'Z'
		dig = dig || c >= '0' && c <= '9'
	}
	return lo && up && dig
}

// ScanStrings lists the string literals (minLen bytes or more), or with
// onlyFingerprints the fingerprint-looking ones, of data. Unless unredacted,
// the image's secrets (see Secrets) are masked first, same length.
func ScanStrings(path string, data []byte, minLen int, onlyFingerprints, unredacted bool) (*StringsReport, error) {
	if minLen < 1 {
		return nil, bberr.New(bberr.Usage, "give --min a length of 1 or more (default 6)", "--min %d is not a length", minLen)
	}
	rep := &StringsReport{V: ReportVersion, File: path, onlyFingerprints: onlyFingerprints}
	if !unredacted {
		masked := secret.Mask(data, Secrets(data)...)
		for i := range masked {
			if masked[i] != data[i] {
				rep.Redacted++
			}
		}
		data = masked
	}
	if !onlyFingerprints {
		rep.Strings = Strings(data, minLen)
		if rep.Strings == nil {
			rep.Strings = []StringHit{}
		}
		return rep, nil
	}
	rep.Fingerprints = Fingerprints(data)
	if rep.Fingerprints == nil {
		rep.Fingerprints = []FingerprintHit{}
	}
	return rep, nil
}

// Check is the error `image strings --fingerprints` exits with when a
// literal is unclean (exit 10), or nil.
func (rep *StringsReport) Check() error {
	unclean := 0
	for _, h := range rep.Fingerprints {
		if !h.Clean {
			unclean++
		}
	}
	if unclean == 0 {
		return nil
	}
	return &bberr.Error{Code: bberr.CheckFailed, Msg: fmt.Sprintf("%d fingerprint literal(s) with invisible or stray characters", unclean),
		Hint: "replace each with its clean form (see the fix lines) or fix the sketch source", Err: errors.New("unclean fingerprint")}
}

// WriteText prints the report for humans.
func (rep *StringsReport) WriteText(w io.Writer) {
	if !rep.onlyFingerprints {
		for _, s := range rep.Strings {
			fmt.Fprintf(w, "0x%08X %s\n", s.Offset, s.Text)
		}
		return
	}
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
			fmt.Fprintf(w, "           fix: blynkbridge image patch %s -o fixed.bin --replace '%s=%s'\n", rep.File, h.Raw, h.Hex)
		}
	}
}

// BuildReport is what `image build` reports.
type BuildReport struct {
	V           int      `json:"v"`
	In          string   `json:"in"`
	Out         string   `json:"out"`
	Size        int      `json:"size"`
	Layout      Layout   `json:"layout"`
	FlashOffset int      `json:"flash_offset"`
	Sections    []string `json:"sections"`
}

// NewBuildReport describes b, built from in and written to out.
func NewBuildReport(in, out string, b *Built) *BuildReport {
	return &BuildReport{V: ReportVersion, In: in, Out: out, Size: len(b.Image), Layout: b.Layout, FlashOffset: b.FlashOffset, Sections: b.Sections}
}

// WriteText prints the report and the flash command for the result.
func (rep *BuildReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Wrote %s: %d bytes, %s, segments %s\n", rep.Out, rep.Size, rep.Layout, strings.Join(rep.Sections, " "))
	if rep.FlashOffset == 0 {
		fmt.Fprintf(w, "Flash it at 0x0: blynkbridge flash %s\n", rep.Out)
	} else {
		fmt.Fprintf(w, "This is the sketch image only (no eboot): flash it at 0x%X after the bootloader: blynkbridge flash --offset 0x%X %s\n", rep.FlashOffset, rep.FlashOffset, rep.Out)
	}
}

// BuildOptionsFrom parses the flash parameters `image build` takes.
func BuildOptionsFrom(mode, size, freq string) (BuildOptions, error) {
	var opt BuildOptions
	var err error
	if opt.FlashMode, err = ParseFlashMode(mode); err != nil {
		return opt, bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-mode")
	}
	if opt.FlashSize, err = ParseFlashSize(size); err != nil {
		return opt, bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-size")
	}
	if opt.FlashFreq, err = ParseFlashFreq(freq); err != nil {
		return opt, bberr.Wrap(err, bberr.Usage, "run with --help", "--flash-freq")
	}
	opt.ModeSet, opt.SizeSet = true, true
	return opt, nil
}

// RefuseELF refuses an ELF where a flash image is wanted (a common mix-up:
// the build leaves both side by side), naming the command that converts
// it; why ends the message.
func RefuseELF(path string, data []byte, why string) error {
	if IsELF(data) {
		return bberr.New(bberr.BadInput, "convert it first: blynkbridge image build "+path+" -o fw.bin", "%s is an ELF file%s", path, why)
	}
	return nil
}

// FileMode is the mode to write an image with: 0600 when it carries a
// secret (see Secrets), so other users cannot read the token, else 0644.
func FileMode(image []byte) fs.FileMode {
	for _, s := range Secrets(image) {
		if len(s) >= secret.MinMaskLen {
			return 0o600
		}
	}
	return 0o644
}

// ParseReplacements parses --replace OLD=NEW values.
func ParseReplacements(vals []string) ([]Replacement, error) {
	var out []Replacement
	for _, r := range vals {
		old, nw, ok := strings.Cut(r, "=")
		if !ok {
			return nil, bberr.New(bberr.Usage, "write --replace 'OLD=NEW'", "--replace %q has no '='", r)
		}
		out = append(out, Replacement{Old: old, New: nw})
	}
	return out, nil
}

// Check refuses settings that would patch nothing.
func (s Settings) Check() error {
	if len(s.Replace) == 0 && !s.touchesConfig() {
		return bberr.New(bberr.Usage, "give --server, --token, --fingerprint, --tls, --wifi-ssid or --replace", "nothing to patch")
	}
	return nil
}
