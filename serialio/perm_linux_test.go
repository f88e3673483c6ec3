//go:build linux

package serialio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/creack/pty"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// childEnv makes the test binary, re-executed, open one path and report.
const childEnv = "SERIALIO_TEST_CHILD_OPEN"

type childResult struct {
	OK         bool
	Permission bool
	Busy       bool
	Code       int
	Msg, Hint  string
}

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		var r childResult
		p, err := Open(context.Background(), path, 115200)
		if err == nil {
			r.OK = true
			p.Close()
		} else {
			r = childResult{Permission: errors.Is(err, ErrPermission), Busy: errors.Is(err, ErrBusy),
				Code: int(bberr.CodeOf(err)), Msg: err.Error(), Hint: bberr.HintOf(err)}
		}
		json.NewEncoder(os.Stdout).Encode(r)
		os.Exit(0)
	}
	code := m.Run()
	if childPath != "" {
		os.RemoveAll(filepath.Dir(childPath))
	}
	os.Exit(code)
}

// openAsOtherUser runs Open(path) in a child process as an unprivileged
// user: as root we become nobody (root bypasses both file modes and
// TIOCEXCL); as a normal user we already are one.
func openAsOtherUser(t *testing.T, path string) childResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	if os.Geteuid() == 0 {
		child := childBinary(t, exe)
		cmd.Path, cmd.Args[0] = child, child
		cmd.Dir = filepath.Dir(child)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var r childResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	return r
}

var (
	childOnce sync.Once
	childPath string
	childErr  error
)

// childBinary copies the test binary (which sits in a 0700 build
// directory) once to a directory nobody may enter.
func childBinary(t *testing.T, exe string) string {
	childOnce.Do(func() {
		dir, err := os.MkdirTemp("", "serialio-child")
		if err != nil {
			childErr = err
			return
		}
		os.Chmod(dir, 0o755)
		b, err := os.ReadFile(exe)
		if err != nil {
			childErr = err
			return
		}
		childPath = filepath.Join(dir, "serialio.test")
		childErr = os.WriteFile(childPath, b, 0o755)
	})
	if childErr != nil {
		t.Fatal(childErr)
	}
	return childPath
}

// A real EACCES: a pty slave with mode 000 opened by a non-root user.
func TestPermissionDeniedRealOpen(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	// Give the device to the dialout group, mode 0660, as udev does for
	// /dev/ttyUSB*: nobody is not in it.
	if os.Geteuid() == 0 {
		if err := os.Chown(slave.Name(), 0, 20); err != nil {
			t.Fatal(err)
		}
		os.Chmod(slave.Name(), 0o660)
	} else {
		os.Chmod(slave.Name(), 0o000)
	}
	r := openAsOtherUser(t, slave.Name())
	t.Logf("non-root open: %s\nhint: %s", r.Msg, r.Hint)
	if !r.Permission || r.Code != int(bberr.Permission) {
		t.Fatalf("child open = %+v, want ErrPermission", r)
	}
	if r.Hint == "" || !strings.Contains(r.Msg, "permission denied") {
		t.Fatalf("message/hint: %+v", r)
	}
	if os.Geteuid() == 0 {
		if !strings.Contains(r.Msg, "group dialout") || !strings.Contains(r.Hint, "usermod -aG dialout") {
			t.Fatalf("does not name the dialout group: %+v", r)
		}
	}
}

// TIOCEXCL (set by go.bug.st) refuses a second non-root opener with EBUSY
// before our flock is even reached; that too is ErrBusy.
func TestBusyForNonRootViaTIOCEXCL(t *testing.T) {
	master, d := newPTY(t, 115200)
	_ = master
	os.Chmod(d.Name(), 0o666)
	r := openAsOtherUser(t, d.Name())
	t.Logf("non-root open of a held port: %s\nhint: %s", r.Msg, r.Hint)
	if !r.Busy || r.Code != int(bberr.PortBusy) {
		t.Fatalf("child open of a held port = %+v, want ErrBusy", r)
	}
}

