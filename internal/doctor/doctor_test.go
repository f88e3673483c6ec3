package doctor

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/blynkbridge/blynkbridge/serialio"
)

// fakeSystem is a Linux box under a temp dir: one CH340 port owned by
// group dialout (gid 20, mode 0660), a user not in it, nothing running.
func fakeSystem(t *testing.T) System {
	t.Helper()
	root := t.TempDir()
	mk(t, root, "dev/ttyUSB0", "")
	mk(t, root, "etc/group", "root:x:0:\ndialout:x:20:\nalice:x:1000:\n")
	mk(t, root, "proc/1/comm", "systemd\n")
	mk(t, root, "proc/sys/kernel/osrelease", "6.1.0-test\n")
	return System{
		GOOS: "linux", Root: root, UID: 1000, Username: "alice", GIDs: []int{1000},
		Owner: func(p string) (int, fs.FileMode, error) {
			if _, err := os.Stat(p); err != nil {
				return 0, 0, err
			}
			return 20, fs.ModeDevice | fs.ModeCharDevice | 0o660, nil
		},
		GroupName: func(gid int) string { return map[int]string{20: "dialout"}[gid] },
		Baud74880: func() error { return nil },
	}
}

func mk(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func find(t *testing.T, fs []Finding, id string, st Status) Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id && f.Status == st {
			return f
		}
	}
	t.Fatalf("no %s finding with status %s in %+v", id, st, fs)
	return Finding{}
}

func TestNotInGroup(t *testing.T) {
	s := fakeSystem(t)
	f := find(t, Run(s), "permission", Fail)
	if !strings.Contains(f.Summary, "/dev/ttyUSB0 belongs to group dialout") || !strings.Contains(f.Fix, "sudo usermod -aG dialout $USER") {
		t.Fatalf("%+v", f)
	}
	// Added to the group, but this session predates it.
	mk(t, s.Root, "etc/group", "dialout:x:20:bob,alice\n")
	f = find(t, Run(s), "permission", Fail)
	if !strings.Contains(f.Fix, "log out and back in") || strings.Contains(f.Fix, "usermod") {
		t.Fatalf("%+v", f)
	}
	s.GIDs = []int{1000, 20}
	find(t, Run(s), "permission", OK)
	s.GIDs = []int{1000}
	s.UID = 0
	find(t, Run(s), "permission", OK)
}

func TestPortsDescribed(t *testing.T) {
	s := fakeSystem(t)
	f := find(t, Run(s), "ports", OK)
	if f.Summary != "serial ports: /dev/ttyUSB0" {
		t.Fatalf("no listing: %+v", f)
	}
	s.ListPorts = func() ([]serialio.PortInfo, error) {
		return []serialio.PortInfo{{Path: "/dev/ttyUSB0", USB: true, VID: "1a86", PID: "7523", Chip: "CH340"}}, nil
	}
	f = find(t, Run(s), "ports", OK)
	if f.Summary != "serial ports: /dev/ttyUSB0 (1a86:7523 CH340)" {
		t.Fatalf("described: %+v", f)
	}
}

func TestBrltty(t *testing.T) {
	s := fakeSystem(t)
	find(t, Run(s), "brltty", OK)
	mk(t, s.Root, "usr/lib/udev/rules.d/85-brltty.rules",
		"# Device: 1A86:7523\nENV{PRODUCT}==\"1a86/7523/*\", ENV{BRLTTY_BRAILLE_DRIVER}=\"bm\", GOTO=\"brltty_usb_run\"\n"+
			"ENV{PRODUCT}==\"10c4/ea60/*\", ENV{BRLTTY_BRAILLE_DRIVER}=\"sk\", GOTO=\"brltty_usb_run\"\n")
	mk(t, s.Root, "proc/777/comm", "brltty\n")
	f := find(t, Run(s), "brltty", Fail)
	if !strings.Contains(f.Summary, "CH340 and CP210x") || !strings.Contains(f.Fix, "apt remove brltty") || !strings.Contains(f.Detail, "pid 777") ||
		!strings.Contains(f.Detail, "/usr/lib/udev/rules.d/85-brltty.rules") {
		t.Fatalf("%+v", f)
	}
	// Installed without claiming our chips: a warning.
	s2 := fakeSystem(t)
	mk(t, s2.Root, "usr/bin/brltty", "")
	find(t, Run(s2), "brltty", Warn)
}

