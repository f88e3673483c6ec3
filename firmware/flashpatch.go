package firmware

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Flash-time patching (what `flash --server ... [--config-only --base]`
// decides before a port is opened), moved here from cmd/blynkbridge: which
// image to write, which base the flasher may skip unchanged sectors
// against, and the report of what changed.

// FlashPatch is what PlanFlashPatch decided: the image to write, the base
// the flasher skips unchanged sectors against, and what to report.
type FlashPatch struct {
	Image, Base []byte
	offset      uint32
	sectors     []int // 4 KiB sectors (image-relative) that differ from what the board holds
	total       int   // 4 KiB sectors of the image
	config      *ConfigInfo
	patched     bool // false: FILE came patched (image patch) and --config-only checked it against --base
	configOnly  bool
	baseName    string // for the text report
	basePath    string // for --json: the file the board is said to hold
}

// FlashPatchInput is what the flash command was given.
type FlashPatchInput struct {
	File        string   // FILE as given (names in messages)
	Image, Base []byte   // FILE's image; --base's (nil without)
	BaseName    string   // --base as given
	Offset      uint32   // where FILE goes
	Settings    Settings // the patch values (zero: nothing to patch)
	ConfigOnly  bool     // --config-only
	NoPatch     bool     // --no-patch
	// Typed: a patch flag was typed on the command line, as opposed to
	// filled in from a profile or the environment.
	Typed bool
}

// FlashPatchJSON is the "patch" object of flash --json (schema v1). The
// token in config is redacted by its type.
type FlashPatchJSON struct {
	Patched        bool        `json:"patched"` // FILE patched now (false: FILE came patched, --config-only)
	ConfigOnly     bool        `json:"config_only"`
	Base           string      `json:"base,omitempty"`
	ChangedSectors []int       `json:"changed_sectors"` // image-relative 4 KiB sector indices
	ImageSectors   int         `json:"image_sectors"`
	Config         *ConfigInfo `json:"config"`
}

func (p *FlashPatch) JSON() *FlashPatchJSON {
	j := &FlashPatchJSON{Patched: p.patched, ConfigOnly: p.configOnly, ChangedSectors: p.sectors, ImageSectors: p.total, Config: p.config}
	if p.configOnly {
		j.Base = p.basePath
	}
	if j.ChangedSectors == nil {
		j.ChangedSectors = []int{}
	}
	return j
}

func (p *FlashPatch) Report(w io.Writer, file string) {
	secs := make([]string, len(p.sectors))
	for i, n := range p.sectors {
		secs[i] = fmt.Sprintf("0x%X", p.offset+uint32(n*SectorSize))
	}
	if p.patched {
		fmt.Fprintf(w, "Patched %s in memory (the file is unchanged)", file)
	} else {
		fmt.Fprintf(w, "%s differs from %s only in its config block and seals", file, p.baseName)
	}
	if cf := p.config; cf != nil {
		fmt.Fprintf(w, ": config block at 0x%X, generation %d\n", p.offset+uint32(cf.Offset), cf.Generation)
		fmt.Fprintf(w, "  Server: %s:%d  Token: %s\n", cf.Host, cf.Port, cf.Token)
		fmt.Fprintf(w, "  TLS: %s %s\n", cf.TLS, cf.Fingerprint)
		if cf.SSID != "" {
			fmt.Fprintf(w, "  WiFi: %q (password %s)\n", cf.SSID, map[bool]string{true: "set", false: "empty"}[cf.PasswordSet])
		}
	} else {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  Seals verified; changed 4 KiB sectors: %d of %d (%s)\n", len(p.sectors), p.total, strings.Join(secs, " "))
	if p.configOnly {
		fmt.Fprintf(w, "  --config-only: writing only those; the board must hold %s\n", p.baseName)
	}
}

// PlanFlashPatch applies the patch values to the image (nil, nil when
// there is nothing to patch). Everything is validated here, before a port
// is opened: a bad value never costs a reset. The patched image is
// verified once more right before it is handed back: an image whose seals
// do not verify is never written.
func PlanFlashPatch(in FlashPatchInput) (*FlashPatch, error) {
	file, image, base, offset, s, configOnly := in.File, in.Image, in.Base, in.Offset, in.Settings, in.ConfigOnly
	if in.NoPatch {
		if configOnly {
			return nil, bberr.New(bberr.Usage, "drop one of them (--base alone writes only the changed sectors of an unpatched FILE)", "--no-patch and --config-only both given")
		}
		return nil, nil
	}
	if s.Host == nil && s.Token == nil && s.Fingerprint == nil && s.TLS == nil && s.SSID == nil && s.Password == nil {
		if !configOnly {
			return nil, nil
		}
		return checkPrepatched(in)
	}
	p, err := PatchDetail(image, s)
	if errors.Is(err, ErrNoConfig) && !configOnly && !in.Typed {
		// The values came from a profile or the environment, set up for
		// the relay and the monitor: a sketch without the block is flashed
		// as it is (refusing would break plain flashing for such users).
		slog.Warn("the image has no blynkbridge config block: flashing it unchanged; the server and token from the profile or environment are not written into it",
			"file", filepath.Base(file))
		return nil, nil
	}
	if errors.Is(err, ErrNoConfig) {
		return nil, &bberr.Error{Code: bberr.BadInput, Err: err,
			Msg:  fmt.Sprintf("cannot patch %s: it has no blynkbridge config block, so the sketch would not read --server/--token/--fingerprint", filepath.Base(file)),
			Hint: "flash it without the patch flags (--no-patch if a profile or the environment supplies them), rebuild the sketch with firmware/arduino/blynkbridge_config.h, or change a literal with blynkbridge image patch --replace OLD=NEW"}
	}
	if err != nil {
		return nil, err
	}
	if err := Verify(p.Image); err != nil {
		return nil, err
	}
	res := &FlashPatch{Image: p.Image, Base: base, offset: offset, sectors: p.Sectors, total: imageSectors(p.Image), patched: true, configOnly: configOnly}
	if info, err := Inspect(p.Image); err == nil {
		res.config = info.Config
	}
	if configOnly {
		res.baseName, res.basePath = in.BaseName, in.BaseName
		if base == nil {
			res.Base, res.baseName, res.basePath = image, filepath.Base(file)+" (unpatched)", file
		} else if extra := sectorsOutside(DiffSectors(base, image), p.Sectors); len(extra) > 0 {
			// The board would end up with FILE's config sectors on top of
			// another build: a mix whose seals do not verify.
			return nil, bberr.New(bberr.Usage, "drop --config-only to write the whole patched image (--base still skips unchanged sectors)",
				"--config-only: %s differs from --base %s outside the sectors the patch changes (%s)", filepath.Base(file), in.BaseName, sectorList(offset, extra))
		} else {
			res.sectors = DiffSectors(base, p.Image)
		}
	}
	return res, nil
}

// checkPrepatched handles `flash OUT --base IN --config-only` (what
// image patch suggests): OUT must be IN with only its config block and
// seals rewritten, and both must verify.
func checkPrepatched(in FlashPatchInput) (*FlashPatch, error) {
	file, image, base, offset := in.File, in.Image, in.Base, in.Offset
	if base == nil {
		return nil, bberr.New(bberr.Usage, "give the values to patch (--server, --token, --fingerprint ...), or --base ORIGINAL.bin when FILE came from blynkbridge image patch",
			"--config-only: nothing to patch and no --base")
	}
	baseName := in.BaseName
	for _, x := range []struct {
		name string
		data []byte
	}{{filepath.Base(file), image}, {baseName, base}} {
		if err := Verify(x.data); err != nil {
			return nil, &bberr.Error{Code: bberr.CodeOf(err), Msg: fmt.Sprintf("--config-only: %s does not verify: %v", x.name, err),
				Hint: "--config-only writes only images whose seals verify; rebuild the file or flash without --config-only", Err: err}
		}
	}
	cf, err := FindConfig(image)
	if err != nil {
		return nil, err
	}
	cb, err := FindConfig(base)
	if err != nil {
		return nil, fmt.Errorf("--base %s: %w", baseName, err)
	}
	if cf.Offset != cb.Offset || cf.Length != cb.Length {
		return nil, bberr.New(bberr.Usage, "drop --config-only: FILE is another build of the sketch",
			"--config-only: the config block is at 0x%X in %s but at 0x%X in --base", cf.Offset, filepath.Base(file), cb.Offset)
	}
	// Byte by byte, not by sector: a sector holding a seal or the block
	// usually holds code too, and code must not change under --config-only.
	allowed := append(sealRanges(image), sealRanges(base)...)
	var extra []int
	for i := range max(len(image), len(base)) {
		if i < len(image) && i < len(base) && image[i] == base[i] || inRanges(i, allowed) {
			continue
		}
		if s := i / SectorSize; len(extra) == 0 || extra[len(extra)-1] != s {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		return nil, bberr.New(bberr.Usage, "drop --config-only to write every changed sector (--base still skips the unchanged ones)",
			"--config-only: %s differs from --base outside its config block and seals (%s): it is not only a config change", filepath.Base(file), sectorList(offset, extra))
	}
	diff := DiffSectors(base, image)
	res := &FlashPatch{Image: image, Base: base, offset: offset, sectors: diff, total: imageSectors(image), configOnly: true, baseName: baseName, basePath: baseName}
	if info, err := Inspect(image); err == nil {
		res.config = info.Config
	}
	return res, nil
}

// sealRanges lists the byte ranges [start, end) holding the config block
// and every seal a patch rewrites: XOR checksums, appended SHA-256s, v2
// CRCs, the Arduino CRC words.
func sealRanges(data []byte) [][2]int {
	in, err := Inspect(data)
	if err != nil {
		return nil
	}
	var out [][2]int
	add := func(off, n int) { out = append(out, [2]int{off, off + n}) }
	for _, im := range in.Images {
		add(im.Checksum.Offset, 1)
		if im.SHA256 != nil {
			add(im.SHA256.Offset, 32)
		}
		if im.V2CRC != nil {
			add(im.Offset+im.Length-4, 4)
		}
	}
	if in.ArduinoCRC != nil {
		add(CRCLenOffset, 8)
	}
	if in.Config != nil {
		add(in.Config.Offset, in.Config.Length)
	}
	return out
}

func inRanges(i int, rs [][2]int) bool {
	for _, r := range rs {
		if i >= r[0] && i < r[1] {
			return true
		}
	}
	return false
}

// sectorsOutside returns the sectors of a not in allowed.
func sectorsOutside(a, allowed []int) []int {
	ok := map[int]bool{}
	for _, s := range allowed {
		ok[s] = true
	}
	var out []int
	for _, s := range a {
		if !ok[s] {
			out = append(out, s)
		}
	}
	return out
}

// sectorList renders sectors as flash addresses, at most 8 of them.
func sectorList(offset uint32, secs []int) string {
	var parts []string
	for i, s := range secs {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(secs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("0x%X", offset+uint32(s*SectorSize)))
	}
	return "sectors " + strings.Join(parts, " ")
}

func imageSectors(image []byte) int {
	return (len(image) + SectorSize - 1) / SectorSize
}
