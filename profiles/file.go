package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// EnvConfig names the environment variable that overrides the file path.
const EnvConfig = "BLYNKBRIDGE_CONFIG"

// EnvProfile names the environment variable that picks a profile when
// --profile is not given.
const EnvProfile = "BLYNKBRIDGE_PROFILE"

// File is a profiles file: a default profile name and named profiles.
type File struct {
	Path    string // where it was read from / will be written to
	Exists  bool   // false if Load found no file (an empty File)
	Default string

	profiles map[string]*Profile
	lines    map[string]int // "profiles.NAME.KEY" -> line, for error messages
	// Warnings are things a user should fix that do not stop a command
	// (a token in a file other users can read). Callers print them.
	Warnings []string
}

// rawFile is the on-disk shape. Tokens are plain strings here, so this type
// never leaves the package: everything outside sees blynk.Token.
type rawFile struct {
	Default  string                 `toml:"default,omitempty"`
	Profiles map[string]*rawProfile `toml:"profiles,omitempty"`
}

type rawProfile struct {
	Port        string         `toml:"port,omitempty"`
	ByID        string         `toml:"by_id,omitempty"`
	USBSerial   string         `toml:"usb_serial,omitempty"`
	VIDPID      string         `toml:"vid_pid,omitempty"`
	MonitorBaud int            `toml:"monitor_baud,omitempty"`
	FlashBaud   int            `toml:"flash_baud,omitempty"`
	Before      string         `toml:"before,omitempty"`
	After       string         `toml:"after,omitempty"`
	Image       string         `toml:"image,omitempty"`
	ELF         string         `toml:"elf,omitempty"`
	Server      string         `toml:"server,omitempty"`
	TLS         string         `toml:"tls,omitempty"`
	CA          string         `toml:"ca,omitempty"`
	Fingerprint string         `toml:"fingerprint,omitempty"`
	Token       string         `toml:"token,omitempty"`
	TokenFile   string         `toml:"token_file,omitempty"`
	TokenEnv    string         `toml:"token_env,omitempty"`
	Relay       map[string]any `toml:"relay,omitempty"`
}

// DefaultPath is $BLYNKBRIDGE_CONFIG, or profiles.toml in the user config
// directory (~/.config/blynkbridge on Linux, ~/Library/Application Support
// on macOS, %AppData% on Windows).
func DefaultPath(getenv func(string) string) (string, error) {
	if p := getenv(EnvConfig); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", bberr.Wrap(err, bberr.BadInput, "set "+EnvConfig+" or pass --config FILE", "no user config directory")
	}
	return filepath.Join(dir, "blynkbridge", "profiles.toml"), nil
}

// New returns an empty File that Save will write to path.
func New(path string) *File {
	return &File{Path: path, profiles: map[string]*Profile{}, lines: map[string]int{}}
}

// Load reads and validates the file at path. A missing file is not an
// error: it gives an empty File with Exists false.
func Load(path string) (*File, error) {
	// At most 1 MiB, a regular file (a FIFO or /dev/zero as --config is
	// refused at once, never read).
	data, err := safeio.ReadFile(context.Background(), path, safeio.Config)
	if errors.Is(err, fs.ErrNotExist) {
		return New(path), nil
	}
	if err != nil {
		return nil, err
	}
	data, _ = safeio.DecodeText(data) // edited in Notepad: UTF-16 or a BOM
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	f.Exists = true
	if st, err := os.Stat(path); err == nil {
		f.Warnings = append(f.Warnings, permissionWarnings(path, st.Mode(), f)...)
	}
	return f, nil
}

// permissionWarnings: a token in a file others can read is a leaked token.
func permissionWarnings(path string, mode fs.FileMode, f *File) []string {
	if runtime.GOOS == "windows" || mode.Perm()&0o044 == 0 {
		return nil
	}
	var with []string
	for _, n := range f.Names() {
		if !f.profiles[n].Token.IsZero() {
			with = append(with, n)
		}
	}
	if len(with) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s holds a token (profile %s) and other users can read it (mode %04o); fix: chmod 600 %s",
		path, strings.Join(with, ", "), mode.Perm(), shellQuote(path))}
}

