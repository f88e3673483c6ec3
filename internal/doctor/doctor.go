package doctor

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/profiles"
	"github.com/blynkbridge/blynkbridge/serialio"
)

// Status of one check.
type Status string

// Statuses, worst last.
const (
	OK   Status = "ok"
	Info Status = "info"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Finding is the result of one check. Fix is a command or action, or "".
type Finding struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	Fix     string `json:"fix,omitempty"`
}

// System is everything the checks look at. Production values come from
// Real(); tests build one over a temp directory and fake functions.
type System struct {
	GOOS string
	Root string // filesystem root: /dev, /sys, /proc, /etc, /usr/lib/udev live under it

	UID      int
	Username string
	GIDs     []int // groups of this process (effective + supplementary)

	// Owner returns the group and mode of a device file (Root-relative
	// paths are already joined).
	Owner func(path string) (gid int, mode fs.FileMode, err error)
	// GroupName maps a gid to its name ("dialout", "uucp").
	GroupName func(gid int) string
	// Baud74880 sets 74880 baud on a pseudo-terminal and reads it back.
	Baud74880 func() error
	// Ports, if set, are the ports to check instead of those found under /dev.
	Ports []string
	// ListPorts, if set, describes the ports found (USB ids, bridge chip).
	// It is serialio.List in production: serialio is the one place that
	// reads USB details, so the doctor names a board as `ports` does.
	ListPorts func() ([]serialio.PortInfo, error)
	// ConfigPath is the profiles file to check ("" = skip).
	ConfigPath string
	// Daemon, if set, asks a running blynkbridge daemon for its view
	// (daemon.go).
	Daemon func() DaemonView
}

// Real describes the running system.
func Real() System {
	s := System{GOOS: runtime.GOOS, Root: "/", UID: os.Getuid(), Owner: statOwner, GroupName: groupName, Baud74880: try74880, ListPorts: serialio.List, Daemon: askDaemon}
	if u, err := user.Current(); err == nil {
		s.Username = u.Username
	}
	gids, _ := os.Getgroups()
	s.GIDs = append(gids, os.Getegid())
	s.ConfigPath, _ = profiles.DefaultPath(os.Getenv)
	return s
}

func groupName(gid int) string {
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}

func (s System) path(p string) string { return filepath.Join(s.Root, p) }

// Run runs every check, in the order a newcomer meets the problems.
func Run(s System) []Finding {
	if s.GOOS != "linux" {
		return nonLinux(s)
	}
	ports := s.Ports
	if ports == nil {
		ports = s.devPorts()
	}
	var out []Finding
	out = append(out, s.checkPorts(ports)...)
	out = append(out, s.checkGroups(ports)...)
	out = append(out, s.checkBrltty())
	out = append(out, s.checkModemManager())
	out = append(out, s.checkHolders(ports)...)
	out = append(out, s.check74880())
	if s.ConfigPath != "" {
		out = append(out, checkProfiles(s.ConfigPath))
	}
	if s.Daemon != nil {
		v := s.Daemon()
		daemonHolds(out, v)
		out = append(out, checkDaemon(v)...)
	}
	return out
}

// Worst returns the worst status among findings.
func Worst(fs []Finding) Status {
	rank := map[Status]int{OK: 0, Info: 0, Warn: 1, Fail: 2}
	w := OK
	for _, f := range fs {
		if rank[f.Status] > rank[w] {
			w = f.Status
		}
	}
	return w
}

func nonLinux(s System) []Finding {
	f := Finding{ID: "platform", Status: Info, Summary: "the doctor's checks are for Linux; on " + s.GOOS + " check the driver instead"}
	switch s.GOOS {
	case "windows":
		f.Fix = "install the CH340 (wch-ic.com) or CP210x (silabs.com) driver, then look for a COM port in Device Manager (blynkbridge ports)"
	case "darwin":
		f.Fix = "macOS 11+ has CH340/CP210x drivers built in; the board shows as /dev/cu.usbserial-* or /dev/cu.wchusbserial* (blynkbridge ports)"
	}
	return []Finding{f}
}

