//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
)

// The built binary, for the tests that need a real process: signals, exit
// codes as the shell sees them, peak memory.
var (
	realBinOnce sync.Once
	realBin     string
	realBinErr  error
)

func realBinary(t *testing.T) string {
	t.Helper()
	realBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bbhostile")
		if err != nil {
			realBinErr = err
			return
		}
		realBin = filepath.Join(dir, "blynkbridge")
		cmd := exec.Command("go", "build", "-o", realBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			realBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if realBinErr != nil {
		t.Fatal(realBinErr)
	}
	return realBin
}

// procResult is one run of the binary.
type procResult struct {
	code           int
	stdout, stderr string
	signalled      bool          // we sent SIGINT (it had not ended by itself)
	afterSignal    time.Duration // from SIGINT to exit
	maxRSS         int64         // peak resident memory, bytes
}

// runProc runs the binary with args and env; if it has not ended after
// grace it gets SIGINT. A run still alive 10 s after that is killed and
// fails the test. With silentStdin its stdin is a pipe that stays open
// and silent (as a terminal waiting for Ctrl-D); else /dev/null.
//
// Peak memory comes from GNU time between the test and the binary: a
// child's ru_maxrss on Linux starts from the memory of the process that
// forked it (this test binary, 200+ MiB under -race), so only a small
// process in between measures the binary itself.
func runProc(t *testing.T, env []string, silentStdin bool, grace time.Duration, args ...string) procResult {
	t.Helper()
	const gnuTime = "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		t.Skip("needs GNU time (Debian package time) to measure the binary's peak memory")
	}
	rssFile := filepath.Join(t.TempDir(), "maxrss")
	cmd := exec.Command(gnuTime, append([]string{"-f", "%M", "-o", rssFile, realBinary(t)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if silentStdin {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pw.Close()
		defer pr.Close()
		cmd.Stdin = pr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var r procResult
	select {
	case <-done:
	case <-time.After(grace):
		r.signalled = true
		// GNU time ignores SIGINT itself: the signal goes to the binary,
		// as a shell's Ctrl-C would.
		child := childOf(cmd.Process.Pid)
		sent := time.Now()
		if child > 0 {
			_ = syscall.Kill(child, syscall.SIGINT)
		}
		select {
		case <-done:
			r.afterSignal = time.Since(sent)
		case <-time.After(10 * time.Second):
			if child > 0 {
				_ = syscall.Kill(child, syscall.SIGKILL)
			}
			<-done
			t.Fatalf("%q ignored SIGINT for 10 s\nstderr:\n%s", args, errb.String())
		}
	}
	r.code = cmd.ProcessState.ExitCode()
	r.stdout, r.stderr = out.String(), errb.String()
	if b, err := os.ReadFile(rssFile); err == nil {
		var kib int64
		if _, err := fmt.Sscan(lastLine(string(b)), &kib); err == nil {
			r.maxRSS = kib << 10
		}
	}
	return r
}

// childOf is the first child of pid (from /proc), 0 if none.
func childOf(pid int) int {
	for range 100 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		var c int
		if _, err := fmt.Sscan(string(b), &c); err == nil && c > 0 {
			return c
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// hostileFiles makes a temp dir holding a FIFO with no writer and a sparse
// file of size bytes (it costs no disk); the tests skip with -short, as
// they build and run the binary.
func hostileFiles(t *testing.T, size int64) (dir, fifo, huge string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary (-short)")
	}
	dir = t.TempDir()
	fifo = filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge = filepath.Join(dir, "huge")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return dir, fifo, huge
}

var errorHint = regexp.MustCompile(`(?m)^error: .+\nhint: .+\n`)

// TestHostileInputClasses: every command that reads or writes a file the
// user names, against a FIFO, /dev/zero, a directory, a huge file, UTF-16
// text and a device as the output: one error and one hint line, the
// documented exit code, never a hang (a run still going gets SIGINT and
// must end within 1 s with 130) and never more than 100 MiB of memory.
func TestHostileInputClasses(t *testing.T) {
	dir, fifo, huge := hostileFiles(t, 200<<20)
	u16 := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, r := range utf16.Encode([]rune(s)) {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	utf16Token := writeTemp(t, "token-utf16.txt", u16(testToken+"\r\n"))
	utf16Config := writeTemp(t, "profiles-utf16.toml", u16("[profiles.d1]\nport = \"/dev/ttyUSB0\"\n"))
	good := writeTemp(t, "fw.bin", fixtureImage(t, 0))
	badKeyDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(badKeyDir, "server.key"), 0o700); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.bin")
	nowhere := filepath.Join(dir, "cfg-none.toml")

	type row struct {
		name string
		args []string
		code int    // wanted exit code
		msg  string // in the error line
	}
	// IN is replaced by each input class in turn.
	readers := []struct {
		name string
		args []string
	}{
		{"image info", []string{"image", "info", "IN"}},
		{"image strings", []string{"image", "strings", "IN"}},
		{"image patch IN", []string{"image", "patch", "IN", "-o", out, "--server", "blynk.lan:9443"}},
		{"image build", []string{"image", "build", "IN", "-o", out}},
		{"image build --eboot", []string{"image", "build", fixtureSketchELF, "--eboot", "IN", "-o", out}},
		{"image patch --token-file", []string{"image", "patch", good, "-o", out, "--token-file", "IN"}},
		{"image patch --wifi-pass-file", []string{"image", "patch", good, "-o", out, "--wifi-ssid", "x", "--wifi-pass-file", "IN"}},
		{"flash", []string{"flash", "IN", "-p", "/dev/null"}},
		{"flash --base", []string{"flash", good, "--base", "IN", "-p", "/dev/null"}},
		{"server --token-file", []string{"server", "--no-tls", "--listen", "127.0.0.1:0", "--token-file", "IN"}},
		{"server --cert", []string{"server", "--listen", "127.0.0.1:0", "--token-file", writeTemp(t, "tok", []byte(testToken)), "--cert", "IN", "--key", "IN"}},
		{"profile list --config", []string{"profile", "list", "--config", "IN"}},
		{"profile add --config", []string{"profile", "add", "x", "--port", "/dev/ttyUSB0", "--config", "IN"}},
		{"cert fingerprint --ca", []string{"cert", "fingerprint", "127.0.0.1:1", "--ca", "IN"}},
		{"relay --ca", []string{"relay", "-p", "/dev/null", "--server", "127.0.0.1:1", "--ca", "IN"}},
		{"decode --elf", []string{"decode", writeTemp(t, "boot.log", []byte("ets Jan  8 2013,rst cause:2, boot mode:(3,6)\n")), "--elf", "IN"}},
		{"sim --flash", []string{"sim", "--flash", "IN"}},
	}
	classes := []struct {
		name, path string
		msg        string
	}{
		{"fifo", fifo, "a named pipe (FIFO), not a regular file"},
		{"dev-zero", "/dev/zero", "a character device, not a regular file"},
		{"directory", dir, "it is a directory"},
		{"huge", huge, "is larger than"},
	}
	var rows []row
	for _, r := range readers {
		for _, c := range classes {
			args := make([]string, len(r.args))
			for i, a := range r.args {
				if a == "IN" {
					a = c.path
				}
				args[i] = a
			}
			rows = append(rows, row{r.name + "/" + c.name, args, 9, c.msg})
		}
	}
	rows = append(rows,
		// A device, directory or FIFO as the output, even with --force.
		row{"image patch -o /dev/null", []string{"image", "patch", good, "-o", "/dev/null", "--force", "--server", "blynk.lan:9443"}, 9, "will not write /dev/null: it is a character device"},
		row{"image build -o /dev/full", []string{"image", "build", fixtureSketchELF, "-o", "/dev/full", "--force"}, 9, "will not write /dev/full: it is a character device"},
		row{"image patch -o dir", []string{"image", "patch", good, "-o", dir, "--force", "--server", "blynk.lan:9443"}, 9, "it is a directory"},
		row{"image patch -o fifo", []string{"image", "patch", good, "-o", fifo, "--force", "--server", "blynk.lan:9443"}, 9, "it is a named pipe"},
		row{"cert new into a key that is a directory", []string{"cert", "new", "--dns", "blynk.lan", "--out", badKeyDir, "--force"}, 9, "will not write"},
		row{"flash --trace dir", []string{"flash", good, "-p", "/dev/null", "--trace", dir}, 9, "it is a directory"},
		row{"profile add --config /dev/null", []string{"profile", "add", "x", "--port", "/dev/ttyUSB0", "--config", "/dev/null"}, 9, "not a regular file"},
	)
	env := []string{"BLYNKBRIDGE_CONFIG=" + nowhere, "BLYNKBRIDGE_PROFILE=", "BLYNKBRIDGE_TOKEN=", "XDG_CACHE_HOME=" + t.TempDir()}
	var peak int64
	var slowest time.Duration
	defer func() { t.Logf("%d runs: peak memory %.1f MiB, slowest %v", len(rows), float64(peak)/(1<<20), slowest) }()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			start := time.Now()
			res := runProc(t, env, false, 2*time.Second, r.args...)
			peak, slowest = max(peak, res.maxRSS), max(slowest, time.Since(start))
			if res.signalled {
				t.Errorf("still running after 2 s (ended %v after SIGINT, exit %d): it should refuse at once", res.afterSignal, res.code)
			}
			if res.code != r.code || !errorHint.MatchString(res.stderr) || !strings.Contains(res.stderr, r.msg) {
				t.Errorf("%q: exit %d, want %d with %q\nstderr:\n%s", r.args, res.code, r.code, r.msg, res.stderr)
			}
			if res.maxRSS > 100<<20 {
				t.Errorf("peak memory %d MiB", res.maxRSS>>20)
			}
		})
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatal("/dev/null was replaced")
	}
	// UTF-16 (Notepad, PowerShell's >) where a small text file is read:
	// read as meant, not refused and not taken for other bytes.
	t.Run("token file/utf16", func(t *testing.T) {
		patched := filepath.Join(t.TempDir(), "p.bin")
		res := runProc(t, env, false, 5*time.Second, "image", "patch", good, "-o", patched, "--token-file", utf16Token)
		if res.code != 0 {
			t.Fatalf("exit %d\n%s", res.code, res.stderr)
		}
		if b, _ := os.ReadFile(patched); !bytes.Contains(b, []byte(testToken)) {
			t.Fatal("the UTF-16 token did not reach the image")
		}
	})
	t.Run("config/utf16", func(t *testing.T) {
		res := runProc(t, env, false, 5*time.Second, "profile", "list", "-q", "--config", utf16Config)
		if res.code != 0 || strings.TrimSpace(res.stdout) != "d1" {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
	})
}

// TestHostileStreams: the commands that stream (decode FILE and -) wait
// on a FIFO that has no writer, on a terminal-less stdin, or read a huge
// file: SIGINT ends each within 1 s with 130, in bounded memory.
func TestHostileStreams(t *testing.T) {
	_, fifo, huge := hostileFiles(t, 2<<30) // 2 GiB of NULs to stream
	for _, c := range []struct {
		name string
		args []string
	}{
		{"decode fifo", []string{"decode", fifo}},
		{"decode huge", []string{"decode", huge}},
		{"cert check - on a silent pipe", []string{"cert", "check", "-"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := runProc(t, nil, true, 500*time.Millisecond, c.args...)
			t.Logf("%q: exit %d %v after SIGINT, peak memory %.1f MiB", c.args, res.code, res.afterSignal, float64(res.maxRSS)/(1<<20))
			if !res.signalled || res.code != 130 || res.afterSignal > time.Second {
				t.Errorf("%q: signalled %v, exit %d after %v; want 130 within 1 s of SIGINT\nstderr:\n%s", c.args, res.signalled, res.code, res.afterSignal, res.stderr)
			}
			if res.maxRSS > 100<<20 {
				t.Errorf("peak memory %d MiB", res.maxRSS>>20)
			}
		})
	}
}

// TestConcurrentProfileAdd: 20 `profile add` processes at once all land
// (each says saved, and all 20 are in the file) and exactly one is the
// default (the first to take the lock).
func TestConcurrentProfileAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary (-short)")
	}
	cfg := filepath.Join(t.TempDir(), "cfg", "profiles.toml")
	var wg sync.WaitGroup
	results := make([]procResult, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runProc(t, nil, false, 20*time.Second, "profile", "add", fmt.Sprintf("b%02d", i), "--port", "/dev/ttyUSB0", "--config", cfg)
		}()
	}
	wg.Wait()
	defaults := 0
	for i, r := range results {
		if r.code != 0 || !strings.Contains(r.stdout, "saved profile") {
			t.Errorf("add %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "(default)") {
			defaults++
		}
	}
	list := runProc(t, nil, false, 10*time.Second, "profile", "list", "-q", "--config", cfg)
	if n := len(strings.Fields(list.stdout)); n != 20 {
		t.Fatalf("%d of 20 profiles in the file:\n%s", n, list.stdout)
	}
	show := runProc(t, nil, false, 10*time.Second, "profile", "list", "--config", cfg)
	if defaults != 1 || strings.Count(show.stdout, " *") != 1 {
		t.Fatalf("%d runs said (default); list:\n%s", defaults, show.stdout)
	}
}