// Parse decodes and validates a profiles file held in memory. path is only
// used in messages and to resolve relative paths.
func Parse(path string, data []byte) (*File, error) {
	var raw rawFile
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, decodeError(path, err)
	}
	f := New(path)
	f.Default = raw.Default
	f.lines = lineIndex(data)
	base := filepath.Dir(path)
	var errs []error
	names := make([]string, 0, len(raw.Profiles))
	for n := range raw.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := raw.Profiles[n]
		if r == nil {
			r = &rawProfile{}
		}
		p := fromRaw(n, r, base)
		errs = append(errs, p.validate(path, f.lineOf(n))...)
		f.profiles[n] = p
	}
	if f.Default != "" && f.profiles[f.Default] == nil {
		errs = append(errs, &FieldError{File: path, Key: "default", Line: f.lines["default"],
			Msg: fmt.Sprintf("default profile %q is not defined", f.Default)})
	}
	if len(errs) > 0 {
		return nil, validationError(path, errs)
	}
	return f, nil
}

// ValidationError lists every problem found in a file.
type ValidationError struct{ Errs []error }

func (e *ValidationError) Error() string {
	s := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		s[i] = err.Error()
	}
	return strings.Join(s, "; ")
}

func (e *ValidationError) Unwrap() []error { return e.Errs }

func validationError(path string, errs []error) error {
	ve := &ValidationError{Errs: errs}
	hint := "fix the line named above in " + path + " (or run: blynkbridge profile show NAME)"
	var fe *FieldError
	if errors.As(errs[0], &fe) && fe.Line > 0 {
		hint = fmt.Sprintf("edit line %d of %s", fe.Line, path)
	}
	return &bberr.Error{Code: bberr.BadInput, Msg: "invalid profiles file: " + ve.Error(), Hint: hint, Err: ve}
}

func decodeError(path string, err error) error {
	var errs []error
	var sm *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &sm):
		for i := range sm.Errors {
			e := &sm.Errors[i]
			row, _ := e.Position()
			prof, key := splitKey(e.Key())
			errs = append(errs, &FieldError{File: path, Profile: prof, Key: key, Line: row, Msg: "unknown key" + suggestKey(key)})
		}
	case errors.As(err, &de):
		row, _ := de.Position()
		prof, key := splitKey(de.Key())
		errs = append(errs, &FieldError{File: path, Profile: prof, Key: key, Line: row, Msg: de.Error()})
	default:
		errs = append(errs, &FieldError{File: path, Msg: err.Error()})
	}
	return validationError(path, errs)
}

func splitKey(k toml.Key) (profile, key string) {
	if len(k) >= 2 && k[0] == "profiles" {
		return k[1], strings.Join(k[2:], ".")
	}
	return "", strings.Join(k, ".")
}