// devPorts lists USB serial device nodes under /dev.
func (s System) devPorts() []string {
	var out []string
	for _, pat := range []string{"ttyUSB*", "ttyACM*"} {
		m, _ := filepath.Glob(s.path(filepath.Join("dev", pat)))
		for _, p := range m {
			out = append(out, "/dev/"+filepath.Base(p))
		}
	}
	sort.Strings(out)
	return out
}

var bridgeModules = []struct{ mod, chip string }{
	{"ch341", "CH340/CH341"}, {"cp210x", "CP210x"}, {"ftdi_sio", "FTDI"}, {"cdc_acm", "CH9102/CH343 and native USB (cdc_acm)"},
}

func (s System) checkPorts(ports []string) []Finding {
	if len(ports) > 0 {
		var usb []serialio.PortInfo
		if s.ListPorts != nil {
			usb, _ = s.ListPorts() // a description only: a failed listing leaves bare paths
		}
		desc := make([]string, len(ports))
		for i, p := range ports {
			desc[i] = p
			for _, u := range usb {
				if u.Path == p && u.VID != "" {
					desc[i] = fmt.Sprintf("%s (%s)", p, strings.TrimSpace(u.VID+":"+u.PID+" "+u.Chip))
				}
			}
		}
		return []Finding{{ID: "ports", Status: OK, Summary: "serial ports: " + strings.Join(desc, ", ")}}
	}
	// No port. Is it the cable or the driver?
	var loaded, missing []string
	release := s.kernelRelease()
	for _, m := range bridgeModules {
		if exists(s.path("sys/module/" + m.mod)) {
			loaded = append(loaded, m.mod)
			continue
		}
		if release != "" && s.modulesDirExists(release) && !s.moduleAvailable(release, m.mod) {
			missing = append(missing, m.mod+" ("+m.chip+")")
		}
	}
	f := Finding{ID: "ports", Status: Fail, Summary: "no USB serial port (/dev/ttyUSB*, /dev/ttyACM*)"}
	switch {
	case len(missing) > 0 && len(loaded) == 0:
		f.Detail = "the kernel has no driver for: " + strings.Join(missing, ", ")
		f.Fix = "install your distribution's extra kernel modules (Debian/Ubuntu: sudo apt install linux-modules-extra-$(uname -r)), then replug the board"
	case len(loaded) > 0:
		f.Detail = "drivers present (" + strings.Join(loaded, ", ") + "); the board is not seen on USB"
		f.Fix = "try another USB cable — many are charge-only — and another port; `dmesg -w` while plugging in should print a ch341/cp210x line"
	default:
		f.Detail = "the board is not seen on USB"
		f.Fix = "try another USB cable — many are charge-only — and another port; `dmesg -w` while plugging in should print a ch341/cp210x line"
	}
	return []Finding{f}
}