func TestModemManager(t *testing.T) {
	s := fakeSystem(t)
	find(t, Run(s), "modemmanager", OK)
	mk(t, s.Root, "proc/4242/comm", "ModemManager\n")
	f := find(t, Run(s), "modemmanager", Warn)
	if !strings.Contains(f.Summary, "pid 4242") || !strings.Contains(f.Fix, "ID_MM_DEVICE_IGNORE") {
		t.Fatalf("%+v", f)
	}
}

func TestNoPorts(t *testing.T) {
	s := fakeSystem(t)
	_ = os.Remove(filepath.Join(s.Root, "dev/ttyUSB0"))
	mk(t, s.Root, "lib/modules/6.1.0-test/modules.builtin", "kernel/drivers/tty/foo.ko\n")
	f := find(t, Run(s), "ports", Fail)
	if !strings.Contains(f.Detail, "no driver for: ch341") || !strings.Contains(f.Fix, "linux-modules-extra") {
		t.Fatalf("driver missing: %+v", f)
	}
	// Drivers there: blame the cable.
	mk(t, s.Root, "sys/module/ch341/refcnt", "0\n")
	mk(t, s.Root, "lib/modules/6.1.0-test/kernel/drivers/usb/serial/cp210x.ko.xz", "")
	f = find(t, Run(s), "ports", Fail)
	if !strings.Contains(f.Fix, "charge-only") || !strings.Contains(f.Detail, "ch341") {
		t.Fatalf("cable: %+v", f)
	}
}

// A real process holding a real pty is found and named from /proc.
func TestPortHeldByProcess(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	cmd := exec.Command("sleep", "30")
	cmd.Stdin = slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	name := slave.Name()
	_ = slave.Close()
	s := Real()
	s.Ports = []string{name}
	s.ConfigPath = ""
	s.Baud74880 = nil
	var f Finding
	for _, x := range s.checkHolders(s.Ports) {
		f = x
	}
	if f.Status != Warn || !strings.Contains(f.Summary, name+" is open in sleep (pid ") || !strings.Contains(f.Fix, "kill ") {
		t.Fatalf("%+v", f)
	}
	if h := s.HeldBy(name); len(h) != 1 || h[0].PID != cmd.Process.Pid {
		t.Fatalf("holders %+v, want pid %d", h, cmd.Process.Pid)
	}
}

func Test74880(t *testing.T) {
	s := fakeSystem(t)
	s.Baud74880 = func() error { return errors.New("TCSETS2: inappropriate ioctl") }
	f := find(t, Run(s), "baud-74880", Warn)
	if !strings.Contains(f.Summary, "74880") || f.Fix == "" {
		t.Fatalf("%+v", f)
	}
	if try74880 != nil {
		if err := try74880(); err != nil {
			t.Fatalf("real pty: %v", err)
		}
	}
}

func TestProfilesCheck(t *testing.T) {
	s := fakeSystem(t)
	s.ConfigPath = filepath.Join(s.Root, "p.toml")
	find(t, Run(s), "profiles", Info)
	mk(t, s.Root, "p.toml", "[profiles.a]\n\nmonitor_baud = 1\n")
	f := find(t, Run(s), "profiles", Fail)
	if !strings.Contains(f.Summary, "p.toml:3") || !strings.Contains(f.Fix, "line 3") {
		t.Fatalf("%+v", f)
	}
}

func TestHealthySystem(t *testing.T) {
	s := fakeSystem(t)
	s.GIDs = []int{20}
	if w := Worst(Run(s)); w != OK {
		t.Fatalf("worst %s: %+v", w, Run(s))
	}
	if fs := Run(System{GOOS: "windows"}); len(fs) != 1 || !strings.Contains(fs[0].Fix, "CH340") {
		t.Fatalf("%+v", fs)
	}
}