// suggestKey names the key a typo probably meant.
func suggestKey(key string) string {
	known := []string{"port", "by_id", "usb_serial", "vid_pid", "monitor_baud", "flash_baud", "before", "after",
		"image", "elf", "server", "tls", "ca", "fingerprint", "token", "token_file", "token_env", "relay"}
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return " (known keys: " + strings.Join(known, ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

func fromRaw(name string, r *rawProfile, base string) *Profile {
	return &Profile{
		Name: name, Port: r.Port, ByID: r.ByID, USBSerial: r.USBSerial, VIDPID: strings.ToLower(r.VIDPID),
		MonitorBaud: r.MonitorBaud, FlashBaud: r.FlashBaud, Before: r.Before, After: r.After,
		Image: expandPath(r.Image, base), ELF: expandPath(r.ELF, base),
		Server: r.Server, TLS: r.TLS, CA: expandPath(r.CA, base), Fingerprint: r.Fingerprint,
		Token: blynk.NewToken(r.Token), TokenFile: expandPath(r.TokenFile, base), TokenEnv: r.TokenEnv,
		Relay: r.Relay,
	}
}

func toRaw(p *Profile) *rawProfile {
	return &rawProfile{
		Port: p.Port, ByID: p.ByID, USBSerial: p.USBSerial, VIDPID: p.VIDPID,
		MonitorBaud: p.MonitorBaud, FlashBaud: p.FlashBaud, Before: p.Before, After: p.After,
		Image: p.Image, ELF: p.ELF, Server: p.Server, TLS: p.TLS, CA: p.CA, Fingerprint: p.Fingerprint,
		Token: p.Token.Reveal(), TokenFile: p.TokenFile, TokenEnv: p.TokenEnv, Relay: p.Relay,
	}
}

// lineOf returns a function giving the line of a key in profile name,
// falling back to the profile's table header line.
func (f *File) lineOf(name string) func(key string) int {
	return func(key string) int {
		if key != "" {
			if l := f.lines["profiles."+name+"."+key]; l > 0 {
				return l
			}
		}
		return f.lines["profiles."+name]
	}
}

// Names returns the profile names, sorted.
func (f *File) Names() []string {
	n := make([]string, 0, len(f.profiles))
	for k := range f.profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Get returns the named profile.
func (f *File) Get(name string) (*Profile, bool) {
	p, ok := f.profiles[name]
	return p, ok
}

// Set adds or replaces a profile after validating it.
func (f *File) Set(p *Profile) error {
	if errs := p.validate(f.Path, func(string) int { return 0 }); len(errs) > 0 {
		return &bberr.Error{Code: bberr.BadInput, Msg: (&ValidationError{Errs: errs}).Error(),
			Hint: "run blynkbridge profile add --help for the accepted values", Err: &ValidationError{Errs: errs}}
	}
	f.profiles[p.Name] = p
	return nil
}

// Remove deletes a profile (and clears the default if it was the default).
func (f *File) Remove(name string) bool {
	if _, ok := f.profiles[name]; !ok {
		return false
	}
	delete(f.profiles, name)
	if f.Default == name {
		f.Default = ""
	}
	return true
}

// Select picks the profile a command uses: name if given, else the file's
// default. It returns nil (no error) when neither names one.
func (f *File) Select(name string) (*Profile, error) {
	if name == "" {
		name = f.Default
		if name == "" {
			return nil, nil
		}
	}
	p, ok := f.profiles[name]
	if !ok {
		hint := "run blynkbridge profile list to see the profiles"
		if !f.Exists {
			hint = "create it with: blynkbridge profile add " + name + " --port ... (file " + f.Path + ")"
		}
		return nil, bberr.New(bberr.BadInput, hint, "no profile %q in %s", name, f.Path)
	}
	return p, nil
}

const fileHeader = "# blynkbridge profiles (see: blynkbridge profile --help).\n" +
	"# Written by `blynkbridge profile`; comments are not kept. Keep this file private: chmod 600.\n\n"

// Marshal returns the file's TOML. It contains inline tokens in clear: it
// is for writing to the 0600 file only.
func (f *File) Marshal() ([]byte, error) {
	raw := rawFile{Default: f.Default, Profiles: map[string]*rawProfile{}}
	for n, p := range f.profiles {
		raw.Profiles[n] = toRaw(p)
	}
	var b bytes.Buffer
	b.WriteString(fileHeader)
	enc := toml.NewEncoder(&b)
	if err := enc.Encode(raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Save writes the file atomically with mode 0600, creating its directory
// (0700) if needed. A symlinked profiles.toml stays a symlink: its target
// is replaced (safeio.WriteFile). Use Edit for a read-modify-write, so a
// concurrent edit is not lost.
func (f *File) Save() error {
	data, err := f.Marshal()
	if err != nil {
		return bberr.Wrap(err, bberr.Failure, "", "encoding profiles")
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return bberr.Wrap(err, bberr.Permission, "check the config directory's permissions", "cannot create %s", filepath.Dir(f.Path))
	}
	if err := writeFile(f.Path, data); err != nil {
		return err
	}
	f.Exists = true
	return nil
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-~", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