func (s System) kernelRelease() string {
	b, err := os.ReadFile(s.path("proc/sys/kernel/osrelease"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// modulesDirExists: without the kernel's module tree (containers, some
// appliances) nothing can be said about missing drivers.
func (s System) modulesDirExists(release string) bool {
	return exists(s.path(filepath.Join("lib/modules", release))) || exists(s.path(filepath.Join("usr/lib/modules", release)))
}

// moduleAvailable: built in (modules.builtin) or a .ko under drivers/usb.
func (s System) moduleAvailable(release, mod string) bool {
	for _, dir := range []string{"lib/modules", "usr/lib/modules"} {
		base := s.path(filepath.Join(dir, release))
		if b, err := os.ReadFile(filepath.Join(base, "modules.builtin")); err == nil && strings.Contains(string(b), "/"+mod+".ko") {
			return true
		}
		for _, sub := range []string{"kernel/drivers/usb/serial", "kernel/drivers/usb/class"} {
			m, _ := filepath.Glob(filepath.Join(base, sub, mod+".ko*"))
			if len(m) > 0 {
				return true
			}
		}
	}
	return false
}

func (s System) inGroup(gid int) bool {
	for _, g := range s.GIDs {
		if g == gid {
			return true
		}
	}
	return false
}

// listedInGroupFile: the user is in the group in /etc/group, but this
// login session started before that (the classic "usermod, but did not log
// out" case).
func (s System) listedInGroupFile(name string) bool {
	b, err := os.ReadFile(s.path("etc/group"))
	if err != nil || s.Username == "" {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.Split(line, ":")
		if len(parts) == 4 && parts[0] == name {
			for _, m := range strings.Split(parts[3], ",") {
				if m == s.Username {
					return true
				}
			}
		}
	}
	return false
}

func (s System) checkGroups(ports []string) []Finding {
	var out []Finding
	for _, p := range ports {
		gid, mode, err := s.Owner(s.path(p))
		if err != nil {
			continue
		}
		perm := mode.Perm()
		switch {
		case s.UID == 0, perm&0o006 == 0o006, gid >= 0 && s.inGroup(gid) && perm&0o060 == 0o060:
			out = append(out, Finding{ID: "permission", Status: OK, Summary: "you can open " + p})
		default:
			name := s.GroupName(gid)
			f := Finding{ID: "permission", Status: Fail,
				Summary: fmt.Sprintf("%s belongs to group %s (mode %04o), which you are not in", p, name, perm)}
			if s.listedInGroupFile(name) {
				f.Detail = "you were added to " + name + " after this session started"
				f.Fix = "log out and back in (or run: newgrp " + name + ")"
			} else {
				f.Fix = "sudo usermod -aG " + name + " $USER, then log out and back in (or run: newgrp " + name + ")"
			}
			out = append(out, f)
		}
	}
	return out
}

// processes maps pid -> command name from /proc/*/comm.
func (s System) processes() map[int]string {
	out := map[int]string{}
	ents, _ := os.ReadDir(s.path("proc"))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(s.path(filepath.Join("proc", e.Name(), "comm")))
		if err != nil {
			continue
		}
		out[pid] = strings.TrimSpace(string(b))
	}
	return out
}

func (s System) running(name string) (int, bool) {
	for pid, comm := range s.processes() {
		if comm == name {
			return pid, true
		}
	}
	return 0, false
}

// brlttyClaims are the USB IDs brltty's udev rules grab (braille displays
// that reuse generic bridge chips), which makes a D1 mini's port vanish a
// second after it appears.
var brlttyClaims = map[string]string{"1a86:7523": "CH340", "10c4:ea60": "CP210x"}

func (s System) checkBrltty() Finding {
	var rules []string
	claimed := map[string]bool{}
	for _, dir := range []string{"usr/lib/udev/rules.d", "lib/udev/rules.d", "etc/udev/rules.d"} {
		m, _ := filepath.Glob(s.path(filepath.Join(dir, "*brltty*.rules")))
		for _, r := range m {
			rules = append(rules, strings.TrimPrefix(r, filepath.Clean(s.Root)))
			b, _ := os.ReadFile(r)
			text := strings.ToLower(string(b))
			for id, chip := range brlttyClaims {
				v, p, _ := strings.Cut(id, ":")
				// brltty's rules say ENV{PRODUCT}=="1a86/7523/*"; others use
				// ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523".
				if strings.Contains(text, v+"/"+p) || strings.Contains(text, id) ||
					strings.Contains(text, `"`+v+`"`) && strings.Contains(text, `"`+p+`"`) {
					claimed[chip] = true
				}
			}
		}
	}
	binary := exists(s.path("usr/bin/brltty")) || exists(s.path("bin/brltty")) || exists(s.path("usr/sbin/brltty"))
	pid, running := s.running("brltty")
	if len(rules) == 0 && !binary && !running {
		return Finding{ID: "brltty", Status: OK, Summary: "brltty is not installed"}
	}
	var chips []string
	for c := range claimed {
		chips = append(chips, c)
	}
	sort.Strings(chips)
	f := Finding{ID: "brltty", Status: Warn, Summary: "brltty (braille display daemon) is installed",
		Fix: "if you use no braille display: sudo apt remove brltty (or: sudo systemctl mask brltty-udev.service), then replug the board"}
	if len(chips) > 0 {
		f.Status = Fail
		f.Summary = "brltty claims " + strings.Join(chips, " and ") + " USB bridges: the board's port disappears right after plugging in"
	}
	var d []string
	if len(rules) > 0 {
		d = append(d, "udev rules: "+strings.Join(rules, ", "))
	}
	if running {
		d = append(d, fmt.Sprintf("running as pid %d", pid))
	}
	f.Detail = strings.Join(d, "; ")
	return f
}

func (s System) checkModemManager() Finding {
	pid, ok := s.running("ModemManager")
	if !ok {
		return Finding{ID: "modemmanager", Status: OK, Summary: "ModemManager is not running"}
	}
	return Finding{ID: "modemmanager", Status: Warn,
		Summary: fmt.Sprintf("ModemManager is running (pid %d): it sends AT commands to new serial ports for several seconds, resetting the board and garbling its output", pid),
		Fix:     "install the udev rule (packaging/udev/99-blynkbridge.rules sets ID_MM_DEVICE_IGNORE), or: sudo systemctl disable --now ModemManager"}
}

// Holder is a process with a port open.
type Holder struct {
	PID     int
	Command string
}

// HeldBy lists processes that have path open, from /proc/*/fd.
func (s System) HeldBy(path string) []Holder {
	var out []Holder
	for pid, comm := range s.processes() {
		if pid == os.Getpid() && s.Root == "/" {
			continue
		}
		fds, _ := os.ReadDir(s.path(filepath.Join("proc", strconv.Itoa(pid), "fd")))
		for _, fd := range fds {
			target, err := os.Readlink(s.path(filepath.Join("proc", strconv.Itoa(pid), "fd", fd.Name())))
			if err == nil && target == path {
				out = append(out, Holder{PID: pid, Command: comm})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

func (s System) checkHolders(ports []string) []Finding {
	var out []Finding
	for _, p := range ports {
		h := s.HeldBy(p)
		if len(h) == 0 {
			out = append(out, Finding{ID: "port-busy", Status: OK, Summary: p + " is free"})
			continue
		}
		var names, pids []string
		for _, x := range h {
			names = append(names, fmt.Sprintf("%s (pid %d)", x.Command, x.PID))
			pids = append(pids, strconv.Itoa(x.PID))
		}
		out = append(out, Finding{ID: "port-busy", Status: Warn,
			Summary: p + " is open in " + strings.Join(names, ", "),
			Detail:  "only one program can use a serial port at a time; flashing or monitoring now fails with 'port busy'",
			Fix:     "close that program (Arduino serial monitor, screen, minicom, another blynkbridge), or: kill " + strings.Join(pids, " ")})
	}
	return out
}

func (s System) check74880() Finding {
	if s.Baud74880 == nil {
		return Finding{ID: "baud-74880", Status: Info, Summary: "74880 baud check skipped"}
	}
	if err := s.Baud74880(); err != nil {
		return Finding{ID: "baud-74880", Status: Warn,
			Summary: "cannot set 74880 baud (the ESP8266 boot ROM's rate): " + err.Error(),
			Detail:  "boot messages and crash reasons will show as garbage",
			Fix:     "use a newer kernel (termios2/BOTHER, Linux 2.6.x+) or watch boot output at 115200 with blynkbridge monitor's resampling"}
	}
	return Finding{ID: "baud-74880", Status: OK, Summary: "74880 baud (ESP8266 boot messages) works"}
}

func checkProfiles(path string) Finding {
	f, err := profiles.Load(path)
	if err != nil {
		return Finding{ID: "profiles", Status: Fail, Summary: err.Error(), Fix: bberr.HintOf(err)}
	}
	if !f.Exists {
		return Finding{ID: "profiles", Status: Info, Summary: "no profiles file (" + path + ")",
			Fix: "optional: blynkbridge profile add NAME --port /dev/ttyUSB0 --server HOST:PORT --token-file FILE"}
	}
	if len(f.Warnings) > 0 {
		return Finding{ID: "profiles", Status: Warn, Summary: f.Warnings[0]}
	}
	return Finding{ID: "profiles", Status: OK, Summary: fmt.Sprintf("profiles file ok (%d profiles, default %q)", len(f.Names()), f.Default)}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
