package serialio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// AutoSpec is the --port default: pick the one likely board.
const AutoSpec = "auto"

// Resolve turns a --port value into a port:
//   - "" or "auto": exactly one likely board (PortInfo.Likely), else an
//     error (ErrNotFound or ErrAmbiguous, exit code PortNotFound) listing
//     what is there;
//   - "usb:VID:PID[:SERIAL]", "serial:SN", or an Identity string
//     ("usbpath:VID:PID@LOC"): the one matching port;
//   - an rfc2217://host:port URL (a port served by ser2net or a daemon),
//     passed through as a path identity;
//   - a path (/dev/ttyUSB0, /tmp/d1, COM3), a /dev/serial/by-id name with or
//     without its directory, or a bare node name (ttyUSB0).
//
// A path that exists but is not enumerated (a pty, the sim's --link) comes
// back as PortInfo{Path, Identity: path}.
func Resolve(spec string) (PortInfo, error) {
	if IsRFC2217(strings.TrimSpace(spec)) {
		return resolveIn(spec, nil, pathExists)
	}
	ports, err := List()
	if err != nil && len(ports) == 0 && needsList(spec) {
		return PortInfo{}, bberr.Wrap(err, bberr.PortNotFound, "pass the port explicitly with --port", "cannot list serial ports")
	}
	return resolveIn(spec, ports, pathExists)
}