// The classifier on a synthetic EACCES, with the device file's group known.
func TestClassifyPermissionSynthetic(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ttyUSB0")
	os.WriteFile(f, nil, 0o660)
	os.Chmod(f, 0o660)
	if os.Geteuid() == 0 {
		os.Chown(f, 0, 20) // dialout
	}
	err := classifyOpen(f, &fs.PathError{Op: "open", Path: f, Err: syscall.EACCES}, func() []PortInfo { return nil })
	if !errors.Is(err, ErrPermission) || !errors.Is(err, fs.ErrPermission) || bberr.CodeOf(err) != bberr.Permission {
		t.Fatalf("classify EACCES = %v", err)
	}
	if os.Geteuid() == 0 && !strings.Contains(err.Error(), "owned by group dialout, mode 0660") {
		t.Fatalf("message %q", err)
	}
	if !strings.Contains(bberr.HintOf(err), "group") {
		t.Fatalf("hint %q", bberr.HintOf(err))
	}
}

func TestClassifyOpenErrnos(t *testing.T) {
	none := func() []PortInfo { return nil }
	pe := func(e error) error { return &fs.PathError{Op: "open", Path: "/dev/x", Err: e} }
	cases := []struct {
		err  error
		want error
		code bberr.Code
	}{
		{pe(syscall.ENOENT), ErrNotFound, bberr.PortNotFound},
		{pe(syscall.ENXIO), ErrNotFound, bberr.PortNotFound},
		{pe(syscall.ENODEV), ErrNotFound, bberr.PortNotFound},
		{pe(syscall.EBUSY), ErrBusy, bberr.PortBusy},
		{errLocked, ErrBusy, bberr.PortBusy},
		{pe(syscall.EACCES), ErrPermission, bberr.Permission},
		{pe(syscall.EPERM), ErrPermission, bberr.Permission},
		{errNotTTY, ErrNotFound, bberr.PortNotFound},
	}
	for _, c := range cases {
		err := classifyOpen("/dev/x", c.err, none)
		if !errors.Is(err, c.want) || bberr.CodeOf(err) != c.code || bberr.HintOf(err) == "" {
			t.Errorf("classifyOpen(%v) = %v (code %d, hint %q); want %v", c.err, err, bberr.CodeOf(err), bberr.HintOf(err), c.want)
		}
	}
	if err := classifyOpen("/dev/x", errors.New("odd"), none); bberr.CodeOf(err) != bberr.Failure {
		t.Errorf("unknown error code %d", bberr.CodeOf(err))
	}
}

func TestClassifyIO(t *testing.T) {
	for _, e := range []error{syscall.EIO, syscall.ENXIO, syscall.ENODEV} {
		for _, op := range []string{"read", "write", "set DTR/RTS", "set baud 115200"} {
			if err := classifyIO("/dev/x", op, e, false); !errors.Is(err, ErrUnplugged) || bberr.CodeOf(err) != bberr.Unplugged {
				t.Errorf("%s %v = %v", op, e, err)
			}
		}
	}
	for _, e := range []error{syscall.ENOTTY, syscall.EINVAL} {
		if err := classifyIO("/dev/x", "set DTR/RTS", e, false); !errors.Is(err, ErrNoModemLines) {
			t.Errorf("SetLines %v = %v", e, err)
		}
	}
	if err := classifyIO("/dev/x", "read", syscall.EIO, true); !errors.Is(err, fs.ErrClosed) || errors.Is(err, ErrUnplugged) {
		t.Errorf("after Close = %v", err)
	}
	if err := classifyIO("/dev/x", "read", nil, false); err != nil {
		t.Errorf("nil = %v", err)
	}
}

func TestHoldersFindsThisProcess(t *testing.T) {
	_, d := newPTY(t, 115200)
	hs := holders(d.Name())
	found := false
	for _, h := range hs {
		found = found || (h.PID == os.Getpid() && h.Name != "" && h.Name != "?")
	}
	if !found {
		t.Fatalf("holders(%s) = %v, want pid %d", d.Name(), hs, os.Getpid())
	}
	if hs := holders(filepath.Join(t.TempDir(), "missing")); hs != nil {
		t.Fatalf("holders(missing) = %v", hs)
	}
	if got := fmt.Sprint(Holder{PID: 7, Name: "screen"}); got != "screen (pid 7)" {
		t.Fatal(got)
	}
}
