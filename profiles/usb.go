package profiles

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// resolve finds the board for a --port spec. It is serialio.Resolve so that
// a profile's usb_serial and vid_pid match exactly the board that
// --port serial:SN and --port usb:VID:PID would: one place knows how to
// find a board. Tests replace it to match against a fake port list.
var resolve = serialio.Resolve

// portValue turns the profile's board identity into a device path.
func portValue(p *Profile, _ Env, _ func(string) bool) (string, error) {
	switch {
	case p.Port != "":
		return p.Port, nil
	case p.ByID != "":
		if filepath.IsAbs(p.ByID) {
			return p.ByID, nil
		}
		return "/dev/serial/by-id/" + p.ByID, nil
	case p.USBSerial != "":
		return resolvePort(p, "serial:"+p.USBSerial, "USB serial "+strconv.Quote(p.USBSerial))
	case p.VIDPID != "":
		vid, pid, err := ParseVIDPID(p.VIDPID)
		if err != nil {
			return "", err
		}
		return resolvePort(p, fmt.Sprintf("usb:%04x:%04x", vid, pid), "VID:PID "+p.VIDPID)
	}
	return "", nil
}

// resolvePort finds the one connected port for spec. serialio's messages
// speak of --port; these name the profile and the key the user wrote
// (what), because that is what the user has to fix.
func resolvePort(p *Profile, spec, what string) (string, error) {
	info, err := resolve(spec)
	if err == nil {
		return info.Path, nil
	}
	var pl *serialio.PortListError
	if !errors.As(err, &pl) {
		return "", err // listing failed: serialio's message says so
	}
	if errors.Is(pl.Err, serialio.ErrAmbiguous) {
		devs := make([]string, len(pl.Ports))
		for i, m := range pl.Ports {
			devs[i] = m.Path
		}
		return "", &bberr.Error{Code: bberr.PortNotFound,
			Msg:  fmt.Sprintf("profile %q: %d ports match %s (%s)", p.Name, len(devs), what, strings.Join(devs, ", ")),
			Hint: "use usb_serial or port in the profile to pick one board", Err: err}
	}
	return "", &bberr.Error{Code: bberr.PortNotFound,
		Msg:  fmt.Sprintf("profile %q: no connected port with %s", p.Name, what),
		Hint: "plug the board in (with a data cable), or run: blynkbridge ports", Err: err}
}
