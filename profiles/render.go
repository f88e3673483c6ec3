package profiles

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
	"unicode"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// This file is what `profile list` and `profile show` print. Every stored
// field is text a user (or another program) wrote into profiles.toml: it
// goes through Safe, so an escape sequence in a port name cannot clear the
// screen or retitle the terminal, and the token never appears.

// ReportVersion is the "v" of profile JSON output.
const ReportVersion = 1

// Safe returns s as is when every rune is printable, else quoted with Go
// escapes (ASCII only), so a control character, an invisible format
// character (U+200E) or an escape sequence shows as text.
func Safe(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r) {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// JSON is a profile's --json shape (schema v1). The token itself is never
// part of it: token_source says where it comes from. JSON encoding escapes
// control characters, so the fields need no Safe.
type JSON struct {
	Name        string         `json:"name"`
	Default     bool           `json:"default"`
	Port        string         `json:"port,omitempty"`
	ByID        string         `json:"by_id,omitempty"`
	USBSerial   string         `json:"usb_serial,omitempty"`
	VIDPID      string         `json:"vid_pid,omitempty"`
	MonitorBaud int            `json:"monitor_baud,omitempty"`
	FlashBaud   int            `json:"flash_baud,omitempty"`
	Before      string         `json:"before,omitempty"`
	After       string         `json:"after,omitempty"`
	Image       string         `json:"image,omitempty"`
	ELF         string         `json:"elf,omitempty"`
	Server      string         `json:"server,omitempty"`
	TLS         string         `json:"tls,omitempty"`
	CA          string         `json:"ca,omitempty"`
	Fingerprint string         `json:"fingerprint,omitempty"`
	TokenSource string         `json:"token_source,omitempty"`
	Relay       map[string]any `json:"relay,omitempty"`
}

// ToJSON is p's JSON shape; def is the file's default profile.
func ToJSON(p *Profile, def string) JSON {
	return JSON{
		Name: p.Name, Default: p.Name == def, Port: p.Port, ByID: p.ByID, USBSerial: p.USBSerial, VIDPID: p.VIDPID,
		MonitorBaud: p.MonitorBaud, FlashBaud: p.FlashBaud, Before: p.Before, After: p.After, Image: p.Image, ELF: p.ELF,
		Server: p.Server, TLS: p.TLSMode(), CA: p.CA, Fingerprint: p.Fingerprint, TokenSource: p.TokenSource(), Relay: p.Relay,
	}
}

// ListJSON is `profile list --json`.
type ListJSON struct {
	V        int    `json:"v"`
	Config   string `json:"config"`
	Default  string `json:"default"`
	Profiles []JSON `json:"profiles"`
}

// List is the file's `profile list --json` report.
func (f *File) List() ListJSON {
	out := ListJSON{V: ReportVersion, Config: f.Path, Default: f.Default, Profiles: []JSON{}}
	for _, n := range f.Names() {
		out.Profiles = append(out.Profiles, ToJSON(f.profiles[n], f.Default))
	}
	return out
}

// WriteNames prints one profile name a line (names are validated: always
// printable).
func (f *File) WriteNames(w io.Writer) {
	for _, n := range f.Names() {
		fmt.Fprintln(w, n)
	}
}

// WriteList prints the profiles as a table, the default marked with *.
func (f *File) WriteList(w io.Writer) error {
	if len(f.profiles) == 0 {
		fmt.Fprintf(w, "no profiles in %s; create one with: blynkbridge profile add NAME --port /dev/ttyUSB0 --server HOST:PORT --token-file FILE\n", Safe(f.Path))
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tBOARD\tMON/FLASH BAUD\tSERVER\tTLS\tTOKEN")
	for _, n := range f.Names() {
		p := f.profiles[n]
		if n == f.Default {
			n += " *"
		}
		bauds := dash(itoa(p.MonitorBaud)) + "/" + dash(itoa(p.FlashBaud))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n, Safe(p.Board()), bauds, Safe(dash(p.Server)), Safe(dash(p.TLSMode())), Safe(dash(p.TokenSource())))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(* = default; file %s)\n", Safe(f.Path))
	return nil
}

// Board says how the profile finds its board, for the list.
func (p *Profile) Board() string {
	switch {
	case p.Port != "":
		return p.Port
	case p.ByID != "":
		return "by-id:" + p.ByID
	case p.USBSerial != "":
		return "usb-serial:" + p.USBSerial
	case p.VIDPID != "":
		return "vid:pid " + p.VIDPID
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// WriteShow prints one profile as its TOML table would read, the token
// redacted and every value Safe.
func (f *File) WriteShow(w io.Writer, p *Profile) {
	def := ""
	if p.Name == f.Default {
		def = "  # default"
	}
	fmt.Fprintf(w, "[profiles.%s]%s\n", p.Name, def)
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-12s = %s\n", k, Safe(v))
		}
	}
	kv("port", p.Port)
	kv("by_id", p.ByID)
	kv("usb_serial", p.USBSerial)
	kv("vid_pid", p.VIDPID)
	kv("monitor_baud", itoa(p.MonitorBaud))
	kv("flash_baud", itoa(p.FlashBaud))
	kv("before", p.Before)
	kv("after", p.After)
	kv("image", p.Image)
	kv("elf", p.ELF)
	kv("server", p.Server)
	kv("tls", p.TLSMode())
	kv("ca", p.CA)
	kv("fingerprint", p.Fingerprint)
	if !p.Token.IsZero() {
		kv("token", p.Token.Redacted())
	}
	kv("token_file", p.TokenFile)
	kv("token_env", p.TokenEnv)
	keys := make([]string, 0, len(p.Relay))
	for k := range p.Relay {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv("relay."+Safe(k), fmt.Sprint(p.Relay[k]))
	}
}

// Show picks the profile `profile show [NAME]` prints: NAME, or the default.
func (f *File) Show(name string) (*Profile, error) {
	p, err := f.Select(name)
	if err == nil && p == nil {
		err = noDefault(f.Path)
	}
	return p, err
}

func noDefault(path string) error {
	return bberr.New(bberr.Usage, "name one (blynkbridge profile show NAME) or set a default with: blynkbridge profile use NAME", "no default profile in %s", Safe(path))
}