func needsList(spec string) bool {
	s := strings.TrimSpace(spec)
	return s == "" || s == AutoSpec || strings.HasPrefix(s, "usb:") || strings.HasPrefix(s, "serial:") || strings.HasPrefix(s, "usbpath:")
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ResolveAmong is Resolve over ports the caller already has (a listing it
// made, or a test's fake), so code that matches boards by USB details, such
// as profiles' usb_serial and vid_pid, does not need its own matcher.
func ResolveAmong(spec string, ports []PortInfo) (PortInfo, error) {
	return resolveIn(spec, ports, pathExists)
}

// resolveIn is Resolve over a given list and file system view (for tests).
func resolveIn(spec string, ports []PortInfo, exists func(string) bool) (PortInfo, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case IsRFC2217(spec):
		if _, _, err := ParseRFC2217(spec); err != nil {
			return PortInfo{}, err
		}
		return PortInfo{Path: spec, Identity: Identity{Path: spec}}, nil
	case spec == "" || strings.EqualFold(spec, AutoSpec):
		var likely []PortInfo
		for _, p := range ports {
			if p.Likely {
				likely = append(likely, p)
			}
		}
		return pickOne(AutoSpec, likely, ports)
	case strings.HasPrefix(spec, "usb:"), strings.HasPrefix(spec, "serial:"), strings.HasPrefix(spec, "usbpath:"):
		match, err := parseMatcher(spec)
		if err != nil {
			return PortInfo{}, err
		}
		var hits []PortInfo
		for _, p := range ports {
			if match(p) {
				hits = append(hits, p)
			}
		}
		return pickOne(spec, hits, ports)
	}
	for _, p := range ports {
		if spec == p.Path || spec == p.ByID || spec == p.ByPath ||
			(p.ByID != "" && spec == filepath.Base(p.ByID)) || spec == filepath.Base(p.Path) {
			return p, nil
		}
	}
	if exists(spec) || isWindowsCOM(spec) {
		return PortInfo{Path: spec, Identity: Identity{Path: spec}}, nil
	}
	if runtime.GOOS != "windows" && !strings.ContainsRune(spec, '/') {
		for _, dir := range []string{"/dev/", "/dev/serial/by-id/"} {
			if exists(dir + spec) {
				return PortInfo{Path: dir + spec, Identity: Identity{Path: dir + spec}}, nil
			}
		}
	}
	return PortInfo{}, notFoundError(spec, ports, nil)
}

// isWindowsCOM accepts COM ports the enumerator missed (Stat cannot see them).
func isWindowsCOM(s string) bool {
	if runtime.GOOS != "windows" {
		return false
	}
	s = strings.TrimPrefix(strings.ToUpper(s), `\\.\`)
	return len(s) > 3 && strings.HasPrefix(s, "COM") && allDigits(s[3:])
}

// parseMatcher reads usb:VID:PID[:SERIAL], serial:SN and usbpath:... specs.
func parseMatcher(spec string) (func(PortInfo) bool, error) {
	bad := func(want string) error {
		return bberr.New(bberr.Usage, "examples: --port usb:1a86:7523, --port usb:10c4:ea60:0123ABCD, --port serial:0123ABCD", "bad --port %q: want %s", spec, want)
	}
	switch {
	case strings.HasPrefix(spec, "serial:"):
		sn := spec[len("serial:"):]
		if sn == "" {
			return nil, bad("serial:SERIALNUMBER")
		}
		return func(p PortInfo) bool { return p.Serial != "" && strings.EqualFold(p.Serial, sn) }, nil
	case strings.HasPrefix(spec, "usbpath:"):
		id, err := ParseIdentity(spec)
		if err != nil {
			return nil, bad("usbpath:VID:PID@BUS-PORT:CFG.IF")
		}
		return id.Matches, nil
	}
	parts := strings.SplitN(spec[len("usb:"):], ":", 3)
	if len(parts) < 2 {
		return nil, bad("usb:VID:PID[:SERIAL]")
	}
	vid, pid := normHex(parts[0]), normHex(parts[1])
	if vid == "" || (pid == "" && parts[1] != "*") {
		return nil, bad("usb:VID:PID[:SERIAL] with 4-digit hex ids")
	}
	sn := ""
	if len(parts) == 3 {
		sn = parts[2]
	}
	return func(p PortInfo) bool {
		return p.VID == vid && (parts[1] == "*" || p.PID == pid) && (sn == "" || strings.EqualFold(p.Serial, sn))
	}, nil
}

func pickOne(spec string, hits, all []PortInfo) (PortInfo, error) {
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		if spec == AutoSpec {
			hint := "pass --port with one of the present ports (`blynkbridge ports` shows them)"
			if !anyUSB(all) {
				hint = hintNoPorts()
			}
			return PortInfo{}, &bberr.Error{
				Code: bberr.PortNotFound,
				Msg:  fmt.Sprintf("no board found (%s)", describePorts(all)),
				Hint: hint,
				Err:  &PortListError{Err: ErrNotFound, Spec: spec, Ports: all},
			}
		}
		return PortInfo{}, notFoundError(spec, all, nil)
	}
	ex := hits[0].Identity.String()
	if ex == "" {
		ex = hits[0].Path
	}
	return PortInfo{}, &bberr.Error{
		Code: bberr.PortNotFound,
		Msg:  fmt.Sprintf("%d boards match --port %s (%s)", len(hits), spec, strings.TrimPrefix(describePorts(hits), "present: ")),
		Hint: fmt.Sprintf("choose one: --port %s (or --port %s, which survives replugging)", hits[0].Path, ex),
		Err:  &PortListError{Err: ErrAmbiguous, Spec: spec, Ports: hits},
	}
}

// DefaultPoll is WaitFor's polling interval when given 0: quick enough
// that a monitor reconnects before the boot banner scrolls past, slow
// enough that enumeration (a few sysfs reads) costs nothing.
const DefaultPoll = 200 * time.Millisecond

// WaitFor waits until the board named by ident is present again and
// returns it, polling every poll. USB identities are matched against List
// (so the node may come back under a new name); path identities (ptys, the
// sim's --link) wait for the path to exist. It returns when ctx ends: the
// error is ctx.Err() for cancellation (Ctrl-C), and a *bberr.Error wrapping
// ErrUnplugged for a deadline.
//
// A node that has just reappeared can still refuse a non-root open for a
// moment until udev has set its group; callers opening right after WaitFor
// should treat one ErrPermission as "try again after poll".
func WaitFor(ctx context.Context, ident Identity, poll time.Duration) (PortInfo, error) {
	return waitFor(ctx, ident, poll, List, pathExists)
}

func waitFor(ctx context.Context, ident Identity, poll time.Duration, list func() ([]PortInfo, error), exists func(string) bool) (PortInfo, error) {
	if ident.IsZero() {
		return PortInfo{}, bberr.New(bberr.Usage, "", "WaitFor: empty identity")
	}
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if p, ok := findNow(ident, list, exists); ok {
			return p, nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return PortInfo{}, ctx.Err()
			}
			return PortInfo{}, sentinelError(bberr.Unplugged, ErrUnplugged, ctx.Err(),
				fmt.Sprintf("board %s did not come back", ident),
				"plug the board back in (same USB socket if it has no serial number), then run the command again")
		case <-t.C:
		}
	}
}

func findNow(ident Identity, list func() ([]PortInfo, error), exists func(string) bool) (PortInfo, bool) {
	if ident.Path != "" {
		// No enumeration for a path: it would not know a pty anyway, and
		// go.bug.st's listing opens every ttyS* node on Linux each poll.
		// A network port cannot be stat'ed: Open tells whether it is back.
		if !IsRFC2217(ident.Path) && !exists(ident.Path) {
			return PortInfo{}, false
		}
		return PortInfo{Path: ident.Path, Identity: ident}, true
	}
	ports, _ := list()
	for _, p := range ports {
		if ident.Matches(p) {
			return p, true
		}
	}
	return PortInfo{}, false
}
